import ArborCore

/// Checks, at quiescence, that the overlay converged to what the ground truth demands:
///
/// - every live node with topologies computed its routes from its current database;
/// - within each physical component every node holds the same database, whose graph has
///   exactly the component's working links;
/// - per topology, every node agrees on the root, each node's parent is its parent in the
///   tree computed from that database, and the tree spans the component over allowed links;
/// - interest is exact: a node is engaged with its parent iff it or its subtree has
///   members, with a child iff that child is on the tree, nothing is kept from a
///   neighbour that is not engaged, and what each node told a neighbour is what that
///   neighbour holds (and, in overlays of up to `exactInterestLimit` nodes, equals the
///   union of the subscriptions behind the edge).
public struct InvariantChecker {
    public var exactInterestLimit = 2_000

    public init() {}

    /// Problems found, empty when converged.
    public func check(_ simulator: Simulator) -> [String] {
        var problems: [String] = []
        let truth = PhysicalView(simulator)
        for group in truth.groups {
            problems += checkComponent(group, simulator, truth)
            if problems.count > 50 { break }
        }
        return problems
    }

    private func checkComponent(_ group: [Int], _ simulator: Simulator, _ truth: PhysicalView) -> [String] {
        var problems: [String] = []
        let first = simulator.inspect(group[0]) { $0.database }
        for node in group {
            let (recomputed, digest) = simulator.inspect(node) { router in
                (router.topologies.isEmpty || router.graph.digest == router.database.digest, router.database.digest)
            }
            if !recomputed {
                problems.append("node \(node): routes not recomputed from its current database")
            }
            if digest != first.digest {
                problems.append("node \(node): database differs from node \(group[0]) in the same component")
            }
        }
        guard problems.isEmpty else { return problems }
        let graph = simulator.cache.graph(of: first)
        for node in group {
            guard let index = graph.index(of: simulator.ids[node]) else {
                problems.append("node \(node): missing from the database of its component")
                continue
            }
            let seen = Set(graph.neighbors(of: index).map { simulator.index(of: graph.ids[Int(graph.targets[$0])])! })
            if seen != Set(truth.neighbors[node]) {
                problems.append("node \(node): database links \(seen.sorted()) but working links \(truth.neighbors[node])")
            }
        }
        guard problems.isEmpty else { return problems }
        var names = Set<TopologyName>()
        for node in group {
            simulator.inspect(node) { names.formUnion($0.topologies.keys) }
        }
        for name in names.sorted() {
            problems += checkTopology(name, group, graph, simulator)
        }
        return problems
    }

    private func checkTopology(_ name: TopologyName, _ group: [Int], _ graph: Graph, _ simulator: Simulator) -> [String] {
        var problems: [String] = []
        let cache = RoutingCache(capacity: 4)
        let anyIndex = graph.index(of: simulator.ids[group[0]])!
        guard let planned = cache.tree(for: name, in: graph, seenFrom: anyIndex) else {
            return []
        }
        let tree = planned.tree
        let rootID = graph.ids[Int(planned.root.index)]
        // Spanning over allowed links.
        for node in group {
            let index = graph.index(of: simulator.ids[node])!
            guard planned.topology.eligible[Int(index)] else { continue }
            if !tree.contains(index) {
                problems.append("\(name): tree misses node \(node)")
            }
            if let parent = tree.parent(of: index) {
                let allowed = graph.neighbors(of: index).contains {
                    graph.targets[$0] == parent && planned.topology.edgeCosts[$0] > 0
                }
                if !allowed {
                    problems.append("\(name): node \(node) hangs off a link the topology may not use")
                }
            }
        }
        // Membership and expected engagement, from the ground truth of local members.
        var members = [Bool](repeating: false, count: graph.count)
        var local = [PrefixSet](repeating: .empty, count: graph.count)
        for node in group {
            guard let state = simulator.inspect(node, { $0.topologies[name] }), !state.members.isEmpty else { continue }
            let index = Int(graph.index(of: simulator.ids[node])!)
            members[index] = true
            local[index] = state.localInterest.aggregated
        }
        var active = members
        var below = local
        let order = group.map { Int(graph.index(of: simulator.ids[$0])!) }
            .filter { tree.contains(Int32($0)) }
            .sorted { tree.distances[$0] > tree.distances[$1] }
        for index in order {
            if let parent = tree.parent(of: Int32(index)), active[index] {
                active[Int(parent)] = true
                if order.count <= exactInterestLimit {
                    below[Int(parent)] = below[Int(parent)].union(below[index])
                }
            }
        }
        for node in group {
            let index = graph.index(of: simulator.ids[node])!
            let state = simulator.inspect(node) { $0.topologies[name] }
            var expected: [NodeID] = tree.children(of: index).filter { active[Int($0)] }.map { graph.ids[Int($0)] }
            if active[Int(index)], let parent = tree.parent(of: index) {
                expected.append(graph.ids[Int(parent)])
            }
            expected.sort()
            let engaged = state?.engaged ?? []
            if engaged != expected {
                problems.append("\(name): node \(node) engaged with \(engaged.map(\.short)) but should be \(expected.map(\.short))")
                continue
            }
            guard let state else { continue }
            if let route = state.route {
                if route.root != rootID {
                    problems.append("\(name): node \(node) has root \(route.root.short), the tree's is \(rootID.short)")
                }
                if route.parent != tree.parent(of: index).map({ graph.ids[Int($0)] }) {
                    problems.append("\(name): node \(node) has the wrong parent")
                }
            }
            let stale = Set(state.remote.keys).subtracting(engaged)
            if !stale.isEmpty {
                problems.append("\(name): node \(node) keeps stale interest from \(stale.map(\.short).sorted())")
            }
            for neighbor in engaged {
                let told = state.sent[neighbor]
                let held = simulator.index(of: neighbor).flatMap { peer in
                    simulator.isAlive(peer) ? simulator.inspect(peer) { $0.topologies[name]?.remote[simulator.ids[node]] } : nil
                }
                if told != held {
                    problems.append("\(name): node \(node) told \(neighbor.short) \(told?.description ?? "nothing") but it holds \(held?.description ?? "nothing")")
                }
                if order.count <= exactInterestLimit, let told {
                    let neighborIndex = graph.index(of: neighbor)!
                    let behind: PrefixSet
                    if tree.parent(of: index) == neighborIndex {
                        behind = below[Int(index)]
                    } else {
                        behind = interestOutside(subtreeOf: neighborIndex, tree: tree, local: local, order: order)
                    }
                    if told != behind {
                        problems.append("\(name): node \(node) told \(neighbor.short) \(told) but the subscriptions behind it are \(behind)")
                    }
                }
            }
        }
        return problems
    }

    /// Union of the local subscriptions of every tree node outside the subtree of `top`.
    private func interestOutside(subtreeOf top: Int32, tree: ShortestPathTree, local: [PrefixSet], order: [Int]) -> PrefixSet {
        var prefixes: [Topic] = []
        for index in order {
            var current = Int32(index)
            var inside = false
            while true {
                if current == top {
                    inside = true
                    break
                }
                guard let parent = tree.parent(of: current) else { break }
                current = parent
            }
            if !inside {
                prefixes += local[index].prefixes
            }
        }
        return PrefixSet(prefixes)
    }
}
