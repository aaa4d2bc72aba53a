import NIOCore

/// One end's reading of a protocol: takes the next complete frame off a stream of bytes.
/// ``FrameStream`` (handlers that decode their bytes themselves) and
/// ``FrameDecodingCodec`` (a `ByteToMessageHandler`) drive it; the framing itself (length,
/// limit, type) is `Framing`'s, the same for every conformer.
public protocol FrameDecoding: Sendable {
    associatedtype Frame

    /// Longest frame this end accepts.
    var maximumFrameLength: Int { get }

    /// Takes the next complete frame off `buffer`; `nil`, consuming nothing, until it has
    /// fully arrived. A frame that breaks the framing, or one this end refuses, is refused
    /// as soon as its length and type bytes are there. After a throw the stream is unusable.
    mutating func next(from buffer: inout ByteBuffer) throws(WireError) -> Frame?
}

extension PeerFrameDecoder: FrameDecoding {}

/// One end of the client protocol: the frames it reads and the frames it writes. The
/// decoders and codecs of both ends are one implementation each (``ClientFrameDecoder/Reading``,
/// ``ClientFrameCodec/Codec``), told apart by their end.
public protocol ClientProtocolEnd: Sendable {
    associatedtype Inbound
    associatedtype Outbound

    /// Takes the next complete inbound frame off `buffer` (as `reading`'s decoder reads this
    /// end's frames; `reading` keeps what repeats between frames).
    static func next(_ reading: inout ClientFrameDecoder.Reading<Self>, from buffer: inout ByteBuffer) throws(WireError) -> Inbound?

    /// Appends `frame` to `buffer`.
    static func encode(_ frame: Outbound, with encoder: ClientFrameEncoder, into buffer: inout ByteBuffer) throws(WireError)
}

/// The node's end: reads requests (see ``ClientFrameDecoder/nextRequest(from:)``: a frame
/// that arrives whole but does not decode is a `.failure`), writes responses and events.
public enum ClientNodeEnd: ClientProtocolEnd {
    public static func next(
        _ reading: inout ClientFrameDecoder.Reading<Self>,
        from buffer: inout ByteBuffer
    ) throws(WireError) -> Result<ClientRequest, MalformedClientRequest>? {
        try reading.decoder.nextRequest(from: &buffer, recent: &reading.recent)
    }

    @inlinable
    public static func encode(_ frame: ClientResponse, with encoder: ClientFrameEncoder, into buffer: inout ByteBuffer) throws(WireError) {
        try encoder.encode(frame, into: &buffer)
    }
}

/// The application's end: reads responses and events (see
/// ``ClientFrameDecoder/nextResponse(from:)``), writes requests.
public enum ClientApplicationEnd: ClientProtocolEnd {
    public static func next(_ reading: inout ClientFrameDecoder.Reading<Self>, from buffer: inout ByteBuffer) throws(WireError) -> ClientResponse? {
        try reading.decoder.nextResponse(from: &buffer)
    }

    @inlinable
    public static func encode(_ frame: ClientRequest, with encoder: ClientFrameEncoder, into buffer: inout ByteBuffer) throws(WireError) {
        try encoder.encode(frame, into: &buffer)
    }
}

extension ClientFrameDecoder {
    /// One end's reading of the client protocol.
    public struct Reading<End: ClientProtocolEnd>: FrameDecoding {
        public var decoder: ClientFrameDecoder
        /// The last PUBLISH's topology name and topic: a publisher's requests repeat them.
        var recent = RecentDataFields()

        public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength) {
            decoder = ClientFrameDecoder(maximumFrameLength: maximumFrameLength)
        }

        public var maximumFrameLength: Int { decoder.maximumFrameLength }

        public mutating func next(from buffer: inout ByteBuffer) throws(WireError) -> End.Inbound? {
            try End.next(&self, from: &buffer)
        }
    }

    /// The node's end of the client protocol: requests.
    public typealias Requests = Reading<ClientNodeEnd>

    /// The node's end of the client protocol as its connection handler reads it: requests,
    /// with unacknowledged publications apart (``NodeInbound``).
    public struct NodeRequests: FrameDecoding {
        public var decoder: ClientFrameDecoder
        /// The last PUBLISH's topology name and topic: a publisher's requests repeat them.
        var recent = RecentDataFields()

        public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength) {
            decoder = ClientFrameDecoder(maximumFrameLength: maximumFrameLength)
        }

        public var maximumFrameLength: Int { decoder.maximumFrameLength }

        public mutating func next(from buffer: inout ByteBuffer) throws(WireError) -> NodeInbound? {
            try decoder.nextInbound(from: &buffer, recent: &recent)
        }
    }
    /// The application's end of the client protocol: responses and events.
    public typealias Responses = Reading<ClientApplicationEnd>
}

/// Frames of either protocol split but not decoded: the type byte and the body (a slice of
/// the received bytes, nothing copied). For a reader that looks at a few fields of a hot
/// frame itself (arbor-bench counting MESSAGE frames); any type is accepted.
public struct RawFrameDecoder: FrameDecoding {
    public struct Frame: Sendable {
        public var type: UInt8
        public var body: ByteBuffer
    }

    public var maximumFrameLength: Int

    public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength) {
        self.maximumFrameLength = maximumFrameLength
    }

    public mutating func next(from buffer: inout ByteBuffer) throws(WireError) -> Frame? {
        guard let (type, body) = try Framing.nextFrame(from: &buffer, limit: maximumFrameLength, admit: { _ in }) else {
            return nil
        }
        return Frame(type: type, body: body)
    }
}
