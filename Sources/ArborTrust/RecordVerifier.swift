import ArborCore

/// Checks the seals of records and flushes before a router sees them: a record is
/// authentic when its seal's key owns its origin id, the seal's digest is that of its
/// content and the signature checks; a flush when its seal's key owns the origin and the
/// signature of that version checks. What is not authentic is dropped by the caller.
///
/// A check costs one SHA-256 of the record and one Ed25519 verification (about 50-100 µs);
/// seals that checked are remembered (up to ``capacity``, then forgotten all at once), so a
/// record that arrives over three links is verified once. A remembered seal still needs the
/// record's digest to match, so a different content under a remembered seal is refused.
public struct RecordVerifier: Sendable {
    public let capacity: Int
    private var verified: Set<[UInt8]> = []
    /// Signatures checked (not answered from memory).
    public private(set) var verifications: UInt64 = 0

    public init(capacity: Int = 65_536) {
        self.capacity = capacity
    }

    /// Whether `record` carries its origin's valid seal.
    public mutating func isAuthentic(_ record: LinkStateRecord) -> Bool {
        guard let seal = record.seal, let content = try? record.sealedBytes(), sha256(content) == seal.digest else {
            return false
        }
        return check(seal, of: record.version)
    }

    /// Whether the flush of `version` carries its origin's valid seal of that version.
    public mutating func isAuthentic(flush version: RecordVersion) -> Bool {
        guard let seal = version.seal, seal.digest.count == RecordSeal.digestLength else { return false }
        return check(seal, of: version)
    }

    private mutating func check(_ seal: RecordSeal, of version: RecordVersion) -> Bool {
        guard NodeKey.publicKey(seal.publicKey, owns: version.origin) else { return false }
        let message = RecordNotary.signedMessage(version, digest: seal.digest)
        let remembered = message + seal.publicKey + seal.signature
        if verified.contains(remembered) { return true }
        verifications += 1
        guard NodeKey.isValid(signature: seal.signature, of: message, by: seal.publicKey) else { return false }
        if verified.count >= capacity {
            verified.removeAll(keepingCapacity: true)
        }
        verified.insert(remembered)
        return true
    }
}
