import ArborCore
import ArborWire
import NIOCore

/// One local application: HELLO first, then requests passed to the runtime. A request
/// that does not decode is answered with an ERROR and the session goes on (its framing is
/// intact); a frame that breaks the framing closes the connection.
///
/// It decodes the connection's bytes itself (``ClientFrameDecoder``), so a request costs no
/// pass through the pipeline. Every response and message for the application goes through
/// its ``FrameOutbox``.
final class ClientChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let runtime: NodeRuntime
    private let outbox: FrameOutbox<ClientResponse>
    private let decoder: ClientFrameDecoder
    private var unread = UnreadBytes()
    private var client: ClientID?

    /// `outbox` writes to this handler's channel; frames longer than `maximumFrameLength`
    /// break the framing.
    init(runtime: NodeRuntime, outbox: FrameOutbox<ClientResponse>, maximumFrameLength: Int) {
        self.runtime = runtime
        self.outbox = outbox
        decoder = ClientFrameDecoder(maximumFrameLength: maximumFrameLength)
    }

    /// Handles every complete request; broken framing ends decoding for good and is
    /// reported like a pipeline error.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard var bytes = unread.take(appending: unwrapInboundIn(data)) else { return }
        do {
            while let request = try decoder.nextRequest(from: &bytes) {
                if unread.isDecoding {
                    received(request, context: context)
                }
            }
        } catch {
            unread.stop()
            errorCaught(context: context, error: error)
            return
        }
        if let rest = unread.keep(bytes), let truncation = ClientFrameDecoder.truncation(atEndOf: rest) {
            errorCaught(context: context, error: truncation)
        }
    }

    private func received(_ request: Result<ClientRequest, MalformedClientRequest>, context: ChannelHandlerContext) {
        switch request {
        case .failure(let malformed):
            runtime.respond(malformed.response, on: outbox)
        case .success(.hello(let id, let versions, let name)) where client == nil:
            guard let version = PeerProtocol.negotiate(ClientProtocol.versions, versions) else {
                let text = "this node speaks client protocol \(ClientProtocol.versions.lowerBound)...\(ClientProtocol.versions.upperBound)"
                let channel = context.channel
                outbox.sendNow(.error(id: id, code: .unsupportedVersion, text: text)).whenComplete { _ in
                    channel.close(promise: nil)
                }
                return
            }
            client = runtime.clientConnected(outbox, name: name)
            let welcome = ClientResponse.welcome(
                id: id,
                version: version,
                node: runtime.id,
                nodeName: runtime.configuration.router.name,
                maximumMessageSize: UInt32(runtime.configuration.maximumMessageSize)
            )
            runtime.respond(welcome, on: outbox)
        case .success(let request):
            guard let client else {
                runtime.respond(.error(id: request.id, code: .helloRequired, text: "send HELLO first"), on: outbox)
                return
            }
            runtime.clientRequest(request, from: client)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Bytes of an incomplete frame at the end of the stream are a truncated frame.
        if let rest = unread.finish(), let truncation = ClientFrameDecoder.truncation(atEndOf: rest) {
            errorCaught(context: context, error: truncation)
        }
        if let client {
            runtime.clientClosed(client)
        }
        client = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        runtime.logger.info("closing client connection: \(error)")
        context.close(promise: nil)
    }
}
