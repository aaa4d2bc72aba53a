import ArborCore
import ArborWire
import NIOCore

/// One local application: HELLO first, then requests passed to the runtime. A request
/// that does not decode is answered with an ERROR and the session goes on (its framing is
/// intact); a frame that breaks the framing closes the connection.
final class ClientChannelHandler: ChannelInboundHandler {
    typealias InboundIn = Result<ClientRequest, MalformedClientRequest>
    typealias OutboundOut = ClientResponse

    private let runtime: NodeRuntime
    private var client: ClientID?

    init(runtime: NodeRuntime) {
        self.runtime = runtime
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .failure(let malformed):
            runtime.respond(malformed.response, on: context.channel)
        case .success(.hello(let id, let versions, let name)) where client == nil:
            guard let version = PeerProtocol.negotiate(ClientProtocol.versions, versions) else {
                let text = "this node speaks client protocol \(ClientProtocol.versions.lowerBound)...\(ClientProtocol.versions.upperBound)"
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(.error(id: id, code: .unsupportedVersion, text: text))).whenComplete { _ in
                    channel.close(promise: nil)
                }
                return
            }
            client = runtime.clientConnected(context.channel, name: name)
            let welcome = ClientResponse.welcome(
                id: id,
                version: version,
                node: runtime.id,
                nodeName: runtime.configuration.router.name,
                maximumMessageSize: UInt32(runtime.configuration.maximumMessageSize)
            )
            runtime.respond(welcome, on: context.channel)
        case .success(let request):
            guard let client else {
                runtime.respond(.error(id: request.id, code: .helloRequired, text: "send HELLO first"), on: context.channel)
                return
            }
            runtime.clientRequest(request, from: client)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
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
