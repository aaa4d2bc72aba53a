import ArborWire
import NIOCore

/// The whole pipeline of a client connection over the node's limit: tells the application
/// why (``ClientErrorCode/limitReached``, request id 0) and closes.
final class ClientRefusal: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let text: String

    init(limit: Int) {
        text = "this node serves at most \(limit) client connections (arbord --max-clients); try again later"
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive {
            refuse(context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func refuse(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64 + text.utf8.count)
        try? ClientFrameEncoder().encode(.error(id: 0, code: .limitReached, text: text), into: &buffer)
        let channel = context.channel
        channel.writeAndFlush(buffer).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
