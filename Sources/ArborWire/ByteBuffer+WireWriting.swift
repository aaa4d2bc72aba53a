import ArborCore
import NIOCore

/// Field writers shared by both protocols. Each checks the same limit the reader enforces,
/// so an encoder never produces a frame its own decoder would refuse.
extension ByteBuffer {
    mutating func writeNodeID(_ id: NodeID) {
        writeInteger(id.high)
        writeInteger(id.low)
    }

    mutating func writeFlag(_ value: Bool) {
        writeInteger(UInt8(value ? 1 : 0))
    }

    /// Writes `bytes` behind a length prefix of type `Length`.
    mutating func writePrefixedBytes<Length: FixedWidthInteger & UnsignedInteger>(
        _ bytes: some Collection<UInt8>,
        field: StaticString,
        length: Length.Type,
        limit: Int
    ) throws(WireError) {
        let count = bytes.count
        guard count <= limit, count <= Length.max else {
            throw .fieldTooLong(field: "\(field)", length: count, limit: Swift.min(limit, Int(clamping: Length.max)))
        }
        writeInteger(Length(count))
        writeBytes(bytes)
    }

    /// Writes `text` as UTF-8 behind a length prefix of type `Length`.
    mutating func writePrefixedString<Length: FixedWidthInteger & UnsignedInteger>(
        _ text: String,
        field: StaticString,
        length: Length.Type,
        limit: Int
    ) throws(WireError) {
        try writePrefixedBytes(text.utf8, field: field, length: Length.self, limit: limit)
    }

    /// A topology name: 1-byte length and the name (always valid, always at most 128 bytes).
    mutating func writeTopologyName(_ name: TopologyName) {
        let utf8 = name.rawValue.utf8
        writeInteger(UInt8(truncatingIfNeeded: utf8.count))
        writeBytes(utf8)
    }

    /// A topic or prefix: 2-byte length and at most ``WireLimits/maximumTopicLength`` bytes.
    mutating func writeTopic(_ topic: Topic, field: StaticString) throws(WireError) {
        try writePrefixedBytes(topic.bytes, field: field, length: UInt16.self, limit: WireLimits.maximumTopicLength)
    }

    /// A list count of type `Count`, at most `limit`.
    mutating func writeCount<Count: FixedWidthInteger & UnsignedInteger>(
        _ count: Int,
        field: StaticString,
        as: Count.Type,
        limit: Int
    ) throws(WireError) {
        guard count <= limit, count <= Count.max else {
            throw .tooMany(field: "\(field)", count: count, limit: Swift.min(limit, Int(clamping: Count.max)))
        }
        writeInteger(Count(count))
    }
}
