import NIOCore

/// The wire of nanomsg's and nng's Scalability Protocols (SP) as arbord speaks them to SP
/// PUB and SUB sockets: the 8-byte protocol header both ends send first, then
/// length-prefixed messages (the IPC mapping puts a message-type byte before the length,
/// the TCP mapping does not). See nanomsg's rfc/sp-ipc-mapping-01 and sp-tcp-mapping-01;
/// docs/client-protocol.md says how arbord uses it.
public enum SPFraming {
    /// Which SP transport mapping the bytes follow.
    public enum Transport: Sendable {
        /// `ipc://`: AF_UNIX stream socket, each message `type (1) | size (8) | body`.
        case ipc
        /// `tcp://`: each message `size (8) | body`.
        case tcp
    }

    /// SP protocol ids (sp-protocol-ids-01): the PUB/SUB pair, the only one arbord speaks.
    public static let pub: UInt16 = 0x20
    public static let sub: UInt16 = 0x21

    /// Length of the protocol header.
    public static let headerLength = 8

    /// The protocol header announcing `protocolID`: 0x00 'S' 'P' 0x00, the id (big endian),
    /// two reserved zero bytes.
    public static func header(_ protocolID: UInt16) -> [UInt8] {
        [0x00, 0x53, 0x50, 0x00, UInt8(protocolID >> 8), UInt8(protocolID & 0xFF), 0, 0]
    }

    /// The protocol id of a peer's 8-byte header, which must be PUB or SUB; anything else
    /// (another magic or version, reserved bytes set, another protocol) is refused.
    public static func protocolID(ofHeader bytes: [UInt8]) throws(SPWireError) -> UInt16 {
        guard bytes.count == headerLength, bytes[0] == 0, bytes[1] == 0x53, bytes[2] == 0x50, bytes[3] == 0 else {
            throw .badHeader(Array(bytes.prefix(headerLength)))
        }
        guard bytes[6] == 0, bytes[7] == 0 else {
            throw .badHeader(bytes)
        }
        let id = UInt16(bytes[4]) << 8 | UInt16(bytes[5])
        guard id == pub || id == sub else {
            throw .unsupportedProtocol(id)
        }
        return id
    }

    /// Appends one message with `body` made of `parts` in order.
    public static func writeMessage(_ parts: [UInt8]..., transport: Transport, into buffer: inout ByteBuffer) {
        if transport == .ipc {
            buffer.writeInteger(UInt8(1))
        }
        buffer.writeInteger(UInt64(parts.reduce(0) { $0 + $1.count }))
        for part in parts {
            buffer.writeBytes(part)
        }
    }
}

/// Why bytes from an SP socket were refused; the connection is then closed.
public enum SPWireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The 8 bytes where the protocol header belongs are not an SP version 0 header.
    case badHeader([UInt8])
    /// A header for a protocol other than PUB or SUB (e.g. REQ, 0x30).
    case unsupportedProtocol(UInt16)
    /// An IPC message type other than in-band (0 per the RFC, 1 as nanomsg and nng send).
    case badMessageType(UInt8)
    /// A message longer than the receiver accepts; nothing of its body was read.
    case oversized(length: UInt64, limit: Int)

    public var description: String {
        switch self {
        case .badHeader(let bytes):
            return "not an SP protocol header: \(bytes.map { String($0, radix: 16) }.joined(separator: " "))"
        case .unsupportedProtocol(let id):
            return "SP protocol 0x\(String(id, radix: 16)) is not PUB (0x20) or SUB (0x21)"
        case .badMessageType(let type):
            return "SP IPC message type \(type) is not in-band (1)"
        case .oversized(let length, let limit):
            return "SP message of \(length) bytes is over the limit of \(limit)"
        }
    }
}

/// Takes SP messages off a stream of bytes, after the protocol header was read.
public struct SPMessageDecoder: Sendable {
    public let transport: SPFraming.Transport
    /// Longest message body accepted.
    public let maximumLength: Int

    public init(transport: SPFraming.Transport, maximumLength: Int) {
        self.transport = transport
        self.maximumLength = maximumLength
    }

    /// The next complete message body, or `nil` (consuming nothing) until it has arrived.
    /// A bad message type or a length over ``maximumLength`` is refused as soon as its
    /// prefix is there; after a throw the stream is unusable.
    public func next(from buffer: inout ByteBuffer) throws(SPWireError) -> ByteBuffer? {
        let prefix = transport == .ipc ? 9 : 8
        var index = buffer.readerIndex
        if transport == .ipc {
            guard let type = buffer.getInteger(at: index, as: UInt8.self) else { return nil }
            guard type == 0 || type == 1 else { throw .badMessageType(type) }
            index += 1
        }
        guard let length = buffer.getInteger(at: index, as: UInt64.self) else { return nil }
        guard length <= UInt64(maximumLength) else { throw .oversized(length: length, limit: maximumLength) }
        guard buffer.readableBytes >= prefix + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: prefix)
        return buffer.readSlice(length: Int(length))
    }
}
