import ArborCore
import ArborTopology
import Testing

/// The plan a file yields is the tree the routers compute at run time: both come from
/// `RoutingCache.tree(for:in:seenFrom:)`. Routers run on the nasdaq overlay until they
/// converge, then each one's parent and root must match the plan, before and after reuters dies.
@Suite struct RouterAgreementTests {
    @Test func routersComputeThePlannedTree() throws {
        let topology = try #require(TopologyFile.load(paths: [examplePath("nasdaq.yaml")]).topologies.first)
        let planner = try TopologyPlanner(topology.definition)
        var network = RouterHarness(planner, definitionsAt: "nasdaq")
        network.run(for: .milliseconds(50))
        try expectAgreement(network, planner.plan(), topology.name)

        network.kill("reuters")
        network.run(for: .milliseconds(50))
        try expectAgreement(network, planner.plan(failing: PlanFailures(nodes: ["reuters"])), topology.name)
    }

    private func expectAgreement(_ network: RouterHarness, _ plan: TopologyPlan, _ name: TopologyName) throws {
        for node in plan.nodes where !plan.failures.nodes.contains(node) {
            let route = try #require(network.route(of: node, in: name), "\(node) has no route")
            #expect(route.root == plan.root, "root seen by \(node)")
            #expect(route.parent == plan.placements[node]?.parent, "parent of \(node)")
        }
    }
}
