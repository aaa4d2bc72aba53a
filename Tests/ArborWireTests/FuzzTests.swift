import ArborCore
import ArborWire
import NIOCore
import Testing

/// Random and mutated input never traps: each decoder either returns frames or throws a
/// ``WireError`` (the type system guarantees the error type; these tests that nothing
/// crashes, loops or allocates from a bogus count). Whatever decodes re-encodes to a
/// frame that decodes to the same value.
@Suite("Fuzzed input")
struct FuzzTests {
    @Test("random bytes, 3000 seeded cases")
    func randomBytes() throws {
        var random = RandomValues(seed: 0xF022)
        for _ in 0..<3000 {
            var bytes = random.bytes(random.int(0...3) == 0 ? 600 : 60)
            if bytes.count >= 5, random.bool() {
                // A plausible header, so the body parsers are reached.
                let length = UInt32(bytes.count - 4)
                bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: length.bigEndian, Array.init))
                bytes[4] = random.bool()
                    ? (PeerFrameType.allCases.map(\.rawValue) + [PeerProtocol.dataRunType]).randomElement(using: &random.generator)!
                    : ClientFrameType.allCases.randomElement(using: &random.generator)!.rawValue
            }
            try feedEverywhere(bytes)
        }
    }

    @Test("mutated valid frames, 6000 seeded cases")
    func mutatedFrames() throws {
        var random = RandomValues(seed: 0xF023, scale: 4)
        var valid: [[UInt8]] = []
        for type in PeerFrameType.allCases {
            for _ in 0..<10 { valid.append(try encoded(random.peerFrame(type)).bytes) }
        }
        for type in ClientFrameType.allCases {
            for _ in 0..<10 {
                if let request = random.clientRequest(type) { valid.append(try encoded(request).bytes) }
                if let response = random.clientResponse(type) { valid.append(try encoded(response).bytes) }
            }
        }
        for _ in 0..<6000 {
            var bytes = valid.randomElement(using: &random.generator)!
            for _ in 0..<random.int(1...4) {
                mutate(&bytes, using: &random)
            }
            try feedEverywhere(bytes)
        }
    }

    private func mutate(_ bytes: inout [UInt8], using random: inout RandomValues) {
        guard !bytes.isEmpty else { return }
        let index = random.int(0...bytes.count - 1)
        switch random.int(0...5) {
        case 0: bytes[index] ^= 1 << UInt8(random.int(0...7))
        case 1: bytes[index] = random.u8()
        case 2: bytes[index] = [0x00, 0x01, 0x7f, 0x80, 0xff].randomElement(using: &random.generator)!
        case 3: bytes.remove(at: index)
        case 4: bytes.insert(random.u8(), at: index)
        default:
            // Keep the length field consistent with a changed body so the parsers see it.
            if bytes.count >= 5 {
                bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(bytes.count - 4).bigEndian, Array.init))
            }
        }
    }

    /// Feeds `bytes` to every decoder in every phase, then re-encodes what decoded (outside
    /// the decoding `catch`, so an encoder refusing a decoded value fails the test).
    private func feedEverywhere(_ bytes: [UInt8]) throws {
        for phase in [PeerFrameDecoder.Phase.awaitingHandshake, .established] {
            var decoder = PeerFrameDecoder(phase: phase)
            for frame in decodedUntilRefused(bytes, by: { try decoder.next(from: &$0) }) {
                var again = try encoded(frame)
                var fresh = ArborWireTests.decoder(for: frame)
                #expect(try fresh.next(from: &again) == frame)
            }
        }
        let client = ClientFrameDecoder()
        for case .success(let request) in decodedUntilRefused(bytes, by: { try client.nextRequest(from: &$0) }) {
            var again = try encoded(request)
            #expect(try client.nextRequest(from: &again) == .success(request))
        }
        for response in decodedUntilRefused(bytes, by: { try client.nextResponse(from: &$0) }) {
            var again = try encoded(response)
            #expect(try client.nextResponse(from: &again) == response)
        }
    }

    /// What `next` decodes from `bytes` before it runs out or refuses; a refusal must say why.
    private func decodedUntilRefused<Value>(_ bytes: [UInt8], by next: (inout ByteBuffer) throws -> Value?) -> [Value] {
        var buffer = ByteBuffer(bytes: bytes)
        var values: [Value] = []
        do {
            while let value = try next(&buffer) { values.append(value) }
        } catch {
            #expect(!String(describing: error).isEmpty)
        }
        return values
    }
}
