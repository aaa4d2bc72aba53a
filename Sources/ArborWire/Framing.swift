import NIOCore

/// The framing both protocols share: a 4-byte big-endian length counting the bytes that
/// follow it, a 1-byte frame type, then the body.
@usableFromInline
enum Framing {
    /// Takes the next complete frame off `buffer`, or returns `nil` (consuming nothing)
    /// while it has not fully arrived.
    ///
    /// The length is checked against `limit` as soon as its four bytes are there, before
    /// waiting for the body and without reserving anything for it; `admit` sees the type as
    /// soon as its byte is there, so a frame not allowed at this point is refused just as early.
    /// The body is a slice of `buffer`: no bytes are copied.
    @inline(__always)
    static func nextFrame(
        from buffer: inout ByteBuffer,
        limit: Int,
        admit: (UInt8) throws(WireError) -> Void
    ) throws(WireError) -> (type: UInt8, body: ByteBuffer)? {
        // One look at the header bytes rather than one bounds-checked read per field.
        let header = buffer.withUnsafeReadableBytes { bytes -> (length: Int, type: UInt8?)? in
            guard bytes.count >= 4 else { return nil }
            let length = Int(UInt32(bigEndian: bytes.loadUnaligned(as: UInt32.self)))
            return (length, bytes.count > 4 ? bytes[4] : nil)
        }
        guard let header else { return nil }
        guard header.length > 0 else { throw .emptyFrame }
        guard header.length <= limit else { throw .oversized(length: header.length, limit: limit) }
        guard let type = header.type else { return nil }
        try admit(type)
        guard let body = buffer.getSlice(at: buffer.readerIndex + 5, length: header.length - 1) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4 + header.length)
        return (type, body)
    }

    /// Appends one frame of `type` whose body `writeBody` writes. When `writeBody` throws or
    /// the frame would be longer than `limit`, `buffer` is left as it was and the error thrown.
    @inline(__always)
    static func write(
        type: UInt8,
        into buffer: inout ByteBuffer,
        limit: Int,
        body writeBody: (inout ByteBuffer) throws(WireError) -> Void
    ) throws(WireError) {
        let start = buffer.writerIndex
        buffer.writeInteger(UInt32(0))
        buffer.writeInteger(type)
        do throws(WireError) {
            try writeBody(&buffer)
        } catch {
            buffer.moveWriterIndex(to: start)
            throw error
        }
        let length = buffer.writerIndex - start - 4
        guard length <= Swift.min(limit, Int(UInt32.max)) else {
            buffer.moveWriterIndex(to: start)
            throw .oversized(length: length, limit: limit)
        }
        buffer.setInteger(UInt32(length), at: start)
    }
}

extension Framing {
    /// Whether `buffer` begins with a whole frame (by its length; nothing is checked).
    @usableFromInline
    static func startsWithCompleteFrame(_ buffer: ByteBuffer) -> Bool {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return false }
        return 4 + Int(length) <= buffer.readableBytes
    }

    /// The error for a stream that ended inside a frame: how many more bytes the frame at
    /// the start of `buffer` needed.
    @usableFromInline
    static func truncatedAtEnd(_ buffer: ByteBuffer) -> WireError {
        let available = buffer.readableBytes
        let total = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self).map { 4 + Int($0) } ?? 4
        return .truncated(field: "frame (stream ended)", needed: total - available, available: available)
    }
}
