import ArborCore
import ArborSim
import Testing

/// Random overlays of 20-100 nodes under mixed faults (kills, restarts, silent link cuts
/// and restores, partitions and heals), one seed per case. After every fault the
/// simulator checks at quiescence that each component shares one database and one tree
/// per topology, that trees span their component over allowed links, that interest is
/// exact, and that a probe message per topology reaches each matching subscriber exactly
/// once, nobody else, over no link outside the tree paths. Throughout, including
/// mid-reconvergence while messages keep flowing, no subscriber may receive a duplicate.
@Suite struct PropertyTests {
    @Test(arguments: 0..<200 as Range<UInt64>)
    func randomFaultsNeverBreakAnInvariant(seed: UInt64) {
        var configuration = Scenario.Configuration()
        configuration.seed = seed
        configuration.nodes = 20 + Int(seed * 37 % 81)
        configuration.degree = 3 + Int(seed % 2)
        configuration.topologies = 3
        configuration.subscribers = configuration.nodes / 3
        configuration.faults = 6
        configuration.coldStart = true
        configuration.settle = .seconds(1)
        var scenario = Scenario(configuration)
        let report = scenario.run()
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
