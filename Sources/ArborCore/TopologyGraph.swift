/// The part of a ``Graph`` that a link policy allows: its eligible nodes, its allowed links
/// with their costs, and the components those form. Only a definition's `nodes` and `links`
/// matter here, so topologies that differ in root or publishers share one.
///
/// - No definition (an implicit topology): every node, every link, advertised costs.
/// - A definition without `links`: its nodes (or every node), links between them, cost 1.
/// - A definition with `links`: only those links that are also up, at the declared cost.
public struct TopologyGraph: Sendable {
    public let graph: Graph
    /// ``TopologyDefinition/linkPolicyDigest`` of the policy; `nil` for implicit topologies.
    public let policy: UInt64?
    /// Whether each node (by index) may carry this topology.
    public let eligible: [Bool]
    /// Cost of each edge of `graph.targets` for this topology; 0 means not allowed.
    public let edgeCosts: [UInt32]
    /// Component of each eligible node over allowed links (-1 when not eligible).
    public let components: [Int32]

    /// Path costs must stay below 2^40 for ``ShortestPathTree``; capping each link at
    /// 2^24 - 1 keeps any path of up to 65,536 hops within that.
    public static let maximumCost: UInt32 = (1 << 24) - 1

    public init(graph: Graph, definition: TopologyDefinition?) {
        self.graph = graph
        policy = definition?.linkPolicyDigest
        guard let definition else {
            // Every node, every link at its advertised cost (at least 1): the graph's own
            // components, no labelling pass, and its costs' storage when none is capped.
            eligible = [Bool](repeating: true, count: graph.count)
            let capped = graph.costs.contains { $0 > TopologyGraph.maximumCost }
            edgeCosts = capped ? graph.costs.map { min($0, TopologyGraph.maximumCost) } : graph.costs
            components = graph.components
            return
        }
        var eligible = [Bool](repeating: definition.nodes == nil, count: graph.count)
        if let nodes = definition.nodes {
            for name in nodes {
                if let index = graph.index(named: name) {
                    eligible[Int(index)] = true
                }
            }
        }
        var edgeCosts = [UInt32](repeating: 0, count: graph.targets.count)
        let declared = definition.links.map { TopologyGraph.ruleTable($0, in: graph) }
        for node in 0..<graph.count where eligible[node] {
            for edge in graph.neighbors(of: Int32(node)) {
                let other = Int(graph.targets[edge])
                guard eligible[other] else { continue }
                if let declared {
                    if let cost = declared[TopologyGraph.pairKey(Int32(node), Int32(other))] {
                        edgeCosts[edge] = min(max(cost, 1), TopologyGraph.maximumCost)
                    }
                } else {
                    edgeCosts[edge] = 1
                }
            }
        }
        self.eligible = eligible
        self.edgeCosts = edgeCosts
        components = Graph.label(
            count: graph.count,
            offsets: graph.offsets,
            targets: graph.targets,
            allowed: edgeCosts.map { $0 > 0 },
            eligible: eligible
        )
    }

    /// How a root was chosen, for operators asking "why this root".
    public enum RootReason: Hashable, Sendable {
        case declared
        /// The declared root is unreachable; this is fallback number `position` (from 0).
        case fallback(position: Int)
        /// Highest rendezvous weight of topology name and node id among reachable nodes.
        case rendezvous
    }

    /// The root of topology `name` (declared by `definition`, which must have this graph's
    /// link policy) for the component that holds node `member`, or `nil` when `member` may
    /// not carry the topology. Declared root while reachable, then fallbacks in order, then
    /// rendezvous hashing over the component, so the root moves only when the root dies.
    public func root(of name: TopologyName, definition: TopologyDefinition?, forComponentOf member: Int32) -> RootChoice? {
        let component = components[Int(member)]
        guard component >= 0 else { return nil }
        if let definition {
            if let root = definition.root, let index = graph.index(named: root), components[Int(index)] == component {
                return RootChoice(index: index, reason: .declared)
            }
            for (position, name) in definition.fallbacks.enumerated() {
                if let index = graph.index(named: name), components[Int(index)] == component {
                    return RootChoice(index: index, reason: .fallback(position: position))
                }
            }
        }
        var best: Int32 = -1
        var bestWeight: UInt64 = 0
        let nameHash = TopologyGraph.nameHash(name)
        for node in graph.members(ofComponent: graph.components[Int(member)]) where components[Int(node)] == component {
            let weight = TopologyGraph.rendezvousWeight(nameHash, graph.ids[Int(node)])
            if best < 0 || weight > bestWeight {
                best = node
                bestWeight = weight
            }
        }
        return RootChoice(index: best, reason: .rendezvous)
    }

    /// A chosen root and why it was chosen.
    public struct RootChoice: Hashable, Sendable {
        public let index: Int32
        public let reason: RootReason
    }

    /// The highest-random-weight score of a node for a topology.
    public static func rendezvousWeight(_ topology: TopologyName, _ node: NodeID) -> UInt64 {
        rendezvousWeight(nameHash(topology), node)
    }

    private static func nameHash(_ topology: TopologyName) -> UInt64 {
        var hash = StableHash(seed: 0x5EED)
        hash.combine(topology.rawValue)
        return hash.value
    }

    private static func rendezvousWeight(_ nameHash: UInt64, _ node: NodeID) -> UInt64 {
        var hash = StableHash(seed: nameHash)
        hash.combine(node)
        return hash.value
    }

    private static func pairKey(_ a: Int32, _ b: Int32) -> UInt64 {
        let (low, high) = a < b ? (a, b) : (b, a)
        return UInt64(UInt32(bitPattern: low)) << 32 | UInt64(UInt32(bitPattern: high))
    }

    /// The declared links between the nodes their names (or ids) resolve to in `graph`
    /// (``Graph/index(named:)``), keyed by node pair, at the lowest cost declared for it.
    private static func ruleTable(_ rules: [LinkRule], in graph: Graph) -> [UInt64: UInt32] {
        var table: [UInt64: UInt32] = [:]
        for rule in rules {
            guard let a = graph.index(named: rule.a), let b = graph.index(named: rule.b) else { continue }
            let key = pairKey(a, b)
            table[key] = min(table[key] ?? .max, rule.cost)
        }
        return table
    }
}
