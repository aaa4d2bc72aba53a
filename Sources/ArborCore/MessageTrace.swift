/// Where a message published at one node with one topic goes, as far as that node knows.
///
/// A node knows the whole tree, its local subscriptions, and for each engaged neighbour
/// the interest that neighbour told it (the union of everything wanted behind it). So the
/// first hops are exactly the router's forwarding decision (engaged neighbours whose held
/// interest matches, read from the router's state by ``Router/trace(_:in:cache:)``); beyond a first hop each node decides with
/// interest only it holds, and the trace can only list the subtree the message may spread
/// into. One inference is sound: a first hop that is a leaf of the tree has no one behind
/// it, so the interest it told is its own local subscriptions: if it matches, a
/// subscriber there wants the message.
///
/// A node that holds no state for the topology has no interest at all; a publication there
/// first joins the tree through the parent and is held until the parent's interest comes
/// (the router's publish hold), so the parent is `waiting` and the rest is `unknown`.
public struct MessageTrace: Sendable {
    public enum HopState: String, Sendable {
        case sends
        case pruned
        case notEngaged = "not_engaged"
        case waiting
        case unknown
    }

    public struct Hop: Sendable {
        public let from: Int32
        public let to: Int32
        public let state: HopState
        /// For first hops: the interest held for `to`, and its elements matching the topic.
        public let interest: PrefixSet?
        public let matched: [Topic]?
    }

    public struct Destination: Sendable {
        public let node: Int32
        /// Tree path from the tracing node, both ends included.
        public let path: [Int32]
        public let certain: Bool
        public let knownSubscriber: Bool
    }

    /// The root of the topology's tree. Nodes here are indices into the graph traced on.
    public let root: Int32
    public let localSubscribers: Int
    /// First hops (in name order), then the edges behind them, breadth first.
    public let hops: [Hop]
    public let destinations: [Destination]

    /// Traces `topic` from node `me` over `planned` with the topology state the router holds
    /// (`nil`: none). `name` orders nodes.
    init(planned: PlannedTree, me: Int32, state: TopologyState?, topic: Topic, name: (Int32) -> String) {
        let graph = planned.topology.graph
        let tree = planned.tree
        let localSubscribers = state?.members.values.filter { $0.matches(topic) }.count ?? 0
        var hops: [Hop] = []
        var destinations: [Destination] = []
        if localSubscribers > 0 {
            destinations.append(Destination(node: me, path: [me], certain: true, knownSubscriber: true))
        }
        var frontier: [(node: Int32, from: Int32, path: [Int32])] = []
        if tree.contains(me) {
            let parent = tree.parent(of: me)
            for neighbor in tree.neighbors(of: me).sorted(by: { name($0) < name($1) }) {
                let id = graph.ids[Int(neighbor)]
                var hopState = HopState.notEngaged
                var interest: PrefixSet?
                var matched: [Topic]?
                if let state, state.engaged.contains(id) {
                    if let wanted = state.remote[id] {
                        interest = wanted
                        matched = wanted.prefixes.filter { $0.isPrefix(of: topic) }
                        hopState = wanted.matches(topic) ? .sends : .pruned
                    } else {
                        hopState = .waiting
                    }
                } else if state == nil, neighbor == parent {
                    hopState = .waiting
                }
                hops.append(Hop(from: me, to: neighbor, state: hopState, interest: interest, matched: matched))
                guard hopState == .sends || hopState == .waiting else { continue }
                let leaf = tree.neighbors(of: neighbor) == [me]
                destinations.append(
                    Destination(
                        node: neighbor,
                        path: [me, neighbor],
                        certain: hopState == .sends,
                        knownSubscriber: hopState == .sends && leaf
                    )
                )
                frontier.append((neighbor, me, [me, neighbor]))
            }
        }
        var head = 0
        while head < frontier.count {
            let (node, from, path) = frontier[head]
            head += 1
            for next in tree.neighbors(of: node).sorted(by: { name($0) < name($1) }) where next != from {
                hops.append(Hop(from: node, to: next, state: .unknown, interest: nil, matched: nil))
                destinations.append(Destination(node: next, path: path + [next], certain: false, knownSubscriber: false))
                frontier.append((next, node, path + [next]))
            }
        }
        self.root = planned.root.index
        self.localSubscribers = localSubscribers
        self.hops = hops
        self.destinations = destinations
    }
}

extension Router {
    /// Where a message published here with `topic` in topology `name` goes, as far as this
    /// node knows (``MessageTrace``), on the tree `cache` computes for the router's graph;
    /// `nil` when this node has no place in the topology's tree.
    public func trace(_ topic: Topic, in name: TopologyName, cache: RoutingCache) -> MessageTrace? {
        guard let me = graph.index(of: id), let planned = cache.tree(for: name, in: graph, seenFrom: me) else { return nil }
        let names = graph.names
        return MessageTrace(planned: planned, me: me, state: topologies[name], topic: topic, name: { names[Int($0)] })
    }
}
