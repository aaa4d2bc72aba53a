import ArborCore
import ArborWire
import NIOCore

/// The frames waiting to leave on one channel, encoded straight into one buffer.
///
/// Every frame a node sends on a peer link or a client connection goes through the
/// channel's outbox, so frames leave in the order they were queued. Queuing only encodes:
/// the buffer is handed to the channel when ``flush()`` is called (the runtime does so once
/// per event-loop tick for every outbox that got frames) or, without a flush, when it
/// reaches ``chunkSize`` bytes. A burst of frames thus costs one buffer and one write, not
/// one buffer, one pipeline pass and one pending-write entry per frame.
///
/// The buffers come from the event loop's ``OutputBuffers`` and go back to it when handed
/// to the channel, so that a buffer the channel has written is filled again.
///
/// Backpressure is unchanged in substance: the channel's writability still measures what it
/// has not sent; frames still in the outbox add at most ``chunkSize`` bytes to that.
///
/// A frame that does not encode (a field over its protocol limit) is not sent, nor is
/// anything queued after it: the error goes to the channel's pipeline (as `errorCaught`),
/// whose handler closes the connection, as a failing encoder in the pipeline would.
///
/// Confined to the channel's event loop; hence `@unchecked Sendable`.
final class FrameOutbox<Frame>: FlushableOutbox, @unchecked Sendable {
    /// Bytes queued before they are handed to the channel without waiting for the flush.
    static var chunkSize: Int { 64 << 10 }

    let channel: Channel
    /// Where buffers are taken from and remembered once handed to the channel.
    private let buffers: OutputBuffers
    private let encode: (Frame, inout ByteBuffer) throws -> Void
    /// Appends the frame that carries `messages[index]` on this channel (DATA or DATA_RUN
    /// to a peer, with the messages after it that the frame carries too; MESSAGE to a
    /// client), straight from the messages; returns the index of the next message to write.
    private var encodeMessages: ([DataMessage], Int, inout ByteBuffer) throws -> Int
    /// Which frames ``unwrittenCount`` counts; `nil`: none (no write is tracked).
    private let counts: ((Frame) -> Bool)?
    private var pending: ByteBuffer?
    /// Counted frames in `pending`.
    private var pendingCount = 0
    private var failed = false
    var awaitsFlush = false
    /// Counted frames queued and not yet written to the socket (in `pending` or handed to
    /// the channel): what is lost if the connection is cut now.
    private(set) var unwrittenCount = 0
    /// Bytes queued and not yet written to the socket, when frames are counted.
    var unwrittenBytes: Int { (pending?.readableBytes ?? 0) + handedBytes }
    private var handedBytes = 0

    /// `encode` appends one frame to the buffer, `encodeMessages` the frame of one or more
    /// data messages (``enqueue(messages:)``), which must carry them as `encode` would;
    /// what either wrote before throwing is discarded. Frames for which `counts` is true
    /// are counted until written (``unwrittenCount``), and so are data messages when
    /// `counts` is given.
    init(
        channel: Channel, buffers: OutputBuffers, counts: ((Frame) -> Bool)? = nil,
        encode: @escaping (Frame, inout ByteBuffer) throws -> Void,
        encodeMessages: @escaping ([DataMessage], Int, inout ByteBuffer) throws -> Int
    ) {
        self.channel = channel
        self.buffers = buffers
        self.counts = counts
        self.encode = encode
        self.encodeMessages = encodeMessages
    }

    /// `encodeMessage` appends the frame of one data message.
    convenience init(
        channel: Channel, buffers: OutputBuffers, counts: ((Frame) -> Bool)? = nil,
        encode: @escaping (Frame, inout ByteBuffer) throws -> Void,
        encodeMessage: @escaping (DataMessage, inout ByteBuffer) throws -> Void
    ) {
        self.init(channel: channel, buffers: buffers, counts: counts, encode: encode) { messages, index, buffer in
            try encodeMessage(messages[index], &buffer)
            return index + 1
        }
    }

    /// Hands `buffer` to the channel, tracking its counted frames until written.
    private func write(_ buffer: ByteBuffer, flush: Bool = false) -> EventLoopFuture<Void>? {
        buffers.remember(buffer)
        let count = pendingCount
        pendingCount = 0
        guard counts != nil else {
            if flush { return channel.writeAndFlush(buffer) }
            channel.write(buffer, promise: nil)
            return nil
        }
        let written = flush ? channel.writeAndFlush(buffer) : channel.write(buffer)
        let bytes = buffer.readableBytes
        handedBytes += bytes
        written.whenComplete { [self] result in
            handedBytes -= bytes
            if count > 0, case .success = result { unwrittenCount -= count }
        }
        return written
    }

    /// Whether frames wait for ``flush()``.
    var hasPending: Bool { pending != nil }

    /// Encodes `frame` behind the frames already queued.
    func enqueue(_ frame: Frame) {
        let counted = counts?(frame) ?? false
        enqueueFrames(of: CollectionOfOne(frame)) { frames, index, buffer in
            try encode(frames[index], &buffer)
            return (frames.index(after: index), counted ? 1 : 0)
        }
    }

    /// Encodes the frames of `messages` (a forwarded or delivered run) behind the frames
    /// already queued, in order, straight from the messages (on a peer link, a frame may
    /// carry several).
    func enqueue(messages: [DataMessage]) {
        let counted = counts != nil
        enqueueFrames(of: messages) { messages, index, buffer in
            let next = try encodeMessages(messages, index, &buffer)
            return (next, counted ? next - index : 0)
        }
    }

