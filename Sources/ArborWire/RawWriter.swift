import ArborCore
import NIOCore

/// Writes fields into memory a `ByteBuffer` lends for a frame whose size is known in
/// advance: one capacity check and one buffer access for the whole frame, the hot-path
/// counterpart of the field writers in ByteBuffer+WireWriting.swift. Limits are checked
/// before writing; the writer itself only stores.
struct RawWriter {
    private let memory: UnsafeMutableRawBufferPointer
    private(set) var offset = 0

    fileprivate init(_ memory: UnsafeMutableRawBufferPointer) {
        self.memory = memory
    }

    mutating func integer<Value: FixedWidthInteger>(_ value: Value) {
        memory.storeBytes(of: value.bigEndian, toByteOffset: offset, as: Value.self)
        offset += MemoryLayout<Value>.size
    }

    mutating func nodeID(_ id: NodeID) {
        integer(id.high)
        integer(id.low)
    }

    mutating func bytes(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(rebasing: memory[offset...]).copyMemory(from: source)
        }
        offset += bytes.count
    }

    mutating func bytes(_ bytes: UnsafeRawBufferPointer) {
        UnsafeMutableRawBufferPointer(rebasing: memory[offset...]).copyMemory(from: bytes)
        offset += bytes.count
    }

    /// Overwrites the byte at `position`, already written.
    mutating func store(_ byte: UInt8, at position: Int) {
        memory[position] = byte
    }

    /// 1-byte length and the name.
    mutating func topologyName(_ name: TopologyName) {
        var text = name.rawValue
        text.withUTF8 { utf8 in
            integer(UInt8(truncatingIfNeeded: utf8.count))
            UnsafeMutableRawBufferPointer(rebasing: memory[offset...]).copyMemory(from: UnsafeRawBufferPointer(utf8))
            offset += utf8.count
        }
    }

    /// 2-byte length and the topic (its length checked by the caller).
    mutating func topic(_ topic: Topic) {
        integer(UInt16(truncatingIfNeeded: topic.bytes.count))
        bytes(topic.bytes)
    }

    /// 4-byte length and the payload (its length checked by the caller).
    mutating func payload(_ payload: [UInt8]) {
        integer(UInt32(truncatingIfNeeded: payload.count))
        bytes(payload)
    }
}

extension ByteBuffer {
    /// Appends exactly `size` bytes that `write` stores in one pass.
    mutating func writeSized(_ size: Int, _ write: (inout RawWriter) -> Void) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: size) { memory in
            var writer = RawWriter(memory)
            write(&writer)
            assert(writer.offset == size, "wrote \(writer.offset) bytes of \(size)")
            return size
        }
    }
}

extension Framing {
    /// Appends a frame of `type` whose body of `bodySize` bytes `write` stores in one pass;
    /// throws (writing nothing) when the frame would be longer than `limit`.
    static func writeSized(
        type: UInt8,
        bodySize: Int,
        into buffer: inout ByteBuffer,
        limit: Int,
        body write: (inout RawWriter) -> Void
    ) throws(WireError) {
        let length = 1 + bodySize
        guard length <= Swift.min(limit, Int(UInt32.max)) else {
            throw .oversized(length: length, limit: limit)
        }
        buffer.writeSized(4 + length) { writer in
            writer.integer(UInt32(length))
            writer.integer(type)
            write(&writer)
        }
    }
}
