import ArborCore

/// `GET /v1/trace/{topology}?topic=…`: where a message published here with this topic
/// would go, as far as this node can know.
///
/// A node knows the whole tree but only the interest of its own engaged neighbours: the
/// union of what is wanted behind each of them. So the first hops are certain (they are
/// exactly the router's forwarding decision), while beyond a first hop the trace lists the
/// subtree the message may spread into (`unknown` edges, `possible` destinations): each
/// node there forwards by interest only it holds. Run the trace on a first hop to see its
/// own decision. A first hop that is a leaf of the tree and wants the topic must have a
/// matching local subscriber, so it is a `yes` subscriber.
public struct TraceDocument: Codable, Hashable, Sendable {
    public var topology: String
    public var topic: TopicJSON
    /// This node: where the message starts.
    public var from: String
    public var held: Bool
    @Nullable public var root: String?
    /// Local applications whose subscriptions match the topic.
    public var localSubscribers: Int
    /// Tree edges from this node outwards, breadth first: the first hops (`sends`,
    /// `pruned`, `not_engaged`, `waiting`) and, behind each `sends`, the edges the message
    /// may cross (`unknown`).
    public var hops: [TraceHopDocument]
    /// Nodes the message reaches or may reach, with the tree path from here.
    public var destinations: [TraceDestinationDocument]
    /// What this trace can and cannot know, in words.
    public var note: String
}

/// One tree edge in a trace, directed away from the node that traced.
public struct TraceHopDocument: Codable, Hashable, Sendable {
    public var from: String
    public var to: String
    /// `sends`: the message crosses it (the neighbour's interest matches).
    /// `pruned`: engaged, but its interest does not match: it does not cross.
    /// `not_engaged`: a tree neighbour that asked for nothing: it does not cross.
    /// `waiting`: the parent of a node that just joined, whose first interest has not come:
    /// the message is held for it briefly, then sent if that interest matches.
    /// `unknown`: beyond a first hop; crossed only if the node at `from` holds matching
    /// interest from `to`, which this node cannot see.
    public var state: String
    /// For first hops: the interest held here for `to`; `null` when none was told.
    @Nullable public var interest: [TopicJSON]?
    /// The elements of `interest` that match the topic.
    @Nullable public var matched: [TopicJSON]?
}

/// A node a traced message reaches or may reach.
public struct TraceDestinationDocument: Codable, Hashable, Sendable {
    public var node: String
    /// The tree path from the tracing node to `node`, both included.
    public var path: [String]
    /// `certain` (this node itself, or a first hop the message crosses to) or `possible`.
    public var reach: String
    /// `yes` when a matching subscriber there is known (a local one, or a first hop that is
    /// a leaf and wants the topic), otherwise `maybe`.
    public var subscriber: String
}

extension RouterView {
    /// `GET /v1/trace/{topology}?topic=…`.
    public func trace(_ name: TopologyName, topic: Topic) -> TraceDocument {
        let graph = router.graph
        let state = router.topologies[name]
        let topicJSON = TopicJSON(topic.bytes)
        guard let trace = router.trace(topic, in: name, cache: cache) else {
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
