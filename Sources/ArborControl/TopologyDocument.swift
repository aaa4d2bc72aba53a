import ArborCore

/// One element of `GET /v1/topologies` (a JSON array): a topology this node keeps state
/// for or knows a definition of.
public struct TopologyDocument: Codable, Hashable, Sendable {
    public var name: String
    /// `file` when a definition (from some node's topology file) is in force, else `implicit`.
    public var source: String
    /// Version of the definition in force; `null` for an implicit topology.
    @Nullable public var version: UInt64?
    /// The definition's description; `null` for an implicit topology.
    @Nullable public var description: String?
    /// Whether this node loaded the definition from its own files.
    public var loadedHere: Bool
    /// Whether this node keeps state for the topology (it has members, or relays for them).
    public var held: Bool
    /// The root, and why: `declared`, `fallback-N` (the declared root and earlier fallbacks
    /// are unreachable) or `rendezvous`. `null` when this node may not carry the topology.
    @Nullable public var root: String?
    @Nullable public var rootReason: String?
    /// This node's parent on the tree; `null` at the root or off the tree.
    @Nullable public var parent: String?
    /// Local applications attached to the topology.
    public var members: Int
    /// Members with at least one subscription.
    public var subscribers: Int
    /// Members that published at least once while attached.
    public var publishers: Int
    /// Distinct prefixes subscribed here.
    public var subscriptions: Int
    /// Tree neighbours interest is exchanged with.
    public var engaged: [String]
}

extension RouterView {
    /// `GET /v1/topologies`: every topology held here or declared, in name order;
    /// `publishers` counts the local applications that published to one.
    public func topologies(publishers: (TopologyName) -> Int) -> [TopologyDocument] {
        allTopologies().map { topology($0, publishers: publishers($0)) }
    }

    private func topology(_ topology: TopologyName, publishers: Int) -> TopologyDocument {
        let definition = router.graph.definitions[topology]
        let state = router.topologies[topology]
        let route = place(in: topology)
        let members = state?.members ?? [:]
        return TopologyDocument(
            name: topology.rawValue,
            source: definition == nil ? "implicit" : "file",
            version: definition?.version,
            description: definition?.description,
            loadedHere: router.configuration.definitions.contains { $0.name == topology },
            held: state != nil,
            root: route.map { name(of: $0.root) },
            rootReason: route.map(\.rootReason.name),
            parent: route?.parent.map(name(of:)),
            members: members.count,
            subscribers: members.values.filter { !$0.isEmpty }.count,
            publishers: publishers,
            subscriptions: members.values.reduce(0) { $0 + $1.distinctCount },
            engaged: names(state?.engaged ?? []).sorted()
        )
    }
}
