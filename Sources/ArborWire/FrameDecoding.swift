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

extension ClientFrameDecoder {
    /// The node's end of the client protocol: requests (see ``ClientFrameDecoder/nextRequest(from:)``).
    public struct Requests: FrameDecoding {
        public var decoder: ClientFrameDecoder
        /// The last PUBLISH's topology name and topic: a publisher's requests repeat them.
        private var recent = RecentDataFields()

        public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength) {
            decoder = ClientFrameDecoder(maximumFrameLength: maximumFrameLength)
        }

        public var maximumFrameLength: Int { decoder.maximumFrameLength }

        public mutating func next(from buffer: inout ByteBuffer) throws(WireError) -> Result<ClientRequest, MalformedClientRequest>? {
            try decoder.nextRequest(from: &buffer, recent: &recent)
        }
    }

    /// The application's end of the client protocol: responses and events (see
    /// ``ClientFrameDecoder/nextResponse(from:)``).
    public struct Responses: FrameDecoding {
        public var decoder: ClientFrameDecoder

        public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength) {
            decoder = ClientFrameDecoder(maximumFrameLength: maximumFrameLength)
        }

        public var maximumFrameLength: Int { decoder.maximumFrameLength }

        @inlinable
        public mutating func next(from buffer: inout ByteBuffer) throws(WireError) -> ClientResponse? {
            try decoder.nextResponse(from: &buffer)
        }
    }
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
