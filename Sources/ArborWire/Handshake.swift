import ArborCore
import NIOCore

/// The first frame each side sends on a new peer link: who it is and what it speaks.
///
/// Both sides send theirs at once, without waiting for the other's, then each one decides
/// on its own with ``evaluate(peer:realm:)`` whether to go on; both reach the same version.
public struct Handshake: Hashable, Sendable {
    /// Protocol versions the sender speaks.
    public var versions: ClosedRange<UInt16>
    public var node: NodeID
    /// Grows on every restart of the node (see ``RouterConfiguration/incarnation``).
    public var incarnation: UInt64
    /// Largest frame length the sender accepts; the receiver never sends it a longer frame.
    public var maximumFrameLength: UInt32
    /// Node name, at most ``WireLimits/maximumNameLength`` UTF-8 bytes.
    public var name: String
    /// Overlay realm, at most ``WireLimits/maximumNameLength`` UTF-8 bytes; peers of
    /// different realms refuse each other.
    public var realm: String
    /// Where the sender accepts peer links, at most ``PeerProtocol/maximumAddresses``.
    public var addresses: [HandshakeAddress]
    /// Room for capabilities and authentication: version 2 defines the sender's nonce and
    /// public key (``HandshakeExtension/nonceTag``, ``HandshakeExtension/publicKeyTag``);
    /// a receiver ignores tags it does not know.
    public var extensions: [HandshakeExtension]

    public init(
        versions: ClosedRange<UInt16> = PeerProtocol.versions,
        node: NodeID,
        incarnation: UInt64,
        maximumFrameLength: UInt32 = UInt32(WireLimits.defaultMaximumFrameLength),
        name: String,
        realm: String,
        addresses: [HandshakeAddress] = [],
        extensions: [HandshakeExtension] = []
    ) {
        self.versions = versions
        self.node = node
        self.incarnation = incarnation
        self.maximumFrameLength = maximumFrameLength
        self.name = name
        self.realm = realm
        self.addresses = addresses
        self.extensions = extensions
    }

    /// What this side does with the peer's handshake: the checks of docs/peer-protocol.md
    /// in order (self-connection, realm, version). Duplicate connections are the caller's
    /// to find, since only it knows the other links.
    public func evaluate(peer: Handshake) -> HandshakeOutcome {
        if peer.node == node {
            return .reject(HandshakeReject(reason: .selfConnection, text: "connected to itself (node \(node.short))"))
        }
        if peer.realm != realm {
            return .reject(HandshakeReject(
                reason: .otherRealm,
                text: "peer is in realm \"\(peer.realm)\", this node in \"\(realm)\""
            ))
        }
        guard let version = PeerProtocol.negotiate(versions, peer.versions) else {
            return .reject(HandshakeReject(
                reason: .incompatibleVersion,
                text: "peer speaks versions \(peer.versions.lowerBound)...\(peer.versions.upperBound), "
                    + "this node \(versions.lowerBound)...\(versions.upperBound)"
            ))
        }
        return .accept(version: version)
    }
}

/// The result of checking a peer's handshake.
public enum HandshakeOutcome: Hashable, Sendable {
    /// Go on with the link, speaking `version`.
    case accept(version: UInt16)
    /// Send this frame and close the link.
    case reject(HandshakeReject)
}

/// An address a node accepts peer links on, as a handshake carries it (ArborDiscovery's
/// `PeerAddress` is the resolved host and port that the overlay machine dials).
public enum HandshakeAddress: Hashable, Sendable, CustomStringConvertible {
    /// An IPv4 address, most significant byte first (`0x7f000001` is 127.0.0.1).
    case ipv4(UInt32, port: UInt16)
    /// An IPv6 address as two 64-bit halves, most significant first.
    case ipv6(high: UInt64, low: UInt64, port: UInt16)
    /// A host name to resolve, at most ``WireLimits/maximumNameLength`` UTF-8 bytes.
    case host(String, port: UInt16)

    public var port: UInt16 {
        switch self {
        case .ipv4(_, let port), .ipv6(_, _, let port), .host(_, let port): return port
        }
    }

