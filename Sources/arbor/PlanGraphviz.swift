import ArborTopology

/// The Graphviz form of `arbor plan` (`dot -Tsvg` renders it): the plan, or after failures
/// the plan after them. Tree edges are solid and bold, allowed but unused links dashed
/// grey, failed links dotted red; the root is bold, failed nodes red and dashed, nodes that
/// changed parent blue, unreachable nodes grey. Edges are oriented as in the plan before
/// failures, so the picture after a failure keeps the layout of the one before.
struct PlanGraphviz {
    let before: TopologyPlan
    let after: TopologyPlan?

    func render() -> String {
        let plan = after ?? before
        let moved = Set(plan.changes(since: before).moved.map(\.node))
        var title = "\(plan.topology)"
        if let after {
            let failed = after.nodes.filter(after.failures.nodes.contains) + after.failures.links.sorted().map(\.description)
            title += " after failing \(failed.joined(separator: ", "))"
        }
        var out = Graphviz.header(name: plan.topology.rawValue, title: title)
        for node in plan.nodes {
            out += "  \(Graphviz.quote(node)) [\(nodeAttributes(node, in: plan, moved: moved))];\n"
        }
        for link in plan.links {
            let (tail, head) = orient(link.pair, in: plan)
            out += "  \(Graphviz.quote(tail)) -- \(Graphviz.quote(head)) [\(linkAttributes(link, in: plan))];\n"
        }
        out += "}\n"
        return out
    }

    private func nodeAttributes(_ node: String, in plan: TopologyPlan, moved: Set<String>) -> String {
        if plan.failures.nodes.contains(node) {
            return "label=\(Graphviz.quote(node + "\nfailed")), color=red, fontcolor=red, style=\"rounded,dashed\""
        }
        guard let placement = plan.placements[node] else {
            return "label=\(Graphviz.quote(node + "\nunreachable")), color=gray60, fontcolor=gray50, fillcolor=gray92"
        }
        if node == plan.root {
            return "label=\(Graphviz.quote(node + "\nroot")), penwidth=2.5"
        }
        let label = Graphviz.quote("\(node)\ncost \(placement.cost)")
        if moved.contains(node) {
            return "label=\(label), color=blue, fontcolor=blue, fillcolor=aliceblue"
        }
        return "label=\(label)"
    }

    private func linkAttributes(_ link: TopologyPlan.PlannedLink, in plan: TopologyPlan) -> String {
        let wasTreeEdge = before.links.contains { $0.pair == link.pair && $0.state == .tree }
        let constraint = link.state == .tree || wasTreeEdge ? "" : ", constraint=false"
        switch link.state {
        case .tree:
            return "label=\"\(link.cost)\", penwidth=2"
        case .unused:
            return "label=\"\(link.cost)\", style=dashed, color=gray55, fontcolor=gray45\(constraint)"
        case .failed:
            return "label=\"\(link.cost) failed\", style=dotted, color=red, fontcolor=red\(constraint)"
        }
    }

    /// Parent first for tree edges (now, else before the failures), so ranks follow the tree.
    private func orient(_ pair: NodePair, in plan: TopologyPlan) -> (String, String) {
        for reference in [plan, before] {
            if reference.placements[pair.b]?.parent == pair.a { return (pair.a, pair.b) }
            if reference.placements[pair.a]?.parent == pair.b { return (pair.b, pair.a) }
        }
        return (pair.a, pair.b)
    }
}
