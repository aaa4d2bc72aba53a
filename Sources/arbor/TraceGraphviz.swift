import ArborControl

/// The Graphviz form of `arbor trace`: the tree seen from the tracing node, edges by what
/// the trace knows: `sends` green and bold, `waiting` orange, `unknown` dashed, `pruned`
/// and `not_engaged` dotted grey. Known subscribers get a double border, the tracing node
/// is shaded.
struct TraceGraphviz {
    let trace: TraceDocument

    func render() -> String {
        let title = "trace \(trace.topology) \(trace.topic) from \(trace.from)"
        var out = Graphviz.header(name: trace.topology, title: title)
        let subscribers = Set(trace.destinations.filter { $0.subscriber == "yes" }.map(\.node))
        var nodes = [trace.from]
        for hop in trace.hops where !nodes.contains(hop.to) {
            nodes.append(hop.to)
        }
        for node in nodes {
            var attributes: [String] = []
            if node == trace.from {
                attributes.append("fillcolor=lightyellow, penwidth=2")
            }
            if subscribers.contains(node) {
                attributes.append("peripheries=2")
            }
            out += "  \(Graphviz.quote(node))\(attributes.isEmpty ? "" : " [\(attributes.joined(separator: ", "))]");\n"
        }
        for hop in trace.hops {
            out += "  \(Graphviz.quote(hop.from)) -- \(Graphviz.quote(hop.to)) [\(attributes(hop))];\n"
        }
        out += "}\n"
        return out
    }

    private func attributes(_ hop: TraceHopDocument) -> String {
        let label = "label=\(Graphviz.quote(hop.state))"
        switch hop.state {
        case "sends": return "\(label), color=darkgreen, fontcolor=darkgreen, penwidth=2.5"
        case "waiting": return "\(label), color=darkorange, fontcolor=darkorange"
        case "unknown": return "\(label), style=dashed"
        default: return "\(label), style=dotted, color=gray55, fontcolor=gray45"
        }
    }
}
