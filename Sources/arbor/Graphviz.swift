/// Graphviz helpers shared by the `--dot` outputs.
enum Graphviz {
    /// `text` as a double-quoted Graphviz ID (quotes and backslashes escaped, newlines as `\n`).
    static func quote(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return "\"\(escaped)\""
    }

    /// The graph attributes every `--dot` output starts with.
    static func header(name: String, title: String) -> String {
        var out = "graph \(quote(name)) {\n"
        out += "  label=\(quote(title)); labelloc=t; fontname=\"Helvetica\";\n"
        out += "  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\"];\n"
        out += "  edge [fontname=\"Helvetica\", fontsize=10];\n"
        return out
    }
}
