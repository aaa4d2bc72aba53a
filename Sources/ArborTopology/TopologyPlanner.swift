import ArborCore

/// Plans a declared topology offline with the routers' own code.
///
/// The file is turned into the link-state records its nodes would flood: one record per
/// declared node, with an id derived from its name (``nodeID(named:)``), a link in both
/// directions for every declared link, and the definition in the first node's record (as
/// if that node had loaded the file; flooding gives it to all). A failed node keeps its record
/// but loses every link (as a dead router looks before its record ages out); a failed link
/// is left out of both records. The tree then comes from `RoutingCache.tree(for:in:seenFrom:)`,
/// the function every router calls, seen from the root's side: the declared root, else the
/// first fallback, else the first node in the file, skipping failed ones.
///
/// A topology without `links` is planned as a full mesh at cost 1 (the plan says so);
/// one without `nodes` cannot be planned.
public struct TopologyPlanner {
    public let definition: TopologyDefinition
    /// Node names in file order.
    public let nodes: [String]
    /// Links that may carry the topology, with their costs, in file order.
    public let links: [(pair: NodePair, cost: UInt32)]
    public let assumesFullMesh: Bool
    private let cache = RoutingCache()

    public init(_ definition: TopologyDefinition) throws(PlanError) {
        guard let nodes = definition.nodes, !nodes.isEmpty else { throw .noNodes(definition.name.rawValue) }
        self.definition = definition
        self.nodes = nodes
        if let rules = definition.links {
            links = rules.map { (NodePair($0.a, $0.b), $0.cost) }
            assumesFullMesh = false
        } else {
            var mesh: [(pair: NodePair, cost: UInt32)] = []
            for (index, a) in nodes.enumerated() {
                for b in nodes[(index + 1)...] {
                    mesh.append((NodePair(a, b), 1))
                }
            }
            links = mesh
            assumesFullMesh = true
        }
    }

    /// The node id a plan gives the node called `name`: a stable 128-bit hash of the name,
    /// the same in every process. Real nodes have random ids, which only matters where two
    /// paths cost the same (see ``TopologyPlan/ties``).
    /// A node listed by its id (32 hex digits) gets that id.
    public static func nodeID(named name: String) -> NodeID {
        if let id = NodeID(listed: name) {
            return id
        }
        return NodeID(high: hash(name, basis: 0xCBF2_9CE4_8422_2325), low: hash(name, basis: 0x8422_2325_CBF2_9CE4))
    }

    /// The records the topology's routers would flood with `failures` in effect.
    public func records(failing failures: PlanFailures = .none) -> [LinkStateRecord] {
        var neighbors: [String: [Link]] = [:]
        for (pair, cost) in links where !failures.cuts(pair) {
            neighbors[pair.a, default: []].append(Link(neighbor: Self.nodeID(named: pair.b), cost: cost))
            neighbors[pair.b, default: []].append(Link(neighbor: Self.nodeID(named: pair.a), cost: cost))
        }
        return nodes.enumerated().map { index, name in
            LinkStateRecord(
                origin: Self.nodeID(named: name),
                name: name,
                incarnation: 1,
                sequence: 1,
                links: neighbors[name] ?? [],
                definitions: index == 0 ? [definition] : []
            )
        }
    }

    /// The tree with `failures` in effect.
    public func plan(failing failures: PlanFailures = .none) -> TopologyPlan {
        let graph = Graph(records: records(failing: failures))
        let candidates = (definition.root.map { [$0] } ?? []) + definition.fallbacks + nodes
        let viewpoint = candidates.first { !failures.nodes.contains($0) }.flatMap { graph.index(named: $0) }
        var placements: [String: TopologyPlan.Placement] = [:]
        var ties: Set<String> = []
        var treePairs: Set<NodePair> = []
        var root: String?
        var rootReason: TopologyGraph.RootReason?
        if let viewpoint, let planned = cache.tree(for: definition.name, in: graph, seenFrom: viewpoint) {
            let tree = planned.tree
            root = graph.names[Int(planned.root.index)]
            rootReason = planned.root.reason
            for index in 0..<Int32(graph.count) where tree.contains(index) {
                let name = graph.names[Int(index)]
                let parent = tree.parent(of: index).map { graph.names[Int($0)] }
                placements[name] = TopologyPlan.Placement(parent: parent, cost: tree.distances[Int(index)])
                if let parent {
                    treePairs.insert(NodePair(name, parent))
                }
                if Self.equallyShortParents(of: index, in: planned) > 1 {
                    ties.insert(name)
                }
            }
        }
        let planned = links.map { pair, cost in
            let state: TopologyPlan.LinkState =
                failures.cuts(pair) ? .failed : treePairs.contains(pair) ? .tree : .unused
            return TopologyPlan.PlannedLink(pair: pair, cost: cost, state: state)
        }
        return TopologyPlan(
            topology: definition.name,
            nodes: nodes,
            failures: failures,
            root: root,
            rootReason: rootReason,
            placements: placements,
            links: planned,
            ties: nodes.filter(ties.contains),
            assumesFullMesh: assumesFullMesh
        )
    }

    /// Resolves failures named on a command line: node names, and links written `A-B`
    /// (split at the one hyphen that names an allowed link) or `A,B`.
    public func failures(nodes failedNodes: [String], links failedLinks: [String]) throws(PlanError) -> PlanFailures {
        var result = PlanFailures()
        let topology = definition.name.rawValue
        for name in failedNodes {
            guard nodes.contains(name) else {
                throw .unknownNode(name, topology: topology, suggestion: Suggestion.nearest(to: name, among: nodes))
            }
            result.nodes.insert(name)
        }
        let allowed = Set(links.map(\.pair))
        for text in failedLinks {
            var candidates: [NodePair] = []
            for (index, character) in zip(text.indices, text) where character == "-" || character == "," {
                let pair = NodePair(String(text[..<index]), String(text[text.index(after: index)...]))
                if allowed.contains(pair), !candidates.contains(pair) {
                    candidates.append(pair)
                }
            }
            switch candidates.count {
            case 1:
                result.links.insert(candidates[0])
            case 0:
                let spelled = links.map { "\($0.pair.a)-\($0.pair.b)" }
                throw .unknownLink(text, topology: topology, suggestion: Suggestion.nearest(to: text, among: spelled))
            default:
                if text.contains(",") {
                    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
                    if parts.count == 2, allowed.contains(NodePair(String(parts[0]), String(parts[1]))) {
                        result.links.insert(NodePair(String(parts[0]), String(parts[1])))
                        continue
                    }
                }
                throw .ambiguousLink(text, candidates: candidates)
            }
        }
        return result
    }

    /// How many tree neighbours of `node` offer a path to the root as short as its own.
    private static func equallyShortParents(of node: Int32, in planned: PlannedTree) -> Int {
        let graph = planned.topology.graph
        let tree = planned.tree
        let distance = tree.distances[Int(node)]
        guard node != tree.root else { return 0 }
        var count = 0
        for edge in graph.neighbors(of: node) {
            let cost = planned.topology.edgeCosts[edge]
            let other = graph.targets[edge]
            guard cost > 0, tree.contains(other) else { continue }
            if tree.distances[Int(other)] + UInt64(cost) == distance {
                count += 1
            }
        }
        return count
    }

    /// FNV-1a over the name's bytes, then the splitmix64 finaliser.
    private static func hash(_ name: String, basis: UInt64) -> UInt64 {
        var state = basis
        for byte in name.utf8 {
            state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        state = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
        state = (state ^ (state >> 27)) &* 0x94D0_49BB_1331_11EB
        return state ^ (state >> 31)
    }
}
