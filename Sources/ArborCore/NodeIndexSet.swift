/// A set of node indices of one ``Graph`` (dense, from zero): one bit per node of the graph,
/// so a router's note of the nodes changed since its graph was built costs an eighth of a
/// byte per node instead of a hashed entry of some twenty bytes, and iterates in index
/// order.
public struct NodeIndexSet: Sendable, Equatable {
    private var words: [UInt64]
    public private(set) var count = 0

    /// An empty set for the indices below `capacity`.
    public init(capacity: Int) {
        words = [UInt64](repeating: 0, count: (max(0, capacity) + 63) / 64)
    }

    /// Adds `index`, which is below the capacity.
    public mutating func insert(_ index: Int32) {
        let (word, bit) = (Int(index) >> 6, UInt64(1) << (UInt64(index) & 63))
        guard words[word] & bit == 0 else { return }
        words[word] |= bit
        count += 1
    }

    /// Removes `index`, if held.
    public mutating func remove(_ index: Int32) {
        let word = Int(index) >> 6
        let bit = UInt64(1) << (UInt64(index) & 63)
        guard index >= 0, word < words.count, words[word] & bit != 0 else { return }
        words[word] &= ~bit
        count -= 1
    }

    public func contains(_ index: Int32) -> Bool {
        let word = Int(index) >> 6
        return word < words.count && words[word] & (UInt64(1) << (UInt64(index) & 63)) != 0
    }

    /// The indices held, ascending.
    public var sorted: [Int32] {
        var indices: [Int32] = []
        indices.reserveCapacity(count)
        for (position, word) in words.enumerated() where word != 0 {
            var rest = word
            while rest != 0 {
                indices.append(Int32(position * 64 + rest.trailingZeroBitCount))
                rest &= rest - 1
            }
        }
        return indices
    }
}
