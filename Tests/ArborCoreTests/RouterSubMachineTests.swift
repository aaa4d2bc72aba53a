import Testing

@testable import ArborCore

/// The router's sub-machines on their own: each owns its state and says when it is due.
@Suite struct RouterSubMachineTests {
    func at(_ milliseconds: Int64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }

    var configuration: RouterConfiguration {
        var configuration = RouterConfiguration(id: NodeID(hex: "00000000000000000000000000000001")!, name: "n1", incarnation: 1)
        configuration.recomputeDelay = .milliseconds(1)
        configuration.recomputeHold = .milliseconds(100)
        configuration.recomputeMaximumDelay = .milliseconds(8)
        configuration.refreshesPerStep = 2
        configuration.refreshSliceDelay = .milliseconds(1)
        configuration.originationHold = .milliseconds(20)
        return configuration
    }

    @Test func recomputationsBackOffWhileChangesKeepComingAndRefreshInSlices() {
        var schedule = RecomputationSchedule(configuration)
        var waits: [Duration] = []
        var now = at(0)
        for _ in 0..<5 {
            schedule.request(now)
            schedule.request(now)  // one is due already: no second
            let due = schedule.nextDeadline!
            waits.append(due - now)
            let step1 = schedule.due(at: due)
            #expect(step1 == .recomputation)
            let step2 = schedule.due(at: due)
            #expect(step2 == .nothing)
            schedule.recomputed(due)
            now = due
        }
        #expect(waits == [.milliseconds(1), .milliseconds(2), .milliseconds(4), .milliseconds(8), .milliseconds(8)])
        // A pass over five topologies: two now, then two per slice.
        let names = ["a", "b", "c", "d", "e"].map { TopologyName($0)! }
        let step3 = schedule.startPass(names, now: now)
        #expect(!step3)
        let step4 = schedule.due(at: now)
        #expect(step4 == .nothing)
        let step5 = schedule.due(at: now + .milliseconds(1))
        #expect(step5 == .refreshSlice)
        let first = Array(schedule.nextSlice(now + .milliseconds(1)))
        #expect(first == Array(names[0..<2]))
        // A recomputation asked for meanwhile waits for the pass to end.
        schedule.request(now + .milliseconds(1))
        let step6 = schedule.due(at: now + .milliseconds(200))
        #expect(step6 == .refreshSlice)
        let second = Array(schedule.nextSlice(now + .milliseconds(2)))
        #expect(second == Array(names[2..<4]))
        let third = Array(schedule.nextSlice(now + .milliseconds(3)))
        #expect(third == Array(names[4...]))
        let step7 = schedule.due(at: now + .milliseconds(200))
        #expect(step7 == .recomputation)
        #expect(schedule.nextDeadline == nil)
    }

    /// A recomputation that took in a flood's worth of changed records makes the next
    /// waits longer (at least the usual maximum, doubling up to the flood maximum); one that
    /// took in a failure's few records keeps the usual ramp, and a quiet hold resets both.
    @Test func aFloodOfChangesStretchesTheWaitsAndAFewChangesDoNot() {
        var configuration = configuration
        configuration.recomputeFloodChanges = 32
        configuration.recomputeFloodMaximumDelay = .milliseconds(32)
        var schedule = RecomputationSchedule(configuration)
        func waits(_ changes: [Int], from start: Instant) -> (waits: [Duration], end: Instant) {
            var waits: [Duration] = []
            var now = start
            for count in changes {
                schedule.request(now, changes: count)
                let due = schedule.nextDeadline!
                waits.append(due - now)
                #expect(schedule.due(at: due) == .recomputation)
                schedule.recomputed(due)
                now = due
            }
            return (waits, now)
        }
        let few = waits([2, 2, 2, 2, 2], from: at(0))
        #expect(few.waits == [.milliseconds(1), .milliseconds(2), .milliseconds(4), .milliseconds(8), .milliseconds(8)])
        let flood = waits([500, 500, 500, 500, 3], from: few.end + .milliseconds(200))
        #expect(flood.waits == [.milliseconds(1), .milliseconds(8), .milliseconds(16), .milliseconds(32), .milliseconds(32)])
        // The last recomputation took in 3 changes: the flood is over, the usual ramp caps.
        let after = waits([3], from: flood.end)
        #expect(after.waits == [.milliseconds(8)])
    }

