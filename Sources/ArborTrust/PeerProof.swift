import ArborCore
import ArborWire

/// Proof of a node id on a new link (docs/peer-protocol.md, "Proving the node id").
///
/// Each side puts a fresh nonce and its public key in its HANDSHAKE (both sides still send
/// at once). As soon as it has read the peer's handshake, each sends a PROOF: the signature,
/// with its key, of its own handshake and the peer's nonce. A peer's proof checks when its
/// key owns the id it handshook with and signs that handshake and this side's nonce: an
/// attacker without the key cannot make one, and a proof seen on another connection
/// signs another nonce.
public enum PeerProof {
    public static let nonceLength = 32

    /// The extensions a handshake carries for the proof: `nonce` and the key's public part.
    public static func extensions(key: NodeKey, nonce: [UInt8]) -> [HandshakeExtension] {
        [
            HandshakeExtension(tag: HandshakeExtension.nonceTag, value: nonce),
            HandshakeExtension(tag: HandshakeExtension.publicKeyTag, value: key.publicKey),
        ]
    }

    /// A fresh random nonce for one connection.
    public static func freshNonce() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<nonceLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Why `peer`'s handshake cannot be proven, or `nil`: a nonce and a public key of the
    /// right lengths, the key owning the node id.
    public static func problem(with peer: Handshake) -> String? {
        guard peer.extensionValue(HandshakeExtension.nonceTag)?.count == nonceLength else {
            return "handshake without a \(nonceLength)-byte nonce"
        }
        guard let key = peer.extensionValue(HandshakeExtension.publicKeyTag) else {
            return "handshake without a public key"
        }
        guard NodeKey.publicKey(key, owns: peer.node) else {
            return "the public key does not own node id \(peer.node)"
        }
        return nil
    }

    /// This side's proof: `own` is the handshake it sent, `peer` the one it read.
    /// `binding` is the realm link's channel binding (``RealmSession/binding``), empty on a
    /// link without a realm secret: a proof made on one realm link does not check on another.
    public static func prove(_ own: Handshake, to peer: Handshake, with key: NodeKey, binding: [UInt8] = []) -> HandshakeProof? {
        guard let nonce = peer.extensionValue(HandshakeExtension.nonceTag),
              let message = transcript(own, nonce: nonce, binding: binding)
        else { return nil }
        return HandshakeProof(signature: key.sign(message))
    }

    /// Whether `proof` proves `peer`'s handshake to this side, whose handshake was `own`.
    /// `peer` passed ``problem(with:)``; `binding` as for ``prove(_:to:with:binding:)``.
    public static func check(_ proof: HandshakeProof, of peer: Handshake, to own: Handshake, binding: [UInt8] = []) -> Bool {
        guard let nonce = own.extensionValue(HandshakeExtension.nonceTag),
              let key = peer.extensionValue(HandshakeExtension.publicKeyTag),
              let message = transcript(peer, nonce: nonce, binding: binding)
        else { return false }
        return NodeKey.isValid(signature: proof.signature, of: message, by: key)
    }

    /// What a proof signs: a domain string, SHA-256 of the prover's HANDSHAKE body, the
    /// verifier's nonce, and the channel binding of a realm link (nothing without one).
    private static func transcript(_ handshake: Handshake, nonce: [UInt8], binding: [UInt8]) -> [UInt8]? {
        guard let body = try? handshake.encodedBody() else { return nil }
        return Array("arbor peer proof v2".utf8) + sha256(body) + nonce + binding
    }
}
