import ArborCore
import ArborWire
import NIOCore
import Testing

/// The zero-copy relay path: a DATA frame's message keeps the frame's body (a slice of the
/// receive buffer), is forwarded as that body with its hop count rewritten, and delivered
/// with its payload copied from it. Decoding checks every field first, so a malformed frame
/// is refused before anything of it can be forwarded.
@Suite("Relay path")
struct RelayPathTests {
    /// Decodes the single DATA frame in `frame`.
    private func decodedData(_ frame: ByteBuffer) throws -> DataMessage {
        var buffer = frame
        var decoder = PeerFrameDecoder(phase: .established)
        guard case .message(.data(let message)) = try decoder.next(from: &buffer) else {
            Issue.record("not a DATA frame")
            return try #require(nil as DataMessage?)
        }
        #expect(buffer.readableBytes == 0)
        return message
    }

    @Test("a forwarded DATA frame is the received frame byte for byte but for its hop count (200 random messages)")
    func forwardedFrameKeepsItsBytes() throws {
        var random = RandomValues(seed: 0x12E1A7)
        for _ in 0..<200 {
            var original = random.dataMessage()
            original.hops = UInt8(random.int(0...200))
            let received = try encoded(.message(.data(original)))
            var message = try decodedData(received)
            #expect(message.body is ReceivedDataFrame)
            #expect(message == original)
            // What the router does to a message it passes on.
            message.hops += 1
            #expect(message.body is ReceivedDataFrame)
            let forwarded = try encoded(.message(.data(message)))
            let hopAt = 4 + 1 + 32
            #expect(forwarded.readableBytes == received.readableBytes)
            var expected = received.bytes
            expected[hopAt] = original.hops + 1
            #expect(forwarded.bytes == expected)
            // The same bytes as a message built field by field.
            var rebuilt = original
            rebuilt.hops += 1
            #expect(forwarded.bytes == (try encoded(.message(.data(rebuilt)))).bytes)
        }
    }

    @Test("a delivery copies the payload from the received frame: the MESSAGE frame is the one built from the fields")
    func deliveryFromTheReceivedFrame() throws {
        var random = RandomValues(seed: 0xDE11)
        for _ in 0..<100 {
            let original = random.dataMessage()
            let message = try decodedData(try encoded(.message(.data(original))))
            let delivered = DeliveredMessage(message)
            #expect(delivered.payload == original.payload)
            #expect(delivered.payloadCount == original.payload.count)
            let built = try encoded(.message(DeliveredMessage(original)))
            #expect((try encoded(.message(delivered))).bytes == built.bytes)
            // What the node writes for a delivered run: the frame straight from the message,
            // received or built here.
            for source in [message, original] {
                var direct = ByteBuffer()
                try ClientFrameEncoder().encode(message: source, into: &direct)
                #expect(direct.bytes == built.bytes)
            }
        }
    }

    @Test("changing a field other than the hop count lets go of the received frame and keeps the payload")
    func otherChangesDetach() throws {
        var random = RandomValues(seed: 0xD7AC)
        let original = random.dataMessage()
        var message = try decodedData(try encoded(.message(.data(original))))
        let copy = message
        message.topic = Topic(Array("changed".utf8))
        #expect(message.body.holdsPayload)
        // A copy made before keeps its fields and its received frame.
        #expect(copy == original)
        #expect(copy.body is ReceivedDataFrame)
        #expect(message.payload == original.payload)
        var expected = original
        expected.topic = message.topic
        #expect((try encoded(.message(.data(message)))).bytes == (try encoded(.message(.data(expected)))).bytes)
        #expect(try decodedData(try encoded(.message(.data(original)))).detached.body.holdsPayload)
    }

