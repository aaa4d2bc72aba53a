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
}
