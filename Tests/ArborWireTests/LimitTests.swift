import ArborCore
import ArborWire
import NIOCore
import Testing

@Suite("Limits")
struct LimitTests {
    @Test("an oversized length is refused from its four bytes alone")
    func oversizedBeforeBody() throws {
        let limit = WireLimits.defaultMaximumFrameLength
        var header = ByteBuffer(bytes: [0, 0x11, 0, 1])  // 0x110001 = limit + 1
        #expect(Int(header.getInteger(at: 0, as: UInt32.self)!) == limit + 1)
        var decoder = PeerFrameDecoder(phase: .established)
        #expect(throws: WireError.oversized(length: limit + 1, limit: limit)) {
            try decoder.next(from: &header)
        }
        var clientHeader = ByteBuffer(bytes: [0, 0x11, 0, 1])
        #expect(throws: WireError.oversized(length: limit + 1, limit: limit)) {
            try ClientFrameDecoder().nextRequest(from: &clientHeader)
        }
    }

    @Test("a frame of exactly the limit is accepted")
    func exactlyTheLimit() throws {
        var random = RandomValues(seed: 1)
        var message = random.dataMessage()
        message.payload = []
        let overhead = try encoded(.message(.data(message))).readableBytes - 4
        message.payload = [UInt8](repeating: 0xab, count: WireLimits.defaultMaximumFrameLength - overhead)
        var buffer = try encoded(.message(.data(message)))
        #expect(buffer.readableBytes == WireLimits.defaultMaximumFrameLength + 4)
        var decoder = PeerFrameDecoder(phase: .established)
        #expect(try decoder.next(from: &buffer) == .message(.data(message)))

        message.payload.append(0)
        var refused = ByteBuffer()
        #expect(throws: WireError.oversized(length: WireLimits.defaultMaximumFrameLength + 1, limit: WireLimits.defaultMaximumFrameLength)) {
            try PeerFrameEncoder().encode(.message(.data(message)), into: &refused)
        }
        #expect(refused.readableBytes == 0, "a refused frame leaves the buffer as it was")
    }

    @Test("a record's addresses: at most 8, none with port 0 or an empty host")
    func recordAddresses() throws {
        func record(_ addresses: [OverlayAddress]) -> PeerFrame {
            .message(.linkState([LinkStateRecord(origin: NodeID(high: 0, low: 1), name: "n", incarnation: 1, sequence: 1, links: [], addresses: addresses)]))
        }
        let eight = (1...8).map { OverlayAddress(host: "198.18.0.\($0)", port: 7450) }
        var buffer = try encoded(record(eight))
        var decoder = PeerFrameDecoder(phase: .established)
        #expect(try decoder.next(from: &buffer) == record(eight))
        var refused = ByteBuffer()
        #expect(throws: WireError.tooMany(field: "addresses", count: 9, limit: 8)) {
            try PeerFrameEncoder().encode(record(eight + [OverlayAddress(host: "h", port: 1)]), into: &refused)
        }
        // Port 0 and an empty host, written by hand (the encoder refuses port 0).
        for (host, port) in [("198.18.0.1", 0), ("", 7450)] {
            var bytes = try encoded(record([OverlayAddress(host: "x", port: 7450)]))
            let text = Array(bytes.readBytes(length: bytes.readableBytes)!)
            // The frame ends with: count 1 | length 1 | "x" | port 2 | seal present 1 (0).
            #expect(Array(text.suffix(5)) == [1, UInt8(ascii: "x"), 0x1d, 0x1a, 0])
            var forged = Array(text.dropLast(5)) + [UInt8(host.utf8.count)] + Array(host.utf8) + [UInt8(port >> 8), UInt8(port & 0xff), 0]
            let length = UInt32(forged.count - 4)
            forged.replaceSubrange(0..<4, with: [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)])
            var input = ByteBuffer(bytes: forged)
            var strict = PeerFrameDecoder(phase: .established)
            #expect(throws: WireError.self) { try strict.next(from: &input) }
        }
    }

    @Test("a length claiming 4 GiB allocates nothing")
    func fourGiB() throws {
        var claim = ByteBuffer(bytes: [0xff, 0xff, 0xff, 0xff, PeerFrameType.data.rawValue] + [UInt8](repeating: 0, count: 64))
        var decoder = PeerFrameDecoder(phase: .established)
        #expect(throws: WireError.oversized(length: Int(UInt32.max), limit: WireLimits.defaultMaximumFrameLength)) {
            try decoder.next(from: &claim)
        }
        // Even a decoder told to accept 4 GiB frames only waits; it reserves nothing.
        var permissive = PeerFrameDecoder(maximumFrameLength: Int(UInt32.max), phase: .established)
        let capacity = claim.capacity
        #expect(try permissive.next(from: &claim) == nil)
        #expect(claim.capacity == capacity)
        #expect(claim.readableBytes == 69)
    }

    @Test("counts larger than the bytes left are refused before allocating")
    func hugeCounts() throws {
        // LINK_STATE claiming 65535 records in a 3-byte body.
        var linkState = ByteBuffer(bytes: [0, 0, 0, 3, PeerFrameType.linkState.rawValue, 0xff, 0xff])
        var decoder = PeerFrameDecoder(phase: .established)
        #expect(throws: WireError.countExceedsRemaining(field: "records", count: 65535, remaining: 0)) {
            try decoder.next(from: &linkState)
        }
        // FLUSH claiming 65535 versions in a 3-byte body.
        var flush = ByteBuffer(bytes: [0, 0, 0, 3, PeerFrameType.flush.rawValue, 0xff, 0xff])
        #expect(throws: WireError.countExceedsRemaining(field: "versions", count: 65535, remaining: 0)) {
            try decoder.next(from: &flush)
        }
        // SUMMARY and REQUEST claiming 65535 entries in a 3-byte body.
        var summary = ByteBuffer(bytes: [0, 0, 0, 3, PeerFrameType.summary.rawValue, 0xff, 0xff])
        #expect(throws: WireError.countExceedsRemaining(field: "versions", count: 65535, remaining: 0)) {
            try decoder.next(from: &summary)
        }
        var request = ByteBuffer(bytes: [0, 0, 0, 3, PeerFrameType.request.rawValue, 0xff, 0xff])
        #expect(throws: WireError.countExceedsRemaining(field: "origins", count: 65535, remaining: 0)) {
            try decoder.next(from: &request)
        }
        // REPAIR_DATA claiming 4 billion messages.
        var repair = ByteBuffer(bytes: [0, 0, 0, 5, PeerFrameType.repairData.rawValue, 0xff, 0xff, 0xff, 0xff])
        #expect(throws: WireError.countExceedsRemaining(field: "messages", count: Int(UInt32.max), remaining: 0)) {
            try decoder.next(from: &repair)
        }
        // A payload length of 4 GiB in a short DATA frame.
        var random = RandomValues(seed: 2)
        var message = random.dataMessage()
        message.payload = [1, 2, 3]
        var data = try encoded(.message(.data(message)))
        data.setInteger(UInt32.max, at: data.writerIndex - 7)
        #expect(throws: WireError.truncated(field: "payload", needed: Int(UInt32.max), available: 3)) {
            try decoder.next(from: &data)
        }
    }

    @Test("the first frame must be a handshake of at most 16 KiB")
    func handshakePhase() throws {
        var random = RandomValues(seed: 3)
        var heartbeat = try encoded(random.peerFrame(.heartbeat))
        var fresh = PeerFrameDecoder()
        #expect(throws: WireError.unexpectedFrame(type: PeerFrameType.heartbeat.rawValue, expected: "a handshake")) {
            try fresh.next(from: &heartbeat)
        }
        // "GET " as a length is far over the handshake limit.
        var http = ByteBuffer(string: "GET / HTTP/1.1\r\n")
        var other = PeerFrameDecoder()
        #expect(throws: WireError.oversized(length: 0x4745_5420, limit: PeerProtocol.handshakeFrameLimit)) {
            try other.next(from: &http)
        }
        var big = ByteBuffer(bytes: [0, 0, 0x40, 0x01, PeerFrameType.handshake.rawValue])
        var third = PeerFrameDecoder()
        #expect(throws: WireError.oversized(length: 0x4001, limit: PeerProtocol.handshakeFrameLimit)) {
            try third.next(from: &big)
        }

        var stream = try encoded(random.peerFrame(.handshake))
        var second = try encoded(random.peerFrame(.handshake))
        stream.writeBuffer(&second)
        var decoder = PeerFrameDecoder()
        guard case .handshake = try decoder.next(from: &stream) else {
            Issue.record("expected the handshake")
            return
        }
        #expect(decoder.phase == .established)
        #expect(throws: WireError.unexpectedFrame(type: PeerFrameType.handshake.rawValue, expected: "no second handshake")) {
            try decoder.next(from: &stream)
        }
    }

    @Test("bad magic, zero length, unknown types, bad flags")
    func malformedHeaders() throws {
        var random = RandomValues(seed: 4)
        var handshake = try encoded(random.peerFrame(.handshake))
        handshake.setBytes(Array("HTTP".utf8), at: 5)
        var decoder = PeerFrameDecoder()
        #expect(throws: WireError.badMagic(Array("HTTP".utf8))) { try decoder.next(from: &handshake) }

        var empty = ByteBuffer(bytes: [0, 0, 0, 0])
        var fresh = PeerFrameDecoder()
        #expect(throws: WireError.emptyFrame) { try fresh.next(from: &empty) }

        var unknown = ByteBuffer(bytes: [0, 0, 0, 1, 0x42])
        var established = PeerFrameDecoder(phase: .established)
        #expect(throws: WireError.unknownFrameType(0x42)) { try established.next(from: &unknown) }

        var interest = try encoded(.message(.interest(TopologyName("a")!, .leave)))
        interest.setInteger(UInt8(9), at: interest.writerIndex - 1)
        #expect(throws: WireError.invalidValue(field: "interest kind", value: 9)) {
            try established.next(from: &interest)
        }

        var goodbye = ByteBuffer(bytes: [0, 0, 0, 2, PeerFrameType.goodbye.rawValue, 0])
        #expect(throws: WireError.trailingBytes(frameType: PeerFrameType.goodbye.rawValue, count: 1)) {
            try established.next(from: &goodbye)
        }

        var reject = ByteBuffer(bytes: [0, 0, 0, 6, PeerFrameType.handshakeReject.rawValue, 1, 0, 2, 0xc3, 0x28])
        #expect(throws: WireError.invalidUTF8(field: "reject text")) { try established.next(from: &reject) }
    }

    @Test("the encoder refuses what the decoder would")
    func encoderLimits() throws {
        var random = RandomValues(seed: 5)
        var handshake = random.handshake()
        handshake.name = String(repeating: "n", count: WireLimits.maximumNameLength + 1)
        var buffer = ByteBuffer(string: "kept")
        #expect(throws: WireError.fieldTooLong(field: "node name", length: 256, limit: 255)) {
            try PeerFrameEncoder().encode(.handshake(handshake), into: &buffer)
        }
        #expect(buffer == ByteBuffer(string: "kept"))

        var message = random.dataMessage()
        message.topic = Topic([UInt8](repeating: 1, count: WireLimits.maximumTopicLength + 1))
        #expect(throws: WireError.fieldTooLong(field: "topic", length: 1025, limit: 1024)) {
            try PeerFrameEncoder().encode(.message(.data(message)), into: &buffer)
        }
        handshake = random.handshake()
        handshake.addresses = Array(repeating: .ipv4(0x7f00_0001, port: 7450), count: PeerProtocol.maximumAddresses + 1)
        #expect(throws: WireError.tooMany(field: "addresses", count: 17, limit: 16)) {
            try PeerFrameEncoder().encode(.handshake(handshake), into: &buffer)
        }
        #expect(buffer == ByteBuffer(string: "kept"))
    }

    @Test("link state and repair data too large for one frame leave as several")
    func splitting() throws {
        var random = RandomValues(seed: 6, scale: 30)
        let records = (0..<40).map { _ in random.record() }
        let messages = (0..<40).map { _ in random.dataMessage() }
        let limit = 4096
        let encoder = PeerFrameEncoder(maximumFrameLength: limit)
        for message in [PeerMessage.linkState(records), .repairData(messages)] {
            var buffer = ByteBuffer()
            try encoder.encode(splitting: message, into: &buffer)
            var decoder = PeerFrameDecoder(maximumFrameLength: limit, phase: .established)
            var parts: [PeerMessage] = []
            while let frame = try decoder.next(from: &buffer) {
                guard case .message(let part) = frame else { continue }
                parts.append(part)
            }
            #expect(parts.count > 1)
            var joinedRecords: [LinkStateRecord] = []
            var joinedMessages: [DataMessage] = []
            for part in parts {
                switch part {
                case .linkState(let run): joinedRecords += run
                case .repairData(let run): joinedMessages += run
                default: Issue.record("unexpected part \(part)")
                }
            }
            if case .linkState = message {
                #expect(joinedRecords == records)
            } else {
                #expect(joinedMessages == messages)
            }
        }
        var huge = random.dataMessage()
        huge.payload = [UInt8](repeating: 0, count: limit)
        var buffer = ByteBuffer()
        #expect(throws: WireError.self) {
            try encoder.encode(splitting: .repairData([huge]), into: &buffer)
        }
    }
}
