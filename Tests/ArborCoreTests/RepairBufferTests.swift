import ArborCore
import Testing

/// The origin's repair buffer keeps its messages' bytes in one ring: what it resends must be
/// the messages as published, byte for byte, however the ring wrapped and grew under them.
@Suite struct RepairBufferTests {
    let topology = TopologyName("quotes")!
    let me = node(1)
    let peer = node(2)

    func at(_ milliseconds: Int64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }

    /// Message `index`'s topic and payload: lengths that vary, so messages straddle the
    /// ring's end at every offset.
    func topic(_ index: Int) -> Topic { Topic(Array("T\(index)".utf8) + [UInt8](repeating: UInt8(index % 7), count: index % 5)) }
    func payload(_ index: Int) -> [UInt8] { (0..<(index * 37 % 300)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) } }

    /// An origin linked to `peer` (which wants everything) that published `count` messages.
    func origin(publishing count: Int, bufferBytes: Int) -> Router {
        var router = routerLinked(to: peer, as: me, wantingEverythingOf: topology) { $0.repairBufferBytes = bufferBytes }
        _ = router.handle(.attach(9, topology), at: .zero)
        _ = router.handle(.timer, at: at(1))
        for index in 1...count {
            _ = router.handle(.publish(9, topology, topic(index), payload: payload(index)), at: at(2))
        }
        return router
    }

    func resent(_ actions: [Router.Action]) -> [DataMessage] {
        actions.flatMap { action -> [DataMessage] in
            guard case .send(.repairData(let messages), peer) = action else { return [] }
            return messages
        }
    }

    @Test func resentMessagesAreTheMessagesPublishedAfterTheRingWrapped() {
        let bytes = 4_000
        var router = origin(publishing: 500, bufferBytes: bytes)
        let request = RepairRequest(topology: topology, origin: me, originIncarnation: 1, first: 1, last: .max)
        let messages = resent(router.handle(.message(.repairRequest(request), from: peer), at: at(3)))
        // The newest messages whose counted size (topic + payload + 96) fits the bound.
        var kept: [Int] = []
        var used = 0
        for index in stride(from: 500, through: 1, by: -1) {
            let size = topic(index).bytes.count + payload(index).count + 96
            guard used + size <= bytes else { break }
            used += size
            kept.insert(index, at: 0)
        }
        #expect(kept.count > 5)
        #expect(messages.map(\.sequence) == kept.map(UInt64.init))
        for (message, index) in zip(messages, kept) {
            #expect(message.topic == topic(index))
            #expect(message.payload == payload(index))
            #expect(message.origin == me && message.topology == topology && message.hops == 0)
        }
    }

    @Test func anEmptyBufferKeepsNothingAndStillAnswers() {
        var router = origin(publishing: 20, bufferBytes: 0)
        let request = RepairRequest(topology: topology, origin: me, originIncarnation: 1, first: 1, last: .max)
        let actions = router.handle(.message(.repairRequest(request), from: peer), at: at(3))
        #expect(resent(actions).isEmpty)
        #expect(actions.contains { if case .send(.repairEnd(let end), peer) = $0 { return end.kept == 21 } else { return false } })
    }
}
