import ArborCore

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
}

/// One row of the next-hop table: a message whose topic is `prefix` goes to `via` (engaged
/// neighbours whose interest matches it) and, when `local`, to local subscribers.
public struct NextHopDocument: Codable, Hashable, Sendable {
    public var prefix: TopicJSON
    public var via: [String]
    public var local: Bool
}

extension RouterView {
    /// `GET /v1/routes`: the route of every topology held here or declared.
    public func routes() -> [RouteDocument] {
        allTopologies().map(route)
    }

    /// `GET /v1/routes/{topology}`.
    public func route(_ topology: TopologyName) -> RouteDocument {
        let state = router.topologies[topology]
        let route = place(in: topology)
        let engaged = state?.engaged ?? []
        var neighborIDs = Set(route?.treeNeighbors ?? [])
        if let state {
            neighborIDs.formUnion(state.remote.keys)
            neighborIDs.formUnion(state.sent.keys)
        }
        let neighbors = neighborIDs.sorted { name(of: $0) < name(of: $1) }.map { id in
            let role = id == route?.parent ? "parent" : route?.treeNeighbors.contains(id) == true ? "child" : "none"
            return RouteNeighborDocument(
                name: name(of: id),
                id: id.description,
                role: role,
                linkUp: router.peers[id] != nil,
                engaged: engaged.contains(id),
                interestHeld: state?.remote[id].map(Self.topics),
                interestSent: state?.sent[id].map(Self.topics)
            )
        }
        return RouteDocument(
            topology: topology.rawValue,
            held: state != nil,
            root: route.map { name(of: $0.root) },
            rootReason: route.map(\.rootReason.name),
            parent: route?.parent.map(name(of:)),
            treeNeighbors: names(route?.treeNeighbors ?? []).sorted(),
            engaged: names(engaged).sorted(),
            localInterest: state.map { Self.topics($0.localInterest.aggregated) } ?? [],
            neighbors: neighbors,
            nextHops: state.map(nextHops) ?? []
        )
    }

    /// One row per prefix wanted here or by an engaged neighbour: where a message whose
    /// topic is exactly that prefix goes, decided as the router decides (engaged neighbours
    /// whose held interest matches, and local subscribers).
    private func nextHops(_ state: TopologyState) -> [NextHopDocument] {
        var prefixes = Set(state.localInterest.all)
        for neighbor in state.engaged {
            prefixes.formUnion(state.remote[neighbor]?.prefixes ?? [])
        }
        return prefixes.sorted().map { prefix in
            let via = state.engaged.filter { state.remote[$0]?.matches(prefix) == true }
            return NextHopDocument(
                prefix: TopicJSON(prefix.bytes),
                via: names(via).sorted(),
                local: state.localInterest.matches(prefix)
            )
        }
    }
}
