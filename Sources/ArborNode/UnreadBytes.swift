import NIOCore

/// What a connection has received and not yet decoded (the start of a frame, carried from
/// one read to the next), for handlers that decode their frames themselves instead of
/// passing each one through the pipeline. Decoding stops for good at the first error and at
/// the end of the stream.
///
/// The bytes are taken out while a read is decoded, so that what the decoded frames cause
/// (the channel closing, even) can end the stream without touching them.
struct UnreadBytes {
    private enum State {
        case waiting(ByteBuffer)
        case decoding
        case stopped
    }

    private var state = State.waiting(ByteBuffer())

    /// Whether a read is being decoded and the stream has not stopped meanwhile.
    var isDecoding: Bool {
        if case .decoding = state { return true }
        return false
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

    /// Keeps what decoding left for the next read, unless the stream stopped meanwhile.
    mutating func keep(_ rest: ByteBuffer) {
        guard case .decoding = state else { return }
        var rest = rest
        if rest.readableBytes == 0 {
            rest.clear()
        }
        state = .waiting(rest)
    }

    /// Decoding failed: nothing more is decoded.
    mutating func stop() {
        state = .stopped
    }

    /// The stream ended: returns the bytes left undecoded between reads (part of a frame),
    /// if any; nothing more is decoded.
    mutating func finish() -> ByteBuffer? {
        defer { state = .stopped }
        guard case .waiting(let bytes) = state, bytes.readableBytes > 0 else { return nil }
        return bytes
    }
}
