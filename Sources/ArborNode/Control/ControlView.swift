import ArborControl
import ArborCore

/// Builds the control API's documents from what the node holds: the router's state through
/// ArborControl's ``RouterView`` (trees, traces, routes, topologies, events, the router's
/// counters), plus the runtime's links, clients and counters.
///
/// Every method runs on the node's event loop.
struct ControlView {
    let runtime: NodeRuntime
    /// The router's state, as the documents show it.
    let routerView: RouterView

    init(_ runtime: NodeRuntime) {
        runtime.eventLoop.preconditionInEventLoop()
        self.runtime = runtime
        routerView = RouterView(runtime.router, cache: runtime.inspectionCache)
    }

    var router: Router { routerView.router }

    /// A topology named in a path: 400 for an invalid name, 404 when this node neither
    /// holds state for it nor knows a definition of it.
    func knownTopology(_ raw: String) throws(ControlError) -> TopologyName {
        let name: TopologyName
        do {
            name = try TopologyName(validating: raw)
        } catch {
            throw ControlError(.badRequest, "'\(raw)' is not a topology name: \(error)")
        }
        guard router.topologies[name] != nil || router.graph.definitions[name] != nil else {
            let known = routerView.allTopologies().map(\.rawValue)
            let list = known.isEmpty ? "it knows none" : "it knows " + known.joined(separator: ", ")
            throw ControlError(.notFound, "this node holds no state for topology \(raw) and no definition declares it (\(list))")
        }
        return name
    }

    /// `GET /v1/topologies`.
    func topologies() -> [TopologyDocument] {
        routerView.topologies(publishers: runtime.publishers.count(in:))
    }

    /// `GET /v1/events?after=SEQ`: the kept events after `after`, oldest first.
    func events(after: UInt64) -> EventsDocument {
        let log = runtime.eventLog
        let events = log.entries(after: after).map { entry in
            routerView.event(seq: entry.sequence, instant: entry.instant, wallClock: entry.wallClock, entry.observation)
        }
        return EventsDocument(events: events, after: after, oldestKept: log.oldest, newest: log.newest)
    }
}
