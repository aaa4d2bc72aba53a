import ArborControl
import ArborCore

extension ControlView {
    /// `GET /v1/topologies`: every topology held here or declared, in name order.
    func topologies() -> [TopologyDocument] {
        allTopologies().map(topology)
    }

    private func topology(_ topology: TopologyName) -> TopologyDocument {
        let definition = router.graph.definitions[topology]
        let state = router.topologies[topology]
        let route = place(in: topology)
        let members = state?.members ?? [:]
        return TopologyDocument(
            name: topology.rawValue,
            source: definition == nil ? "implicit" : "file",
            version: definition?.version,
            description: definition?.description,
            loadedHere: router.configuration.definitions.contains { $0.name == topology },
            held: state != nil,
            root: route.map { name(of: $0.root) },
            rootReason: route.map(\.rootReason.name),
            parent: route?.parent.map(name(of:)),
            members: members.count,
            subscribers: members.values.filter { !$0.isEmpty }.count,
            publishers: runtime.publishers.count(in: topology),
            subscriptions: members.values.reduce(0) { $0 + $1.distinctCount },
            engaged: names(state?.engaged ?? []).sorted()
        )
    }

    /// This node's place in a topology's tree: the router's route when it holds the
    /// topology, else the place it would take (from the tree function the router uses).
    private struct Place {
        var root: NodeID
        var rootReason: TopologyGraph.RootReason
        var parent: NodeID?
        var treeNeighbors: [NodeID]
    }

    private func place(in topology: TopologyName) -> Place? {
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

    /// `GET /v1/routes`: the route of every topology held here or declared.
    func routes() -> [RouteDocument] {
        allTopologies().map(route)
    }

    /// `GET /v1/routes/{topology}`.
    func route(_ topology: TopologyName) -> RouteDocument {
        let state = router.topologies[topology]
        let route = place(in: topology)
        let engaged = state?.engaged ?? []
        var neighborIDs = Set(route?.treeNeighbors ?? [])
        if let state {
            neighborIDs.formUnion(state.remote.keys)
            neighborIDs.formUnion(state.sent.keys)
        }
        let neighbors = neighborIDs.sorted { name(of: $0) < name(of: $1) }.map { id in
            let role = id == route?.parent ? "parent" : route?.treeNeighbors.contains(id) == true ? "child" : "none"
            return RouteNeighborDocument(
                name: name(of: id),
                id: id.description,
                role: role,
                linkUp: router.peers[id] != nil,
                engaged: engaged.contains(id),
                interestHeld: state?.remote[id].map(Self.topics),
                interestSent: state?.sent[id].map(Self.topics)
            )
        }
        return RouteDocument(
            topology: topology.rawValue,
            held: state != nil,
            root: route.map { name(of: $0.root) },
            rootReason: route.map(\.rootReason.name),
            parent: route?.parent.map(name(of:)),
            treeNeighbors: names(route?.treeNeighbors ?? []).sorted(),
            engaged: names(engaged).sorted(),
            localInterest: state.map { Self.topics($0.localInterest.aggregated) } ?? [],
            neighbors: neighbors,
            nextHops: state.map(nextHops) ?? []
        )
    }

    /// One row per prefix wanted here or by an engaged neighbour: where a message whose
    /// topic is exactly that prefix goes, decided as the router decides (engaged neighbours
    /// whose held interest matches, and local subscribers).
    private func nextHops(_ state: TopologyState) -> [NextHopDocument] {
        var prefixes = Set(state.localInterest.all)
        for neighbor in state.engaged {
            prefixes.formUnion(state.remote[neighbor]?.prefixes ?? [])
        }
        return prefixes.sorted().map { prefix in
            let via = state.engaged.filter { state.remote[$0]?.matches(prefix) == true }
            return NextHopDocument(
                prefix: TopicJSON(prefix.bytes),
                via: names(via).sorted(),
                local: state.localInterest.matches(prefix)
            )
        }
    }
}
