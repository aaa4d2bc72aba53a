/// `GET /v1/routes/{topology}`, and one element of `GET /v1/routes` (a JSON array): this
/// node's place in a topology's tree and the interest it exchanges, as the router holds them.
public struct RouteDocument: Codable, Hashable, Sendable {
    public var topology: String
    /// Whether this node keeps state for the topology; when not, the tree fields show the
    /// place it would take (from the same tree function) and the interest fields are empty.
    public var held: Bool
    @Nullable public var root: String?
    /// `declared`, `fallback-N` or `rendezvous`.
    @Nullable public var rootReason: String?
    /// `null` at the root (and when this node may not carry the topology).
    @Nullable public var parent: String?
    /// The parent and every child, by name.
    public var treeNeighbors: [String]
    /// Tree neighbours interest is exchanged with; data only ever goes to these.
    public var engaged: [String]
    /// The union of the local subscriptions.
    public var localInterest: [TopicJSON]
    /// Every tree neighbour, and any other neighbour this node holds interest from.
    public var neighbors: [RouteNeighborDocument]
    /// Per prefix: where a message whose topic is exactly that prefix goes from here.
    public var nextHops: [NextHopDocument]

    public init(
        topology: String, held: Bool, root: String?, rootReason: String?, parent: String?, treeNeighbors: [String],
        engaged: [String], localInterest: [TopicJSON], neighbors: [RouteNeighborDocument], nextHops: [NextHopDocument]
    ) {
        self.topology = topology
        self.held = held
        self.root = root
        self.rootReason = rootReason
        self.parent = parent
        self.treeNeighbors = treeNeighbors
        self.engaged = engaged
        self.localInterest = localInterest
        self.neighbors = neighbors
        self.nextHops = nextHops
    }
}

/// A neighbour in a ``RouteDocument``.
public struct RouteNeighborDocument: Codable, Hashable, Sendable {
    public var name: String
    public var id: String
    /// `parent`, `child`, or `none` (not a tree neighbour, yet some interest from it is held).
    public var role: String
    /// Whether a peer link to it is up.
    public var linkUp: Bool
    public var engaged: Bool
    /// The interest it told this node (the prefixes wanted behind it); `null` when it told none.
    @Nullable public var interestHeld: [TopicJSON]?
    /// The interest this node last told it; `null` when it is not engaged.
    @Nullable public var interestSent: [TopicJSON]?

    public init(name: String, id: String, role: String, linkUp: Bool, engaged: Bool, interestHeld: [TopicJSON]?, interestSent: [TopicJSON]?) {
        self.name = name
        self.id = id
        self.role = role
        self.linkUp = linkUp
        self.engaged = engaged
        self.interestHeld = interestHeld
        self.interestSent = interestSent
    }
}

/// One row of the next-hop table: a message whose topic is `prefix` goes to `via` (engaged
/// neighbours whose interest matches it) and, when `local`, to local subscribers.
public struct NextHopDocument: Codable, Hashable, Sendable {
    public var prefix: TopicJSON
    public var via: [String]
    public var local: Bool

    public init(prefix: TopicJSON, via: [String], local: Bool) {
        self.prefix = prefix
        self.via = via
        self.local = local
    }
}
