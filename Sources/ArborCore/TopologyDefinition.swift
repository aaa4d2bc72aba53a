/// A declared topology: the nodes and links it may use, its root, fallbacks and publishers.
///
/// Definitions travel inside link-state records, so a file loaded on one node reaches all
/// of them. Nodes are named, not numbered: names map to ids through the records.
public struct TopologyDefinition: Hashable, Sendable {
    public var name: TopologyName
    /// Higher versions supersede lower ones everywhere in the overlay.
    public var version: UInt64
    public var description: String
    /// Node name of the declared root; `nil` for rendezvous hashing.
    public var root: String?
    /// Node names to use as root, in order, while the declared root is unreachable.
    public var fallbacks: [String]
    /// Node names that may carry this topology; `nil` means any node.
    public var nodes: [String]?
    /// Links that may carry this topology with their costs; `nil` means any link between
    /// the topology's nodes at cost 1.
    public var links: [LinkRule]?
    /// Nodes whose applications may publish, by name or by node id (32 hex digits);
    /// `nil` means any.
    public var publishers: [String]?
    /// Largest payload accepted for this topology, in bytes; `nil` for the node default.
    public var maxMessageSize: Int?
    /// Node ids that may sign this definition and newer versions of it; `nil`: any node
    /// (see `DefinitionAuthority`).
    public var admins: [NodeID]?
    /// What a node does about a local subscriber that does not keep up.
    public var slowSubscribers: SlowSubscriberPolicy

    public init(
        name: TopologyName,
        version: UInt64 = 1,
        description: String = "",
        root: String? = nil,
        fallbacks: [String] = [],
        nodes: [String]? = nil,
        links: [LinkRule]? = nil,
        publishers: [String]? = nil,
        maxMessageSize: Int? = nil,
        admins: [NodeID]? = nil,
        slowSubscribers: SlowSubscriberPolicy = .drop
    ) {
        self.name = name
        self.version = version
        self.description = description
        self.root = root
        self.fallbacks = fallbacks
        self.nodes = nodes
        self.links = links
        self.publishers = publishers
        self.maxMessageSize = maxMessageSize
        self.admins = admins
        self.slowSubscribers = slowSubscribers
    }

    /// A content digest, identical for equal definitions on every node.
    public var digest: UInt64 {
        var hash = StableHash(seed: 7)
        hash.combine(name.rawValue)
        hash.combine(version)
        hash.combine(description)
        hash.combine(root ?? "\u{0}")
        hash.combine(UInt64(fallbacks.count))
        fallbacks.forEach { hash.combine($0) }
        combineLinkPolicy(into: &hash)
        hash.combine(UInt64(publishers?.count ?? Int.max))
        publishers?.forEach { hash.combine($0) }
        hash.combine(UInt64(bitPattern: Int64(maxMessageSize ?? -1)))
        if let admins {
            hash.combine(UInt64(admins.count))
            admins.forEach { hash.combine($0) }
        }
        if slowSubscribers != .drop {
            // Only when set: definitions without it keep the digests they had.
            hash.combine(slowSubscribers.rawValue)
        }
        return hash.value
    }

    /// A digest of what decides the graph a topology may use (its nodes and links), equal
    /// for definitions that differ only in root, publishers or limits: their trees from
    /// one root are the same, and are computed once.
    public var linkPolicyDigest: UInt64 {
        var hash = StableHash(seed: 11)
        combineLinkPolicy(into: &hash)
        return hash.value
    }

    private func combineLinkPolicy(into hash: inout StableHash) {
        hash.combine(UInt64(nodes?.count ?? Int.max))
        nodes?.forEach { hash.combine($0) }
        hash.combine(UInt64(links?.count ?? Int.max))
        links?.forEach {
            hash.combine($0.a)
            hash.combine($0.b)
            hash.combine(UInt64($0.cost))
        }
    }

    /// Whether the node `id`, holding the name `name` (`nil`: no name, or one another node
    /// holds), may publish: a listed node id is matched against `id`, a listed name against
    /// `name`. Ids are authenticated (keys), names are not: a list of ids holds against a
    /// node that claims a publisher's name.
    public func permitsPublisher(_ name: String?, id: NodeID) -> Bool {
        guard let publishers else { return true }
        return publishers.contains { entry in
            entry == name || NodeID(listed: entry) == id
        }
    }
}

/// An allowed link between two named nodes, usable in both directions.
public struct LinkRule: Hashable, Sendable {
    public var a: String
    public var b: String
    public var cost: UInt32

    public init(_ a: String, _ b: String, cost: UInt32 = 1) {
        self.a = a
        self.b = b
        self.cost = cost
    }
}
