import ArborCore
import ArborSim
import Testing

/// Runs of `arbor-sim` at 30-200 nodes that each lost messages without a GAP after a
/// partition to one cause in how relays pass an answer to a REPAIR_REQUEST on (issue 11),
/// cut short after the fault that showed it (deterministic: the same seed gives the same
/// run; each is the command line's run of those options, `--start cold`). Traced with the
/// message's origin, sequence and subscriber: docs/benchmarks.md, "Repair: reroutes
/// without loss", at scale.
@Suite struct RepairRelayTests {
    /// A relay passed the request toward the origin, then left the tree (the asker's
    /// subtree moved elsewhere) and dropped the topology's state: it dropped the answer's
    /// messages, since it had no state to forward them by, but passed the END on, and the
    /// END ended the asker's wait as though the answer were complete. Now a relay passes
    /// every message of an answer to whoever asked through it, with state or without.
    /// (`arbor-sim --nodes 200 --degree 4 --topologies 20 --subscribers 100 --faults 9 --seed 7`:
    /// 1 lost before.)
    @Test func aRelayThatLeftTheTreeStillPassesTheAnswerOn() {
        let report = Scenario.run(seed: 7, nodes: 200, degree: 4, topologies: 20, subscribers: 100, faults: 9)
        #expect(report.burstDeliveriesChecked > 0)
        #expect(report.lostWithoutGap == 0, "\(report.violations)")
        #expect(report.passed, "\(report.violations)")
    }
}
