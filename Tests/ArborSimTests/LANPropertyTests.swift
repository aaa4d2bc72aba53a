import ArborCore
import ArborSim
import Testing

/// Simulated LANs where every node discovers every other and ``OverlayLinks`` picks the
/// links, under random joins, leaves, crashes, restarts, partitions and heals. After every
/// fault the overlay must converge to each node's ring neighbours among the live nodes of
/// its side, held at both ends and connected; no node may ever hold more than `maxLinks`
/// links; a join, leave, crash or restart may change at most 3 links per ring.
@Suite struct LANPropertyTests {
    @Test(arguments: 0..<40 as Range<UInt64>)
    func faultsConvergeWithBoundedDegree(seed: UInt64) {
        var configuration = LANScenario.Configuration()
        configuration.seed = seed
        configuration.nodes = 10 + Int(seed * 17 % 70)
        configuration.faults = 12
        configuration.parameters.maxLinks = [8, 6, 4, 10][Int(seed % 4)]
        configuration.settleLimit = .seconds(40)
        var scenario = LANScenario(configuration)
        let report = scenario.run()
        #expect(report.convergenceFailures == 0, "seed \(seed): \(report.violations)")
        #expect(report.capViolations == 0, "seed \(seed)")
        #expect(report.maxDegreeEver <= configuration.parameters.maxLinks, "seed \(seed)")
        for kind in ["join", "leave", "crash", "restart"] {
            if let changed = report.linksChanged[kind] {
                #expect(changed.max <= 3 * report.rings, "seed \(seed): a \(kind) changed \(changed.max) links")
            }
        }
        #expect(report.faultCounts.values.reduce(0, +) >= 12)
    }

    @Test func theSameSeedGivesTheSameRun() {
        var configuration = LANScenario.Configuration()
        configuration.nodes = 40
        configuration.faults = 8
        configuration.seed = 3
        var first = LANScenario(configuration)
        var second = LANScenario(configuration)
        let a = first.run()
        let b = second.run()
        #expect(a.eventsProcessed == b.eventsProcessed)
        #expect(a.dials == b.dials)
        #expect(a.maxConvergenceByFault == b.maxConvergenceByFault)
    }

    /// A partition of a third of the nodes, then its heal: each side converges to its own
    /// rings, then the whole LAN to one.
    @Test func aPartitionAndItsHealConverge() {
        let simulator = LANSimulator(nodes: 60, seed: 5)
        simulator.run(for: .seconds(5))
        #expect(LANChecker().check(simulator).isEmpty)
        simulator.partition(Array(0..<20))
        simulator.run(for: .seconds(15))
        #expect(LANChecker().check(simulator).isEmpty)
        simulator.heal()
        simulator.run(for: .seconds(15))
        #expect(LANChecker().check(simulator).isEmpty)
        #expect(simulator.maxDegreeEver <= 8)
    }
}
