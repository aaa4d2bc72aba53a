import Synchronization

/// Memoises the pure computations of routing: the graph of a database, the allowed
/// subgraph of a topology, root choices and trees. Keys are content digests, so a result is
/// reused whenever the inputs are equal: across topologies sharing a link policy and root,
/// across recomputations, and, in the simulator, across nodes holding identical databases
/// (the simulator shares one cache among all its routers and says so in its report).
///
/// Bounded: each table keeps its most recent `capacity` entries.
///
/// Safe to share between threads (the simulator's workers step routers of one cache at
/// once): the tables sit behind one lock, held only to look up and to insert, never while
/// a graph or a tree is computed. Two threads missing the same key at once both compute
/// it, and the second insert keeps the first result: a cache changes how much work is
/// done, never a result, since every entry is a pure function of its key. What a cache
/// holds, and so its hit and computation counters, then depends on the threads' timing.
public final class RoutingCache: Sendable {
    /// Counters of work done and avoided.
    public struct Statistics: Sendable {
        public var graphBuilds = 0
        /// Trees derived for a new key, by Dijkstra or by reusing an earlier tree.
        public var treeComputations = 0
        /// Of those, the ones an earlier tree of the same policy and root still held for...
        public var treeReuses = 0
        /// ...and the ones derived from such a tree by recomputing only what changed.
        public var treeRepairs = 0
        public var treeHits = 0
    }

    /// Wraps a tree computation; see ``treeTimer``.
    public typealias TreeTimer = @Sendable (() -> ShortestPathTree) -> ShortestPathTree

    public var statistics: Statistics {
        state.withLock { $0.statistics }
    }

    /// Wraps every tree computation; the simulator uses it to time them with a real clock
    /// (the core itself never reads one). Called on the thread that computes the tree.
    public var treeTimer: TreeTimer? {
        get { state.withLock { $0.treeTimer } }
        set { state.withLock { $0.treeTimer = newValue } }
    }

    private let state: Mutex<State>

    private struct State {
        var statistics = Statistics()
        var treeTimer: TreeTimer?
        /// The most recently built graph: the next build reuses its numbering when it can.
        var lastGraph: Graph?
        var graphs: BoundedTable<DatabaseDigest, Graph>
        var topologyGraphs: BoundedTable<PolicyKey, TopologyGraph>
        var roots: BoundedTable<RootKey, TopologyGraph.RootChoice?>
        var trees: BoundedTable<TreeKey, ShortestPathTree>
        /// The latest tree of each policy and root (by id), with the subgraph it was computed
        /// over: a tree for another graph of the same nodes starts from there.
        var latestTrees: BoundedTable<LatestTreeKey, (topology: TopologyGraph, tree: ShortestPathTree)>
    }

    public init(capacity: Int = 64) {
        state = Mutex(
            State(
                graphs: BoundedTable(capacity: max(4, capacity / 4)),
                topologyGraphs: BoundedTable(capacity: capacity),
                roots: BoundedTable(capacity: capacity * 4),
                trees: BoundedTable(capacity: capacity * 2),
                latestTrees: BoundedTable(capacity: capacity)
            )
        )
    }

    /// The tree of topology `name` as node `member` of `graph` computes it: the allowed
    /// subgraph of the definition in force, the root for `member`'s component, and the
    /// shortest-path tree from it. `nil` when `member` may not carry the topology.
    ///
    /// This is the one function that decides a tree: routers call it at run time and
    /// `arbor plan` calls it offline on the graph a topology file describes.
    public func tree(for name: TopologyName, in graph: Graph, seenFrom member: Int32) -> PlannedTree? {
        let definition = graph.definitions[name]
        let topology = topologyGraph(graph, digest: graph.digest, definition: definition)
        guard let root = root(topology, digest: graph.digest, name: name, definition: definition, member: member) else { return nil }
        return PlannedTree(topology: topology, root: root, tree: tree(topology, digest: graph.digest, root: root.index))
    }

    /// The graph of `database`.
    public func graph(of database: LinkStateDatabase) -> Graph {
        graph(of: database, patching: nil, changed: nil)
    }

    /// The graph of `database`; when `base` is the graph of an earlier state of it and
    /// `changed` every origin installed or dropped since (by its index in `base`), a build
    /// reads only those records.
    public func graph(of database: LinkStateDatabase, patching base: Graph?, changed: NodeIndexSet?) -> Graph {
        let (cached, lastGraph) = state.withLock { ($0.graphs[database.digest], $0.lastGraph) }
        if let cached {
            return cached
        }
        let patched = base.flatMap { base in changed.flatMap { Graph(database, patching: base, changedIndices: $0) } }
        let graph = patched ?? Graph(database, reusing: lastGraph)
        return state.withLock { state in
            state.statistics.graphBuilds += 1
            if let earlier = state.graphs[database.digest] {
                return earlier
            }
            state.lastGraph = graph
            state.graphs[database.digest] = graph
            return graph
        }
    }

