import ArborCore

/// Why bytes could not be decoded into a frame, or a value could not be encoded into one.
///
/// Every decoding failure of both protocols is one of these; the ``description`` is meant
/// for the log line that says why a link or a client connection was closed. Field names are
/// the ones used in docs/peer-protocol.md and docs/client-protocol.md.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The frame body ended inside `field`.
    case truncated(field: String, needed: Int, available: Int)
    /// A length prefix announced a frame longer than the receiver accepts; nothing of its
    /// body was read or allocated.
    case oversized(length: Int, limit: Int)
    /// A length prefix of zero: every frame has at least its type byte.
    case emptyFrame
    case unknownFrameType(UInt8)
    /// A frame that is valid on its own but not allowed at this point of the connection.
    case unexpectedFrame(type: UInt8, expected: String)
    case badMagic([UInt8])
    case invalidUTF8(field: String)
    case invalidTopologyName(TopologyNameError)
    /// A string or byte field longer than its protocol limit.
    case fieldTooLong(field: String, length: Int, limit: Int)
    /// A list longer than its protocol limit.
    case tooMany(field: String, count: Int, limit: Int)
    /// A count that cannot fit in the bytes left in the frame, checked before allocating.
    case countExceedsRemaining(field: String, count: Int, remaining: Int)
    /// A field whose value is not one the protocol defines (a flag, a kind, a range).
    case invalidValue(field: String, value: UInt64)
    /// The frame body continued after its last field.
    case trailingBytes(frameType: UInt8, count: Int)
    /// A peer opened with a realm HELLO (``PeerProtocol/realmHelloType``): its realm has a
    /// secret, and this node has none.
    case realmSecretRequired

    public var description: String {
        switch self {
        case .truncated(let field, let needed, let available):
            return "frame truncated in \(field): needs \(needed) more bytes, \(available) left"
        case .oversized(let length, let limit):
            return "frame length \(length) exceeds the limit of \(limit) bytes"
        case .emptyFrame:
            return "frame length 0: a frame has at least its type byte"
        case .unknownFrameType(let type):
            return "unknown frame type \(hex(type))"
        case .unexpectedFrame(let type, let expected):
            return "frame type \(hex(type)) not allowed here: expected \(expected)"
        case .badMagic(let bytes):
            return "bad magic \(bytes.map(hex).joined(separator: " ")): not an Arbor peer"
        case .invalidUTF8(let field):
            return "\(field) is not valid UTF-8"
        case .invalidTopologyName(let problem):
            return "invalid topology name: \(problem)"
        case .fieldTooLong(let field, let length, let limit):
            return "\(field) of \(length) bytes exceeds the limit of \(limit)"
        case .tooMany(let field, let count, let limit):
            return "\(count) \(field) exceed the limit of \(limit)"
        case .countExceedsRemaining(let field, let count, let remaining):
            return "\(field) count \(count) cannot fit in the \(remaining) bytes left in the frame"
        case .invalidValue(let field, let value):
            return "invalid \(field) \(value)"
        case .trailingBytes(let type, let count):
            return "\(count) bytes after the end of frame type \(hex(type))"
        case .realmSecretRequired:
            return "the peer's realm has a secret (it opened with a realm HELLO) and this node has none (--secret-file)"
        }
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16)
    return "0x" + (digits.count == 1 ? "0" + digits : digits)
}
