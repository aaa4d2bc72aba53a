/// A deterministic 64-bit hash, identical on every node and in every process (unlike
/// `Hasher`, which is seeded per process). Used for rendezvous hashing and database digests.
struct StableHash {
    private(set) var state: UInt64

    init(seed: UInt64 = 0x9E37_79B9_7F4A_7C15) {
        state = seed
    }

    mutating func combine(_ value: UInt64) {
        state = StableHash.mix(state ^ value &+ 0x9E37_79B9_7F4A_7C15)
    }

    mutating func combine(_ bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        while index + 8 <= bytes.count {
            var word: UInt64 = 0
            for offset in 0..<8 {
                word = word << 8 | UInt64(bytes[index + offset])
            }
            combine(word)
            index += 8
        }
        var tail: UInt64 = 0
        while index < bytes.count {
            tail = tail << 8 | UInt64(bytes[index])
            index += 1
        }
        combine(tail)
        combine(UInt64(bytes.count))
    }

    mutating func combine(_ string: String) {
        var copy = string
        copy.withUTF8 { combine($0) }
    }

    mutating func combine(_ id: NodeID) {
        combine(id.high)
        combine(id.low)
    }

    var value: UInt64 { StableHash.mix(state) }

    /// The splitmix64 finaliser: a bijection that spreads every input bit over the output.
    static func mix(_ input: UInt64) -> UInt64 {
        var z = input
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
