import ArborCore
import ArborTopology
import Testing

/// Offline plans of the example topologies, through the library API.
@Suite struct PlanTests {
    let nasdaq: TopologyPlanner
    let traders: [String]

    init() throws {
        let result = TopologyFile.load(paths: [examplePath("nasdaq.yaml")])
        let topology = try #require(result.topologies.first)
        nasdaq = try TopologyPlanner(topology.definition)
        traders = nasdaq.nodes.filter { $0.hasSuffix("-t1") || $0.hasSuffix("-t2") }
    }

    @Test func nasdaqHangsEveryBankOffReuters() {
        let plan = nasdaq.plan()
        #expect(plan.root == "nasdaq")
        #expect(plan.rootReason == .declared)
        #expect(plan.unreachable.isEmpty)
        #expect(plan.ties.isEmpty)
        for bank in ["bank-a", "bank-b", "fund-c"] {
            #expect(plan.placements[bank]?.parent == "reuters")
        }
        #expect(plan.placements["bank-a-ny-t1"] == TopologyPlan.Placement(parent: "bank-a-ny", cost: 26))
        #expect(traders.count == 14)
        #expect(traders.allSatisfy { plan.placements[$0] != nil })
        #expect(plan.links.filter { $0.state == .unused }.map(\.pair.description) == [
            "bank-a <-> bloomberg", "bank-b <-> bloomberg", "bloomberg <-> fund-c",
        ])
    }

    @Test func failingReutersReparentsEveryBankToBloomberg() throws {
        let failures = try nasdaq.failures(nodes: ["reuters"], links: [])
        let before = nasdaq.plan()
        let after = nasdaq.plan(failing: failures)
        let changes = after.changes(since: before)
        #expect(changes.moved.map { "\($0.node): \($0.from) -> \($0.to)" } == [
            "bank-a: reuters -> bloomberg", "bank-b: reuters -> bloomberg", "fund-c: reuters -> bloomberg",
        ])
        #expect(changes.unreachable.isEmpty)
        #expect(!changes.rootChanged)
        #expect(changes.failedNodes == ["reuters"])
        #expect(traders.allSatisfy { after.placements[$0] != nil })
        #expect(after.placements["bank-a"]?.cost == 25)
        #expect(after.links.first { $0.pair == NodePair("nasdaq", "reuters") }?.state == .failed)
    }

    @Test func failingBothVendorsCutsOffEverythingBelowTheExchange() throws {
        let failures = try nasdaq.failures(nodes: ["reuters", "bloomberg"], links: [])
        let before = nasdaq.plan()
        let after = nasdaq.plan(failing: failures)
        let changes = after.changes(since: before)
        #expect(after.root == "nasdaq")
        #expect(Set(after.placements.keys) == ["nasdaq"])
        #expect(changes.unreachable == nasdaq.nodes.filter { !["nasdaq", "reuters", "bloomberg"].contains($0) })
        #expect(changes.unreachable.count == 23)
        #expect(changes.moved.isEmpty)
    }

    @Test func failingTheRootMovesItToTheFirstFallback() throws {
        let after = nasdaq.plan(failing: try nasdaq.failures(nodes: ["nasdaq"], links: []))
        #expect(after.root == "reuters")
        #expect(after.rootReason == .fallback(position: 0))
        #expect(after.placements["bloomberg"]?.parent == "bank-a")
        #expect(after.unreachable.isEmpty)
    }

    @Test func failingALinkWrittenWithHyphensOrAComma() throws {
        let hyphen = try nasdaq.failures(nodes: [], links: ["bank-a-reuters"])
        let comma = try nasdaq.failures(nodes: [], links: ["reuters,bank-a"])
        #expect(hyphen.links == [NodePair("bank-a", "reuters")])
        #expect(comma == hyphen)
        let after = nasdaq.plan(failing: hyphen)
        #expect(after.placements["bank-a"]?.parent == "bloomberg")
        #expect(after.placements["bank-b"]?.parent == "reuters")
    }

    @Test func unknownFailuresSayWhatIsMeant() {
        #expect(throws: PlanError.unknownNode("reuter", topology: "nasdaq.quotes", suggestion: "reuters")) {
            try nasdaq.failures(nodes: ["reuter"], links: [])
        }
        #expect(throws: PlanError.unknownLink("nasdaq-bank-a", topology: "nasdaq.quotes", suggestion: nil)) {
            try nasdaq.failures(nodes: [], links: ["nasdaq-bank-a"])
        }
    }

    @Test func diamondReroutesAroundB1() throws {
        let diamond = try TopologyPlanner(try #require(TopologyFile.load(paths: [examplePath("diamond.yaml")]).topologies.first).definition)
        let before = diamond.plan()
        #expect(before.placements["c"] == TopologyPlan.Placement(parent: "b1", cost: 2))
        let after = diamond.plan(failing: try diamond.failures(nodes: ["b1"], links: []))
        #expect(after.placements["c"] == TopologyPlan.Placement(parent: "b2", cost: 4))
    }

    @Test func aTopologyWithoutLinksIsPlannedAsAFullMesh() throws {
        let topology = try #require(declared("topologies:\n  - name: t\n    root: b\n    nodes: [a, b, c]\n"))
        let plan = try TopologyPlanner(topology.definition).plan()
        #expect(plan.assumesFullMesh)
        #expect(plan.links.count == 3)
        #expect(plan.placements["a"]?.parent == "b")
        #expect(plan.placements["c"]?.parent == "b")
    }

    @Test func aTopologyWithoutNodesCannotBePlanned() throws {
        let lan = try #require(TopologyFile.load(paths: [examplePath("lan.yaml")]).topologies.first)
        #expect(throws: PlanError.noNodes("lan.chat")) { try TopologyPlanner(lan.definition) }
    }

    @Test func tiesAreReported() throws {
        let topology = try #require(declared("""
            topologies:
              - name: t
                root: a
                nodes: [a, b, c, d]
                links: [{between: [a, b]}, {between: [a, c]}, {between: [b, d]}, {between: [c, d]}]
            """))
        #expect(try TopologyPlanner(topology.definition).plan().ties == ["d"])
    }
}
