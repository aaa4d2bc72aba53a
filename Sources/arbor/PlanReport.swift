import ArborControl
import ArborCore
import ArborTopology

/// The JSON form of `arbor plan`: the plan, and after failures the plan after them and
/// the changes. Every node appears with its state (root, tree, unreachable, failed), its
/// parent and its cost from the root (`null` when off the tree).
struct PlanReport: Encodable {
    /// A missing parent or cost is written as `null` rather than leaving the key out.
    struct Node: Encodable {
        let name: String
        let state: String
        @Nullable var parent: String?
        @Nullable var cost: UInt64?
    }

    /// The root is written as `null` when every node failed.
    struct Tree: Encodable {
        @Nullable var root: String?
        @Nullable var rootReason: String?
        let nodes: [Node]
        let links: [TreeLinkDocument]
        let unreachable: [String]
        let ties: [String]
    }

    struct Failures: Encodable {
        let nodes: [String]
        let links: [[String]]
    }

    /// `rootAfter` is written as `null` when every node failed.
    struct Changes: Encodable {
        @Nullable var rootBefore: String?
        @Nullable var rootAfter: String?
        let moved: [PlanChanges.Move]
        let unreachable: [String]
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
                moved: changes.moved,
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
            rootReason: plan.rootReason.map(\.name),
            nodes: nodes,
            links: plan.links.map { TreeLinkDocument(nodes: [$0.pair.a, $0.pair.b], cost: $0.cost, state: $0.state.rawValue) },
            unreachable: plan.unreachable,
            ties: plan.ties
        )
    }
}
