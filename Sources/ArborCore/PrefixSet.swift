/// An aggregated set of prefixes: sorted, and no element is a prefix of another.
///
/// This is the form interest takes on the wire and in comparisons: two sets with the same
/// matches are equal. Build one from any prefixes with ``init(_:)``, which aggregates.
public struct PrefixSet: Hashable, Sendable, CustomStringConvertible {
    public private(set) var prefixes: [Topic]

    public static let empty = PrefixSet(sortedAggregated: [])

    /// Aggregates `prefixes`: drops duplicates and every prefix covered by a shorter one.
    public init(_ prefixes: some Sequence<Topic>) {
        var sorted = Array(prefixes)
        sorted.sort()
        var result: [Topic] = []
        result.reserveCapacity(sorted.count)
        for prefix in sorted {
            // In sorted order a covering prefix is always the last kept element.
            if let last = result.last, last.isPrefix(of: prefix) { continue }
            result.append(prefix)
        }
        self.prefixes = result
    }

    init(sortedAggregated: [Topic]) {
        self.prefixes = sortedAggregated
    }

    public var isEmpty: Bool { prefixes.isEmpty }
    public var count: Int { prefixes.count }

    /// Whether some element is a prefix of `topic`. In an aggregated sorted set the only
    /// candidate is the greatest element not above `topic`, found by binary search.
    public func matches(_ topic: Topic) -> Bool {
        let low = prefixes.partitionPoint { !(topic < $0) }
        return low > 0 && prefixes[low - 1].isPrefix(of: topic)
    }

    /// The union, aggregated.
    public func union(_ other: PrefixSet) -> PrefixSet {
        if other.isEmpty { return self }
        if isEmpty { return other }
        return PrefixSet(prefixes + other.prefixes)
    }

    /// Elements of `self` that are not elements of `other` (exact elements, not matches):
    /// with ``applying(added:removed:)`` this turns one aggregated set into another.
    public func subtracting(_ other: PrefixSet) -> [Topic] {
        let others = Set(other.prefixes)
        return prefixes.filter { !others.contains($0) }
    }

    /// The set after removing `removed` and adding `added`, re-aggregated.
    public func applying(added: [Topic], removed: [Topic]) -> PrefixSet {
        let gone = Set(removed)
        return PrefixSet(prefixes.filter { !gone.contains($0) } + added)
    }

    public var description: String {
        "[" + prefixes.map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }
}