    @Test("one decoder reading DATA frames that repeat and change topology and topic decodes each as sent (300 messages)")
    func consecutiveFramesDecodeAsSent() throws {
        var random = RandomValues(seed: 0x5EC7)
        var stream = ByteBuffer()
        var sent: [DataMessage] = []
        var message = random.dataMessage()
        for _ in 0..<300 {
            var next = random.dataMessage()
            // Mostly the same stream: the previous topology and topic, or one of them.
            switch random.int(0...3) {
            case 0: break
            case 1: next.topology = message.topology
            case 2: next.topic = message.topic
            default:
                next.topology = message.topology
                next.topic = message.topic
            }
            message = next
            sent.append(message)
            var frame = try encoded(.message(.data(message)))
            stream.writeBuffer(&frame)
        }
        var decoder = PeerFrameDecoder(phase: .established)
        for expected in sent {
            guard case .message(.data(let decoded)) = try decoder.next(from: &stream) else {
                Issue.record("not a DATA frame")
                return
            }
            #expect(decoded == expected)
        }
        #expect(stream.readableBytes == 0)
    }

    @Test("the messages of a REPAIR_DATA frame decode as sent and hold their payloads, not the frame (50 frames)")
    func repairDataHoldsItsPayloads() throws {
        var random = RandomValues(seed: 0x8E9A)
        for _ in 0..<50 {
            var messages = (0..<random.int(1...6)).map { _ in random.dataMessage() }
            if messages.count > 2 {
                // A stream: the next message repeats the topology and topic.
                messages[1].topology = messages[0].topology
                messages[1].topic = messages[0].topic
            }
            var buffer = try encoded(.message(.repairData(messages)))
            var decoder = PeerFrameDecoder(phase: .established)
            guard case .message(.repairData(let decoded)) = try decoder.next(from: &buffer) else {
                Issue.record("not a REPAIR_DATA frame")
                return
            }
            #expect(decoded == messages)
            #expect(decoded.allSatisfy { $0.body.holdsPayload })
            #expect(decoded.map(\.payload) == messages.map(\.payload))
        }
    }

    @Test("a node's client decoder reading PUBLISH requests that repeat and change topology and topic decodes each as sent (300 requests)")
    func consecutivePublicationsDecodeAsSent() throws {
        var (stream, sent) = try requestStream(seed: 0x9B1, malformedID: 9_999) { id, topology, topic, random in
            .publish(id: UInt32(id), topology: topology, topic: topic, payload: random.bytes(20))
        }
        var decoder = ClientFrameDecoder.Requests()
        for (index, expected) in sent.enumerated() {
            #expect(try decoder.next(from: &stream) == .success(expected))
            if index == 150 {
                guard case .failure(let refused) = try decoder.next(from: &stream) else {
                    Issue.record("a malformed PUBLISH was accepted")
                    return
                }
                #expect(refused.id == 9_999)
            }
        }
        #expect(stream.readableBytes == 0)
    }

    @Test("a node's reading of a client gives each unacknowledged PUBLISH as the publication sent, other requests as before, and refuses a malformed PUBLISH of id 0 alone (300 requests)")
    func unacknowledgedPublicationsComeApart() throws {
        // Mostly id 0 (no OK wanted), as a fast publisher sends; some with an id, some PINGs.
        var (stream, sent) = try requestStream(seed: 0x9B2, malformedID: 0) { index, topology, topic, random in
            index % 7 == 3 ? .ping(id: UInt32(index))
                : .publish(id: index % 5 == 0 ? UInt32(index) : 0, topology: topology, topic: topic, payload: random.bytes(random.int(0...40)))
        }
        var reading = ClientFrameDecoder.NodeRequests()
        for (index, expected) in sent.enumerated() {
            switch try reading.next(from: &stream) {
            case .publication(let publication):
                #expect(ClientRequest.publish(id: 0, topology: publication.topology, topic: publication.topic, payload: publication.payload) == expected)
            case .request(let request):
                #expect(request == .success(expected))
                if case .publish(0, _, _, _) = expected {
                    Issue.record("an unacknowledged PUBLISH came as a request")
                }
            case nil:
                Issue.record("request \(index) did not decode")
            }
            if index == 150 {
                guard case .request(.failure(let refused)) = try reading.next(from: &stream) else {
                    Issue.record("a malformed PUBLISH of id 0 was accepted")
                    return
                }
                #expect(refused.id == 0)
                guard case .error(0, .malformedRequest, _) = refused.response else {
                    Issue.record("refused with \(refused.response), not a malformed-request ERROR")
                    return
                }
            }
        }
        #expect(stream.readableBytes == 0)
        #expect(try reading.next(from: &stream) == nil)
    }