    /// Nodes outside this node's component age from when they were first seen outside:
    /// a node seen outside at two checks keeps its first instant, one that came back (or
    /// whose record was installed again) is forgotten, and a node numbered anew by a later
    /// graph (another node's record gone) is still found, whatever index the caller offers.
    @Test func unreachableNodesAgeFromWhenTheyWereFirstSeenOutside() {
        func id(_ n: UInt64) -> NodeID { NodeID(high: 0, low: n) }
        func graph(_ nodes: [UInt64], links: [(UInt64, UInt64)]) -> Graph {
            Graph(records: nodes.map { node in
                let neighbors = links.compactMap { $0.0 == node ? $0.1 : $0.1 == node ? $0.0 : nil }.sorted()
                return LinkStateRecord(origin: id(node), name: "n\(node)", incarnation: 1, sequence: 1, links: neighbors.map { Link(neighbor: id($0), cost: 1) })
            })
        }
        var configuration = configuration
        configuration.recordGracePeriod = .seconds(60)
        var tracker = ReachabilityTracker(configuration)
        // 1 and 2 together; 3, 4 and 5 cut off.
        tracker.track(graph([1, 2, 3, 4, 5], links: [(1, 2), (3, 4)]), me: id(1), now: at(0))
        #expect(!tracker.expiryDue(at(59_999)))
        // 5 joins this side, 6 appears outside, 2's record is gone (the numbering shifts).
        tracker.track(graph([1, 3, 4, 5, 6], links: [(1, 5), (3, 4)]), me: id(1), now: at(30_000))
        // A hint that is another node's index (3's here: a graph numbered otherwise) is
        // not taken for 4's.
        tracker.forget(id(4), hint: 1)
        #expect(tracker.expiryDue(at(60_000)))
        #expect(tracker.takeExpired(at(60_000)) == [id(3)])
        #expect(tracker.takeExpired(at(89_999)).isEmpty)
        #expect(tracker.takeExpired(at(90_000)) == [id(6)])
        #expect(!tracker.expiryDue(at(200_000)))
    }

    @Test func theOwnRecordFloodsAtMostOncePerHold() {
        var hold = OriginationHold(configuration)
        let step8 = hold.floods(at: at(0))
        #expect(!step8)
        hold.recordChanged()
        let step9 = hold.floods(at: at(0))
        #expect(step9)
        hold.recordChanged()
        hold.recordChanged()
        let step10 = hold.floods(at: at(5))
        #expect(!step10)
        #expect(hold.nextDeadline == at(20))
        let step11 = hold.floods(at: at(20))
        #expect(step11)
        #expect(hold.nextDeadline == nil)
        let step12 = hold.floods(at: at(40))
        #expect(!step12)
    }

    /// A parent switch ends only when, for every watched stream, the old parent delivered
    /// a sequence at or past the first one the new way delivered (each way delivers in
    /// order: everything before came the old way, everything after comes the new one).
    @Test func aParentSwitchEndsWhenTheOldAndNewWaysOverlapOrAtItsLimit() {
        var switches = ParentSwitches(configuration)
        let name = TopologyName("quotes")!
        let old = NodeID(hex: "00000000000000000000000000000002")!
        let new = NodeID(hex: "00000000000000000000000000000003")!
        let first = DuplicateFilter.StreamKey(origin: NodeID(hex: "00000000000000000000000000000004")!, incarnation: 1, topology: name)
        let second = DuplicateFilter.StreamKey(origin: NodeID(hex: "00000000000000000000000000000005")!, incarnation: 1, topology: name)
        // Nothing flows through the old parent: no overlap.
        let idle = switches.switched(name, from: old, to: new, streams: [], upward: false, now: at(0))
        #expect(!idle)
        let started = switches.switched(name, from: old, to: new, streams: [(first, UInt64(10)), (second, UInt64(20))], upward: false, now: at(0))
        #expect(started && switches.watching && switches.oldParent(of: name) == old && switches.covers(first))
        #expect(switches.nextDeadline == at(1_000))
        // The new way is ahead of the old one on the first stream: not yet.
        switches.arrived(first, sequence: 13, from: new)
        switches.arrived(first, sequence: 12, from: old)
        let early = switches.takeFinished()
        #expect(early.isEmpty)
        switches.arrived(first, sequence: 13, from: old)
        // The old way is ahead on the second: a message of the new way it already carried.
        switches.arrived(second, sequence: 22, from: old)
        let halfway = switches.takeFinished()
        #expect(halfway.isEmpty)
        switches.arrived(second, sequence: 21, from: new)
        let finished = switches.takeFinished()
        #expect(finished == [name])
        // What only the old way carried is asked of the new way: past what this node had at
        // the switch, before the new way's first (none where the new way came first).
        let spans = switches.finish(name)
        #expect(spans == [ParentSwitches.OldWaySpan(key: first, first: 11, last: 12)])
        #expect(!switches.watching)
        // A switch nobody confirms ends at its limit, unmerged: the old way's span runs to
        // the highest it delivered.
        let again = switches.switched(name, from: old, to: new, streams: [(first, UInt64(30))], upward: false, now: at(2_000))
        #expect(again)
        switches.arrived(first, sequence: 31, from: old)
        let before = switches.expired(at: at(2_999))
        #expect(before.names.isEmpty)
        let expired = switches.expired(at: at(3_000))
        #expect(expired.names == [name] && expired.unmerged == [name])
        #expect(expired.spans == [ParentSwitches.OldWaySpan(key: first, first: 31, last: 31)])
        #expect(!switches.watching)
    }