    /// `1.2.3.4:7450`, `[2001:db8:0:0:0:0:0:1]:7450` (groups not compressed), `host:7450`.
    public var description: String {
        switch self {
        case .ipv4(let address, let port):
            let octets = stride(from: 24, through: 0, by: -8).map { String(address >> UInt32($0) & 0xff) }
            return octets.joined(separator: ".") + ":\(port)"
        case .ipv6(let high, let low, let port):
            let groups = [high, low].flatMap { half in
                stride(from: 48, through: 0, by: -16).map { String(half >> UInt64($0) & 0xffff, radix: 16) }
            }
            return "[" + groups.joined(separator: ":") + "]:\(port)"
        case .host(let name, let port):
            return "\(name):\(port)"
        }
    }
}

/// A tagged value in a handshake, for capabilities and authentication.
public struct HandshakeExtension: Hashable, Sendable {
    public var tag: UInt16
    /// At most ``PeerProtocol/maximumExtensionLength`` bytes.
    public var value: [UInt8]

    public init(tag: UInt16, value: [UInt8]) {
        self.tag = tag
        self.value = value
    }

    /// A fresh random value of the sender, for this connection only: the peer's PROOF
    /// signs it, so a proof cannot be replayed on another connection.
    public static let nonceTag: UInt16 = 1
    /// The sender's Ed25519 public key, 32 bytes; its SHA-256 begins with the node id.
    public static let publicKeyTag: UInt16 = 2
    /// Empty: the sender reads DATA_RUN frames (``PeerProtocol/dataRunType``); a peer sends
    /// it them only then.
    public static let dataRunsTag: UInt16 = 3
}

extension Handshake {
    /// The value of the first extension with `tag`, if any.
    public func extensionValue(_ tag: UInt16) -> [UInt8]? {
        extensions.first { $0.tag == tag }?.value
    }

    /// The HANDSHAKE body as sent: what the sender's PROOF covers.
    public func encodedBody() throws(WireError) -> [UInt8] {
        var buffer = ByteBuffer()
        try buffer.writeHandshake(self)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}

/// The second frame each side sends (PROOF, 0x03): a signature, with the key of the
/// sender's handshake, of the sender's handshake and the receiver's nonce. Each side sends
/// it as soon as it has read the peer's handshake; a link is up once the peer's proof checks.
public struct HandshakeProof: Hashable, Sendable {
    /// Ed25519 signature, ``signatureLength`` bytes.
    public var signature: [UInt8]

    public static let signatureLength = 64

    public init(signature: [UInt8]) {
        self.signature = signature
    }
}

/// A refusal: sent instead of going on after a handshake (or, best effort, before closing
/// a link for a protocol error), so that both sides can log why.
public struct HandshakeReject: Hashable, Sendable {
    public var reason: RejectReason
    /// Human-readable detail, at most ``WireLimits/maximumTextLength`` UTF-8 bytes.
    public var text: String

    public init(reason: RejectReason, text: String) {
        self.reason = reason
        self.text = text
    }
}

/// Why a peer refused a link. Codes this build does not know are kept as they are.
public struct RejectReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let otherRealm = RejectReason(rawValue: 1)
    public static let incompatibleVersion = RejectReason(rawValue: 2)
    /// The two nodes already have a link; the one dialled by the lower node id stays.
    public static let duplicateConnection = RejectReason(rawValue: 3)
    public static let selfConnection = RejectReason(rawValue: 4)
    /// One side has a realm secret and the other none (sent in plaintext by either; see
    /// docs/peer-protocol.md, "Realm links").
    public static let authenticationFailed = RejectReason(rawValue: 5)
    /// The sender is stopping.
    public static let shuttingDown = RejectReason(rawValue: 6)
    /// The sender could not decode a frame from the receiver and closes the link.
    public static let protocolError = RejectReason(rawValue: 7)
    /// The sender holds as many overlay links as it may (`--max-links`) and does not want
    /// this one; the dialler leaves it out of its choice for a while and links elsewhere.
    public static let linkLimit = RejectReason(rawValue: 8)
    /// The peer did not prove that it holds the key of the node id it claimed: no or a
    /// malformed key, a key that does not hash to the id, or a proof that does not check.
    public static let identityNotProven = RejectReason(rawValue: 9)

    public var description: String {
        switch self {
        case .otherRealm: return "other realm"
        case .incompatibleVersion: return "incompatible version"
        case .duplicateConnection: return "duplicate connection"
        case .selfConnection: return "self-connection"
        case .authenticationFailed: return "authentication failed"
        case .shuttingDown: return "shutting down"
        case .protocolError: return "protocol error"
        case .linkLimit: return "link limit"
        case .identityNotProven: return "identity not proven"
        default: return "reason \(rawValue)"
        }
    }
}
