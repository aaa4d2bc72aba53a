import ArborControl

/// The Graphviz form of `arbor tree`: tree edges solid and bold (parent first, so ranks
/// follow the tree), unused links dashed grey, the root bold, the node that computed the
/// tree shaded, unreachable nodes grey.
struct TreeGraphviz {
    let tree: TreeDocument

    func render() -> String {
        var out = Graphviz.header(name: tree.topology, title: "\(tree.topology) as \(tree.computedBy) computes it")
        for node in tree.nodes {
            var attributes = [node.name == tree.root ? "label=\(Graphviz.quote(node.name + "\nroot")), penwidth=2.5" : "label=\(Graphviz.quote("\(node.name)\ncost \(node.cost)"))"]
            if node.name == tree.computedBy {
                attributes.append("fillcolor=lightyellow")
            }
            out += "  \(Graphviz.quote(node.name)) [\(attributes.joined(separator: ", "))];\n"
        }
        for name in tree.unreachable {
            out += "  \(Graphviz.quote(name)) [label=\(Graphviz.quote(name + "\nunreachable")), color=gray60, fontcolor=gray50, fillcolor=gray92];\n"
        }
        let parents = Dictionary(tree.nodes.compactMap { node in node.parent.map { (node.name, $0) } }, uniquingKeysWith: { first, _ in first })
        for link in tree.links {
            let (a, b) = (link.nodes[0], link.nodes[1])
            if link.state == "tree" {
                let (tail, head) = parents[b] == a ? (a, b) : (b, a)
                out += "  \(Graphviz.quote(tail)) -- \(Graphviz.quote(head)) [label=\"\(link.cost)\", penwidth=2];\n"
            } else {
                out += "  \(Graphviz.quote(a)) -- \(Graphviz.quote(b)) [label=\"\(link.cost)\", style=dashed, color=gray55, fontcolor=gray45, constraint=false];\n"
            }
        }
        out += "}\n"
        return out
    }
}
