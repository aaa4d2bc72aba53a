import ArborWire
import NIOCore

/// Sends what a packet.sock connection's outbox queues as separate datagrams.
///
/// The outbox hands over buffers of records (a 4-byte big-endian length, then one
/// datagram, ``record(_:into:)``). NIO would join writes queued together into one
/// `writev`, which on a SOCK_SEQPACKET socket is one datagram; so exactly one datagram is
/// with the channel at a time, the next written once it is sent. A buffer's promise
/// completes when its last datagram was sent.
///
/// The queue is bounded: the channel itself never looks unwritable (it holds one
/// datagram), so when more than `limit` bytes wait here the application is not reading;
/// the queue is dropped, an `err 9` (slow consumer) datagram sent, and the connection closed.
final class PacketWriter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Entry {
        case datagram(ByteBuffer)
        /// Completes when everything before it was sent.
        case done(EventLoopPromise<Void>?)
        case close
    }

    private var queue = CircularBuffer<Entry>()
    private var queuedBytes = 0
    private var inFlight = false
    private var pumping = false
    private var closing = false
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Appends the datagram of `response` as one record for this writer; nothing for a
    /// response without a datagram (an empty one would read as the end of the session).
    static func record(_ response: ClientResponse, into buffer: inout ByteBuffer) {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        PacketDatagram.write(response, into: &buffer)
        guard buffer.writerIndex > start + 4 else {
            buffer.moveWriterIndex(to: start)
            return
        }
        buffer.setInteger(UInt32(buffer.writerIndex - start - 4), at: start)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !closing else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        var records = unwrapOutboundIn(data)
        while let length = records.readInteger(as: UInt32.self), let datagram = records.readSlice(length: Int(length)) {
            queue.append(.datagram(datagram))
            queuedBytes += datagram.readableBytes
        }
        queue.append(.done(promise))
        if queuedBytes > limit {
            dropForSlowness(context: context)
        }
        pump(context: context)
    }

    func flush(context: ChannelHandlerContext) {
        pump(context: context)
    }

    /// Writes queued datagrams one at a time; a write completed at once is followed by the
    /// next in this loop, a later completion calls it again.
    private func pump(context: ChannelHandlerContext) {
        guard !pumping else { return }
        pumping = true
        defer { pumping = false }
        while !inFlight, let entry = queue.popFirst() {
            switch entry {
            case .done(let promise):
                promise?.succeed()
            case .close:
                context.close(promise: nil)
            case .datagram(let datagram):
                queuedBytes -= datagram.readableBytes
                inFlight = true
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.writeAndFlush(wrapOutboundOut(datagram)).whenComplete { result in
                    let (writer, context) = bound.value
                    writer.inFlight = false
                    if case .failure(let error) = result {
                        writer.failAll(error)
                        return
                    }
                    writer.pump(context: context)
                }
            }
        }
    }

    private func failAll(_ error: Error) {
        let failed = queue
        queue.removeAll()
        queuedBytes = 0
        for case .done(let promise) in failed {
            promise?.fail(error)
        }
    }

    private func dropForSlowness(context: ChannelHandlerContext) {
        closing = true
        failAll(ChannelError.ioOnClosedChannel)
        var buffer = context.channel.allocator.buffer(capacity: 128)
        let text = "slow consumer: over \(limit) bytes of messages were waiting"
        PacketDatagram.write(.error(id: 0, code: .slowConsumer, text: text), into: &buffer)
        queue.append(.datagram(buffer))
        queue.append(.close)
    }
}
