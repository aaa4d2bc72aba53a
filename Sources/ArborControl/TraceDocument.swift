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

    public init(
        topology: String, topic: TopicJSON, from: String, held: Bool, root: String?, localSubscribers: Int,
        hops: [TraceHopDocument], destinations: [TraceDestinationDocument], note: String
    ) {
        self.topology = topology
        self.topic = topic
        self.from = from
        self.held = held
        self.root = root
        self.localSubscribers = localSubscribers
        self.hops = hops
        self.destinations = destinations
        self.note = note
    }
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

    public init(from: String, to: String, state: String, interest: [TopicJSON]?, matched: [TopicJSON]?) {
        self.from = from
        self.to = to
        self.state = state
        self.interest = interest
        self.matched = matched
    }
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

    public init(node: String, path: [String], reach: String, subscriber: String) {
        self.node = node
        self.path = path
        self.reach = reach
        self.subscriber = subscriber
    }
}
