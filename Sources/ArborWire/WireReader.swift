import ArborCore
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the fields of one frame body, each checked against the bytes that remain.
///
/// It reads raw memory that a `ByteBuffer` lends for the whole body, and only exists
/// inside ``NIOCore/ByteBuffer/readFrameBody(type:_:)`` (it must not escape it): a frame
/// costs one buffer access however many fields it has. Every read either returns a value or throws ``WireError``; none traps. Counts and
/// lengths are compared with ``remaining`` before anything is allocated for them, so a
/// count chosen by a peer never decides an allocation larger than the frame itself.
struct WireReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var offset = 0
    let frameType: UInt8

    fileprivate init(body: UnsafeRawBufferPointer, frameType: UInt8) {
        self.bytes = body.bindMemory(to: UInt8.self)
        self.frameType = frameType
    }

    var remaining: Int { bytes.count - offset }

    mutating func integer<Value: FixedWidthInteger>(
        _ field: StaticString,
        as: Value.Type = Value.self
    ) throws(WireError) -> Value {
        let size = MemoryLayout<Value>.size
        guard remaining >= size else {
            throw .truncated(field: "\(field)", needed: size, available: remaining)
        }
        let value = UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: offset, as: Value.self)
        offset += size
        return Value(bigEndian: value)
    }

    mutating func nodeID(_ field: StaticString) throws(WireError) -> NodeID {
        guard remaining >= 16 else {
            throw .truncated(field: "\(field)", needed: 16, available: remaining)
        }
        let high = try integer(field, as: UInt64.self)
        let low = try integer(field, as: UInt64.self)
        return NodeID(high: high, low: low)
    }

    /// `length` raw bytes, copied out once.
    mutating func bytes(_ field: StaticString, length: Int) throws(WireError) -> [UInt8] {
        Array(try slice(field, length: length))
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

    /// Passes over the bytes behind a length prefix, at most `limit` long: where they start
    /// in the body and how many there are.
    mutating func skipPrefixedBytes<Length: FixedWidthInteger & UnsignedInteger>(
        _ field: StaticString,
        length: Length.Type,
        limit: Int
    ) throws(WireError) -> (start: Int, count: Int) {
        let count = try prefixedLength(field, length: Length.self, limit: limit)
        let start = offset
        _ = try slice(field, length: count)
        return (start, count)
    }

    /// UTF-8 text behind a length prefix of type `Length`, at most `limit` bytes.
    mutating func string<Length: FixedWidthInteger & UnsignedInteger>(
        _ field: StaticString,
        length: Length.Type,
        limit: Int
    ) throws(WireError) -> String {
        let count = try prefixedLength(field, length: Length.self, limit: limit)
        guard let text = String(validating: try slice(field, length: count), as: UTF8.self) else {
            throw .invalidUTF8(field: "\(field)")
        }
        return text
    }

    /// A topology name: 1-byte length, then the name, validated before a String is made.
    mutating func topologyName(_ field: StaticString) throws(WireError) -> TopologyName {
        let count = try prefixedLength(field, length: UInt8.self, limit: TopologyName.maximumLength)
        let name = try slice(field, length: count)
        do throws(TopologyNameError) {
            return try TopologyName(validatingBytes: name)
        } catch {
            throw .invalidTopologyName(error)
        }
    }

    /// ``topologyName(_:)``, or `recent` when the bytes are its name; `recent` becomes the name read.
    mutating func topologyName(_ field: StaticString, recent: inout TopologyName?) throws(WireError) -> TopologyName {
        let count = try prefixedLength(field, length: UInt8.self, limit: TopologyName.maximumLength)
        let name = try slice(field, length: count)
        if let known = recent,
            known.rawValue.utf8.withContiguousStorageIfAvailable({ Self.same(UnsafeRawBufferPointer($0), name) })
                ?? known.rawValue.utf8.elementsEqual(name)
        {
            return known
        }
        do throws(TopologyNameError) {
            let read = try TopologyName(validatingBytes: name)
            recent = read
            return read
        } catch {
            throw .invalidTopologyName(error)
        }
    }

    /// ``topic(_:)``, or `recent` when the bytes are its topic; `recent` becomes the topic read.
    mutating func topic(_ field: StaticString, recent: inout Topic?) throws(WireError) -> Topic {
        let count = try prefixedLength(field, length: UInt16.self, limit: WireLimits.maximumTopicLength)
        let bytes = try slice(field, length: count)
        if let known = recent, known.bytes.withUnsafeBytes({ Self.same($0, bytes) }) {
            return known
        }
        let read = Topic(Array(bytes))
        recent = read
        return read
    }

    /// The topic of a DATA_RUN message after the first: `previous` when its length is
    /// ``WireLimits/repeatedTopic``, otherwise read as ``topic(_:recent:)`` reads it.
    mutating func runTopic(repeating previous: Topic, recent: inout Topic?) throws(WireError) -> Topic {
        guard remaining >= 2 else {
            throw .truncated(field: "topic", needed: 2, available: remaining)
        }
        let length = UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        if UInt16(bigEndian: length) == WireLimits.repeatedTopic {
            offset += 2
            return previous
        }
        return try topic("topic", recent: &recent)
    }

    /// Whether `known` holds exactly the bytes of `read` (one comparison of memory: the
    /// check that repeats for every frame of a stream).
    @inline(__always)
    private static func same(_ known: UnsafeRawBufferPointer, _ read: UnsafeBufferPointer<UInt8>) -> Bool {
        known.count == read.count && (read.isEmpty || memcmp(known.baseAddress!, read.baseAddress!, read.count) == 0)
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

    /// A list: its count (as ``count(_:as:limit:minimumElementSize:)`` reads and checks it),
    /// then that many elements, each read by `element`.
    mutating func list<Count: FixedWidthInteger & UnsignedInteger, Element>(
        _ field: StaticString,
        count: Count.Type,
        limit: Int,
        minimumElementSize: Int,
        element: (inout WireReader) throws(WireError) -> Element
    ) throws(WireError) -> [Element] {
        let count = try self.count(field, as: Count.self, limit: limit, minimumElementSize: minimumElementSize)
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            elements.append(try element(&self))
        }
        return elements
    }

    /// Ends the body: throws when bytes remain after the last field.
    func finish() throws(WireError) {
        guard remaining == 0 else {
            throw .trailingBytes(frameType: frameType, count: remaining)
        }
    }

    private mutating func slice(_ field: StaticString, length: Int) throws(WireError) -> UnsafeBufferPointer<UInt8> {
        guard remaining >= length else {
            throw .truncated(field: "\(field)", needed: length, available: remaining)
        }
        let slice = UnsafeBufferPointer(rebasing: bytes[offset..<offset + length])
        offset += length
        return slice
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

extension ByteBuffer {
    /// Runs `read` over the readable bytes of this frame body, then checks nothing is left.
    func readFrameBody<Value>(
        type: UInt8,
        _ read: (inout WireReader) throws(WireError) -> Value
    ) throws(WireError) -> Value {
        try withUnsafeReadableBytes { (raw) throws(WireError) -> Value in
            var reader = WireReader(body: raw, frameType: type)
            let value = try read(&reader)
            try reader.finish()
            return value
        }
    }
}
