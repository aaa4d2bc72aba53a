import NIOCore

/// Capped exponential backoff: `initial`, then doubling, never above `maximum`.
/// A value type with no clock; the caller schedules the returned delay.
public struct Backoff: Hashable, Sendable {
    public let initial: TimeAmount
    public let maximum: TimeAmount
    public private(set) var attempts: Int = 0

    public init(initial: TimeAmount, maximum: TimeAmount) {
        precondition(initial.nanoseconds > 0 && maximum >= initial, "backoff needs 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the next attempt; counts the attempt.
    public mutating func next() -> TimeAmount {
        defer { attempts += 1 }
        // Doubling from `initial` reaches any Int64 cap within 63 steps; stop shifting before.
        let shift = min(attempts, 62)
        let (scaled, overflow) = initial.nanoseconds.multipliedReportingOverflow(by: 1 << shift)
        if overflow || scaled >= maximum.nanoseconds { return maximum }
        return .nanoseconds(scaled)
    }

    /// Back to `initial` (after a success).
    public mutating func reset() {
        attempts = 0
    }
}
