import ArborCore
import ArborWire

/// Seals this node's record with its key (the router's ``RecordSealer``): a seal signs
/// (origin, incarnation, sequence, SHA-256 of the record's encoding without its seal), so
/// that a flush can carry it without the record (docs/peer-protocol.md, "Seals").
public struct RecordNotary: RecordSealer {
    public let key: NodeKey

    public init(key: NodeKey) {
        self.key = key
    }

    public func seal(_ record: LinkStateRecord) -> RecordSeal {
        // A record of this node always encodes (its fields are within limits); were it not
        // to, the seal would not verify anywhere and the record would go nowhere.
        let digest = (try? record.sealedBytes()).map(sha256) ?? []
        let message = RecordNotary.signedMessage(record.version, digest: digest)
        return RecordSeal(digest: digest, publicKey: key.publicKey, signature: key.sign(message))
    }

    /// What a seal's signature covers: a domain string, then origin 16 | incarnation 8 |
    /// sequence 8 (big-endian) | digest 32.
    static func signedMessage(_ version: RecordVersion, digest: [UInt8]) -> [UInt8] {
        var message = Array("arbor record seal v2".utf8)
        message.reserveCapacity(message.count + 64)
        for value in [version.origin.high, version.origin.low, version.incarnation, version.sequence] {
            withUnsafeBytes(of: value.bigEndian) { message.append(contentsOf: $0) }
        }
        message.append(contentsOf: digest)
        return message
    }
}
