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

    public init(events: [EventDocument], next: UInt64, missed: UInt64) {
        self.events = events
        self.next = next
        self.missed = missed
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

    public init(
        seq: UInt64, time: String, instantMs: Double, type: String, peer: String? = nil, peerId: String? = nil,
        reason: String? = nil, topology: String? = nil, before: RouteStateDocument? = nil, after: RouteStateDocument? = nil
    ) {
        self.seq = seq
        self.time = time
        self.instantMs = instantMs
        self.type = type
        self.peer = peer
        self.peerId = peerId
        self.reason = reason
        self.topology = topology
        self.before = before
        self.after = after
    }

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

    public init(root: String, rootReason: String, parent: String?, treeNeighbors: [String], engaged: [String]) {
        self.root = root
        self.rootReason = rootReason
        self.parent = parent
        self.treeNeighbors = treeNeighbors
        self.engaged = engaged
    }
}
