import NIOCore

/// Counts the bytes a peer link reads and writes; first in the pipeline, so it sees the
/// wire. Passes everything on unchanged.
final class ByteCountingHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let counters: LinkCounters

    init(_ counters: LinkCounters) {
        self.counters = counters
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        counters.counts.bytesIn &+= UInt64(unwrapInboundIn(data).readableBytes)
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        counters.counts.bytesOut &+= UInt64(unwrapOutboundIn(data).readableBytes)
        context.write(data, promise: promise)
    }
}
