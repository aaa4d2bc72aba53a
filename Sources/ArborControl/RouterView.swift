import ArborCore

/// What the control API shows of a router's state: the documents built from the router
/// alone (trees, traces, routes, topologies, events, the router's counters), with nodes
/// named for people. Nothing is recomputed differently for display: trees come from
/// `RoutingCache.tree`, the function the router routes by, on the graph its routes were
/// last computed from. The node adds what only it holds (links, clients, its own counters).
public struct RouterView {
    public let router: Router
    /// Where trees are taken from: a cache of the node's own, so that inspecting never
    /// evicts the router's entries.
    let cache: RoutingCache

    public init(_ router: Router, cache: RoutingCache) {
        self.router = router
        self.cache = cache
    }

    /// The name of a node: from the graph, else a connected peer, else the database; the
    /// id's first 8 digits when the node is unknown.
    public func name(of id: NodeID) -> String {
        let graph = router.graph
        if let index = graph.index(of: id) {
            return graph.names[Int(index)]
        }
        if let peer = router.peers[id] {
            return peer.name
        }
        return router.database[id]?.name ?? id.short
    }

    func names(_ ids: [NodeID]) -> [String] {
        ids.map(name(of:))
    }

    static func topics(_ set: PrefixSet) -> [TopicJSON] {
        set.prefixes.map { TopicJSON($0.bytes) }
    }

    /// Topologies held here or declared by a definition in force, in name order.
    public func allTopologies() -> [TopologyName] {
        Set(router.topologies.keys).union(router.graph.definitions.keys).sorted()
    }

    /// The tree of `name` as this node computes it, `nil` when it may not carry the topology.
    func plannedTree(_ name: TopologyName) -> PlannedTree? {
        guard let me = router.graph.index(of: router.id) else { return nil }
        return cache.tree(for: name, in: router.graph, seenFrom: me)
    }

    /// This node's place in a topology's tree: the router's route when it holds the
    /// topology, else the place it would take (from the tree function the router uses).
    struct Place {
        var root: NodeID
        var rootReason: TopologyGraph.RootReason
        var parent: NodeID?
        var treeNeighbors: [NodeID]
    }

    func place(in topology: TopologyName) -> Place? {
        if let route = router.topologies[topology]?.route {
            return Place(root: route.root, rootReason: route.rootReason, parent: route.parent, treeNeighbors: route.treeNeighbors)
        }
        guard let planned = plannedTree(topology), let me = router.graph.index(of: router.id) else { return nil }
        let graph = router.graph
        let parent = planned.tree.parent(of: me).map { graph.ids[Int($0)] }
        return Place(
            root: graph.ids[Int(planned.root.index)],
            rootReason: planned.root.reason,
            parent: parent,
            treeNeighbors: planned.tree.neighbors(of: me).map { graph.ids[Int($0)] }.sorted()
        )
    }
}
