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

    public init(
        name: String, source: String, version: UInt64?, description: String?, loadedHere: Bool, held: Bool,
        root: String?, rootReason: String?, parent: String?, members: Int, subscribers: Int, publishers: Int,
        subscriptions: Int, engaged: [String]
    ) {
        self.name = name
        self.source = source
        self.version = version
        self.description = description
        self.loadedHere = loadedHere
        self.held = held
        self.root = root
        self.rootReason = rootReason
        self.parent = parent
        self.members = members
        self.subscribers = subscribers
        self.publishers = publishers
        self.subscriptions = subscriptions
        self.engaged = engaged
    }
}
