import ArborCore
import ArborSim
import ArborTopology
import Testing

/// The plan a file yields is the tree the routers compute at run time: both come from
/// `RoutingCache.tree(for:in:seenFrom:)`. The nasdaq overlay runs in the simulator from a
/// cold start, the definition loaded on one node only and flooded; once converged, each
/// router's root and parent must match the plan, before and after reuters dies.
@Suite struct RouterAgreementTests {
    @Test func routersInTheSimulatorComputeThePlannedTree() throws {
        let topology = try #require(TopologyFile.load(paths: [examplePath("nasdaq.yaml")]).topologies.first)
        let planner = try TopologyPlanner(topology.definition)
        let names = planner.nodes
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let links = planner.links.map { LinkKey(index[$0.pair.a]!, index[$0.pair.b]!) }
        let simulator = Simulator(
            names: names,
            links: links,
            ids: names.map(TopologyPlanner.nodeID(named:)),
            seed: 3
        )
        simulator.startCold(definitions: [index["bank-a-ny-t1"]!: [topology.definition]])
        for (position, name) in names.enumerated() {
            simulator.attach(ClientID(position + 1), at: index[name]!, topology: topology.name, prefixes: [""])
        }
        simulator.run(for: .seconds(1))
        #expect(InvariantChecker().check(simulator).isEmpty)
        try expectAgreement(simulator, planner.plan(), topology.name)

        simulator.kill(index["reuters"]!)
        simulator.run(for: .seconds(1))
        #expect(InvariantChecker().check(simulator).isEmpty)
        try expectAgreement(simulator, planner.plan(failing: PlanFailures(nodes: ["reuters"])), topology.name)
    }

    private func expectAgreement(_ simulator: Simulator, _ plan: TopologyPlan, _ name: TopologyName) throws {
        let names = Dictionary(uniqueKeysWithValues: simulator.ids.enumerated().map { ($1, simulator.names[$0]) })
        for (position, node) in simulator.names.enumerated() where !plan.failures.nodes.contains(node) {
            let route = try #require(simulator.routers[position]?.topologies[name]?.route, "\(node) has no route")
            #expect(names[route.root] == plan.root, "root seen by \(node)")
            #expect(route.parent.flatMap { names[$0] } == plan.placements[node]?.parent, "parent of \(node)")
        }
    }
}