    /// Encodes `items` behind the frames already queued, in order, in the outbox's buffer
    /// (taken once for a run of frames, handed to the channel whenever it reaches
    /// ``chunkSize``): `encodeFrame` appends the frame that starts at an index and returns
    /// the index after the items it carried and how many of them are counted.
    private func enqueueFrames<Items: Collection>(
        of items: Items,
        _ encodeFrame: (Items, Items.Index, inout ByteBuffer) throws -> (next: Items.Index, counted: Int)
    ) {
        guard !failed else { return }
        var buffer = pending
        pending = nil
        var index = items.startIndex
        while index < items.endIndex {
            if buffer == nil {
                buffer = buffers.take(Self.chunkSize, allocator: channel.allocator)
            }
            let start = buffer!.writerIndex
            let written: (next: Items.Index, counted: Int)
            do {
                written = try encodeFrame(items, index, &buffer!)
            } catch {
                fail(error, discardingFrom: start, of: buffer!)
                return
            }
            pendingCount += written.counted
            unwrittenCount += written.counted
            index = written.next
            if buffer!.readableBytes >= Self.chunkSize {
                _ = write(buffer!)
                buffer = nil
            }
        }
        pending = buffer
    }

    /// A frame did not encode: what was queued before it goes, nothing more is queued, and
    /// the error goes to the pipeline.
    private func fail(_ error: any Error, discardingFrom start: Int, of buffer: ByteBuffer) {
        failed = true
        var buffer = buffer
        buffer.moveWriterIndex(to: start)
        if buffer.readableBytes > 0 {
            _ = write(buffer)
        }
        channel.pipeline.fireErrorCaught(error)
    }

    /// Hands the queued frames to the channel and flushes it.
    func flush() {
        if let buffer = pending {
            pending = nil
            _ = write(buffer)
        }
        channel.flush()
    }

    /// Queues `frame`, flushes, and returns a future that completes when everything queued
    /// so far was written (or failed to be), for closing the channel after a last frame.
    func sendNow(_ frame: Frame) -> EventLoopFuture<Void> {
        enqueue(frame)
        guard let buffer = pending else {
            channel.flush()
            // Everything queued is with the channel: a write of nothing completes in order after it.
            return channel.writeAndFlush(channel.allocator.buffer(capacity: 0))
        }
        pending = nil
        return write(buffer, flush: true)!
    }
}

/// An outbox whatever its frames, as the runtime's list of outboxes to flush holds it.
protocol FlushableOutbox: AnyObject {
    /// Set while the outbox is on the runtime's list of outboxes to flush this tick.
    var awaitsFlush: Bool { get set }
    func flush()
}

extension FrameOutbox where Frame == PeerFrame {
    /// The outbox of a peer link: frames counted in `counters` as they are queued; link
    /// state and repair data too large for one frame leave as several
    /// (``PeerFrameEncoder/encode(splitting:into:)``), counted as one. Data leaves as DATA
    /// until ``writeDataRuns(maximumFrameLength:counters:)``.
    convenience init(peerChannel channel: Channel, buffers: OutputBuffers, maximumFrameLength: Int, counters: LinkCounters) {
        let encoder = PeerFrameEncoder(maximumFrameLength: maximumFrameLength, writesRuns: false)
        self.init(
            channel: channel, buffers: buffers,
            encode: { frame, buffer in
                if case .message(let message) = frame {
                    try encoder.encode(splitting: message, into: &buffer)
                } else {
                    try encoder.encode(frame, into: &buffer)
                }
                counters.counts.framesOut &+= 1
            },
            encodeMessages: Self.peerData(encoder, counters: counters)
        )
    }

    /// From now on a forwarded run's messages leave in DATA_RUN frames where they continue
    /// one stream: the peer's handshake said that it reads them (``HandshakeExtension/dataRunsTag``).
    func writeDataRuns(maximumFrameLength: Int, counters: LinkCounters) {
        encodeMessages = Self.peerData(PeerFrameEncoder(maximumFrameLength: maximumFrameLength, writesRuns: true), counters: counters)
    }

    /// Writes the frame of the data messages from an index on with `encoder`. Messages are
    /// counted by the runtime per run (``NodeRuntime``'s `forward`), frames here.
    private static func peerData(_ encoder: PeerFrameEncoder, counters: LinkCounters) -> ([DataMessage], Int, inout ByteBuffer) throws -> Int {
        { messages, index, buffer in
            let next = try encoder.encode(data: messages, from: index, into: &buffer)
            counters.counts.framesOut &+= 1
            return next
        }
    }
}

extension FrameOutbox where Frame == ClientResponse {
    /// The outbox of a local application's connection; it counts the messages (not the
    /// responses) it has not written yet.
    convenience init(clientChannel channel: Channel, buffers: OutputBuffers, maximumFrameLength: Int) {
        let encoder = ClientFrameEncoder(maximumFrameLength: maximumFrameLength)
        self.init(
            channel: channel, buffers: buffers, counts: Self.isMessage,
            encode: { response, buffer in try encoder.encode(response, into: &buffer) },
            encodeMessage: { message, buffer in try encoder.encode(message: message, into: &buffer) }
        )
    }

    /// The outbox of a connection of another framing (packet.sock, SP): `encode` writes
    /// each response, a delivered message as `.message(DeliveredMessage(message))`; it
    /// counts the messages it has not written yet.
    convenience init(channel: Channel, buffers: OutputBuffers, encodingResponses encode: @escaping (ClientResponse, inout ByteBuffer) throws -> Void) {
        self.init(
            channel: channel, buffers: buffers, counts: Self.isMessage, encode: encode,
            encodeMessage: { message, buffer in try encode(.message(DeliveredMessage(message)), &buffer) }
        )
    }

    private static func isMessage(_ response: ClientResponse) -> Bool {
        if case .message = response { true } else { false }
    }
}
