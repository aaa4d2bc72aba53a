import NIOCore

/// The client protocol as NIO codecs, one for each end of the socket. Wrap one in
/// `ByteToMessageHandler` for inbound frames and in `MessageToByteHandler` for outbound ones.
public enum ClientFrameCodec {
    /// One end's codec: decodes what `End` reads, encodes what it writes.
    public struct Codec<End: ClientProtocolEnd>: FrameDecodingCodec, MessageToByteEncoder, Sendable {
        public typealias InboundOut = End.Inbound
        public typealias OutboundIn = End.Outbound

        public var decoder: ClientFrameDecoder.Reading<End>
        public var encoder: ClientFrameEncoder

        public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength) {
            self.decoder = ClientFrameDecoder.Reading(maximumFrameLength: maximumFrameLength)
            self.encoder = ClientFrameEncoder(maximumFrameLength: maximumFrameLength)
        }

        public func encode(data: End.Outbound, out: inout ByteBuffer) throws {
            try End.encode(data, with: encoder, into: &out)
        }
    }

    /// The node's end: decodes requests, encodes responses and events.
    ///
    /// A request frame that arrives whole but does not decode comes through as
    /// `.failure`: answer with its ``MalformedClientRequest/response`` and carry on. Broken
    /// framing is thrown to the pipeline, which should log it and close the connection.
    public typealias NodeSide = Codec<ClientNodeEnd>

    /// The application's end: decodes responses and events, encodes requests. Any
    /// decoding error is thrown to the pipeline: the node sent something it must not.
    public typealias ApplicationSide = Codec<ClientApplicationEnd>
}
