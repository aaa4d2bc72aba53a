import NIOCore

/// One connection's incoming frames, for a handler that decodes its bytes itself instead
/// of passing each frame through the pipeline (the node's peer and client handlers, the
/// client library's handler, arbor-bench): the decoder and what has been received and not
/// yet decoded (the start of a frame carried from one read to the next, or whole frames
/// left for a later turn). Decoding stops for good at the first error and at the end of
/// the stream.
///
/// A read is decoded in three steps, so that what the decoded frames cause (the channel
/// closing, even) can end the stream meanwhile without touching the bytes:
///
/// ```swift
/// guard var bytes = stream.take(appending: received) else { return }
/// do {
///     while let frame = try stream.next(from: &bytes) {
///         if stream.isDecoding { handle(frame) }
///     }
/// } catch {
///     stream.stop()  // report the error; the connection closes
/// }
/// if let truncation = stream.keep(bytes) { ... }  // the stream ended inside a frame
/// ```
///
/// Frames decoded after the stream ended that way are only checked, not handled: broken
/// framing in them, or an incomplete frame at their end, is still an error to report (as a
/// `ByteToMessageHandler` reports it when the channel goes inactive).
public struct FrameStream<Decoder: FrameDecoding> {
    @usableFromInline
    enum State {
        case waiting(ByteBuffer)
        case decoding
        case endedWhileDecoding
        case stopped
    }

    public var decoder: Decoder
    @usableFromInline
    var state = State.waiting(ByteBuffer())

    public init(_ decoder: Decoder) {
        self.decoder = decoder
    }

    /// Whether a read is being decoded and the stream has not ended meanwhile: decoded
    /// frames are to be handled.
    @inlinable
    public var isDecoding: Bool {
        if case .decoding = state { return true }
        return false
    }

    /// Bytes kept from one read (or turn) to the next: the start of a frame, or frames
    /// left for a later turn.
    @inlinable
    public var pendingBytes: Int {
        if case .waiting(let bytes) = state { return bytes.readableBytes }
        return 0
    }

    /// The unread bytes followed by `received`, to take frames off with ``next(from:)``;
    /// `nil` once stopped. Give back what is left with ``keep(_:)``.
    @inlinable
    public mutating func take(appending received: ByteBuffer) -> UnreadBytes? {
        guard case .waiting(let earlier) = state else { return nil }
        state = .decoding
        return UnreadBytes(earlier: earlier, received: received)
    }

    /// The next complete frame of `bytes`; `nil` when the rest is (the start of) one
    /// frame that has not fully arrived.
    @inlinable
    public mutating func next(from bytes: inout UnreadBytes) throws(WireError) -> Decoder.Frame? {
        try bytes.next(&decoder)
    }

    /// Keeps what decoding left for the next read. When the stream ended meanwhile, returns
    /// the error for what is left, if anything is (an incomplete frame at the end of the
    /// stream).
    @inlinable
    public mutating func keep(_ rest: UnreadBytes) -> WireError? {
        let rest = rest.remaining()
        if case .endedWhileDecoding = state {
            state = .stopped
            return rest.readableBytes > 0 ? Framing.truncatedAtEnd(rest) : nil
        }
        guard case .decoding = state else { return nil }
        state = .waiting(rest)
        return nil
    }

    /// Decoding failed: nothing more is decoded.
    @inlinable
    public mutating func stop() {
        state = .stopped
    }

    /// The stream ended: the error for the bytes left undecoded between reads (part of a
    /// frame), if any; nothing more is handled. During a read's decoding, that read's rest
    /// is reported by ``keep(_:)`` instead.
    @inlinable
    public mutating func finish() -> WireError? {
        switch state {
        case .waiting(let bytes):
            state = .stopped
            return bytes.readableBytes > 0 ? Framing.truncatedAtEnd(bytes) : nil
        case .decoding:
            state = .endedWhileDecoding
            return nil
        case .endedWhileDecoding, .stopped:
            return nil
        }
    }
}

/// The bytes of one read being decoded (see ``FrameStream``): what earlier reads left, then
/// what this read brought.
///
/// A frame that an earlier read began is completed with just the bytes it lacks from this
/// read (its length and type first, so that the decoder refuses a bad one before its body
/// is copied), rather than this whole read being copied behind it; the frames after it are
/// slices of this read's buffer.
public struct UnreadBytes {
    /// Earlier bytes not yet decoded; `nil` once decoded to the end.
    @usableFromInline
    var earlier: ByteBuffer?
    @usableFromInline
    var received: ByteBuffer

    @inlinable
    init(earlier: ByteBuffer, received: ByteBuffer) {
        self.earlier = earlier.readableBytes > 0 ? earlier : nil
        self.received = received
    }

    /// How many bytes have not been decoded.
    @inlinable
    public var readableBytes: Int {
        (earlier?.readableBytes ?? 0) + received.readableBytes
    }

    @inlinable
    mutating func next<Decoder: FrameDecoding>(_ decoder: inout Decoder) throws(WireError) -> Decoder.Frame? {
        guard var start = earlier else {
            return try decoder.next(from: &received)
        }
        earlier = nil
        while true {
            if let frame = try decoder.next(from: &start) {
                earlier = start.readableBytes > 0 ? start : nil
                return frame
            }
            // `start` is the beginning of one frame, checked as far as it goes: add its
            // length, then its type, then the rest of it.
            let target: Int
            switch start.readableBytes {
            case ..<4: target = 4
            case 4: target = 5
            default: target = 4 + Int(start.getInteger(at: start.readerIndex, as: UInt32.self)!)
            }
            let missing = Swift.min(target - start.readableBytes, received.readableBytes)
            guard missing > 0, let piece = received.readSlice(length: missing) else {
                earlier = start
                return nil
            }
            start.writeImmutableBuffer(piece)
        }
    }

    /// What is left, as one buffer.
    ///
    /// What is left of this read alone is the start of a frame (the usual end of a read)
    /// or frames left for a later turn. The start of a frame is copied out, so that it does
    /// not hold the read's buffer until the next read: the channel reuses its receive
    /// buffers only when no one else holds them, and allocates (and the kernel zeroes) new
    /// ones otherwise.
    @inlinable
    func remaining() -> ByteBuffer {
        guard var rest = earlier else {
            // An empty rest lets go of the read's buffer.
            guard received.readableBytes > 0 else { return ByteBuffer() }
            if Framing.startsWithCompleteFrame(received) {
                return received
            }
            var copy = ByteBufferAllocator().buffer(capacity: received.readableBytes)
            copy.writeImmutableBuffer(received)
            return copy
        }
        if received.readableBytes > 0 {
            rest.writeImmutableBuffer(received)
        }
        return rest
    }
}
