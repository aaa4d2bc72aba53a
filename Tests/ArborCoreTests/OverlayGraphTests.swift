import ArborCore
import Testing

/// The overlay graph as every node computes it from the same view (the state a LAN
/// converges to): bounded degree, both ends agree, connected, logarithmic diameter, and a
/// join or leave moves O(rings) links. Over many random memberships.
@Suite struct OverlayGraphTests {
    @Test(arguments: 0..<60 as Range<UInt64>)
    func theGraphIsSymmetricBoundedAndConnected(seed: UInt64) {
        let count = 2 + Int(seed * 7 % 150)
        let maxLinks = [3, 4, 6, 8, 10][Int(seed % 5)]
        let ids = Overlay.ids(count, seed: seed)
        let graph = Overlay.graph(ids, maxLinks: maxLinks)
        let rings = OverlayConfiguration(id: ids[0], realm: "x").with(maxLinks: maxLinks).rings
        for (node, wanted) in graph.enumerated() {
            #expect(wanted.count <= 2 * rings, "seed \(seed): node \(node) wants \(wanted.count)")
            #expect(wanted.count <= maxLinks)
            #expect(!wanted.contains(node))
            for other in wanted {
                #expect(graph[other].contains(node), "seed \(seed): \(node) wants \(other) but not the reverse")
            }
        }
        #expect(Overlay.diameter(graph) != nil, "seed \(seed): \(count) nodes, disconnected")
    }

    /// Diameter at 100 and 1,000 nodes stays within a small multiple of log2 N
    /// (measured: see docs/benchmarks.md for 10,000).
    @Test(arguments: [100, 1_000])
    func diameterGrowsLogarithmically(count: Int) {
        for seed in 1...3 as ClosedRange<UInt64> {
            let graph = Overlay.graph(Overlay.ids(count, seed: seed))
            let diameter = Overlay.diameter(graph)!
            let log2 = (count - 1).bitWidth - (count - 1).leadingZeroBitCount
            // One ring alone would have diameter count / 2.
            #expect(diameter <= log2, "\(count) nodes: diameter \(diameter)")
            #expect(graph.allSatisfy { $0.count <= 6 && $0.count >= 2 })
        }
    }

    @Test(arguments: 0..<40 as Range<UInt64>)
    func aJoinOrLeaveMovesAFewLinks(seed: UInt64) {
        let count = 20 + Int(seed * 13 % 300)
        var ids = Overlay.ids(count + 1, seed: seed)
        let newcomer = ids.remove(at: Int(seed % UInt64(count + 1)))
        let before = Overlay.edges(Overlay.graph(ids), ids: ids)
        let after = Overlay.edges(Overlay.graph(ids + [newcomer]), ids: ids + [newcomer])
        // 3 rings: the newcomer's predecessor-successor link on each ring goes (3), its
        // own links come (6); a leave is the same change backwards.
        #expect(before.symmetricDifference(after).count <= 9, "seed \(seed)")
    }

    @Test func incrementalRingsMatchARecomputation() {
        var generatorState: UInt64 = 5
        func next(_ bound: Int) -> Int {
            generatorState = generatorState &* 6_364_136_223_846_793_005 &+ 1
            return Int((generatorState >> 33) % UInt64(bound))
        }
        let ids = Overlay.ids(200, seed: 9)
        var machine = OverlayLinks(Overlay.configuration(ids[0]))
        var present = Set<NodeID>()
        for step in 0..<2_000 {
            let id = ids[1 + next(199)]
            if present.contains(id) {
                _ = machine.handle(.vanished(id), at: .zero)
                present.remove(id)
            } else {
                _ = machine.handle(.discovered(Overlay.peer(id)), at: .zero)
                present.insert(id)
            }
            if step % 50 == 0 {
                var view = OverlayView(present.map { Overlay.peer($0) })
                let fresh = OverlayLinks(Overlay.configuration(ids[0]), view: view)
                #expect(machine.wantedPeers == fresh.wantedPeers, "step \(step)")
                view.buildRingIndex(rings: 3)
                let indexed = OverlayLinks(Overlay.configuration(ids[0]), view: view)
                #expect(indexed.wantedPeers == fresh.wantedPeers, "step \(step), with a ring index")
                #expect(indexed.ringScans == 0)
            }
        }
        #expect(machine.ringScans < 2_000 / 4, "a rescan per change would be \(machine.ringScans)")
    }
}

extension OverlayConfiguration {
    func with(maxLinks: Int) -> OverlayConfiguration {
        var copy = self
        copy.maxLinks = maxLinks
        return copy
    }
}
