import ArborCore

/// An event of a simulator's queue: ordered by its time, and events of one time by the
/// order they were scheduled in, so that every run of a seed is the same run. Equality is
/// of that place in the queue only.
protocol TimeOrdered: Comparable {
    var time: Instant { get }
    /// Grows with every event scheduled.
    var order: UInt64 { get }
}

extension TimeOrdered {
    static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.time, lhs.order) < (rhs.time, rhs.order)
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.time == rhs.time && lhs.order == rhs.order
    }
}
