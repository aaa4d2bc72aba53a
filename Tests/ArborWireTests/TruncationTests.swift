import ArborCore
import ArborWire
import NIOCore
import Testing

/// Every prefix of a valid frame either waits for more bytes (the stream may go on) or,
/// when its length field claims it is complete, fails with a ``WireError``.
@Suite("Truncated frames")
struct TruncationTests {
    @Test("every truncation of peer frames", arguments: PeerFrameType.allCases)
    func peer(type: PeerFrameType) throws {
        var random = RandomValues(seed: 0x7A0C + UInt64(type.rawValue), scale: 3, lengthCap: 24)
        for _ in 0..<20 {
            let frame = random.peerFrame(type)
            let whole = try encoded(frame)
            for count in 0..<whole.readableBytes {
                var prefix = ByteBuffer(bytes: Array(whole.readableBytesView.prefix(count)))
                var waiting = decoder(for: frame)
                #expect(try waiting.next(from: &prefix) == nil)
                #expect(prefix.readableBytes == count, "nothing consumed")
                guard count >= 5 else { continue }
                var cut = whole.frame(truncatedTo: count)
                var strict = decoder(for: frame)
                #expect(throws: WireError.self) { try strict.next(from: &cut) }
            }
        }
    }

    @Test("every truncation of client frames", arguments: ClientFrameType.allCases)
    func client(type: ClientFrameType) throws {
        var random = RandomValues(seed: 0x7A0D + UInt64(type.rawValue), scale: 3, lengthCap: 24)
        let decoder = ClientFrameDecoder()
        for _ in 0..<20 {
            if let request = random.clientRequest(type) {
                let whole = try encoded(request)
                for count in 0..<whole.readableBytes {
                    var prefix = ByteBuffer(bytes: Array(whole.readableBytesView.prefix(count)))
                    #expect(try decoder.nextRequest(from: &prefix) == nil)
                    guard count >= 5 else { continue }
                    var cut = whole.frame(truncatedTo: count)
                    guard case .failure = try decoder.nextRequest(from: &cut) else {
                        Issue.record("a request cut to \(count) bytes decoded")
                        continue
                    }
                }
            }
            if let response = random.clientResponse(type) {
                let whole = try encoded(response)
                for count in 0..<whole.readableBytes {
                    var prefix = ByteBuffer(bytes: Array(whole.readableBytesView.prefix(count)))
                    #expect(try decoder.nextResponse(from: &prefix) == nil)
                    guard count >= 5 else { continue }
                    var cut = whole.frame(truncatedTo: count)
                    #expect(throws: WireError.self) { try decoder.nextResponse(from: &cut) }
                }
            }
        }
    }
}
