import NIOCore
import NIOHTTP1
import NIOPosix

/// Binds the node's small HTTP/1.1 servers (the control socket, the metrics port) on the
/// node's event loop, each connection answered by an ``HTTPRequestHandler`` (requests
/// limited to `limit` bytes and `timeout`).
enum HTTPServer {
    /// Decoder limits matching the request size limit, so oversized headers are refused
    /// (413) before they are buffered.
    static func decoderLimits(_ limit: Int) -> NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = limit
        limits.maxHeaderListSize = limit
        return limits
    }

    /// The bootstrap; `makeResponder` runs once per connection, on the event loop.
    static func bootstrap(
        group: EventLoopGroup,
        limit: Int,
        timeout: TimeAmount,
        makeResponder: @escaping @Sendable () -> HTTPRequestHandler.Responder
    ) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withErrorHandling: false,
                        withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimits(limit)
                    )
                    try channel.pipeline.syncOperations.addHandler(HTTPRequestHandler(limit: limit, timeout: timeout, respond: makeResponder()))
                }
            }
    }
}
