import ArborCore
import Testing

/// The origin's side of repair, one router in isolation: what it resends from its buffer
/// and what its REPAIR_END says was lost; and bad repair frames. (Rerouting, holding and
/// GAPs across nodes: ArborSimTests' RepairTests.)
@Suite struct RepairTests {
    let topology = TopologyName("quotes")!
    let me = node(1)
    let peer = node(2)

    /// A router that published `count` messages of 100 B on "AAPL", linked to `peer`.
    func origin(publishing count: Int, _ configure: (inout RouterConfiguration) -> Void = { _ in }) -> Router {
        var router = routerLinked(to: peer, as: me, wantingEverythingOf: topology, configure)
        _ = router.handle(.publish(9, topology, "AAPL", payload: []), at: .zero)
        _ = router.handle(.timer, at: .zero + .milliseconds(1))
        #expect(router.topologies[topology]?.engaged == [peer])
        for index in 1..<count {
            _ = router.handle(.publish(9, topology, "AAPL", payload: [UInt8](repeating: 1, count: 100)), at: Instant(nanoseconds: Int64(index) * 1_000_000 + 2_000_000))
        }
        return router
    }

    func request(_ first: UInt64, _ last: UInt64 = .max, incarnation: UInt64 = 1) -> Router.Event {
        .message(.repairRequest(RepairRequest(topology: topology, origin: me, originIncarnation: incarnation, first: first, last: last)), from: peer)
    }

    /// The sequences resent to `peer` and the END, in the order sent.
    func answer(_ actions: [Router.Action]) -> (resent: [UInt64], end: RepairEnd?) {
        var resent: [UInt64] = []
        var end: RepairEnd?
        for action in actions {
            guard case .send(let message, peer) = action else { continue }
            if case .repairData(let messages) = message { resent += messages.map(\.sequence) }
            if case .repairEnd(let last) = message {
                #expect(end == nil)
                end = last
            }
        }
        return (resent, end)
    }

    @Test func theOriginResendsItsStreamFromTheFirstAskedForThenEnds() {
        var router = origin(publishing: 5)
        let (resent, end) = answer(router.handle(request(3), at: Instant(nanoseconds: 10_000_000)))
        #expect(resent == [3, 4, 5])
        #expect(end == RepairEnd(topology: topology, origin: me, originIncarnation: 1, first: 3, last: 5, kept: 3))
        #expect(router.statistics.repairResent == 3)
    }

    @Test func nothingNewIsAnEmptyEnd() {
        var router = origin(publishing: 5)
        let (resent, end) = answer(router.handle(request(6), at: Instant(nanoseconds: 10_000_000)))
        #expect(resent.isEmpty)
        #expect(end?.last == 5)
        #expect(end?.kept == 6)
    }

    /// Room for two messages: the END says the rest of the span is lost.
    @Test func whatTheBufferNoLongerHoldsIsDeclaredLost() {
        var router = origin(publishing: 5) { $0.repairBufferBytes = 2 * (100 + 4 + 96) }
        let (resent, end) = answer(router.handle(request(1), at: Instant(nanoseconds: 10_000_000)))
        #expect(resent == [4, 5])
        #expect(end?.first == 1)
        #expect(end?.kept == 4)
    }

    @Test func messagesOlderThanTheBufferAgeAreLost() {
        var router = origin(publishing: 5) { $0.repairBufferAge = .milliseconds(100) }
        let (resent, end) = answer(router.handle(request(1), at: Instant(nanoseconds: 104_500_000)))
        // Published at 0, 3, 4, 5 and 6 ms: the first three are over 100 ms old at 104.5 ms.
        #expect(resent == [4, 5])
        #expect(end?.kept == 4)
    }

    /// A receiver could not tell a resent message older than its duplicate window from a
    /// duplicate: only the latest window's worth is resent.
    @Test func atMostTheDuplicateWindowIsResent() {
        var router = origin(publishing: 100) { $0.duplicateWindow = 64 }
        let (resent, end) = answer(router.handle(request(1), at: Instant(nanoseconds: 200_000_000)))
        #expect(resent == Array(37...100))
        #expect(end?.kept == 37)
    }

    @Test func aRequestForAnEarlierIncarnationIsNotAnswered() {
        var router = origin(publishing: 5)
        let (resent, end) = answer(router.handle(request(1, incarnation: 0), at: Instant(nanoseconds: 10_000_000)))
        #expect(resent.isEmpty)
        #expect(end == nil)
    }

    @Test func badRepairFramesAreCountedAndChangeNothing() {
        var router = origin(publishing: 5)
        for bad in [request(0), request(5, 4), request(.max, 1)] {
            let actions = router.handle(bad, at: Instant(nanoseconds: 10_000_000))
            #expect(answer(actions).end == nil)
        }
        #expect(router.statistics.protocolErrors == 3)
        // An END nobody waits for, and resent data of a stream nobody asked for, with
        // extreme numbers: no GAP, no trap.
        let end = RepairEnd(topology: topology, origin: node(7), originIncarnation: .max, first: .max, last: 0, kept: .max)
        let actions = router.handle(.message(.repairEnd(end), from: peer), at: Instant(nanoseconds: 11_000_000))
        #expect(!actions.contains { if case .gap = $0 { return true } else { return false } })
        let stray = DataMessage(topology: topology, origin: node(7), originIncarnation: 1, sequence: .max, hops: 63, topic: "A", payload: [])
        _ = router.handle(.message(.repairData([stray, stray]), from: peer), at: Instant(nanoseconds: 12_000_000))
        #expect(router.statistics.repaired == 1)
    }
}
