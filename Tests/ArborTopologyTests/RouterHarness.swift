import ArborCore
import ArborTopology

/// A minimal in-test network of ArborCore routers: events go in, `send` actions come out
/// and are delivered at once to the peer (zero latency, in order), wake-ups are honoured
/// on a virtual clock. Enough to let routers converge on a topology file's overlay; the
/// simulator in ArborSim is the full version of this.
struct RouterHarness {
    private(set) var routers: [String: Router] = [:]
    private var ids: [NodeID: String] = [:]
    private var links: Set<NodePair> = []
    private var dead: Set<String> = []
    private var pending: [(to: String, event: Router.Event)] = []
    private var pendingHead = 0
    private var wakeUps: [String: Instant] = [:]
    private(set) var now = Instant.zero

    /// One router per node of `planner`, with the plan's node ids; only `definitionsAt`
    /// loads the definition (the others learn it by flooding). Every declared link comes up
    /// and every node attaches one subscriber, so each router keeps a route.
    init(_ planner: TopologyPlanner, definitionsAt loader: String) {
        for name in planner.nodes {
            var configuration = RouterConfiguration(id: TopologyPlanner.nodeID(named: name), name: name, incarnation: 1)
            if name == loader {
                configuration.definitions = [planner.definition]
            }
            routers[name] = Router(configuration)
            ids[configuration.id] = name
        }
        for name in planner.nodes {
            deliver(.start, to: name)
        }
        for (pair, cost) in planner.links {
            links.insert(pair)
            deliver(.peerUp(TopologyPlanner.nodeID(named: pair.b), name: pair.b, incarnation: 1, cost: cost), to: pair.a)
            deliver(.peerUp(TopologyPlanner.nodeID(named: pair.a), name: pair.a, incarnation: 1, cost: cost), to: pair.b)
        }
        for name in planner.nodes {
            deliver(.subscribe(1, planner.definition.name, ""), to: name)
        }
    }

    /// The node crashes: its links close, and its neighbours notice at once.
    mutating func kill(_ name: String) {
        dead.insert(name)
        for pair in links where pair.contains(name) {
            links.remove(pair)
            deliver(.peerDown(TopologyPlanner.nodeID(named: name)), to: pair.a == name ? pair.b : pair.a)
        }
    }

    /// Delivers messages and fires due timers until nothing is left before `now + duration`.
    mutating func run(for duration: Duration) {
        let horizon = now + duration
        while true {
            while pendingHead < pending.count {
                let (name, event) = pending[pendingHead]
                pendingHead += 1
                deliver(event, to: name)
            }
            pending.removeAll()
            pendingHead = 0
            guard let next = wakeUps.values.min(), next <= horizon else { break }
            now = max(now, next)
            for (name, due) in wakeUps.sorted(by: { $0.key < $1.key }) where due <= now {
                wakeUps[name] = nil
                deliver(.timer, to: name)
            }
        }
        now = horizon
    }

    /// The parent of `node` in `topology` as its router sees it (`nil` at the root), and
    /// the root it follows; `nil` when the router has no route.
    func route(of node: String, in topology: TopologyName) -> (root: String, parent: String?)? {
        guard let route = routers[node]?.topologies[topology]?.route, let root = ids[route.root] else { return nil }
        return (root, route.parent.flatMap { ids[$0] })
    }

    private mutating func deliver(_ event: Router.Event, to name: String) {
        guard !dead.contains(name), var router = routers[name] else { return }
        let actions = router.handle(event, at: now)
        routers[name] = router
        for action in actions {
            switch action {
            case .send(let message, let peer):
                guard let target = ids[peer], links.contains(NodePair(name, target)) else { continue }
                pending.append((target, .message(message, from: router.id)))
            case .wakeUp(let at):
                wakeUps[name] = at
            case .deliver, .reject, .disconnect, .observe:
                break
            }
        }
    }
}
