import ArborCore
import Testing

@Suite struct TreeTests {
    /// A square 1-2-4-3-1 with equal costs: 4 is reached equally through 2 and 3.
    let square = [record(1, [2: 1, 3: 1]), record(2, [1: 1, 4: 1]), record(3, [1: 1, 4: 1]), record(4, [2: 1, 3: 1])]

    @Test func equalCostTiesGoToTheLowestNodeID() throws {
        let name = TopologyName("t")!
        let definition = TopologyDefinition(name: name, root: "n1")
        let graph = Graph(records: square.map { var r = $0; r.definitions = [definition]; return r })
        let planned = try #require(RoutingCache().tree(for: name, in: graph, seenFrom: 0))
        #expect(graph.ids[Int(planned.root.index)] == node(1))
        let four = graph.index(of: node(4))!
        #expect(planned.tree.parent(of: four).map { graph.ids[Int($0)] } == node(2))
        #expect(planned.tree.distances[Int(four)] == 2)
    }

    @Test func declaredRootThenFallbacksThenRendezvous() throws {
        let name = TopologyName("t")!
        let definition = TopologyDefinition(name: name, root: "n1", fallbacks: ["n9", "n3"])
        func root(_ records: [LinkStateRecord]) throws -> (NodeID, TopologyGraph.RootReason) {
            let graph = Graph(records: records.map { var r = $0; r.definitions = [definition]; return r })
            let me = graph.index(of: node(4))!
            let planned = try #require(RoutingCache().tree(for: name, in: graph, seenFrom: me))
            return (graph.ids[Int(planned.root.index)], planned.root.reason)
        }
        #expect(try root(square) == (node(1), .declared))
        // n1 dead (no links): n9 is unknown, so the second fallback n3 roots the tree.
        let withoutOne = [record(1, [:]), record(2, [4: 1]), record(3, [4: 1]), record(4, [2: 1, 3: 1])]
        #expect(try root(withoutOne) == (node(3), .fallback(position: 1)))
        let withoutThree = [record(1, [:]), record(2, [4: 1]), record(3, [:]), record(4, [2: 1])]
        #expect(try root(withoutThree).1 == .rendezvous)
    }

    @Test func aRendezvousRootStaysWhileItLives() throws {
        let name = TopologyName("auto")!
        let ring = (1...12).map { record($0, [($0 % 12) + 1: 1, (($0 + 10) % 12) + 1: 1]) }
        let graph = Graph(records: ring)
        let root = try #require(RoutingCache().tree(for: name, in: graph, seenFrom: 0)).root.index
        let rootID = graph.ids[Int(root)]
        // Remove some other node (cut its links): the root must not move.
        let victim = ring.first { $0.origin != rootID }!.origin
        let damaged = ring.map { r -> LinkStateRecord in
            var copy = r
            if r.origin == victim { copy.links = [] }
            copy.links.removeAll { $0.neighbor == victim }
            return copy
        }
        let after = Graph(records: damaged)
        let me = after.index(of: rootID)!
        let newRoot = try #require(RoutingCache().tree(for: name, in: after, seenFrom: me)).root.index
        #expect(after.ids[Int(newRoot)] == rootID)
    }

    @Test func declaredLinksAreTheOnlyOnesUsedAtTheirDeclaredCost() throws {
        let name = TopologyName("t")!
        let definition = TopologyDefinition(
            name: name, root: "n1", nodes: ["n1", "n2", "n3", "n4"],
            links: [LinkRule("n1", "n2", cost: 1), LinkRule("n2", "n4", cost: 1), LinkRule("n1", "n3", cost: 7)]
        )
        let graph = Graph(records: square.map { var r = $0; r.definitions = [definition]; return r })
        let planned = try #require(RoutingCache().tree(for: name, in: graph, seenFrom: 0))
        let three = graph.index(of: node(3))!
        #expect(planned.tree.distances[Int(three)] == 7)
        #expect(planned.tree.parent(of: three).map { graph.ids[Int($0)] } == node(1))
    }

    @Test func aNodeOutsideTheDeclaredNodesHasNoTree() {
        let name = TopologyName("t")!
        let definition = TopologyDefinition(name: name, nodes: ["n1", "n2"])
        let graph = Graph(records: square.map { var r = $0; r.definitions = [definition]; return r })
        #expect(RoutingCache().tree(for: name, in: graph, seenFrom: graph.index(of: node(4))!) == nil)
    }

    /// A tree derived from the tree of an earlier graph of the same nodes must be the tree a
    /// fresh Dijkstra computes: random overlays, each changed by a few link cuts, additions
    /// and cost changes (some that alter the tree, some that cannot).
    @Test func aReusedTreeIsTheTreeDijkstraComputes() throws {
        var state: UInt64 = 0x1234_5678
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let name = TopologyName("auto")!
        let count = 30
        var reuses = 0
        var repairs = 0
        for _ in 0..<200 {
            var links: [Int: [Int: UInt32]] = [:]
            for a in 1...count {
                for _ in 0..<2 {
                    let b = 1 + next(count)
                    guard b != a else { continue }
                    let cost = UInt32(1 + next(3))
                    links[a, default: [:]][b] = cost
                    links[b, default: [:]][a] = cost
                }
            }
            func graph(_ links: [Int: [Int: UInt32]]) -> Graph {
                Graph(records: (1...count).map { id in
                    var made = record(UInt64(id), Dictionary(uniqueKeysWithValues: (links[id] ?? [:]).map { (UInt64($0.key), $0.value) }))
                    made.links.sort { $0.neighbor < $1.neighbor }
                    return made
                })
            }
            let before = graph(links)
            var changed = links
            for _ in 0..<(1 + next(3)) {
                let a = 1 + next(count)
                let b = 1 + next(count)
                guard a != b else { continue }
                let cost: UInt32? = next(3) == 0 ? nil : UInt32(1 + next(4))
                changed[a, default: [:]][b] = cost
                changed[b, default: [:]][a] = cost
            }
            let after = graph(changed)
            let cache = RoutingCache()
            _ = cache.tree(for: name, in: before, seenFrom: 0)
            let derived = try #require(cache.tree(for: name, in: after, seenFrom: 0))
            let fresh = try #require(RoutingCache().tree(for: name, in: after, seenFrom: 0))
            #expect(derived.root == fresh.root)
            #expect(derived.tree.parents == fresh.tree.parents)
            #expect(derived.tree.distances == fresh.tree.distances)
            #expect(derived.tree.children == fresh.tree.children)
            reuses += cache.statistics.treeReuses
            repairs += cache.statistics.treeRepairs
        }
        // Both kinds of change occurred: some trees were taken over as they were, others
        // repaired (the rest had another root after the change, and were computed afresh).
        #expect(reuses > 10 && repairs > 10)
    }
}
