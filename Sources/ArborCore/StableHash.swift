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

    mutating func combine(_ bytes: some Sequence<UInt8>) {
        var count: UInt64 = 0
        var word: UInt64 = 0
        for byte in bytes {
            word = word << 8 | UInt64(byte)
            count += 1
            if count % 8 == 0 {
                combine(word)
                word = 0
            }
        }
        combine(word)
        combine(count)
    }

    mutating func combine(_ string: String) {
        combine(string.utf8)
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
