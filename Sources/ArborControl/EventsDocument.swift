import ArborCore

/// `GET /v1/events?after=SEQ[&wait=SECONDS]`: the node's recent events, oldest first.
///
/// Follow mode is a long poll: with `wait`, a request that finds no event after `after`
/// is held until one happens or `wait` seconds pass (then `events` is empty). Pass `next`
/// as `after` in the following request to see each event exactly once.
public struct EventsDocument: Codable, Hashable, Sendable {
    public var events: [EventDocument]
    /// The sequence number of the newest event so far (0 before the first).
    public var next: UInt64
    /// Events after `after` that the node no longer keeps (it keeps the most recent ones).
    public var missed: UInt64
}

extension EventsDocument {
    /// The events kept after `after`, with the sequence numbers of the oldest event kept
    /// and of the newest so far.
    public init(events: [EventDocument], after: UInt64, oldestKept: UInt64, newest: UInt64) {
        self.init(events: events, next: newest, missed: oldestKept > after + 1 ? oldestKept - after - 1 : 0)
    }
}

/// One event. `type` says which fields are present:
/// - `peer_up`: `peer`, `peer_id`
/// - `peer_down`: `peer`, `peer_id`, `reason`
/// - `route_changed`: `topology`, `before`, `after` (each `null` when the node had or has
///   no place in the tree)
/// - `record_expired`: `peer`, `peer_id` (a node forgotten after staying unreachable)
/// - `definition_conflict`: `topology`, `reason`
/// - `name_conflict`: `peer` (the contested name), `reason`
/// - `definitions_reloaded`: `reason` (which topologies' definitions changed)
/// - `reload_refused`: `reason` (the located errors of the topology files)
public struct EventDocument: Codable, Hashable, Sendable {
    public var seq: UInt64
    /// Wall-clock time, ISO 8601 in UTC with milliseconds.
    public var time: String
    /// The node's monotonic clock, milliseconds since the daemon started: exact intervals
    /// between events of one node.
    public var instantMs: Double
    public var type: String
    public var peer: String?
    public var peerId: String?
    public var reason: String?
    public var topology: String?
    public var before: RouteStateDocument?
    public var after: RouteStateDocument?

    /// Writes the fields of its type only, `before` and `after` of a route change even when
    /// `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(seq, forKey: .seq)
        try container.encode(time, forKey: .time)
        try container.encode(instantMs, forKey: .instantMs)
        try container.encode(type, forKey: .type)
        try container.encodeIfPresent(peer, forKey: .peer)
        try container.encodeIfPresent(peerId, forKey: .peerId)
        try container.encodeIfPresent(reason, forKey: .reason)
        try container.encodeIfPresent(topology, forKey: .topology)
        if type == "route_changed" {
            try container.encode(before, forKey: .before)
            try container.encode(after, forKey: .after)
        }
    }
}

/// A node's place in a topology's tree at one moment (in route change events).
public struct RouteStateDocument: Codable, Hashable, Sendable {
    public var root: String
    public var rootReason: String
    @Nullable public var parent: String?
    public var treeNeighbors: [String]
    public var engaged: [String]
}

extension RouterView {
    /// One event: observation `observation` of the router, the `seq`th the node recorded,
    /// at `instant` of its monotonic clock and `wallClock` (nanoseconds since the Unix epoch).
    public func event(seq: UInt64, instant: Instant, wallClock: Int64, _ observation: Router.Observation) -> EventDocument {
        var document = EventDocument(
            seq: seq,
            time: Timestamp.iso8601(unixNanoseconds: wallClock),
            instantMs: Timestamp.milliseconds(.nanoseconds(instant.nanoseconds)),
            type: ""
        )
        switch observation {
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
