import ArborControl
import ArborCore

extension ControlView {
    /// `GET /v1/tree/{topology}`.
    func tree(_ name: TopologyName) -> TreeDocument {
        let graph = router.graph
        guard let planned = plannedTree(name) else {
            return TreeDocument(topology: name.rawValue, computedBy: router.name, root: nil, rootReason: nil, nodes: [], links: [], unreachable: [])
        }
        let tree = planned.tree
        let label = { (index: Int32) in graph.names[Int(index)] }
        var nodes: [TreeNodeDocument] = []
        func walk(_ node: Int32, depth: Int) {
            let children = tree.children(of: node).sorted { label($0) < label($1) }
            nodes.append(
                TreeNodeDocument(
                    name: label(node),
                    id: graph.ids[Int(node)].description,
                    parent: tree.parent(of: node).map(label),
                    cost: tree.distances[Int(node)],
                    depth: depth,
                    children: children.map(label)
                )
            )
            for child in children {
                walk(child, depth: depth + 1)
            }
        }
        walk(tree.root, depth: 0)

        var links: [TreeLinkDocument] = []
        var unreachable: [String] = []
        for node in 0..<Int32(graph.count) where planned.topology.eligible[Int(node)] {
            if !tree.contains(node) {
                unreachable.append(label(node))
            }
            for edge in graph.neighbors(of: node) {
                let other = graph.targets[edge]
                let cost = planned.topology.edgeCosts[edge]
                guard other > node, cost > 0 else { continue }
                let onTree = tree.parent(of: other) == node || tree.parent(of: node) == other
                links.append(TreeLinkDocument(nodes: [label(node), label(other)].sorted(), cost: cost, state: onTree ? "tree" : "unused"))
            }
        }
        links.sort { $0.nodes.lexicographicallyPrecedes($1.nodes) }
        return TreeDocument(
            topology: name.rawValue,
            computedBy: router.name,
            root: label(planned.root.index),
            rootReason: planned.root.reason.name,
            nodes: nodes,
            links: links,
            unreachable: unreachable.sorted()
        )
    }

    /// `GET /v1/trace/{topology}?topic=…`.
    func trace(_ name: TopologyName, topic: Topic) -> TraceDocument {
        let graph = router.graph
        let state = router.topologies[name]
        let topicJSON = TopicJSON(topic.bytes)
        guard let trace = router.trace(topic, in: name, cache: runtime.inspectionCache) else {
            return TraceDocument(
                topology: name.rawValue, topic: topicJSON, from: router.name, held: state != nil, root: nil,
                localSubscribers: 0, hops: [], destinations: [],
                note: "This node may not carry \(name): it has no place in the tree, and a publication here is refused."
            )
        }
        let label = { (index: Int32) in graph.names[Int(index)] }
        let hops = trace.hops.map { hop in
            TraceHopDocument(
                from: label(hop.from),
                to: label(hop.to),
                state: hop.state.rawValue,
                interest: hop.interest.map(Self.topics),
                matched: hop.matched.map { $0.map { TopicJSON($0.bytes) } }
            )
        }
        let destinations = trace.destinations.map { destination in
            TraceDestinationDocument(
                node: label(destination.node),
                path: destination.path.map(label),
                reach: destination.certain ? "certain" : "possible",
                subscriber: destination.knownSubscriber ? "yes" : "maybe"
            )
        }
        return TraceDocument(
            topology: name.rawValue,
            topic: topicJSON,
            from: router.name,
            held: state != nil,
            root: label(trace.root),
            localSubscribers: trace.localSubscribers,
            hops: hops,
            destinations: destinations,
            note: Self.traceNote(held: state != nil)
        )
    }

    private static func traceNote(held: Bool) -> String {
        let limits = "Beyond the first hops each node forwards by interest only it holds: 'unknown' edges and 'possible' destinations are where the message may go, not where it will; run the trace on a first hop to follow its decision."
        guard held else {
            return "This node holds no state for the topology, so it knows no interest: a publication here would first join the tree through its parent and be held briefly for the parent's interest. " + limits
        }
        return "First hops are this node's own forwarding decision: engaged neighbours whose interest, as they told it, matches the topic. A first hop that is a leaf of the tree and wants the topic has a matching subscriber. " + limits
    }
}
