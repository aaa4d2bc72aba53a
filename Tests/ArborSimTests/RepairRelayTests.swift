import ArborCore
import ArborSim
import Testing

/// Runs of `arbor-sim` at 30-200 nodes that each lost messages without a GAP after a
/// partition to one cause in how relays pass an answer to a REPAIR_REQUEST on, or in how a
/// parent switch relies on the old parent's repair (issue 11),
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
    ///
    /// The same run, with SPF waits stretched under a flood, showed a second cause: relay
    /// 145 of subscriber node 146's request (`first 84`, to the end of the stream) moved
    /// its way toward the origin from 10 to 144 while the request was out; 145 had not
    /// heard the stream, so it asked nothing when 144 connected. The answer (84-87) and its
    /// END still came by 10; seq 88 went live past node 63 37 ms before the new way
    /// 144-87-47-48 was grafted there (87 waited for its throttled recomputation), and
    /// 146, whose route did not change, had its END. Now a node that gets the END of a
    /// request to the end of the stream from a neighbour no longer on its way toward the
    /// origin asks its way for what follows the END. (Seq 88 of `sim.t4` lost before.)
    @Test func aRelayThatLeftTheTreeStillPassesTheAnswerOn() {
        let report = Scenario.run(seed: 7, nodes: 200, degree: 4, topologies: 20, subscribers: 100, faults: 9)
        expectEveryMessageDeliveredOrInAGap(report)
    }

    /// A relay that received an answer's messages new to it forwarded them to its engaged
    /// neighbours as live DATA and left them out of the REPAIR_DATA it passed to the one
    /// that asked through it, which got them as DATA then. That neighbour, itself a relay
    /// of the request, had them already (or had nobody engaged who wanted them): only
    /// REPAIR_DATA is passed on to askers, so the asker behind it got the END without
    /// them. Now messages that arrive in REPAIR_DATA go on in REPAIR_DATA, to engaged
    /// neighbours and to askers alike. (`arbor-sim --nodes 30 --degree 3 --topologies 4
    /// --subscribers 20 --faults 17 --seed 80`: 6 lost before.)
    @Test func anAnswerForwardedByARelayStaysRepairData() {
        let report = Scenario.run(seed: 80, nodes: 30, degree: 3, topologies: 4, subscribers: 20, faults: 17)
        expectEveryMessageDeliveredOrInAGap(report)
    }

    /// A partition moved a node's parent while the old parent was still linked, so the
    /// node kept it during a make-before-break switch; but the old parent's own way had
    /// lost a message in the partition, which it was asking for. Its new parent forwarded
    /// repaired messages (of someone else's request) as live DATA, and the switch took
    /// them for the first messages of the new way: the old parent had delivered past them,
    /// so the switch ended and the node told the old parent `leave` just before the old
    /// parent's answer came. Now repaired messages arrive as REPAIR_DATA, which a switch
    /// does not count, so it waits for the new way's live messages. (`arbor-sim --nodes 50
    /// --degree 4 --topologies 5 --subscribers 30 --faults 51 --seed 12`: 2 lost before.)
    @Test func aRepairedMessageDoesNotEndAParentSwitch() {
        let report = Scenario.run(seed: 12, nodes: 50, degree: 4, topologies: 5, subscribers: 30, faults: 51)
        expectEveryMessageDeliveredOrInAGap(report)
    }

    /// A partition moved a node's parent while the old parent was still linked (a
    /// make-before-break switch), and the old parent's own way had lost two messages in it:
    /// the old parent asked for them, but its request waited at a relay that left the tree,
    /// and then it left the tree too (a node without state for the topology asks no more).
    /// Its live messages of the new way ended the overlap, and the switch had kept the node
    /// from asking (the old way was to carry the stream until the new way did). Now, when
    /// an overlap ends, the node asks the new way for the span only the old way carried:
    /// past what it had when the switch began, before the new way's first message.
    /// (`arbor-sim --nodes 200 --degree 4 --topologies 20 --subscribers 100 --faults 1
    /// --seed 11`: 2 lost before, seqs 8 and 10 of `sim.t9` at node 132.)
    @Test func aParentSwitchAsksTheNewWayForWhatTheOldWayLost() {
        let report = Scenario.run(seed: 11, nodes: 200, degree: 4, topologies: 20, subscribers: 100, faults: 1)
        expectEveryMessageDeliveredOrInAGap(report)
        #expect(report.coveredByGap == 0)
    }

    /// The run checked deliveries, lost none of them without a GAP, and broke no invariant.
    func expectEveryMessageDeliveredOrInAGap(_ report: ScenarioReport, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(report.burstDeliveriesChecked > 0, sourceLocation: sourceLocation)
        #expect(report.lostWithoutGap == 0, "\(report.violations)", sourceLocation: sourceLocation)
        #expect(report.passed, "\(report.violations)", sourceLocation: sourceLocation)
    }
}