    /// The subgraph `definition` allows (`nil`: an implicit topology) in the graph of `digest`.
    public func topologyGraph(_ graph: Graph, digest: DatabaseDigest, definition: TopologyDefinition?) -> TopologyGraph {
        let key = PolicyKey(digest: digest, policy: definition?.linkPolicyDigest)
        if let topologyGraph = state.withLock({ $0.topologyGraphs[key] }) {
            return topologyGraph
        }
        let topologyGraph = TopologyGraph(graph: graph, definition: definition)
        return state.withLock { state in
            if let earlier = state.topologyGraphs[key] {
                return earlier
            }
            state.topologyGraphs[key] = topologyGraph
            return topologyGraph
        }
    }

    /// The root of `name`, declared by `definition`, seen from node `member`.
    public func root(
        _ topology: TopologyGraph,
        digest: DatabaseDigest,
        name: TopologyName,
        definition: TopologyDefinition?,
        member: Int32
    ) -> TopologyGraph.RootChoice? {
        let key = RootKey(
            digest: digest,
            definition: definition?.digest,
            name: name,
            component: topology.components[Int(member)]
        )
        if let choice = state.withLock({ $0.roots[key] }) {
            return choice
        }
        let choice = topology.root(of: name, definition: definition, forComponentOf: member)
        state.withLock { $0.roots[key] = choice }
        return choice
    }

    /// The tree of `topology` from `root`, derived from the latest tree of the same policy
    /// and root when that one numbers the same nodes (``ShortestPathTree/derived(over:for:)``),
    /// else by Dijkstra over the whole topology.
    public func tree(_ topology: TopologyGraph, digest: DatabaseDigest, root: Int32) -> ShortestPathTree {
        let key = TreeKey(digest: digest, policy: topology.policy, root: root)
        let latestKey = LatestTreeKey(policy: topology.policy, root: topology.graph.ids[Int(root)])
        let lookup = state.withLock { state -> TreeLookup in
            if let tree = state.trees[key] {
                state.statistics.treeHits += 1
                return TreeLookup(cached: tree)
            }
            return TreeLookup(latest: state.latestTrees[latestKey], timer: state.treeTimer)
        }
        if let cached = lookup.cached {
            return cached
        }
        let latest = lookup.latest
        let treeTimer = lookup.timer
        var unchanged: Bool?
        let compute = {
            if let latest, latest.tree.root == root, let derived = latest.tree.derived(over: latest.topology, for: topology) {
                unchanged = derived.unchanged
                return derived.tree
            }
            return ShortestPathTree(topology, root: root)
        }
        let tree = treeTimer.map { $0(compute) } ?? compute()
        return state.withLock { state in
            state.statistics.treeComputations += 1
            switch unchanged {
            case true?: state.statistics.treeReuses += 1
            case false?: state.statistics.treeRepairs += 1
            case nil: break
            }
            if let earlier = state.trees[key] {
                return earlier
            }
            state.trees[key] = tree
            state.latestTrees[latestKey] = (topology, tree)
            return tree
        }
    }

    /// A tree found in the cache, or what computing it starts from.
    private struct TreeLookup: Sendable {
        var cached: ShortestPathTree?
        var latest: (topology: TopologyGraph, tree: ShortestPathTree)?
        var timer: TreeTimer?
    }

    private struct PolicyKey: Hashable {
        var digest: DatabaseDigest
        var policy: UInt64?
    }

    private struct RootKey: Hashable {
        var digest: DatabaseDigest
        var definition: UInt64?
        var name: TopologyName
        var component: Int32
    }

    private struct LatestTreeKey: Hashable {
        var policy: UInt64?
        var root: NodeID
    }

    private struct TreeKey: Hashable {
        var digest: DatabaseDigest
        var policy: UInt64?
        var root: Int32
    }
}

/// A topology's tree with the subgraph and root choice it came from.
public struct PlannedTree: Sendable {
    public let topology: TopologyGraph
    public let root: TopologyGraph.RootChoice
    public let tree: ShortestPathTree
}

/// A dictionary that forgets its oldest entries beyond `capacity`.
struct BoundedTable<Key: Hashable, Value> {
    private var entries: [Key: Value] = [:]
    private var order: [Key] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    subscript(key: Key) -> Value? {
        get { entries[key] }
        set {
            guard let newValue else {
                entries[key] = nil
                return
            }
            if entries.updateValue(newValue, forKey: key) == nil {
                order.append(key)
                while entries.count > capacity, head < order.count {
                    entries[order[head]] = nil
                    head += 1
                }
                if head > capacity {
                    order.removeFirst(head)
                    head = 0
                }
            }
        }
    }
}
