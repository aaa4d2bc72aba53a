import ArborControl
import ArborCore
import ArgumentParser

/// `arbor trace TOPOLOGY TOPIC`: where a message published at the node would go.
struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the path a message with this topic would take from the node.",
        discussion: """
            The first hops are the node's own forwarding decision (neighbours whose interest \
            matches the topic). Beyond them each node forwards by interest only it holds, so \
            the trace shows where the message may go ('unknown' edges, 'possible' \
            destinations); run the trace on a first hop to follow it. GET \
            /v1/trace/TOPOLOGY?topic=TOPIC. --dot prints Graphviz (render with dot -Tsvg).
            """
    )

    @Argument(help: "A topology name.")
    var topology: String

    @Argument(help: "The topic, as text (or hexadecimal digits with --hex).")
    var topic: String

    @Flag(help: "The topic is given as hexadecimal digits.")
    var hex = false

    @OptionGroup var node: NodeOptions

    @OptionGroup var graph: GraphOption

    func validate() throws {
        try graph.validate(json: node.json)
        if hex && Hex.bytes(topic) == nil {
            throw ValidationError("--hex: '\(topic)' is not an even number of hexadecimal digits")
        }
    }

    func run() throws {
        let bytes = hex ? Hex.bytes(topic)! : Array(topic.utf8)
        guard let trace = try node.document(ControlPath.trace(topology, topic: bytes), as: TraceDocument.self) else { return }
        print(graph.dot ? TraceGraphviz(trace: trace).render() : render(trace), terminator: "")
    }

    func render(_ trace: TraceDocument) -> String {
        var out = "trace \(trace.topology) \(trace.topic) from \(trace.from)"
        out += trace.root.map { " (root \($0))\n" } ?? "\n"
        out += "local subscribers: \(trace.localSubscribers)\n\n"
        let children = Dictionary(grouping: trace.hops, by: \.from)
        let rows = BoxTree.rows(root: trace.from) { node in (children[node] ?? []).map(\.to) }
        let hopTo = Dictionary(trace.hops.map { ($0.to, $0) }, uniquingKeysWith: { first, _ in first })
        var table = Table(["", "EDGE", "INTEREST HELD HERE", "MATCHED"])
        for (node, prefix) in rows {
            guard let hop = hopTo[node], node != trace.from else {
                table.add([prefix + node, "", "", ""])
                continue
            }
            let first = hop.from == trace.from
            table.add([
                prefix + node,
                hop.state,
                first ? Formatting.topics(hop.interest) : "",
                first && hop.matched?.isEmpty == false ? Formatting.topics(hop.matched) : "",
            ])
        }
        out += table.render()
        if !trace.destinations.isEmpty {
            var destinations = Table(["DESTINATION", "REACH", "SUBSCRIBER", "PATH"])
            for destination in trace.destinations {
                destinations.add([destination.node, destination.reach, destination.subscriber, destination.path.joined(separator: " → ")])
            }
            out += "\n" + destinations.render()
        } else {
            out += "\nno destination: nobody this node knows of wants \(trace.topic)\n"
        }
        out += "\n" + Formatting.wrap("note: " + trace.note, width: 100)
        return out
    }
}
