import ArborCore
import Testing

/// The origin's repair buffer keeps its messages' bytes in segments: what it resends must be
/// the messages as published, byte for byte, however the segments filled, were freed and
/// reused under them.
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
    func origin(publishing count: Int, bufferBytes: Int, payload: (Int) -> [UInt8]) -> Router {
        var router = routerLinked(to: peer, as: me, wantingEverythingOf: topology) { $0.repairBufferBytes = bufferBytes }
        _ = router.handle(.attach(9, topology), at: .zero)
        _ = router.handle(.timer, at: at(1))
        for index in 1...count {
            _ = router.handle(.publish(9, topology, topic(index), payload: payload(index)), at: at(2))
        }
        return router
    }

    func origin(publishing count: Int, bufferBytes: Int) -> Router {
        origin(publishing: count, bufferBytes: bufferBytes, payload: payload)
    }

    /// The newest of messages `1...count` whose counted sizes (topic + payload + 96) fit
    /// `bytes`, oldest first.
    func kept(of count: Int, within bytes: Int, payload: (Int) -> [UInt8]) -> [Int] {
        var kept: [Int] = []
        var used = 0
        for index in stride(from: count, through: 1, by: -1) {
            let size = topic(index).bytes.count + payload(index).count + 96
            guard used + size <= bytes else { break }
            used += size
            kept.insert(index, at: 0)
        }
        return kept
    }

    func resentAfterAskingForEverything(_ router: inout Router) -> [DataMessage] {
        let request = RepairRequest(topology: topology, origin: me, originIncarnation: 1, first: 1, last: .max)
        return resent(router.handle(.message(.repairRequest(request), from: peer), at: at(3)))
    }

    func resent(_ actions: [Router.Action]) -> [DataMessage] {
        actions.flatMap { action -> [DataMessage] in
            guard case .send(.repairData(let messages), peer) = action else { return [] }
            return messages
        }
    }

    @Test func resentMessagesAreTheNewestPublishedOnesAfterEvictions() {
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

    /// Payloads of up to 3 KiB, and every 97th one larger than a quarter of a segment,
    /// every 500th larger than a whole one: many segments filled, the oldest evicted and
    /// reused, messages with segments of their own between the others.
    @Test func resentMessagesAreThePublishedOnesAcrossSegments() {
        func payload(_ index: Int) -> [UInt8] {
            let count = index % 500 == 0 ? 300_000 : index % 97 == 0 ? 70_000 : index * 37 % 3_000
            // A fill of its own, its index at both ends: a message read from the wrong place
            // does not pass for it.
            var bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: index &* 7), count: count)
            for (offset, byte) in [UInt8(index >> 8), UInt8(index & 255)].enumerated() where count >= 4 {
                bytes[offset] = byte
                bytes[count - 2 + offset] = byte
            }
            return bytes
        }
        for bytes in [3_000_000, 600_000] {
            var router = origin(publishing: 2_000, bufferBytes: bytes, payload: payload)
            let messages = resentAfterAskingForEverything(&router)
            let kept = kept(of: 2_000, within: bytes, payload: payload)
            #expect(kept.count > 50 && kept.first != 1)
            #expect(messages.map(\.sequence) == kept.map(UInt64.init))
            for (message, index) in zip(messages, kept) {
                #expect(message.topic == topic(index))
                #expect(message.payload == payload(index))
            }
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
