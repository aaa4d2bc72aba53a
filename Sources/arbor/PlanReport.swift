import ArborCore
import ArborTopology

/// The JSON form of `arbor plan`: the plan, and after failures the plan after them and
/// the changes. Every node appears with its state (root, tree, unreachable, failed), its
/// parent and its cost from the root (`null` when off the tree).
struct PlanReport: Encodable {
    struct Node: Encodable {
        let name: String
        let state: String
        let parent: String?
        let cost: UInt64?

        private enum CodingKeys: String, CodingKey { case name, state, parent, cost }

        /// Writes `null` for a missing parent or cost rather than leaving the key out.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(state, forKey: .state)
            try container.encode(parent, forKey: .parent)
            try container.encode(cost, forKey: .cost)
        }
    }

    struct Link: Encodable {
        let nodes: [String]
        let cost: UInt32
        let state: String
    }

    struct Tree: Encodable {
        let root: String?
        let rootReason: String?
        let nodes: [Node]
        let links: [Link]
        let unreachable: [String]
        let ties: [String]

        private enum CodingKeys: String, CodingKey { case root, rootReason, nodes, links, unreachable, ties }

        /// Writes `null` for the root when every node failed.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(root, forKey: .root)
            try container.encode(rootReason, forKey: .rootReason)
            try container.encode(nodes, forKey: .nodes)
            try container.encode(links, forKey: .links)
            try container.encode(unreachable, forKey: .unreachable)
            try container.encode(ties, forKey: .ties)
        }
    }

    struct Failures: Encodable {
        let nodes: [String]
        let links: [[String]]
    }

    struct Move: Encodable {
        let node: String
        let from: String
        let to: String
        let costBefore: UInt64
        let costAfter: UInt64
    }

    struct Changes: Encodable {
        let rootBefore: String?
        let rootAfter: String?
        let moved: [Move]
        let unreachable: [String]

        private enum CodingKeys: String, CodingKey { case rootBefore, rootAfter, moved, unreachable }

        /// Writes `null` for `rootAfter` when every node failed.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(rootBefore, forKey: .rootBefore)
            try container.encode(rootAfter, forKey: .rootAfter)
            try container.encode(moved, forKey: .moved)
            try container.encode(unreachable, forKey: .unreachable)
        }
    }

    let topology: String
    let assumesFullMesh: Bool
    let plan: Tree
    let failures: Failures?
    let after: Tree?
    let changes: Changes?

    init(before: TopologyPlan, after: TopologyPlan?) {
        topology = before.topology.rawValue
        assumesFullMesh = before.assumesFullMesh
        plan = PlanReport.tree(before)
        self.after = after.map(PlanReport.tree)
        failures = after.map { plan in
            Failures(
                nodes: plan.nodes.filter(plan.failures.nodes.contains),
                links: plan.failures.links.sorted().map { [$0.a, $0.b] }
            )
        }
        changes = after.map { plan in
            let changes = plan.changes(since: before)
            return Changes(
                rootBefore: changes.rootBefore,
                rootAfter: changes.rootAfter,
                moved: changes.moved.map {
                    Move(node: $0.node, from: $0.from, to: $0.to, costBefore: $0.costBefore, costAfter: $0.costAfter)
                },
                unreachable: changes.unreachable
            )
        }
    }

    private static func tree(_ plan: TopologyPlan) -> Tree {
        let nodes = plan.nodes.map { name in
            let placement = plan.placements[name]
            let state: String
            if name == plan.root {
                state = "root"
            } else if placement != nil {
                state = "tree"
            } else if plan.failures.nodes.contains(name) {
                state = "failed"
            } else {
                state = "unreachable"
            }
            return Node(name: name, state: state, parent: placement?.parent, cost: placement?.cost)
        }
        return Tree(
            root: plan.root,
            rootReason: plan.rootReason.map(reason),
            nodes: nodes,
            links: plan.links.map { Link(nodes: [$0.pair.a, $0.pair.b], cost: $0.cost, state: $0.state.rawValue) },
            unreachable: plan.unreachable,
            ties: plan.ties
        )
    }

    private static func reason(_ reason: TopologyGraph.RootReason) -> String {
        switch reason {
        case .declared: return "declared"
        case .fallback(let position): return "fallback-\(position + 1)"
        case .rendezvous: return "rendezvous"
        }
    }
}
