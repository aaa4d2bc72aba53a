/// A node's stable 128-bit identity.
///
/// Node ids are compared as unsigned 128-bit integers (`high` first); that order breaks every
/// tie in routing, so every node that sees the same link-state database makes the same choice.
/// The textual form is 32 lowercase hexadecimal digits.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The node id a topology definition's entry names, when it names one by id (32 hex
    /// digits); `nil` when the entry is a node name. An id is never read as a name.
    public init?(listed entry: String) {
        guard entry.utf8.count == 32 else { return nil }
        self.init(hex: entry)
    }

    /// Parses exactly 32 hexadecimal digits (either case); `nil` for anything else.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 32 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (position, byte) in utf8.enumerated() {
            guard let nibble = Hex.digit(byte) else { return nil }
            if position < 16 {
                high = high << 4 | UInt64(nibble)
            } else {
                low = low << 4 | UInt64(nibble)
            }
        }
        self.init(high: high, low: low)
    }

    /// A fresh random id drawn from `generator`.
    public static func random(using generator: inout some RandomNumberGenerator) -> NodeID {
        NodeID(high: generator.next(), low: generator.next())
    }

    /// Hashes for tables with ``wordPairHash(_:_:seed:)`` instead of SipHash.
    public func _rawHashValue(seed: Int) -> Int {
        wordPairHash(high, low, seed: seed)
    }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    public var description: String {
        NodeID.hex16(high) + NodeID.hex16(low)
    }

    /// The first 8 hex digits, for logs and tables.
    public var short: String {
        String(description.prefix(8))
    }

    private static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
