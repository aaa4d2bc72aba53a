import ArborCore

/// Where a message published at one node with one topic goes, as far as that node knows.
///
/// A node knows the whole tree, its local subscriptions, and for each engaged neighbour
/// the interest that neighbour told it (the union of everything wanted behind it). So the
/// first hops are exactly the router's forwarding decision (`distribute`: engaged
/// neighbours whose held interest matches); beyond a first hop each node decides with
/// interest only it holds, and the trace can only list the subtree the message may spread
/// into. One inference is sound: a first hop that is a leaf of the tree has no one behind
/// it, so the interest it told is its own local subscriptions: if it matches, a
/// subscriber there wants the message.
///
/// A node that holds no state for the topology has no interest at all; a publication there
/// first joins the tree through the parent and is held until the parent's interest comes
/// (the router's publish hold), so the parent is `waiting` and the rest is `unknown`.
struct MessageTrace {
    enum HopState: String {
        case sends
        case pruned
        case notEngaged = "not_engaged"
        case waiting
        case unknown
    }

    struct Hop {
        let from: Int32
        let to: Int32
        let state: HopState
        /// For first hops: the interest held for `to`, and its elements matching the topic.
        let interest: PrefixSet?
        let matched: [Topic]?
    }

    struct Destination {
        let node: Int32
        /// Tree path from the tracing node, both ends included.
        let path: [Int32]
        let certain: Bool
        let knownSubscriber: Bool
    }

    let localSubscribers: Int
    /// First hops (in name order), then the edges behind them, breadth first.
    let hops: [Hop]
    let destinations: [Destination]

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
                        hopState = matched!.isEmpty ? .pruned : .sends
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
        self.localSubscribers = localSubscribers
        self.hops = hops
        self.destinations = destinations
    }
}
