import ArborCore
import ArborSim
import Testing

/// Random overlays under mixed faults (kills, restarts, silent link cuts
/// and restores, partitions and heals), one seed per case. After every fault the
/// simulator checks at quiescence that each component shares one database and one tree
/// per topology, that trees span their component over allowed links, that interest is
/// exact, and that a probe message per topology reaches each matching subscriber exactly
/// once, nobody else, over no link outside the tree paths. Throughout, including
/// mid-reconvergence while messages keep flowing, no subscriber may receive a duplicate.
@Suite struct PropertyTests {
    @Test(arguments: 0..<200 as Range<UInt64>)
    func randomFaultsNeverBreakAnInvariant(seed: UInt64) {
        let nodes = 20 + Int(seed * 37 % 81)
        let report = Scenario.run(seed: seed, nodes: nodes, degree: 3 + Int(seed % 2), topologies: 3, subscribers: nodes / 3, faults: 6) {
            $0.settle = .seconds(1)
        }
        expectClean(report, seed: seed)
    }

    /// 100 faults one after another, about 120 simulated seconds: longer than every router
    /// timer at its default (the 60 s grace period, the 90 s flush memory), so records
    /// age out, are flushed and forgotten while kills, restarts, partitions and heals go
    /// on. Overlays of 6-8 nodes keep 200 seeds affordable in a debug build.
    @Test(arguments: 0..<200 as Range<UInt64>)
    func longRunsWithDefaultTimersNeverBreakAnInvariant(seed: UInt64) {
        let report = Scenario.run(seed: 1_000 + seed, nodes: 6 + Int(seed % 3), topologies: 1, subscribers: 3)
        #expect(report.simulatedSeconds > 90)
        expectClean(report, seed: seed)
    }

    /// The same with every ageing timer shortened tenfold (a 6 s grace period, reachability
    /// tracked every second, flushes remembered 9 s): 100 faults span 20 grace periods,
    /// so most kills and partitions outlast one.
    @Test(arguments: 0..<40 as Range<UInt64>)
    func runsOfManyGracePeriodsNeverBreakAnInvariant(seed: UInt64) {
        let report = Scenario.run(seed: 2_000 + seed, nodes: 8 + Int(seed % 5), topologies: 2, subscribers: 4) {
            $0.parameters = Fixture.shortTimers
        }
        expectClean(report, seed: seed)
    }

    func expectClean(_ report: ScenarioReport, seed: UInt64) {
        #expect(report.converged, "seed \(seed): \(report.violations)")
        #expect(report.invariantViolations == 0, "seed \(seed): \(report.violations)")
        #expect(report.duplicatesDelivered == 0, "seed \(seed)")
        #expect(report.missedDeliveries == 0, "seed \(seed)")
        #expect(report.unwantedLinkCrossings == 0, "seed \(seed)")
        #expect(report.probesChecked > 0)
    }

    @Test func theSameSeedGivesTheSameRun() {
        var configuration = Scenario.Configuration()
        configuration.nodes = 30
        configuration.faults = 4
        configuration.seed = 11
        var first = Scenario(configuration)
        var second = Scenario(configuration)
        let a = first.run()
        let b = second.run()
        #expect(a.eventsProcessed == b.eventsProcessed)
        #expect(a.maxReconvergenceMilliseconds == b.maxReconvergenceMilliseconds)
        #expect(a.faultCounts == b.faultCounts)
    }
}
