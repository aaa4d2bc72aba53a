import ArborCore
import ArborSim
import Testing

/// What the router reports about itself on the diamond (a to b1 cost 1 and b2 cost 2, both
/// to c): failovers it measured, and where a message published at a would go.
@Suite struct FailoverTraceTests {
    @Test func aCrashedRelayIsOneFailoverAtEachNodeThatRoutedThroughIt() {
        let (simulator, a, b1, _, c) = Fixture.diamond()
        simulator.attachClients(at: a, subscriberAt: c, subscribing: ["AAPL"])
        simulator.run(for: .seconds(1))
        #expect(simulator.routers[c]!.statistics.failovers == 0)
        simulator.kill(b1)
        simulator.run(for: .seconds(1))
        for node in [a, c] {
            let statistics = simulator.routers[node]!.statistics
            #expect(statistics.failovers == 1, "node \(node)")
            let duration = try! #require(statistics.lastFailover)
            #expect(duration > .zero && duration < .milliseconds(100), "node \(node): \(duration)")
            #expect(statistics.longestFailover == duration)
        }
    }

    @Test func aFailureThatChangesNoRouteIsNoFailover() {
        let (simulator, a, _, b2, c) = Fixture.diamond()
        simulator.attachClients(at: a, subscriberAt: c, subscribing: ["AAPL"])
        simulator.run(for: .seconds(1))
        let routeBefore = simulator.routers[c]!.topologies[Fixture.topology]?.route
        simulator.cut(LinkKey(b2, c))
        simulator.run(for: .seconds(2))
        #expect(simulator.routers[c]!.topologies[Fixture.topology]?.route == routeBefore)
        #expect(simulator.routers[c]!.statistics.failovers == 0)
    }

    @Test func theTraceOfAPublicationFollowsTheRoutersOwnInterest() throws {
        let (simulator, a, b1, _, c) = Fixture.diamond()
        simulator.attachClients(at: a, subscriberAt: c, subscribing: ["AAPL"])
        simulator.run(for: .seconds(1))
        let router = simulator.routers[a]!
        let index = { (node: Int) in router.graph.index(of: simulator.ids[node])! }
        let wanted = try #require(router.trace("AAPL.O", in: Fixture.topology, cache: RoutingCache()))
        #expect(wanted.root == index(a))
        let throughB1 = try #require(wanted.hops.first { $0.from == index(a) && $0.to == index(b1) })
        #expect(throughB1.state == .sends)
        #expect(throughB1.matched == ["AAPL"])
        #expect(wanted.destinations.contains { $0.node == index(c) && $0.path == [index(a), index(b1), index(c)] })
        let unwanted = try #require(router.trace("MSFT", in: Fixture.topology, cache: RoutingCache()))
        #expect(unwanted.hops.first { $0.to == index(b1) }?.state == .pruned)
        #expect(unwanted.destinations.isEmpty)
    }
}
