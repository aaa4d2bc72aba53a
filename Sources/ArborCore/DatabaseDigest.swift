/// An order-independent 128-bit digest of a set of records: the XOR of their fingerprints.
/// Equal databases have equal digests; it is updated in O(1) per record change.
public struct DatabaseDigest: Hashable, Sendable, CustomStringConvertible {
    public private(set) var high: UInt64 = 0
    public private(set) var low: UInt64 = 0

    public init() {}

    mutating func toggle(_ record: LinkStateRecord) {
        let (first, second) = record.fingerprint
        high ^= first
        low ^= second
    }

    /// Hashes for tables with ``wordPairHash(_:_:seed:)`` instead of SipHash.
    public func _rawHashValue(seed: Int) -> Int {
        wordPairHash(high, low, seed: seed)
    }

    public var description: String {
        String(high, radix: 16) + ":" + String(low, radix: 16)
    }
}
