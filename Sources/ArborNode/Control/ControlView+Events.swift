import ArborControl
import ArborCore

extension ControlView {
    /// `GET /v1/events?after=SEQ`: the kept events after `after`, oldest first.
    func events(after: UInt64) -> EventsDocument {
        let log = runtime.eventLog
        let missed = log.oldest > after + 1 ? log.oldest - after - 1 : 0
        return EventsDocument(events: log.entries(after: after).map(event), next: log.newest, missed: missed)
    }

    private func event(_ entry: NodeEventLog.Entry) -> EventDocument {
        var document = EventDocument(
            seq: entry.sequence,
            time: Timestamp.iso8601(unixNanoseconds: entry.wallClock),
            instantMs: Self.milliseconds(.nanoseconds(entry.instant.nanoseconds)),
            type: ""
        )
        switch entry.observation {
        case .peerUp(let peer, let name):
            document.type = "peer_up"
            document.peer = name
            document.peerId = peer.description
        case .peerDown(let peer, let name, let reason):
            document.type = "peer_down"
            document.peer = name
            document.peerId = peer.description
            document.reason = reason
        case .routeChanged(let topology, let before, let after):
            document.type = "route_changed"
            document.topology = topology.rawValue
            document.before = before.map(routeState)
            document.after = after.map(routeState)
        case .recordExpired(let node, let name):
            document.type = "record_expired"
            document.peer = name
            document.peerId = node.description
        case .definitionConflict(let topology, let definitions):
            document.type = "definition_conflict"
            document.topology = topology.rawValue
            document.reason = "\(definitions.count) different definitions at version \(definitions.first?.version ?? 0); one is used deterministically: give the file a higher version"
        case .nameConflict(let name, let claimants):
            document.type = "name_conflict"
            document.peer = name
            document.reason = "claimed by \(claimants.map(\.short).joined(separator: ", ")): give each node its own name"
        case .definitionsReloaded(let changed):
            document.type = "definitions_reloaded"
            document.reason = changed.isEmpty ? "no definition changed" : "changed: " + changed.map(\.rawValue).joined(separator: ", ")
        case .definitionsRefused(let errors):
            document.type = "reload_refused"
            document.reason = "\(errors.count) error(s), the definitions in force kept: " + errors.joined(separator: "; ")
        }
        return document
    }

    /// Names are resolved now, from the current graph (a node that has since been
    /// forgotten shows as its short id).
    private func routeState(_ summary: RouteSummary) -> RouteStateDocument {
        RouteStateDocument(
            root: name(of: summary.root),
            rootReason: summary.rootReason.name,
            parent: summary.parent.map(name(of:)),
            treeNeighbors: names(summary.treeNeighbors).sorted(),
            engaged: names(summary.engaged).sorted()
        )
    }
}
