import ArborCore
import Crypto
import Foundation

/// A node's Ed25519 key pair. The node id is derived from the public key (the first 128
/// bits of its SHA-256), so an id cannot be claimed without the key: a peer proves it in
/// the handshake (``PeerProof``) and signs every version of its record (``RecordNotary``).
// `@unchecked`: swift-crypto does not mark its key Sendable; the key is an immutable value,
// only ever read (to sign) after it is made.
public struct NodeKey: @unchecked Sendable {
    private let key: Curve25519.Signing.PrivateKey
    /// The public key, 32 bytes, as handshakes and seals carry it.
    public let publicKey: [UInt8]
    /// The node id this key owns.
    public let id: NodeID

    /// A new random key.
    public init() {
        self.init(key: Curve25519.Signing.PrivateKey())
    }

    /// The key whose private part is `rawRepresentation` (32 bytes, as ``rawRepresentation``
    /// gives it); throws for anything else.
    public init(rawRepresentation: [UInt8]) throws {
        self.init(key: try Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation))
    }

    private init(key: Curve25519.Signing.PrivateKey) {
        self.key = key
        publicKey = Array(key.publicKey.rawRepresentation)
        id = NodeKey.nodeID(forPublicKey: publicKey)
    }

    /// The private key's 32 bytes, to keep in a file only the node can read.
    public var rawRepresentation: [UInt8] {
        Array(key.rawRepresentation)
    }

    /// The node id a public key owns: the first 128 bits of its SHA-256.
    public static func nodeID(forPublicKey publicKey: [UInt8]) -> NodeID {
        let digest = Array(SHA256.hash(data: publicKey))
        let high = digest[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = digest[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return NodeID(high: high, low: low)
    }

    /// An Ed25519 signature of `message`.
    public func sign(_ message: [UInt8]) -> [UInt8] {
        // Signing with a valid key does not fail; an empty signature would only fail to verify.
        (try? Array(key.signature(for: message))) ?? []
    }

    /// Whether `signature` is a valid signature of `message` by `publicKey` (which must be
    /// 32 bytes); never throws, whatever a peer sent.
    public static func isValid(signature: [UInt8], of message: [UInt8], by publicKey: [UInt8]) -> Bool {
        guard publicKey.count == RecordSeal.publicKeyLength,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)
        else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// Whether `publicKey` owns `id` (``nodeID(forPublicKey:)``).
    public static func publicKey(_ publicKey: [UInt8], owns id: NodeID) -> Bool {
        publicKey.count == RecordSeal.publicKeyLength && nodeID(forPublicKey: publicKey) == id
    }
}

/// SHA-256 of `bytes`, 32 bytes.
func sha256(_ bytes: [UInt8]) -> [UInt8] {
    Array(SHA256.hash(data: bytes))
}
