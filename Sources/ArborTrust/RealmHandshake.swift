import ArborWire
import Crypto
import NIOCore

/// The opening of a link in a realm with a secret (docs/peer-protocol.md, "Realm links"):
/// each side sends a HELLO with a fresh X25519 key share at once; from the two shares and
/// the realm key both derive one key per direction and a channel binding
/// (``RealmSession``). Everything after the HELLOs is sealed records, so a peer without the
/// secret reads nothing and its first record fails to open on the other side.
///
/// Shaped like Noise NNpsk0 with both sides speaking at once: ephemeral-ephemeral
/// Diffie-Hellman for forward secrecy, the realm key mixed in as a pre-shared key
/// (HKDF-SHA-256 salt), ChaCha20-Poly1305 records. The node identities are bound in one
/// layer up: each side's Ed25519 PROOF signs the channel binding
/// (``PeerProof/prove(_:to:with:binding:)``), so a relay holding the secret cannot sit
/// between two nodes.
// `@unchecked`: swift-crypto does not mark its keys Sendable; the values are immutable.
public struct RealmHandshake: @unchecked Sendable {
    /// The frame type of HELLO: the same header as a peer frame, a type no peer frame has, so
    /// that a node without a secret can tell what it is (and refuse it as such).
    public static let helloType = PeerProtocol.realmHelloType
    public static let version: UInt8 = 1
    /// HELLO's body: version (1) and key share (32).
    public static let helloBodyLength = 33
    /// HELLO on the wire: length (4), type (1), body.
    public static let helloLength = 5 + helloBodyLength

    private let realm: RealmKey
    private let share: Curve25519.KeyAgreement.PrivateKey

    /// A handshake with a fresh key share.
    public init(key: RealmKey) {
        realm = key
        share = Curve25519.KeyAgreement.PrivateKey()
    }

    /// This side's key share, 32 bytes.
    public var publicShare: [UInt8] { Array(share.publicKey.rawRepresentation) }

    /// Appends this side's HELLO.
    public func writeHello(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt32(1 + RealmHandshake.helloBodyLength))
        buffer.writeInteger(RealmHandshake.helloType)
        buffer.writeInteger(RealmHandshake.version)
        buffer.writeBytes(publicShare)
    }

    /// What the peer's first bytes are, once 5 have arrived (`nil` before): its HELLO (the
    /// key share, once all of it has arrived), or a plaintext peer frame of another type.
    /// Consumes the HELLO only. Throws for a HELLO of another length or version.
    public static func readHello(from buffer: inout ByteBuffer) throws(RealmError) -> PeerOpening? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
              let type = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self)
        else { return nil }
        guard type == helloType else { return .plaintextFrame(type: type) }
        guard length == 1 + helloBodyLength else { throw .malformedHello("length \(length), not \(1 + helloBodyLength)") }
        guard buffer.readableBytes >= helloLength else { return nil }
        let version = buffer.getInteger(at: buffer.readerIndex + 5, as: UInt8.self)!
        guard version == RealmHandshake.version else { throw .malformedHello("version \(version), this node speaks \(RealmHandshake.version)") }
        buffer.moveReaderIndex(forwardBy: 6)
        return .hello(share: buffer.readBytes(length: 32)!)
    }

    /// The session with the peer whose HELLO carried `peerShare`. Throws for a share that is
    /// not a valid X25519 key, this side's own share sent back, or a low-order share (a
    /// shared secret of zeros).
    public func session(peerShare: [UInt8], recordLimit: UInt64 = RealmSession.defaultRecordLimit) throws(RealmError) -> RealmSession {
        let own = publicShare
        guard peerShare != own else { throw .malformedHello("the peer sent this side's own key share back") }
        guard let peerKey = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: peerShare),
              let shared = try? share.sharedSecretFromKeyAgreement(with: peerKey)
        else { throw .malformedHello("the key share is not an X25519 public key") }
        let secret = shared.withUnsafeBytes { Array($0) }
        guard secret.contains(where: { $0 != 0 }) else { throw .malformedHello("a low-order key share") }
        let ownIsLow = own.lexicographicallyPrecedes(peerShare)
        let (low, high) = ownIsLow ? (own, peerShare) : (peerShare, own)
        let info = Array("arbor realm link v1".utf8) + low + high
        let material = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret),
            salt: realm.key.withUnsafeBytes { Array($0) },
            info: info,
            outputByteCount: 96
        ).withUnsafeBytes { Array($0) }
        let lowSends = SymmetricKey(data: material[0..<32])
        let highSends = SymmetricKey(data: material[32..<64])
        return RealmSession(
            sealer: RealmSealer(key: ownIsLow ? lowSends : highSends, limit: recordLimit),
            opener: RealmOpener(key: ownIsLow ? highSends : lowSends, limit: recordLimit),
            binding: Array(material[64..<96])
        )
    }
}

/// How a peer opened a connection: with a HELLO, or with a plaintext peer frame (a node
/// without a realm secret sends its HANDSHAKE first).
public enum PeerOpening: Equatable, Sendable {
    case hello(share: [UInt8])
    case plaintextFrame(type: UInt8)
}

/// The two directions of a realm link and its channel binding, which both sides' PROOFs
/// sign: 32 bytes that only these two key shares and the realm key give.
public struct RealmSession: Sendable {
    /// Records per direction: the nonce is a 64-bit counter, and a link that has sealed or
    /// opened this many records is closed rather than reuse one.
    public static let defaultRecordLimit = UInt64.max

    public var sealer: RealmSealer
    public var opener: RealmOpener
    public let binding: [UInt8]
}

/// Why a realm link was closed. Each case is a reason to log.
public enum RealmError: Error, Equatable, CustomStringConvertible {
    /// The peer opened in plaintext (a HANDSHAKE, or a HANDSHAKE_REJECT of this node's
    /// HELLO): it has no realm secret.
    case peerWithoutSecret
    case malformedHello(String)
    /// A record length outside 17...65,552, refused before the record arrives.
    case badRecordLength(UInt32)
    /// A record that does not open: a peer with another secret (when it is the first), or
    /// bytes altered, replayed, reordered or cut on the way.
    case unauthentic(record: UInt64)
    /// The record counter of a direction reached its limit.
    case recordLimitReached(UInt64)
    /// The connection ended inside a record or a HELLO.
    case truncated(Int)
    /// swift-crypto refused to seal (it does not, with a 32-byte key and a 12-byte nonce).
    case cannotSeal

    public var description: String {
        switch self {
        case .peerWithoutSecret:
            return "the peer has no realm secret (it speaks in plaintext); this node's realm needs one (--secret-file)"
        case .malformedHello(let problem):
            return "malformed realm HELLO: \(problem)"
        case .badRecordLength(let length):
            return "realm record length \(length) outside \(RealmSealer.tagLength + 1)...\(RealmSealer.maximumPlaintext + RealmSealer.tagLength)"
        case .unauthentic(let record) where record == 0:
            return "authentication failed: the peer's first record does not open with this realm's secret (another secret, or altered on the way)"
        case .unauthentic(let record):
            return "authentication failed: record \(record) from the peer does not open (altered, replayed, reordered or cut on the way)"
        case .recordLimitReached(let limit):
            return "\(limit) records sealed or opened on this link: closed before a nonce repeats"
        case .truncated(let count):
            return "the connection ended inside a realm record (\(count) bytes left)"
        case .cannotSeal:
            return "a record could not be sealed"
        }
    }
}
