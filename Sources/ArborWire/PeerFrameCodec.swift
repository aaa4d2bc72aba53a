import NIOCore

/// The peer protocol as a NIO codec: wrap it in `ByteToMessageHandler` for inbound frames
/// and in `MessageToByteHandler` for outbound ones.
///
/// Inbound it follows the connection phase (see ``PeerFrameDecoder``); a decoding error is
/// thrown to the pipeline, which should log it and close the link. Outbound frames that
/// break a limit fail their write with a ``WireError`` and nothing is sent.
public struct PeerFrameCodec: FrameDecodingCodec, MessageToByteEncoder, Sendable {
    public typealias InboundOut = PeerFrame
    public typealias OutboundIn = PeerFrame

    public var decoder: PeerFrameDecoder
    public var encoder: PeerFrameEncoder

    /// `maximumFrameLength` limits both directions: what this node accepts and announces,
    /// and what it sends (peers are expected to run the same configuration; a link whose
    /// peer announced less should encode with that through its own ``PeerFrameEncoder``).
    public init(
        maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength,
        phase: PeerFrameDecoder.Phase = .awaitingHandshake
    ) {
        self.decoder = PeerFrameDecoder(maximumFrameLength: maximumFrameLength, phase: phase)
        self.encoder = PeerFrameEncoder(maximumFrameLength: maximumFrameLength)
    }

    /// Messages go through ``PeerFrameEncoder/encode(splitting:into:)``, so link state and
    /// repair data too large for one frame leave as several.
    public func encode(data: PeerFrame, out: inout ByteBuffer) throws {
        if case .message(let message) = data {
            try encoder.encode(splitting: message, into: &out)
        } else {
            try encoder.encode(data, into: &out)
        }
    }
}
