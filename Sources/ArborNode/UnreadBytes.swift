import NIOCore

/// What a connection has received and not yet decoded (the start of a frame, carried from
/// one read to the next), for handlers that decode their frames themselves instead of
/// passing each one through the pipeline. Decoding stops for good at the first error and at
/// the end of the stream.
///
/// The bytes are taken out while a read is decoded, so that what the decoded frames cause
/// (the channel closing, even) can end the stream without touching them. Frames decoded
/// after the stream ended that way are only checked, not handled: broken framing in them,
/// or an incomplete frame at their end, is still an error to report (as a
/// `ByteToMessageHandler` reports it when the channel goes inactive).
struct UnreadBytes {
    private enum State {
        case waiting(ByteBuffer)
        case decoding
        case endedWhileDecoding
        case stopped
    }

    private var state = State.waiting(ByteBuffer())

    /// Whether a read is being decoded and the stream has not ended meanwhile: decoded
    /// frames are to be handled.
    var isDecoding: Bool {
        if case .decoding = state { return true }
        return false
    }

    /// Bytes kept from one read (or turn) to the next: the start of a frame, or requests
    /// left for a later turn.
    var pendingBytes: Int {
        if case .waiting(let bytes) = state { return bytes.readableBytes }
        return 0
    }

    /// The unread bytes with `received` appended, to take frames off; `nil` once stopped.
    /// Give back what is left with ``keep(_:)``.
    mutating func take(appending received: ByteBuffer) -> ByteBuffer? {
        guard case .waiting(var bytes) = state else { return nil }
        state = .decoding
        if bytes.readableBytes == 0 {
            return received
        }
        bytes.writeImmutableBuffer(received)
        return bytes
    }

    /// Keeps what decoding left for the next read. When the stream ended meanwhile, returns
    /// what is left if anything is (an incomplete frame at the end of the stream).
    mutating func keep(_ rest: ByteBuffer) -> ByteBuffer? {
        if case .endedWhileDecoding = state {
            state = .stopped
            return rest.readableBytes > 0 ? rest : nil
        }
        guard case .decoding = state else { return nil }
        var rest = rest
        if rest.readableBytes == 0 {
            rest.clear()
        }
        state = .waiting(rest)
        return nil
    }

    /// Decoding failed: nothing more is decoded.
    mutating func stop() {
        state = .stopped
    }

    /// The stream ended: returns the bytes left undecoded between reads (part of a frame),
    /// if any; nothing more is handled. During a read's decoding, that read's rest comes
    /// from ``keep(_:)`` instead.
    mutating func finish() -> ByteBuffer? {
        switch state {
        case .waiting(let bytes):
            state = .stopped
            return bytes.readableBytes > 0 ? bytes : nil
        case .decoding:
            state = .endedWhileDecoding
            return nil
        case .endedWhileDecoding, .stopped:
            return nil
        }
    }
}
