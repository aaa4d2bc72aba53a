/// An origin's signature over one version of its record: what lets a node accept a record,
/// or a flush of it, that relays passed on (docs/security.md).
///
/// ArborCore carries seals and never checks them: the node checks every record and flush
/// before its router sees it (ArborTrust's `RecordVerifier`), so a router only ever holds
/// records their origins signed. The simulator gives no seals and models every record as
/// authentic by construction.
public struct RecordSeal: Hashable, Sendable {
    /// SHA-256 of the record's encoding without its seal (``sealedBytes`` of ArborWire).
    public var digest: [UInt8]
    /// The origin's Ed25519 public key; its SHA-256 begins with the origin's node id.
    public var publicKey: [UInt8]
    /// Ed25519 signature of (origin, incarnation, sequence, ``digest``).
    public var signature: [UInt8]

    public static let digestLength = 32
    public static let publicKeyLength = 32
    public static let signatureLength = 64
    /// Bytes of an encoded seal.
    public static let encodedSize = digestLength + publicKeyLength + signatureLength

    public init(digest: [UInt8], publicKey: [UInt8], signature: [UInt8]) {
        self.digest = digest
        self.publicKey = publicKey
        self.signature = signature
    }
}

/// Seals this node's own record every time it changes (the daemon's key; the simulator has
/// none).
public protocol RecordSealer: Sendable {
    /// The seal of `record`, whose origin is this node.
    func seal(_ record: LinkStateRecord) -> RecordSeal
}