    /// A former child stays engaged until its limit; once forgotten it is not taken back.
    @Test func aFormerChildIsKeptUntilItsLimit() {
        var switches = ParentSwitches(configuration)
        let name = TopologyName("quotes")!
        let child = NodeID(hex: "00000000000000000000000000000002")!
        let unknown = switches.keepFormerChild(child, of: name, wasChild: false, now: at(0))
        let kept = switches.keepFormerChild(child, of: name, wasChild: true, now: at(0))
        let stillKept = switches.keepFormerChild(child, of: name, wasChild: false, now: at(999))
        #expect(!unknown && kept && stillKept)
        let expired = switches.expired(at: at(1_000))
        #expect(expired.names == [name])
        let takenBack = switches.keepFormerChild(child, of: name, wasChild: false, now: at(1_000))
        #expect(!takenBack)
        #expect(switches.nextDeadline == nil)
    }

    @Test func theCellRateAllowsABurstThenOneSendPerInterval() {
        let pacing = Duration.milliseconds(10)
        var rate = CellRate()
        #expect(rate.allowance(at: at(100), pacing: pacing, burst: 3) == 3)
        rate.spend(3, at: at(100), pacing: pacing)
        // Three sends at 100 ms: the schedule is 30 ms ahead, two intervals past the burst's.
        #expect(rate.schedule == at(130))
        #expect(rate.allowance(at: at(100), pacing: pacing, burst: 3) == 0)
        #expect(rate.allowance(at: at(110), pacing: pacing, burst: 3) == 1)
        #expect(rate.allowance(at: at(125), pacing: pacing, burst: 3) == 2)
        #expect(rate.turn(for: 1, pacing: pacing, burst: 3) == at(110))
        #expect(rate.turn(for: 3, pacing: pacing, burst: 3) == at(130))
        // Idle time is not saved up beyond the burst.
        #expect(rate.allowance(at: at(1000), pacing: pacing, burst: 3) == 3)
        rate.spend(1, at: at(1000), pacing: pacing)
        #expect(rate.schedule == at(1010))
    }

    @Test func floodFramesGoInABurstThenWaitAndGoTogetherOncePerInterval() {
        var pacing = configuration
        pacing.floodPacing = .milliseconds(5)
        pacing.floodBurst = 2
        var pacer = FloodPacer(pacing)
        let peer = NodeID(high: 0, low: 2)
        let other = NodeID(high: 0, low: 3)
        let origins = (10...13).map { NodeID(high: 0, low: $0) }
        // A burst of two frames goes at once; the third frame's origins wait.
        let first = pacer.sendsNow(to: peer, at: at(0))
        let second = pacer.sendsNow(to: peer, at: at(0))
        let third = pacer.sendsNow(to: peer, at: at(0))
        #expect(first && second && !third)
        pacer.wait([origins[1], origins[0]], for: peer)
        pacer.wait([origins[2], origins[0]], for: peer)
        // While origins wait, nothing overtakes them, whatever the schedule allows.
        let overtaking = pacer.sendsNow(to: peer, at: at(100))
        #expect(!overtaking)
        #expect(pacer.isWaiting(for: peer) && !pacer.isWaiting(for: other))
        // The peer sent one of them itself: it is not sent back.
        pacer.peerHolds(origins[2], peer: peer)
        #expect(pacer.nextDeadline == at(5))
        #expect(pacer.takeDue(at: at(4)).isEmpty)
        let due = pacer.takeDue(at: at(5))
        #expect(due.map(\.peer) == [peer])
        #expect(due.first?.origins == [origins[0], origins[1]])
        #expect(!pacer.isWaiting(for: peer) && pacer.nextDeadline == nil)
        // A link that went down forgets what waited for it.
        _ = pacer.sendsNow(to: peer, at: at(5))
        pacer.wait([origins[3]], for: peer)
        pacer.forget(peer)
        #expect(!pacer.isWaiting(for: peer))
        #expect(pacer.takeDue(at: at(100)).isEmpty)
    }

