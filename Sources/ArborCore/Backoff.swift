/// Capped exponential backoff: `initial`, then doubling, never above `maximum`. A value
/// type with no clock; the caller schedules the returned delay. The one doubling rule of
/// every retry: the overlay's redials (``OverlayBackoff`` adds jitter to it) and the mDNS
/// backend's reconnections to the Avahi daemon.
public struct Backoff: Hashable, Sendable {
    public let initial: Duration
    public let maximum: Duration
    public private(set) var attempts: Int = 0

    public init(initial: Duration, maximum: Duration) {
        precondition(initial > .zero && maximum >= initial, "backoff needs 0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the next attempt; counts the attempt.
    public mutating func next() -> Duration {
        defer { attempts += 1 }
        return Self.delay(afterFailures: attempts, initial: initial, maximum: maximum)
    }

    /// Back to `initial` (after a success).
    public mutating func reset() {
        attempts = 0
    }

    /// `initial` doubled once per failure, never above `maximum`.
    static func delay(afterFailures failures: Int, initial: Duration, maximum: Duration) -> Duration {
        // Doubling from `initial` reaches any Int64 cap within 63 steps; stop shifting before.
        let shift = min(failures, 62)
        let (scaled, overflow) = initial.nanoseconds.multipliedReportingOverflow(by: 1 << shift)
        return .nanoseconds(overflow ? maximum.nanoseconds : min(scaled, maximum.nanoseconds))
    }
}
