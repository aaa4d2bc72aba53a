import ArborCore
import ArborSim
import Testing

/// Cases users of NATS and ZeroMQ have hit: interest lost when the path in between
/// restarts, partitions that heal into stale state, unsubscribes racing a reroute.
@Suite struct RegressionTests {
    @Test func interestIsRestoredAfterARelayRestarts() {
        let simulator = Fixture.chain(3)
        simulator.attachClients(at: 0, subscriberAt: 2, subscribing: ["AAPL"])
        simulator.run(for: .seconds(1))
        #expect(simulator.probe(from: 1, at: 0, topic: "AAPL") == [2: 1])
        simulator.play(.kill(1), .run(.milliseconds(500)), .restart(1), .run(.seconds(1)))
        #expect(InvariantChecker().check(simulator).isEmpty)
        #expect(simulator.probe(from: 1, at: 0, topic: "AAPL") == [2: 1])
        #expect(simulator.probe(from: 1, at: 0, topic: "MSFT").isEmpty)
    }

    @Test func interestIsRestoredAfterTwoChainedRelaysRestartOneAfterTheOther() {
        let simulator = Fixture.chain(4)
        simulator.attachClients(at: 0, subscriberAt: 3, subscribing: ["AAPL"])
        simulator.run(for: .seconds(1))
        simulator.play(
            .kill(1), .run(.milliseconds(20)), .kill(2), .run(.milliseconds(200)),
            .restart(1), .run(.milliseconds(30)), .restart(2), .run(.seconds(1))
        )
        #expect(InvariantChecker().check(simulator).isEmpty)
        #expect(simulator.probe(from: 1, at: 0, topic: "AAPL.O") == [2: 1])
    }

    @Test func interestIsRestoredAfterAPartitionHeals() {
        let simulator = Fixture.chain(6)
        simulator.attachClients(at: 0, prefixes: ["MSFT"], subscriberAt: 5, subscribing: ["AAPL"])
        simulator.run(for: .seconds(1))
        simulator.cut(LinkKey(2, 3))
        simulator.run(for: .seconds(1))
        // Each side elects its own root and keeps working inside.
        #expect(InvariantChecker().check(simulator).isEmpty)
        #expect(simulator.probe(from: 1, at: 0, topic: "AAPL").isEmpty)
        simulator.restore(LinkKey(2, 3))
        simulator.run(for: .seconds(1))
        #expect(InvariantChecker().check(simulator).isEmpty)
        #expect(simulator.probe(from: 1, at: 0, topic: "AAPL") == [2: 1])
        #expect(simulator.probe(from: 2, at: 5, topic: "MSFT") == [1: 1])
    }

    @Test func anUnsubscribeDuringARerouteLeavesNoStaleInterest() {
        let (simulator, a, b1, _, c) = Fixture.diamond()
        simulator.attachClients(at: a, subscriberAt: c, subscribing: ["AAPL"])
        simulator.attach(3, at: c, topology: Fixture.topology, prefixes: ["MSFT"])
        simulator.run(for: .seconds(1))
        simulator.kill(b1)
        simulator.run(for: .milliseconds(2))
        simulator.unsubscribe(2, at: c, topology: Fixture.topology, prefix: "AAPL")
        simulator.run(for: .seconds(1))
        #expect(InvariantChecker().check(simulator).isEmpty)
        #expect(!simulator.allInterest().contains("AAPL"))
        #expect(simulator.allInterest().contains("MSFT"))
        #expect(simulator.probe(from: 1, at: a, topic: "AAPL").isEmpty)
    }
}
