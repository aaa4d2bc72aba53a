import ArborCore
import ArborTestSupport
import ArborWire
import NIOCore
import Testing

/// A connection's bytes arrive cut anywhere: ``FrameStream`` yields the same frames however
/// they are cut, refuses a bad frame as soon as its header is there, and reports a stream
/// that ends inside a frame.
@Suite("FrameStream")
struct FrameStreamTests {
    /// Every frame of `reads`, read one after the other; the error at the end, if any.
    private static func frames(
        _ reads: [ByteBuffer],
        _ stream: inout FrameStream<PeerFrameDecoder>
    ) throws(WireError) -> [PeerFrame] {
        var frames: [PeerFrame] = []
        for read in reads {
            guard var bytes = stream.take(appending: read) else { break }
            do throws(WireError) {
                while let frame = try stream.next(from: &bytes) {
                    frames.append(frame)
                }
            } catch {
                stream.stop()
                throw error
            }
            _ = stream.keep(bytes)
        }
        return frames
    }

    @Test("the same frames, however the reads cut them")
    func anyCut() throws {
        var random = RandomValues(seed: 0xF5A1, scale: 4)
        var cuts = SplitMix64(seed: 0xF5A2)
        let sent = PeerFrameType.allCases.filter { $0 != .handshake }.map { random.peerFrame($0) }
        var whole = ByteBuffer()
        for frame in sent {
            var one = try encoded(frame)
            whole.writeBuffer(&one)
        }
        for round in 0..<200 {
            // Reads of 1 byte up to a few frames, and once every byte alone.
            var reads: [ByteBuffer] = []
            var rest = whole
            while rest.readableBytes > 0 {
                let size = round == 0 ? 1 : Int.random(in: 1...600, using: &cuts)
                reads.append(rest.readSlice(length: min(size, rest.readableBytes))!)
            }
            var stream = FrameStream(PeerFrameDecoder(phase: .established))
            #expect(try Self.frames(reads, &stream) == sent)
            #expect(stream.pendingBytes == 0)
            #expect(stream.finish() == nil)
        }
    }

    @Test("the start of a frame at the end of a read is kept apart: the read's buffer is free for the next read")
    func unfinishedFrameLetsGoOfTheRead() throws {
        let heartbeat = PeerFrame.message(.heartbeat(Heartbeat(timestamp: 1, echo: 2, echoDelay: 3)))
        let one = try encoded(heartbeat)
        var read = ByteBuffer()
        read.writeImmutableBuffer(one)
        read.writeImmutableBuffer(one.getSlice(at: one.readerIndex, length: 7)!)
        var stream = FrameStream(PeerFrameDecoder(phase: .established))
        #expect(try Self.frames([read], &stream) == [heartbeat])
        #expect(stream.pendingBytes == 7)
        // NIO reads into a buffer again only when no one else holds it.
        #expect(read.modifyIfUniquelyOwned { _ in true } == true)
        let rest = one.getSlice(at: one.readerIndex + 7, length: one.readableBytes - 7)!
        #expect(try Self.frames([rest], &stream) == [heartbeat])
        #expect(stream.pendingBytes == 0)
    }

    @Test("an oversized length is refused once its four bytes are there, before the body")
    func oversizedEarly() throws {
        var stream = FrameStream(PeerFrameDecoder(maximumFrameLength: 1024, phase: .established))
        var frame = try encoded(PeerFrame.message(.goodbye))
        // A whole frame, then the first two bytes of a length of 1 MiB, then the other two.
        let header: [UInt8] = [0x00, 0x10, 0x00, 0x00]
        let reads = [frame.readSlice(length: frame.readableBytes)!, ByteBuffer(bytes: header.prefix(2)), ByteBuffer(bytes: header.suffix(2))]
        #expect(throws: WireError.oversized(length: 1 << 20, limit: 1024)) {
            _ = try Self.frames(reads, &stream)
        }
        #expect(stream.take(appending: ByteBuffer(bytes: [0])) == nil, "nothing is decoded after an error")
    }

    @Test("a stream that ends inside a frame is reported with what the frame lacked")
    func endsInsideAFrame() throws {
        var whole = try encoded(PeerFrame.message(.goodbye))
        var stream = FrameStream(PeerFrameDecoder(phase: .established))
        let partial = whole.readSlice(length: whole.readableBytes - 1)!
        #expect(try Self.frames([partial], &stream).isEmpty)
        #expect(stream.pendingBytes == partial.readableBytes)
        guard case .truncated(_, let needed, let available)? = stream.finish() else {
            Issue.record("no truncation reported")
            return
        }
        #expect(needed == 1 && available == partial.readableBytes)
        #expect(stream.finish() == nil, "reported once")
    }

    @Test("the end of the stream while a read is decoded: handled no further, the rest reported by keep")
    func endedWhileDecoding() throws {
        var first = try encoded(PeerFrame.message(.goodbye))
        let second = try encoded(PeerFrame.message(.goodbye))
        var read = ByteBuffer()
        read.writeBuffer(&first)
        read.writeImmutableBuffer(second.getSlice(at: second.readerIndex, length: 3)!)
        var stream = FrameStream(PeerFrameDecoder(phase: .established))
        guard var bytes = stream.take(appending: read) else {
            Issue.record("the stream refused a first read")
            return
        }
        #expect(try stream.next(from: &bytes) == .message(.goodbye))
        #expect(stream.isDecoding)
        #expect(stream.finish() == nil, "the channel closed while the frame was handled")
        #expect(!stream.isDecoding)
        #expect(try stream.next(from: &bytes) == nil)
        #expect(stream.keep(bytes) != nil, "three bytes of the next frame")
    }
}
