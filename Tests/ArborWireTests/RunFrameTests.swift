import ArborCore
import ArborWire
import NIOCore
import Testing

/// DATA_RUN: consecutive messages of one stream in one frame, decoded into messages that
/// share one object, forwarded whole as the received bytes with the hop count rewritten,
/// and refused whole, before any of its messages is handed out, when malformed.
@Suite("Run frames")
struct RunFrameTests {
    /// The frames ``PeerFrameEncoder/encode(data:from:into:)`` writes for `messages`, and
    /// how many it wrote.
    private func encodedRuns(_ messages: [DataMessage]) throws -> (bytes: ByteBuffer, frames: Int) {
        var buffer = ByteBuffer()
        var index = 0
        var frames = 0
        while index < messages.count {
            index = try PeerFrameEncoder().encode(data: messages, from: index, into: &buffer)
            frames += 1
        }
        return (buffer, frames)
    }

    /// Every message `buffer` decodes to (all of it must decode).
    private func decodedMessages(_ buffer: ByteBuffer) throws -> [DataMessage] {
        var buffer = buffer
        var decoder = PeerFrameDecoder(phase: .established)
        var messages: [DataMessage] = []
        while let frame = try decoder.next(from: &buffer) {
            guard case .message(.data(let message)) = frame else {
                Issue.record("not data: \(frame)")
                return messages
            }
            messages.append(message)
        }
        #expect(buffer.readableBytes == 0)
        return messages
    }

    /// `count` messages of one stream from `first` on, with one hop count; topics from
    /// `topics` (a topic often repeating the one before), payloads of random sizes.
    private func stream(_ random: inout RandomValues, count: Int, first: UInt64, topics: [Topic]) -> [DataMessage] {
        let topology = random.topologyName()
        let origin = random.nodeID()
        let incarnation = random.u64()
        let hops = UInt8(random.int(0...200))
        var topic = topics[0]
        return (0..<count).map { offset in
            if random.int(0...3) == 0 { topic = topics[random.int(0...(topics.count - 1))] }
            return DataMessage(
                topology: topology, origin: origin, originIncarnation: incarnation, sequence: first + UInt64(offset), hops: hops,
                topic: topic, payload: random.bytes(random.int(0...3) == 0 ? 300 : 40)
            )
        }
    }

    @Test("a forwarded DATA_RUN is the received frame byte for byte but for its hop count (200 random runs)")
    func forwardedRunKeepsItsBytes() throws {
        var random = RandomValues(seed: 0x5A7E)
        for _ in 0..<200 {
            let topics = (0..<random.int(1...3)).map { _ in random.topic() }
            let sent = stream(&random, count: random.int(2...40), first: random.u64() / 2, topics: topics)
            let (received, frames) = try encodedRuns(sent)
            #expect(frames == 1)
            #expect(received.getInteger(at: 4, as: UInt8.self) == PeerProtocol.dataRunType)
            var messages = try decodedMessages(received)
            #expect(messages.map(\.sequence) == sent.map(\.sequence))
            #expect(messages.map(\.topic) == sent.map(\.topic))
            #expect(messages.map(\.payload) == sent.map(\.payload))
            #expect(messages == sent)
            // One object for the frame's messages.
            #expect(messages.allSatisfy { $0.body === messages[0].body && $0.body is ReceivedDataFrame })
            #expect(messages.map(\.index) == Array(0..<sent.count))
            // What the router does to the messages it passes on.
            for index in messages.indices { messages[index].hops += 1 }
            let (forwarded, forwardedFrames) = try encodedRuns(messages)
            #expect(forwardedFrames == 1)
            var expected = received.bytes
            expected[4 + 1 + 32] = sent[0].hops + 1
            #expect(forwarded.bytes == expected)
            // The same bytes as the run built field by field.
            let rebuilt = sent.map { message -> DataMessage in
                var message = message
                message.hops += 1
                return message
            }
            #expect((try encodedRuns(rebuilt)).bytes.bytes == expected)
        }
    }

    @Test("only consecutive messages of one stream share a frame: a gap, another origin or another hop count starts a new one; without the peer's data-runs extension none do")
    func runsEndWhereTheStreamDoes() throws {
        var random = RandomValues(seed: 0x6A9)
        let topic = Topic(Array("AAPL".utf8))
        let a = stream(&random, count: 5, first: 10, topics: [topic])
        let b = stream(&random, count: 3, first: 1, topics: [topic])
        var gap = a
        gap[3].sequence = 20
        gap[4].sequence = 21
        var hops = a
        hops[2].hops &+= 1
        // [10 11 12] [20 21] | [10 11 12 13 14] [b 1 2 3] | [10 11] [12] [13 14]
        for (messages, frames) in [(gap, 2), (a + b, 2), (hops, 3)] {
            let (bytes, written) = try encodedRuns(messages)
            #expect(written == frames)
            #expect(try decodedMessages(bytes) == messages)
        }
        // To a peer that did not announce DATA_RUN, each message leaves as DATA.
        var plain = ByteBuffer()
        var index = 0
        while index < a.count {
            index = try PeerFrameEncoder(writesRuns: false).encode(data: a, from: index, into: &plain)
        }
        var plainDecoder = PeerFrameDecoder(phase: .established)
        var frames = 0
        while case .message(.data(let message))? = try plainDecoder.next(from: &plain) {
            #expect(message.index == 0)
            frames += 1
        }
        #expect(frames == a.count)
        // A message alone leaves as DATA.
        let (single, written) = try encodedRuns([a[0]])
        #expect(written == 1)
        #expect(single.getInteger(at: 4, as: UInt8.self) == PeerFrameType.data.rawValue)
    }