    /// 300 client requests (`request(index, topology, topic, &random)`) written one after
    /// the other, their topology and topic changing now and then as a publisher's do, with a
    /// malformed PUBLISH of id `malformedID` (topology name in capitals) after request 150;
    /// and the requests sent, without the malformed one.
    private func requestStream(
        seed: UInt64, malformedID: UInt32,
        _ request: (Int, TopologyName, Topic, inout RandomValues) -> ClientRequest
    ) throws -> (ByteBuffer, [ClientRequest]) {
        var random = RandomValues(seed: seed)
        var stream = ByteBuffer()
        var sent: [ClientRequest] = []
        var topology = random.topologyName()
        var topic = random.topic()
        for index in 0..<300 {
            switch random.int(0...3) {
            case 0: topology = random.topologyName()
            case 1: topic = random.topic()
            default: break
            }
            let next = request(index, topology, topic, &random)
            sent.append(next)
            var frame = try encoded(next)
            stream.writeBuffer(&frame)
            if index == 150 {
                var bad = try encoded(.publish(id: malformedID, topology: topology, topic: topic, payload: [1])).bytes
                bad[4 + 1 + 4 + 1] = UInt8(ascii: "Q")
                stream.writeBytes(bad)
            }
        }
        return (stream, sent)
    }

    @Test("a DATA frame whose topology name differs from the previous frame's only in case is refused")
    func repeatedNameIsStillChecked() throws {
        let good = DataMessage(
            topology: TopologyName("quotes")!, origin: NodeID(high: 1, low: 2), originIncarnation: 3, sequence: 4,
            topic: Topic(Array("AAPL".utf8)), payload: [1, 2, 3]
        )
        var stream = try encoded(.message(.data(good)))
        var bad = try encoded(.message(.data(good))).bytes
        bad[5 + 33 + 1] = UInt8(ascii: "Q")
        stream.writeBytes(bad)
        var decoder = PeerFrameDecoder(phase: .established)
        guard case .message(.data(let first)) = try decoder.next(from: &stream) else {
            Issue.record("not a DATA frame")
            return
        }
        #expect(first == good)
        #expect(throws: WireError.self) { _ = try decoder.next(from: &stream) }
    }

    @Test("a malformed DATA frame is refused by the decoder a relay reads with", arguments: [
        "payload length past the end", "a byte after the payload", "topology name not lowercase",
        "topic length past the end", "body cut inside the fixed fields",
    ])
    func malformedDataIsRefused(_ defect: String) throws {
        let message = DataMessage(
            topology: TopologyName("nasdaq.quotes")!,
            origin: NodeID(high: 1, low: 2),
            originIncarnation: 3,
            sequence: 4,
            hops: 1,
            topic: Topic(Array("AAPL".utf8)),
            payload: Array(repeating: 0x2E, count: 100)
        )
        var bytes = try encoded(.message(.data(message))).bytes
        let body = 5
        let topologyAt = body + 33
        let topicAt = topologyAt + 1 + 13
        let payloadAt = topicAt + 2 + 4
        switch defect {
        case "payload length past the end":
            bytes[payloadAt + 3] = 101
        case "a byte after the payload":
            bytes.append(0)
        case "topology name not lowercase":
            bytes[topologyAt + 1] = UInt8(ascii: "N")
        case "topic length past the end":
            bytes[topicAt] = 0xFF
        default:
            bytes = Array(bytes[..<(body + 20)])
        }
        var frame = ByteBuffer(bytes: bytes)
        frame.setInteger(UInt32(bytes.count - 4), at: 0)
        var decoder = PeerFrameDecoder(phase: .established)
        #expect(throws: WireError.self) { _ = try decoder.next(from: &frame) }
    }
}
