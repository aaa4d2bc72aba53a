import ArborControl
import ArborCore

/// Builds the control API's documents from what the node holds: the router's state (its
/// graph, peers, topologies, statistics), the runtime's links, clients and counters.
/// Nothing is recomputed differently for display: trees come from `RoutingCache.tree`, the
/// function the router routes by, on the graph its routes were last computed from.
///
/// Every method runs on the node's event loop.
struct ControlView {
    let runtime: NodeRuntime

    init(_ runtime: NodeRuntime) {
        runtime.eventLoop.preconditionInEventLoop()
        self.runtime = runtime
    }

    var router: Router { runtime.router }

    /// The name of a node: from the graph, else a connected peer, else the database; the
    /// id's first 8 digits when the node is unknown.
    func name(of id: NodeID) -> String {
        let graph = router.graph
        if let index = graph.index(of: id) {
            return graph.names[Int(index)]
        }
        if let peer = router.peers[id] {
            return peer.name
        }
        return router.database[id]?.name ?? id.short
    }

    func names(_ ids: [NodeID]) -> [String] {
        ids.map(name(of:))
    }

    static func topics(_ set: PrefixSet) -> [TopicJSON] {
        set.prefixes.map { TopicJSON($0.bytes) }
    }

    /// Milliseconds of a duration, to the microsecond.
    static func milliseconds(_ duration: Duration) -> Double {
        (duration.milliseconds * 1000).rounded() / 1000
    }

    /// Seconds of a duration, to the millisecond.
    static func seconds(_ duration: Duration) -> Double {
        duration.milliseconds.rounded() / 1000
    }

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
            let known = allTopologies().map(\.rawValue)
            let list = known.isEmpty ? "it knows none" : "it knows " + known.joined(separator: ", ")
            throw ControlError(.notFound, "this node holds no state for topology \(raw) and no definition declares it (\(list))")
        }
        return name
    }

    /// Topologies held here or declared by a definition in force, in name order.
    func allTopologies() -> [TopologyName] {
        Set(router.topologies.keys).union(router.graph.definitions.keys).sorted()
    }

    /// The tree of `name` as this node computes it, `nil` when it may not carry the topology.
    func plannedTree(_ name: TopologyName) -> PlannedTree? {
        guard let me = router.graph.index(of: router.id) else { return nil }
        return runtime.inspectionCache.tree(for: name, in: router.graph, seenFrom: me)
    }
}