    @Test("a malformed DATA_RUN is refused before any of its messages is handed out", arguments: [
        "no message", "count past the end", "sequences past the largest", "first topic repeats nothing",
        "topic over the limit", "a byte after the last payload", "payload length past the end",
        "topology name not lowercase", "before the handshake",
    ])
    func malformedRunIsRefused(_ defect: String) throws {
        let topic = Topic(Array("AAPL".utf8))
        let messages = (0..<3).map { offset in
            DataMessage(
                topology: TopologyName("nasdaq.quotes")!, origin: NodeID(high: 1, low: 2), originIncarnation: 3,
                sequence: 4 + UInt64(offset), hops: 1, topic: topic, payload: Array(repeating: 0x2E, count: 10)
            )
        }
        var bytes = try encodedRuns(messages).bytes.bytes
        let body = 5
        let sequenceAt = body + 24
        let topologyAt = body + 33
        let countAt = topologyAt + 1 + 13
        let topicAt = countAt + 2
        let payloadAt = topicAt + 2 + 4
        let secondTopicAt = payloadAt + 4 + 10
        // The run as sent: three messages, the later two repeating the first topic.
        #expect(bytes[countAt + 1] == 3)
        #expect(bytes[secondTopicAt] == 0xFF && bytes[secondTopicAt + 1] == 0xFF)
        var phase = PeerFrameDecoder.Phase.established
        switch defect {
        case "no message":
            bytes = Array(bytes[..<countAt]) + [0, 0]
        case "count past the end":
            bytes[countAt + 1] = 4
        case "sequences past the largest":
            for offset in 0..<8 { bytes[sequenceAt + offset] = 0xFF }
            bytes[sequenceAt + 7] = 0xFE
        case "first topic repeats nothing":
            bytes[topicAt] = 0xFF
            bytes[topicAt + 1] = 0xFF
        case "topic over the limit":
            bytes[secondTopicAt] = 0x04
            bytes[secondTopicAt + 1] = 0x01
        case "a byte after the last payload":
            bytes.append(0)
        case "payload length past the end":
            bytes[payloadAt + 3] = 200
        case "topology name not lowercase":
            bytes[topologyAt + 1] = UInt8(ascii: "N")
        default:
            phase = .awaitingHandshake
        }
        var frame = ByteBuffer(bytes: bytes)
        frame.setInteger(UInt32(bytes.count - 4), at: 0)
        var decoder = PeerFrameDecoder(phase: phase)
        #expect(throws: WireError.self) { _ = try decoder.next(from: &frame) }
    }

    @Test("a run split by interest: a neighbour that wants one of two topics gets exactly its messages, the whole run goes as received")
    func runSplitByInterest() throws {
        func node(_ value: UInt64) -> NodeID { NodeID(high: 0, low: value) }
        func at(_ milliseconds: Int64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }
        let quotes = TopologyName("quotes")!
        let me = node(1)
        let left = node(2)
        let right = node(3)
        let far = node(4)
        var router = Router(RouterConfiguration(id: me, name: "n1", incarnation: 1))
        _ = router.handle(.start, at: .zero)
        for (peer, name) in [(left, "n2"), (right, "n3"), (far, "n4")] {
            _ = router.handle(.peerUp(peer, name: name, incarnation: 1, cost: nil), at: .zero)
            let record = LinkStateRecord(origin: peer, name: name, incarnation: 1, sequence: 1, links: [Link(neighbor: me, cost: 10)])
            _ = router.handle(.message(.linkState([record]), from: peer), at: .zero)
        }
        // `right` wants "A", `far` everything, `left` (where the run comes from) nothing.
        for (peer, wanted) in [(left, PrefixSet([Topic]())), (right, PrefixSet(["A"])), (far, PrefixSet([""]))] {
            _ = router.handle(.message(.interest(quotes, .full(wanted)), from: peer), at: .zero)
        }
        for time in stride(from: Int64(1), through: 1_000, by: 50) {
            for peer in [left, right, far] {
                _ = router.handle(.message(.heartbeat(Heartbeat(timestamp: time, echo: 0, echoDelay: 0)), from: peer), at: at(time))
            }
            _ = router.handle(.timer, at: at(time))
        }
        // One run from `left`: AAPL AAPL B B AAPL AAPL, sequences 1...6.
        let topics = ["AAPL", "AAPL", "B", "B", "AAPL", "AAPL"].map { Topic(Array($0.utf8)) }
        let sent = topics.enumerated().map { offset, topic in
            DataMessage(topology: quotes, origin: left, originIncarnation: 1, sequence: UInt64(offset + 1), hops: 1, topic: topic, payload: [UInt8(offset)])
        }
        let (received, _) = try encodedRuns(sent)
        let decoded = try decodedMessages(received)
        let actions = router.handle(.messages(decoded.map { .data($0) }, from: left), at: at(1_001))
        var forwarded: [NodeID: [DataMessage]] = [:]
        for case .forward(let messages, let peer) in actions {
            forwarded[peer, default: []] += messages
        }
        #expect(Set(forwarded.keys) == [right, far])
        // `right`: 1 2 and 5 6, as two runs of the messages re-encoded.
        let (toRight, rightFrames) = try encodedRuns(forwarded[right] ?? [])
        #expect(rightFrames == 2)
        #expect(try decodedMessages(toRight).map(\.sequence) == [1, 2, 5, 6])
        #expect(try decodedMessages(toRight).allSatisfy { $0.hops == 2 && $0.topic == topics[0] })
        // `far`: the whole run, the received frame with its hop count rewritten.
        let (toFar, farFrames) = try encodedRuns(forwarded[far] ?? [])
        #expect(farFrames == 1)
        var expected = received.bytes
        expected[4 + 1 + 32] = 2
        #expect(toFar.bytes == expected)
    }
}
