/// Lays out a tree for printing with box-drawing characters: each node with the prefix
/// that draws its branch (`├─ `, `└─ `, under `│  `), depth first, children in the order
/// `children` gives. Used by `arbor plan`, `arbor tree` and `arbor trace`.
enum BoxTree {
    static func rows<Node>(root: Node, children: (Node) -> [Node]) -> [(node: Node, prefix: String)] {
        var rows: [(node: Node, prefix: String)] = []
        func walk(_ node: Node, prefix: String, childPrefix: String) {
            rows.append((node, prefix))
            let below = children(node)
            for (index, child) in below.enumerated() {
                let last = index == below.count - 1
                walk(child, prefix: childPrefix + (last ? "└─ " : "├─ "), childPrefix: childPrefix + (last ? "   " : "│  "))
            }
        }
        walk(root, prefix: "", childPrefix: "")
        return rows
    }
}
