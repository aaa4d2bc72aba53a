import ArborCore
import Testing

extension DataRunTests {
    func message(_ sequence: UInt64) -> DataMessage {
        DataMessage(topology: quotes, origin: left, originIncarnation: 1, sequence: sequence, hops: 1, topic: "A", payload: [UInt8(sequence)])
    }

    /// Resent messages older than one their stream already delivered reach the local
    /// subscribers at once when no repair hold keeps the newer ones back (here no repair is
    /// under way: the answer is late, or brings what only an old way carried): the only
    /// out-of-order deliveries, and each is counted (`repair.late` in the stats document),
    /// so that an operator, or a test, can tell them from a bug.
    @Test func aResentMessageBehindItsStreamIsDeliveredAndCountedLate() {
        var router = relay()
        let live = router.handle(.messages([.data(message(1)), .data(message(4))], from: left), at: at(1_100))
        #expect(deliveredRuns(live, to: 5) == [[1, 4]])
        let resent = router.handle(.message(.repairData([message(2), message(3), message(5), message(3)]), from: left), at: at(1_101))
        #expect(deliveredRuns(resent, to: 5).flatMap { $0 } == [2, 3, 5])
        #expect(router.statistics.repaired == 3)
        #expect(router.statistics.repairedLate == 2, "2 and 3 came after 4; 5 is in order; the second 3 is a duplicate")
        #expect(router.statistics.dropped[.duplicate] == 1)
    }
}
