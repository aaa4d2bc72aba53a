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
            try everyTruncation(of: try encoded(frame)) { (prefix, count) throws in
                var waiting = decoder(for: frame)
                #expect(try waiting.next(from: &prefix) == nil)
                #expect(prefix.readableBytes == count, "nothing consumed")
            } refused: { (cut, _) throws in
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
                try everyTruncation(of: try encoded(request)) { (prefix, _) throws in
                    #expect(try decoder.nextRequest(from: &prefix) == nil)
                } refused: { (cut, count) throws in
                    guard case .failure = try decoder.nextRequest(from: &cut) else {
                        Issue.record("a request cut to \(count) bytes decoded")
                        return
                    }
                }
            }
            if let response = random.clientResponse(type) {
                try everyTruncation(of: try encoded(response)) { (prefix, _) throws in
                    #expect(try decoder.nextResponse(from: &prefix) == nil)
                } refused: { (cut, _) throws in
                    #expect(throws: WireError.self) { try decoder.nextResponse(from: &cut) }
                }
            }
        }
    }

    /// Cuts `whole` at every length short of its own: `waits` checks a prefix of COUNT
    /// bytes, and from 5 bytes on (a length field can claim the cut frame complete)
    /// `refused` checks that frame with its length field set to the cut.
    private func everyTruncation(
        of whole: ByteBuffer,
        waits: (_ prefix: inout ByteBuffer, _ count: Int) throws -> Void,
        refused: (_ cut: inout ByteBuffer, _ count: Int) throws -> Void
    ) throws {
        for count in 0..<whole.readableBytes {
            var prefix = ByteBuffer(bytes: Array(whole.readableBytesView.prefix(count)))
            try waits(&prefix, count)
            guard count >= 5 else { continue }
            var cut = whole.frame(truncatedTo: count)
            try refused(&cut, count)
        }
    }
}
