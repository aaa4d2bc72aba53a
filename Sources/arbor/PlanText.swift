import ArborCore
import ArborTopology

/// The human form of `arbor plan`: the tree indented under its root with the cost from the
/// root to each node, then, after failures, the new tree and what changed.
struct PlanText {
    let before: TopologyPlan
    let after: TopologyPlan?

    func render() -> String {
        var out = ""
        let linkCount = before.assumesFullMesh ? "no links declared" : count(before.links.count, "link")
        out += "\(before.topology): \(count(before.nodes.count, "node")), \(linkCount)\n"
        if before.assumesFullMesh {
            out += "note: planned as a full mesh at cost 1; at run time the tree follows the links the overlay has\n"
        }
        out += "\n" + tree(before)
        guard let after else { return out }
        let nodes = after.nodes.filter(after.failures.nodes.contains)
        let pairs = after.failures.links.sorted().map(\.description)
        let failed = nodes.isEmpty ? [] : [(nodes.count == 1 ? "node " : "nodes ") + nodes.joined(separator: ", ")]
        let links = pairs.isEmpty ? [] : [(pairs.count == 1 ? "link " : "links ") + pairs.joined(separator: ", ")]
        out += "\nafter failing \((failed + links).joined(separator: " and ")):\n\n" + tree(after)
        out += "\n" + changes(after.changes(since: before))
        return out
    }

    /// Root line, the indented tree, unreachable nodes and ties.
    private func tree(_ plan: TopologyPlan) -> String {
        guard let root = plan.root else {
            return "no tree: every node failed\n"
        }
        let rows = BoxTree.rows(root: root, children: plan.children(of:)).map { node, prefix in
            (label: prefix + node, cost: String(plan.placements[node]?.cost ?? 0))
        }
        let width = max(rows.map(\.label.count).max() ?? 0, 4)
        let costWidth = max(rows.map(\.cost.count).max() ?? 0, 4)
        var out = "root \(root) (\(reason(plan.rootReason)))\n"
        out += pad("", width) + "  " + leftPad("cost", costWidth) + "\n"
        for row in rows {
            out += pad(row.label, width) + "  " + leftPad(row.cost, costWidth) + "\n"
        }
        let unreachable = plan.unreachable
        if !unreachable.isEmpty {
            out += "unreachable from \(root): \(unreachable.joined(separator: ", "))\n"
        }
        if !plan.ties.isEmpty {
            out += "note: \(plan.ties.joined(separator: ", ")) \(plan.ties.count == 1 ? "has" : "have") equally short paths to the root; routers break such ties by node id, so at run time the parent may be another of them\n"
        }
        return out
    }

    private func changes(_ changes: PlanChanges) -> String {
        var out = "changes:\n"
        if changes.rootChanged {
            out += "  root: \(changes.rootBefore ?? "none") -> \(changes.rootAfter ?? "none")\n"
        }
        if changes.moved.isEmpty {
            out += "  moved: none\n"
        } else {
            let width = changes.moved.map(\.node.count).max() ?? 0
            out += "  moved:\n"
            for move in changes.moved {
                out += "    \(pad(move.node, width))  \(move.from) -> \(move.to)  (cost \(move.costBefore) -> \(move.costAfter))\n"
            }
        }
        let lost = changes.unreachable
        out += "  unreachable: \(lost.isEmpty ? "none" : "\(lost.count): " + lost.joined(separator: ", "))\n"
        return out
    }

    private func reason(_ reason: TopologyGraph.RootReason?) -> String {
        switch reason {
        case .declared: return "the declared root"
        case .fallback(let position):
            return "fallback \(position + 1): the declared root\(position > 0 ? " and earlier fallbacks are" : " is") unreachable"
        case .rendezvous: return "chosen by rendezvous hashing"
        case nil: return "none"
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    private func leftPad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
