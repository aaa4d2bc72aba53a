import NIOCore

/// The client protocol as NIO codecs, one for each end of the socket. Wrap one in
/// `ByteToMessageHandler` for inbound frames and in `MessageToByteHandler` for outbound ones.
public enum ClientFrameCodec {
    /// The node's end: decodes requests, encodes responses and events.
    ///
    /// A request frame that arrives whole but does not decode comes through as
    /// `.failure`: answer with its ``MalformedClientRequest/response`` and carry on. Broken
    /// framing is thrown to the pipeline, which should log it and close the connection.
    public struct NodeSide: FrameDecodingCodec, MessageToByteEncoder, Sendable {
        public typealias InboundOut = Result<ClientRequest, MalformedClientRequest>
        public typealias OutboundIn = ClientResponse

        public var decoder: ClientFrameDecoder.Requests
        public var encoder: ClientFrameEncoder

        public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength) {
            self.decoder = ClientFrameDecoder.Requests(maximumFrameLength: maximumFrameLength)
            self.encoder = ClientFrameEncoder(maximumFrameLength: maximumFrameLength)
        }

        public func encode(data: ClientResponse, out: inout ByteBuffer) throws {
            try encoder.encode(data, into: &out)
        }
    }

    /// The application's end: decodes responses and events, encodes requests. Any
    /// decoding error is thrown to the pipeline: the node sent something it must not.
    public struct ApplicationSide: FrameDecodingCodec, MessageToByteEncoder, Sendable {
        public typealias InboundOut = ClientResponse
        public typealias OutboundIn = ClientRequest

        public var decoder: ClientFrameDecoder.Responses
        public var encoder: ClientFrameEncoder

        public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength) {
            self.decoder = ClientFrameDecoder.Responses(maximumFrameLength: maximumFrameLength)
            self.encoder = ClientFrameEncoder(maximumFrameLength: maximumFrameLength)
        }

        public func encode(data: ClientRequest, out: inout ByteBuffer) throws {
            try encoder.encode(data, into: &out)
        }
    }
}
