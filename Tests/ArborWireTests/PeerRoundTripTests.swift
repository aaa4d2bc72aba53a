import ArborCore
import ArborWire
import NIOCore
import Testing

@Suite("Peer frames round-trip")
struct PeerRoundTripTests {
    @Test("every frame type, 300 random cases each", arguments: PeerFrameType.allCases)
    func roundTrip(type: PeerFrameType) throws {
        var random = RandomValues(seed: 0xA4B0 + UInt64(type.rawValue))
        for _ in 0..<300 {
            let frame = random.peerFrame(type)
            var buffer = try encoded(frame)
            #expect(buffer.getInteger(at: 4, as: UInt8.self) == type.rawValue)
            #expect(Int(buffer.getInteger(at: 0, as: UInt32.self)!) == buffer.readableBytes - 4)
            var decoder = decoder(for: frame)
            let decoded = try decoder.next(from: &buffer)
            #expect(decoded == frame)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test("a stream of many frames decodes in order, in any chunking")
    func stream() throws {
        var random = RandomValues(seed: 7)
        var frames: [PeerFrame] = [.handshake(random.handshake())]
        for _ in 0..<500 {
            let type = PeerFrameType.allCases.filter { $0 != .handshake }.randomElement(using: &random.generator)!
            frames.append(random.peerFrame(type))
        }
        var stream = ByteBuffer()
        let encoder = PeerFrameEncoder()
        for frame in frames {
            try encoder.encode(frame, into: &stream)
        }
        var decoder = PeerFrameDecoder()
        var decoded: [PeerFrame] = []
        var pending = ByteBuffer()
        while stream.readableBytes > 0 {
            var chunk = stream.readSlice(length: min(stream.readableBytes, random.int(1...700)))!
            pending.writeBuffer(&chunk)
            while let frame = try decoder.next(from: &pending) {
                decoded.append(frame)
            }
        }
        #expect(decoded == frames)
        #expect(pending.readableBytes == 0)
        #expect(decoder.phase == .established)
    }

    @Test("a full interest set is re-aggregated on arrival")
    func normalisation() throws {
        let topology = TopologyName("nasdaq.quotes")!
        // An unaggregated set, written by hand: "AA", "AAPL", "AA" again.
        var body = ByteBuffer()
        body.writeInteger(UInt8(topology.rawValue.utf8.count))
        body.writeString(topology.rawValue)
        body.writeInteger(UInt8(0))
        body.writeInteger(UInt32(3))
        for prefix in ["AA", "AAPL", "AA"] {
            body.writeInteger(UInt16(prefix.utf8.count))
            body.writeString(prefix)
        }
        var frame = ByteBuffer()
        frame.writeInteger(UInt32(body.readableBytes + 1))
        frame.writeInteger(PeerFrameType.interest.rawValue)
        frame.writeBuffer(&body)
        var decoder = PeerFrameDecoder(phase: .established)
        #expect(try decoder.next(from: &frame) == .message(.interest(topology, .full(PrefixSet(["AA"])))))
    }
}