    @Test func interestUpdatesGoInABurstThenWaitInOrderAndGoInBatches() {
        var pacing = configuration
        pacing.interestPacing = .milliseconds(5)
        pacing.interestBurst = 2
        pacing.interestBatch = 2
        var pacer = InterestPacer(pacing)
        let peer = NodeID(high: 0, low: 2)
        let names = ["t1", "t2", "t3", "t4"].map { TopologyName($0)! }
        // A burst of two updates goes at once; the third topology waits, and so do those
        // after it, each once.
        let first = pacer.sendsNow(to: peer, at: at(0))
        let second = pacer.sendsNow(to: peer, at: at(0))
        let third = pacer.sendsNow(to: peer, at: at(0))
        #expect(first && second && !third)
        pacer.wait([names[0]], for: peer)
        pacer.wait([names[1], names[0]], for: peer)
        pacer.wait([names[2]], for: peer)
        // While topologies wait, no update overtakes them, whatever the schedule allows.
        let overtaking = pacer.sendsNow(to: peer, at: at(100))
        #expect(!overtaking)
        #expect(pacer.nextDeadline == at(5))
        #expect(pacer.takeDue(at: at(4)).isEmpty)
        // One interval on, one goes; once the schedule allows a batch, two go together.
        let one = pacer.takeDue(at: at(5))
        #expect(one.map(\.peer) == [peer] && one.first?.names == [names[0]])
        #expect(pacer.nextDeadline == at(15))
        let batch = pacer.takeDue(at: at(15))
        #expect(batch.first?.names == [names[1], names[2]])
        #expect(pacer.nextDeadline == nil)
        // A link that went down forgets what waited for it; a new link starts a new schedule.
        pacer.wait([names[3]], for: peer)
        pacer.forget(peer)
        #expect(pacer.takeDue(at: at(100)).isEmpty)
        let afresh = pacer.sendsNow(to: peer, at: at(15))
        #expect(afresh)
    }

    @Test func holdsEndAtTheirDeadlinesAndWaitTheirTurnInSlices() {
        var holds = HoldSchedule(configuration)
        let names = ["a", "b", "c", "d"].map { TopologyName($0)! }
        /// The topologies whose turn it is at `now`, taken `limit` at most.
        func step(at now: Instant, taking limit: Int = .max) -> [TopologyName]? {
            guard holds.startStep(at: now) else { return nil }
            var taken: [TopologyName] = []
            while taken.count < limit, let name = holds.nextTurn() {
                taken.append(name)
            }
            holds.endStep(at: now)
            return taken
        }
        holds.holdsPublication(until: at(10), in: names[0])
        holds.lingers(until: at(5), in: names[1])
        holds.holdsPublication(until: at(12), in: names[2])
        #expect(holds.nextDeadline == at(5))
        #expect(step(at: at(4)) == nil)
        // Both deadlines passed: held publications come first, then lingering. The router
        // takes one this step: the other waits a slice, before c's deadline.
        #expect(step(at: at(10), taking: 1) == [names[0]])
        #expect(holds.nextDeadline == at(11))
        #expect(step(at: at(11)) == [names[1]])
        #expect(holds.nextDeadline == at(12))
        // A topology with two deadlines passed takes one turn.
        holds.holdsPublication(until: at(12), in: names[3])
        holds.lingers(until: at(12), in: names[3])
        #expect(step(at: at(12)) == [names[2], names[3]])
        #expect(holds.nextDeadline == nil)
    }
}
