/// Memoises the pure computations of routing: the graph of a database, the allowed
/// subgraph of a topology, root choices and trees. Keys are content digests, so a result is
/// reused whenever the inputs are equal: across topologies sharing a link policy and root,
/// across recomputations, and, in the simulator, across nodes holding identical databases
/// (the simulator shares one cache among all its routers and says so in its report).
///
/// Bounded: each table keeps its most recent `capacity` entries.
public final class RoutingCache {
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

    public private(set) var statistics = Statistics()

    /// Wraps every tree computation; the simulator uses it to time them with a real clock
    /// (the core itself never reads one).
    public var treeTimer: ((() -> ShortestPathTree) -> ShortestPathTree)?

    private let capacity: Int
    /// The most recently built graph: the next build reuses its numbering when it can.
    private var lastGraph: Graph?
    private var graphs: BoundedTable<DatabaseDigest, Graph>
    private var topologyGraphs: BoundedTable<PolicyKey, TopologyGraph>
    private var roots: BoundedTable<RootKey, TopologyGraph.RootChoice?>
    private var trees: BoundedTable<TreeKey, ShortestPathTree>
    /// The latest tree of each policy and root (by id), with the subgraph it was computed
    /// over: a tree for another graph of the same nodes starts from there.
    private var latestTrees: BoundedTable<LatestTreeKey, (topology: TopologyGraph, tree: ShortestPathTree)>

    public init(capacity: Int = 64) {
        self.capacity = capacity
        graphs = BoundedTable(capacity: max(4, capacity / 4))
        topologyGraphs = BoundedTable(capacity: capacity)
        roots = BoundedTable(capacity: capacity * 4)
        trees = BoundedTable(capacity: capacity * 2)
        latestTrees = BoundedTable(capacity: capacity)
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
        if let graph = graphs[database.digest] {
            return graph
        }
        let patched = base.flatMap { base in changed.flatMap { Graph(database, patching: base, changedIndices: $0) } }
        let graph = patched ?? Graph(database, reusing: lastGraph)
        lastGraph = graph
        statistics.graphBuilds += 1
        graphs[database.digest] = graph
        return graph
    }

    /// The subgraph `definition` allows (`nil`: an implicit topology) in the graph of `digest`.
    public func topologyGraph(_ graph: Graph, digest: DatabaseDigest, definition: TopologyDefinition?) -> TopologyGraph {
        let key = PolicyKey(digest: digest, policy: definition?.linkPolicyDigest)
        if let topologyGraph = topologyGraphs[key] {
            return topologyGraph
        }
        let topologyGraph = TopologyGraph(graph: graph, definition: definition)
        topologyGraphs[key] = topologyGraph
        return topologyGraph
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
        if let choice = roots[key] {
            return choice
        }
        let choice = topology.root(of: name, definition: definition, forComponentOf: member)
        roots[key] = choice
        return choice
    }

    /// The tree of `topology` from `root`, derived from the latest tree of the same policy
    /// and root when that one numbers the same nodes (``ShortestPathTree/derived(over:for:)``),
    /// else by Dijkstra over the whole topology.
    public func tree(_ topology: TopologyGraph, digest: DatabaseDigest, root: Int32) -> ShortestPathTree {
        let key = TreeKey(digest: digest, policy: topology.policy, root: root)
        if let tree = trees[key] {
            statistics.treeHits += 1
            return tree
        }
        let latestKey = LatestTreeKey(policy: topology.policy, root: topology.graph.ids[Int(root)])
        let latest = latestTrees[latestKey]
        var unchanged: Bool?
        let compute = {
            if let latest, latest.tree.root == root, let derived = latest.tree.derived(over: latest.topology, for: topology) {
                unchanged = derived.unchanged
                return derived.tree
            }
            return ShortestPathTree(topology, root: root)
        }
        let tree = treeTimer.map { $0(compute) } ?? compute()
        statistics.treeComputations += 1
        switch unchanged {
        case true?: statistics.treeReuses += 1
        case false?: statistics.treeRepairs += 1
        case nil: break
        }
        trees[key] = tree
        latestTrees[latestKey] = (topology, tree)
        return tree
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
