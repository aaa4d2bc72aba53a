import ArborCore
import ArborSim
import Testing

/// Repair of what a reroute dropped, in the diamond a-b1-c, a-b2-c (b1 the cheaper relay):
/// a streams one message per millisecond to a subscriber on c while b1 fails.
@Suite struct RepairTests {
    let publisher: ClientID = 1
    let subscriber: ClientID = 2

    struct Outcome {
        var published: [UInt64] = []
        /// Sequences delivered to the subscriber, in delivery order.
        var delivered: [UInt64] = []
        var gaps: [StreamGap] = []
        /// Messages a resent.
        var resent: UInt64 = 0
    }

    /// Streams 600 messages at one per millisecond; `fault` strikes after 200 of them.
    func stream(repairBufferBytes: Int? = nil, fault: (Simulator, (a: Int, b1: Int, b2: Int, c: Int)) -> Void) -> Outcome {
        var parameters = SimulationParameters()
        parameters.repairBufferBytes = repairBufferBytes
        let simulator = Simulator(
            names: ["a", "b1", "b2", "c"],
            links: [LinkKey(0, 1), LinkKey(0, 2), LinkKey(1, 3), LinkKey(2, 3)],
            parameters: parameters,
            seed: 7
        )
        let definition = TopologyDefinition(
            name: Fixture.topology,
            root: "a",
            links: [LinkRule("a", "b1", cost: 1), LinkRule("b1", "c", cost: 1), LinkRule("a", "b2", cost: 2), LinkRule("b2", "c", cost: 2)]
        )
        simulator.startCold(definitions: [0: [definition]])
        simulator.attach(publisher, at: 0, topology: Fixture.topology, prefixes: [])
        simulator.attach(subscriber, at: 3, topology: Fixture.topology, prefixes: [""])
        simulator.ledger.ordered = [subscriber]
        simulator.run(for: .seconds(2))
        var outcome = Outcome()
        for index in 0..<600 {
            if index == 200 { fault(simulator, (0, 1, 2, 3)) }
            if let key = simulator.publish(publisher, at: 0, topology: Fixture.topology, topic: "AAPL", payload: [UInt8](repeating: 7, count: 100)) {
                outcome.published.append(key.sequence)
            }
            simulator.run(for: .milliseconds(1))
        }
        simulator.run(for: .seconds(3))
        outcome.delivered = (simulator.ledger.deliveredInOrder[subscriber] ?? []).map(\.sequence)
        outcome.gaps = simulator.ledger.gaps[subscriber] ?? []
        outcome.resent = simulator.routers[0]?.statistics.repairResent ?? 0
        return outcome
    }

    @Test func aCrashedRelayLosesNothingAndTheOrderHolds() {
        let outcome = stream { simulator, nodes in simulator.kill(nodes.b1) }
        #expect(outcome.published.count == 600)
        #expect(outcome.delivered == outcome.published)
        #expect(outcome.gaps.isEmpty)
    }

    /// A hung relay (every link of b1 silent) is found by missed heartbeats only: some
    /// 300 messages go into links that never deliver them, and all come back by repair.
    @Test func aHungRelayLosesNothingAndTheOrderHolds() {
        let outcome = stream { simulator, nodes in
            simulator.cut(LinkKey(nodes.a, nodes.b1))
            simulator.cut(LinkKey(nodes.b1, nodes.c))
        }
        #expect(outcome.delivered == outcome.published)
        #expect(outcome.gaps.isEmpty)
        #expect(outcome.resent > 200)
    }

    /// With room for 50 messages in each repair buffer, a hang loses most of what went
    /// into the silent links: the GAPs cover exactly the sequences never delivered, each
    /// once, and everything else arrives once and in order.
    @Test func aTooSmallBufferReportsGapsThatExactlyCoverTheLoss() {
        let perMessage = 100 + 4 + 96
        let outcome = stream(repairBufferBytes: 50 * perMessage) { simulator, nodes in
            simulator.cut(LinkKey(nodes.a, nodes.b1))
            simulator.cut(LinkKey(nodes.b1, nodes.c))
        }
        var reported: [UInt64] = []
        for gap in outcome.gaps {
            reported += Array(gap.first...gap.last)
        }
        let missing = Set(outcome.published).subtracting(outcome.delivered)
        #expect(!outcome.gaps.isEmpty)
        #expect(Set(reported) == missing)
        #expect(reported.count == missing.count)
        #expect(outcome.delivered == outcome.delivered.sorted())
        #expect(Set(outcome.delivered).count == outcome.delivered.count)
    }
}

/// The repair invariant over mixed faults (kills, restarts, silent cuts, partitions and
/// heals), 100 of them per run, some 120 simulated seconds: longer than every router timer
/// at its default (the 60 s grace period, the 90 s flush memory). Every message published
/// during a reconvergence reaches each matching subscriber that shared its publisher's
/// component before and after the fault exactly once, or lies in a GAP reported to it;
/// with buffers large enough, in none. Not met yet in every run (a known issue below:
/// some 0-20 of 600-2,700 checked deliveries per run). A longer sweep: docs/benchmarks.md,
/// "Repair".
@Suite struct RepairPropertyTests {
    @Test(arguments: 0..<12 as Range<UInt64>)
    func mixedFaultsLoseNothingOutsideAGap(seed: UInt64) {
        let report = Scenario.run(seed: 3_000 + seed, nodes: 6 + Int(seed % 4), topologies: 2, subscribers: 5) {
            // Large enough: a subscriber of a few topics of a stream may have last heard it
            // long before a fault, and asks for everything since.
            $0.parameters.repairBufferAge = .seconds(300)
        }
        #expect(report.simulatedSeconds > 90)
        #expect(report.burstDeliveriesChecked > 0)
        #expect(report.coveredByGap == 0, "seed \(seed)")
        #expect(report.invariantViolations == 0, "seed \(seed): \(report.violations)")
        withKnownIssue(
            "a few messages per run are still lost without a GAP (docs/architecture.md, \"Repair and gaps\", not done)",
            isIntermittent: true
        ) {
            #expect(report.lostWithoutGap == 0, "seed \(seed): \(report.violations)")
        }
        #expect(report.duplicatesDelivered == 0, "seed \(seed)")
        #expect(report.converged, "seed \(seed): \(report.violations)")
    }
}
