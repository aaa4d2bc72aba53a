import NIOCore

/// A `ByteToMessageDecoder` whose frames come from a ``FrameDecoding``: each complete frame
/// is passed on as it arrives; at the end of the stream, bytes of an incomplete frame are a
/// ``WireError/truncated(field:needed:available:)``, thrown to the pipeline.
public protocol FrameDecodingCodec: ByteToMessageDecoder where InboundOut == Decoding.Frame {
    associatedtype Decoding: FrameDecoding
    var decoder: Decoding { get set }
}

extension FrameDecodingCodec {
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try decoder.next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if seenEOF, buffer.readableBytes > 0 {
            throw Framing.truncatedAtEnd(buffer)
        }
        return .needMoreData
    }
}
