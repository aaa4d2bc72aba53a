import ArborCore
import NIOCore

/// Reads the fields of one frame body, each checked against the bytes that remain.
///
/// Every read either returns a value or throws ``WireError``; none traps. Counts and
/// lengths are compared with ``remaining`` before anything is allocated for them, so a
/// count chosen by a peer never decides an allocation larger than the frame itself.
struct WireReader {
    private(set) var buffer: ByteBuffer
    let frameType: UInt8

    init(body: ByteBuffer, frameType: UInt8) {
        self.buffer = body
        self.frameType = frameType
    }

    var remaining: Int { buffer.readableBytes }

    mutating func integer<Value: FixedWidthInteger>(
        _ field: StaticString,
        as: Value.Type = Value.self
    ) throws(WireError) -> Value {
        guard let value = buffer.readInteger(as: Value.self) else {
            throw .truncated(field: "\(field)", needed: MemoryLayout<Value>.size, available: remaining)
        }
        return value
    }

    mutating func nodeID(_ field: StaticString) throws(WireError) -> NodeID {
        guard remaining >= 16 else {
            throw .truncated(field: "\(field)", needed: 16, available: remaining)
        }
        let high = try integer(field, as: UInt64.self)
        let low = try integer(field, as: UInt64.self)
        return NodeID(high: high, low: low)
    }

    /// A presence flag: 0 or 1.
    mutating func flag(_ field: StaticString) throws(WireError) -> Bool {
        switch try integer(field, as: UInt8.self) {
        case 0: return false
        case 1: return true
        case let other: throw .invalidValue(field: "\(field)", value: UInt64(other))
        }
    }

    /// `length` raw bytes, copied out once.
    mutating func bytes(_ field: StaticString, length: Int) throws(WireError) -> [UInt8] {
        guard let bytes = buffer.readBytes(length: length) else {
            throw .truncated(field: "\(field)", needed: length, available: remaining)
        }
        return bytes
    }

    /// Bytes behind a 1-, 2- or 4-byte length prefix of type `Length`, at most `limit` long.
    mutating func prefixedBytes<Length: FixedWidthInteger & UnsignedInteger>(
        _ field: StaticString,
        length: Length.Type,
        limit: Int
    ) throws(WireError) -> [UInt8] {
        let count = try prefixedLength(field, length: Length.self, limit: limit)
        return try bytes(field, length: count)
    }

    /// UTF-8 text behind a length prefix of type `Length`, at most `limit` bytes.
    mutating func string<Length: FixedWidthInteger & UnsignedInteger>(
        _ field: StaticString,
        length: Length.Type,
        limit: Int
    ) throws(WireError) -> String {
        let count = try prefixedLength(field, length: Length.self, limit: limit)
        guard let slice = buffer.readSlice(length: count) else {
            throw .truncated(field: "\(field)", needed: count, available: remaining)
        }
        guard let text = String(validating: slice.readableBytesView, as: UTF8.self) else {
            throw .invalidUTF8(field: "\(field)")
        }
        return text
    }

    /// A topology name: 1-byte length, then the name, validated without an intermediate copy.
    mutating func topologyName(_ field: StaticString) throws(WireError) -> TopologyName {
        let count = try prefixedLength(field, length: UInt8.self, limit: TopologyName.maximumLength)
        guard let slice = buffer.readSlice(length: count) else {
            throw .truncated(field: "\(field)", needed: count, available: remaining)
        }
        do throws(TopologyNameError) {
            return try TopologyName(validatingBytes: slice.readableBytesView)
        } catch {
            throw .invalidTopologyName(error)
        }
    }

    /// A topic or prefix: 2-byte length, then at most ``WireLimits/maximumTopicLength`` bytes.
    mutating func topic(_ field: StaticString) throws(WireError) -> Topic {
        Topic(try prefixedBytes(field, length: UInt16.self, limit: WireLimits.maximumTopicLength))
    }

    /// A list count of type `Count`, at most `limit`, checked against the bytes left given
    /// that every element takes at least `minimumElementSize` bytes.
    mutating func count<Count: FixedWidthInteger & UnsignedInteger>(
        _ field: StaticString,
        as: Count.Type,
        limit: Int,
        minimumElementSize: Int
    ) throws(WireError) -> Int {
        let count = Int(try integer(field, as: Count.self))
        guard count <= limit else {
            throw .tooMany(field: "\(field)", count: count, limit: limit)
        }
        guard count <= remaining / minimumElementSize else {
            throw .countExceedsRemaining(field: "\(field)", count: count, remaining: remaining)
        }
        return count
    }

    /// Ends the body: throws when bytes remain after the last field.
    func finish() throws(WireError) {
        guard remaining == 0 else {
            throw .trailingBytes(frameType: frameType, count: remaining)
        }
    }

    private mutating func prefixedLength<Length: FixedWidthInteger & UnsignedInteger>(
        _ field: StaticString,
        length: Length.Type,
        limit: Int
    ) throws(WireError) -> Int {
        let count = Int(try integer(field, as: Length.self))
        guard count <= limit else {
            throw .fieldTooLong(field: "\(field)", length: count, limit: limit)
        }
        guard count <= remaining else {
            throw .truncated(field: "\(field)", needed: count, available: remaining)
        }
        return count
    }
}
