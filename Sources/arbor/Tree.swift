import ArborControl
import ArgumentParser

/// `arbor tree TOPOLOGY`: the whole tree as the node computes it.
struct Tree: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a topology's whole tree as the node computes it.",
        discussion: """
            The tree comes from the function the node's router routes by, on the graph its \
            routes were last computed from (GET /v1/tree/TOPOLOGY). Costs are path costs \
            from the root. --dot prints Graphviz (render with dot -Tsvg).
            """
    )

    @Argument(help: "A topology name.")
    var topology: String

    @OptionGroup var node: NodeOptions

    @OptionGroup var graph: GraphOption

    func validate() throws {
        try graph.validate(json: node.json)
    }

    func run() throws {
        guard let tree = try node.document(ControlPath.tree(topology), as: TreeDocument.self) else { return }
        print(graph.dot ? TreeGraphviz(tree: tree).render() : render(tree), terminator: "")
    }

    func render(_ tree: TreeDocument) -> String {
        guard let root = tree.root else {
            return "\(tree.topology): no tree: \(tree.computedBy) may not carry this topology\n"
        }
        var out = "\(tree.topology): root \(root) (\(tree.rootReason ?? "?")), as \(tree.computedBy) computes it\n\n"
        let byName = Dictionary(tree.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let rows = BoxTree.rows(root: root) { byName[$0]?.children ?? [] }
        var table = Table(["", "COST", ""], rightAligned: [1])
        for (name, prefix) in rows {
            table.add([prefix + name, String(byName[name]?.cost ?? 0), name == tree.computedBy ? "← this node" : ""])
        }
        out += table.render()
        let unused = tree.links.filter { $0.state == "unused" }
        if !unused.isEmpty {
            out += "\nunused links (standby): " + unused.map { "\($0.nodes.joined(separator: "–")) (cost \($0.cost))" }.joined(separator: ", ") + "\n"
        }
        if !tree.unreachable.isEmpty {
            out += "unreachable from \(root): \(tree.unreachable.joined(separator: ", "))\n"
        }
        return out
    }
}
