/// `GET /v1/tree/{topology}`: the whole tree of a topology as this node computes it, with
/// the same function its router routes by, from the graph its routes were last computed on.
public struct TreeDocument: Codable, Hashable, Sendable {
    public var topology: String
    /// The node that computed it (every node computes the same tree from the same database).
    public var computedBy: String
    @Nullable public var root: String?
    @Nullable public var rootReason: String?
    /// The nodes on the tree, depth first from the root, children in name order.
    public var nodes: [TreeNodeDocument]
    /// Every link the topology may use that is up in both directions.
    public var links: [TreeLinkDocument]
    /// Nodes that may carry the topology but are cut off from the root's side.
    public var unreachable: [String]

    public init(
        topology: String, computedBy: String, root: String?, rootReason: String?, nodes: [TreeNodeDocument],
        links: [TreeLinkDocument], unreachable: [String]
    ) {
        self.topology = topology
        self.computedBy = computedBy
        self.root = root
        self.rootReason = rootReason
        self.nodes = nodes
        self.links = links
        self.unreachable = unreachable
    }
}

/// A node on the tree.
public struct TreeNodeDocument: Codable, Hashable, Sendable {
    public var name: String
    public var id: String
    /// `null` for the root.
    @Nullable public var parent: String?
    /// Sum of link costs from the root.
    public var cost: UInt64
    /// Links from the root.
    public var depth: Int
    public var children: [String]

    public init(name: String, id: String, parent: String?, cost: UInt64, depth: Int, children: [String]) {
        self.name = name
        self.id = id
        self.parent = parent
        self.cost = cost
        self.depth = depth
        self.children = children
    }
}

/// A link the topology may use.
public struct TreeLinkDocument: Codable, Hashable, Sendable {
    /// The two ends, in name order.
    public var nodes: [String]
    /// The cost the topology gives the link.
    public var cost: UInt32
    /// `tree` (a tree edge) or `unused` (a standby: allowed and up, on no shortest path);
    /// in `arbor plan --json`, which writes its links in this form too, also `failed` (a
    /// link the plan was told to fail).
    public var state: String

    public init(nodes: [String], cost: UInt32, state: String) {
        self.nodes = nodes
        self.cost = cost
        self.state = state
    }
}
