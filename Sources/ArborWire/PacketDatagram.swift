import ArborCore
import NIOCore

/// The datagrams of `RUN_DIR/packet.sock`, the SOCK_SEQPACKET way in (docs/client-protocol.md,
/// "packet.sock"): text a shell user or a C program writes and reads without a library.
///
/// The program's first datagram opens the session; the node answers `ok\n` or an `err`
/// datagram and closes. Then every datagram the node sends starts with a header line:
///
///     msg ORIGIN INCARNATION SEQUENCE TOPIC\n PAYLOAD   a message (topic: the rest of the line)
///     gap ORIGIN INCARNATION FIRST LAST\n               messages FIRST...LAST of that origin are lost
///     err CODE TEXT\n                                  a refusal (client protocol error codes)
///     ok\n                                             the session is set up
///
/// ORIGIN is the publishing node's id (32 hex digits); numbers are decimal.
public enum PacketRequest: Equatable, Sendable {
    /// `sub TOPOLOGY [PREFIX...]`: receive the topology's messages whose topic starts with a
    /// prefix (none: every topic).
    case subscribe(TopologyName, prefixes: [Topic])
    /// `pub TOPOLOGY TOPIC`: every later datagram is one payload published under `TOPIC`;
    /// `pub TOPOLOGY`: every later datagram is `TOPIC PAYLOAD` (the first space ends the topic).
    case publish(TopologyName, topic: Topic?)

    /// Longest opening datagram read.
    public static let maximumLength = 64 << 10

    /// Parses an opening datagram: words separated by spaces, one trailing newline (`\n`
    /// or `\r\n`, as `socat` sends a line) ignored. The error is the text of the `err` reply.
    public init(parsing datagram: some Collection<UInt8>) throws(PacketRequestError) {
        var bytes = Array(datagram.prefix(Self.maximumLength))
        if bytes.last == 0x0A { bytes.removeLast() }
        if bytes.last == 0x0D { bytes.removeLast() }
        let words = bytes.split(separator: 0x20, omittingEmptySubsequences: true)
        guard let verb = words.first.map({ String(decoding: $0, as: UTF8.self) }) else {
            throw PacketRequestError("empty request: send 'sub TOPOLOGY [PREFIX...]' or 'pub TOPOLOGY [TOPIC]'")
        }
        guard words.count >= 2 else {
            throw PacketRequestError("'\(verb)' names no topology: send 'sub TOPOLOGY [PREFIX...]' or 'pub TOPOLOGY [TOPIC]'")
        }
        let topology: TopologyName
        do {
            topology = try TopologyName(validatingBytes: words[1])
        } catch {
            throw PacketRequestError("invalid topology name: \(error.description)")
        }
        let rest = words.dropFirst(2).map { Topic(Array($0)) }
        if let long = rest.first(where: { $0.bytes.count > WireLimits.maximumTopicLength }) {
            throw PacketRequestError("a topic or prefix of \(long.bytes.count) bytes is over the limit of \(WireLimits.maximumTopicLength)")
        }
        switch verb {
        case "sub":
            self = .subscribe(topology, prefixes: rest.isEmpty ? [Topic([])] : rest)
        case "pub":
            guard rest.count <= 1 else {
                throw PacketRequestError("'pub' takes one topic (topics hold no spaces here): 'pub TOPOLOGY [TOPIC]'")
            }
            self = .publish(topology, topic: rest.first)
        default:
            throw PacketRequestError("unknown request '\(verb)': send 'sub TOPOLOGY [PREFIX...]' or 'pub TOPOLOGY [TOPIC]'")
        }
    }

    /// Splits a datagram of a `pub TOPOLOGY` session (no topic given) into topic and
    /// payload at its first space; `nil` when it has none or the topic is empty or too long.
    public static func split(_ datagram: ByteBuffer) -> (topic: Topic, payload: [UInt8])? {
        guard let space = datagram.readableBytesView.firstIndex(of: 0x20) else { return nil }
        let view = datagram.readableBytesView
        let topic = Array(view[..<space])
        guard !topic.isEmpty, topic.count <= WireLimits.maximumTopicLength else { return nil }
        return (Topic(topic), Array(view[(space + 1)...]))
    }
}

/// Why an opening datagram was refused, in words for the `err` datagram.
public struct PacketRequestError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Writes the datagrams a node sends on packet.sock (``PacketRequest`` shows the layout).
public enum PacketDatagram {
    /// Appends the datagram for `response`; a ``ClientResponse/ok(id:)`` is the `ok`
    /// datagram, WELCOME and PONG (never sent on packet.sock) write nothing.
    public static func write(_ response: ClientResponse, into buffer: inout ByteBuffer) {
        switch response {
        case .message(let message):
            buffer.writeString("msg \(message.origin) \(message.originIncarnation) \(message.sequence) ")
            buffer.writeBytes(message.topic.bytes)
            buffer.writeInteger(UInt8(0x0A))
            buffer.writeBytes(message.payload)
        case .gap(let gap):
            buffer.writeString("gap \(gap.origin) \(gap.originIncarnation) \(gap.first) \(gap.last)\n")
        case .error(_, let code, let text):
            buffer.writeString("err \(code.rawValue) \(text)\n")
        case .ok:
            buffer.writeString("ok\n")
        case .welcome, .pong:
            break
        }
    }
}
