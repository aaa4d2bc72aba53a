import ArborCore

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

extension RouterView {
    /// `GET /v1/tree/{topology}`.
    public func tree(_ name: TopologyName) -> TreeDocument {
        let graph = router.graph
        guard let planned = plannedTree(name) else {
            return TreeDocument(topology: name.rawValue, computedBy: router.name, root: nil, rootReason: nil, nodes: [], links: [], unreachable: [])
        }
        let tree = planned.tree
        let label = { (index: Int32) in graph.names[Int(index)] }
        var nodes: [TreeNodeDocument] = []
        func walk(_ node: Int32, depth: Int) {
            let children = tree.children(of: node).sorted { label($0) < label($1) }
            nodes.append(
                TreeNodeDocument(
                    name: label(node),
                    id: graph.ids[Int(node)].description,
                    parent: tree.parent(of: node).map(label),
                    cost: tree.distances[Int(node)],
                    depth: depth,
                    children: children.map(label)
                )
            )
            for child in children {
                walk(child, depth: depth + 1)
            }
        }
        walk(tree.root, depth: 0)

        var links: [TreeLinkDocument] = []
        var unreachable: [String] = []
        for node in 0..<Int32(graph.count) where planned.topology.eligible[Int(node)] {
            if !tree.contains(node) {
                unreachable.append(label(node))
            }
            for edge in graph.neighbors(of: node) {
                let other = graph.targets[edge]
                let cost = planned.topology.edgeCosts[edge]
                guard other > node, cost > 0 else { continue }
                let onTree = tree.parent(of: other) == node || tree.parent(of: node) == other
                links.append(TreeLinkDocument(nodes: [label(node), label(other)].sorted(), cost: cost, state: onTree ? "tree" : "unused"))
            }
        }
        links.sort { $0.nodes.lexicographicallyPrecedes($1.nodes) }
        return TreeDocument(
            topology: name.rawValue,
            computedBy: router.name,
            root: label(planned.root.index),
            rootReason: planned.root.reason.name,
            nodes: nodes,
            links: links,
            unreachable: unreachable.sorted()
        )
    }
}
