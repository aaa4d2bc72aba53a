import ArborCore
import ArborSim
import Testing

/// Runs longer than the record grace period: a dead or cut-off node's record must leave
/// every database of a component together, and never come back into it.
@Suite struct AgeingRegressionTests {
    /// A ring of `count` nodes rooted at n0, plus `chords`, with short timers.
    static func ring(_ count: Int, chords: [LinkKey] = []) -> Simulator {
        Fixture.chain(count, extraLinks: [LinkKey(count - 1, 0)] + chords, parameters: Fixture.shortTimers, seed: 3)
    }

    @Test func theFixedSeedThatDivergedNowConverges() {
        // Nodes dropped a dead node's record each on its own clock, seconds apart, and one
        // that had dropped it could take it back from one that had not.
        let report = Scenario.run(seed: 4, nodes: 30, topologies: 3, subscribers: 10)
        #expect(report.simulatedSeconds > 60)
        #expect(report.converged, "\(report.violations)")
        #expect(report.invariantViolations == 0)
        #expect(report.missedDeliveries == 0)
    }

    @Test func aDeadNodesRecordLeavesEveryDatabaseAtOnce() {
        // The chord 2-6 keeps the overlay connected while 1-2 is cut and 4 is dead.
        let simulator = Self.ring(8, chords: [LinkKey(2, 6)])
        simulator.attachClients(at: 0, prefixes: ["AAPL"], subscriberAt: 6, subscribing: ["AAPL"])
        simulator.run(for: .seconds(2))
        simulator.kill(4)
        // Link changes after the kill make the nodes track reachability at different
        // moments, and a link that comes up sends its whole database.
        var disagreements = 0
        for step in 0..<600 {
            if step % 50 == 17 { simulator.cut(LinkKey(1, 2)) }
            if step % 50 == 33 { simulator.restore(LinkKey(1, 2)) }
            simulator.run(for: .milliseconds(20))
            // Sampled every 20 ms through two grace periods: a flush crosses the ring in a
            // few milliseconds, so at most one sample may catch some nodes holding the dead
            // node's record and others not.
            let holders = simulator.liveNodes.filter { simulator.routers[$0]!.database[simulator.ids[4]] != nil }
            if !holders.isEmpty, holders.count < simulator.liveNodes.count { disagreements += 1 }
        }
        #expect(disagreements <= 1)
        #expect(simulator.liveNodes.allSatisfy { simulator.routers[$0]!.database[simulator.ids[4]] == nil })
        #expect(InvariantChecker().check(simulator).isEmpty)
    }

    @Test func aNodeRestartedAfterItsRecordWasFlushedIsRoutedAgain() {
        let simulator = Self.ring(6)
        simulator.attachClients(at: 0, subscriberAt: 3, subscribing: ["AAPL"])
        simulator.run(for: .seconds(2))
        simulator.play(.kill(3), .run(.seconds(20)), .restart(3), .run(.seconds(1)))
        #expect(InvariantChecker().check(simulator).isEmpty)
        #expect(simulator.probe(from: 1, at: 0, topic: "AAPL") == [2: 1])
    }

    @Test func aPartitionLongerThanTheGracePeriodHealsIntoOneDatabase() {
        // Each side flushed the other's records; at the heal the flushes cross into the
        // other side, whose nodes outnumber the flushes of their own records.
        let simulator = Self.ring(8)
        simulator.attachClients(at: 0, prefixes: ["MSFT"], subscriberAt: 5, subscribing: ["AAPL"])
        simulator.run(for: .seconds(2))
        simulator.play(.cut(LinkKey(1, 2)), .cut(LinkKey(5, 6)), .run(.seconds(20)))
        #expect(InvariantChecker().check(simulator).isEmpty)
        #expect(simulator.routers[0]!.database.count == 4)
        simulator.play(.restore(LinkKey(1, 2)), .restore(LinkKey(5, 6)), .run(.seconds(1)))
        #expect(InvariantChecker().check(simulator).isEmpty)
        #expect(simulator.routers[0]!.database.count == 8)
        // Long after, when every flush is forgotten, nothing changed.
        simulator.run(for: .seconds(30))
        #expect(InvariantChecker().check(simulator).isEmpty)
        #expect(simulator.probe(from: 1, at: 0, topic: "AAPL") == [2: 1])
        #expect(simulator.probe(from: 2, at: 5, topic: "MSFT") == [1: 1])
    }
}
