import ArborCore

/// The tree a topology file yields, as routers would compute it, after some failures.
public struct TopologyPlan: Sendable {
    /// A node's place on the tree.
    public struct Placement: Hashable, Sendable {
        /// `nil` for the root.
        public let parent: String?
        /// Sum of link costs from the root.
        public let cost: UInt64

        public init(parent: String?, cost: UInt64) {
            self.parent = parent
            self.cost = cost
        }
    }

    /// What became of an allowed link.
    public enum LinkState: String, Hashable, Sendable {
        /// A tree edge: data flows over it.
        case tree
        /// Allowed and up, but on no shortest path from the root: a standby.
        case unused
        /// Down: failed itself or at one of its ends.
        case failed
    }

    public struct PlannedLink: Hashable, Sendable {
        public let pair: NodePair
        public let cost: UInt32
        public let state: LinkState
    }

    public let topology: TopologyName
    /// Every node of the topology, in the order the file lists them.
    public let nodes: [String]
    public let failures: PlanFailures
    /// `nil` when every node failed.
    public let root: String?
    public let rootReason: TopologyGraph.RootReason?
    /// The nodes on the tree; the others failed or are unreachable.
    public let placements: [String: Placement]
    /// Every allowed link, in the order the file lists them.
    public let links: [PlannedLink]
    /// Nodes with more than one equally short path to the root, in file order. Routers
    /// break such ties by node id, which the file does not fix, so at run time their
    /// parent may be another of the equal choices.
    public let ties: [String]
    /// The file declares no links: the plan assumes every node can link to every other at
    /// cost 1 (which links exist is then up to the overlay at run time).
    public let assumesFullMesh: Bool

    /// Nodes that are alive but not on the tree, in file order.
    public var unreachable: [String] {
        nodes.filter { placements[$0] == nil && !failures.nodes.contains($0) }
    }

    /// Children of `node` on the tree, in file order.
    public func children(of node: String) -> [String] {
        nodes.filter { placements[$0]?.parent == node }
    }

    /// What changed from `before` to this plan.
    public func changes(since before: TopologyPlan) -> PlanChanges {
        var moved: [PlanChanges.Move] = []
        var lost: [String] = []
        for node in nodes where !failures.nodes.contains(node) {
            guard let old = before.placements[node] else { continue }
            guard let new = placements[node] else {
                lost.append(node)
                continue
            }
            if let from = old.parent, let to = new.parent, from != to {
                moved.append(PlanChanges.Move(node: node, from: from, to: to, costBefore: old.cost, costAfter: new.cost))
            }
        }
        return PlanChanges(
            rootBefore: before.root,
            rootAfter: root,
            moved: moved,
            unreachable: lost,
            failedNodes: nodes.filter { failures.nodes.contains($0) },
            failedLinks: failures.links.sorted()
        )
    }
}

/// The difference between the plan of an intact topology and the plan after failures.
public struct PlanChanges: Hashable, Sendable {
    /// A node that re-grafted onto another parent (encoded as such in `arbor plan --json`).
    public struct Move: Hashable, Sendable, Encodable {
        public let node: String
        public let from: String
        public let to: String
        public let costBefore: UInt64
        public let costAfter: UInt64
    }

    public let rootBefore: String?
    public let rootAfter: String?
    /// Nodes on the tree before and after, under a different parent, in file order.
    public let moved: [Move]
    /// Nodes that were on the tree and are now cut off (failed nodes are not counted).
    public let unreachable: [String]
    public let failedNodes: [String]
    public let failedLinks: [NodePair]

    public var rootChanged: Bool { rootBefore != rootAfter }
}
