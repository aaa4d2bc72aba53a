/// The least round-trip sample of the current and the previous window: the link's own
/// delay, without the queueing and scheduling delay that a busy host adds to some samples.
///
/// A smoothed mean follows load: on a busy machine every node answers late now and then,
/// each late answer moves costs, and every moved cost floods a record and recomputes every
/// tree. The minimum over a window moves only when the link itself gets slower for a whole
/// window (then it follows within two windows) or faster (at once). TCP's min-RTT and
/// LEDBAT's base delay filter the same way.
struct RoundTripFloor: Sendable {
    private var current: Int64?
    private var previous: Int64?
    private var windowStart: Instant?
    /// Whether a whole window of samples was seen.
    private var measured = false

    /// Adds a sample (nanoseconds, ≥ 0) taken at `now`; windows last `window`.
    mutating func add(_ sample: Int64, at now: Instant, window: Duration) {
        if let start = windowStart, now - start >= window {
            // A window ended: it becomes the previous one (an older one is forgotten, also
            // after a silence longer than a window).
            previous = now - start >= window * 2 ? nil : current
            current = nil
            windowStart = now
            measured = true
        } else if windowStart == nil {
            windowStart = now
        }
        current = min(current ?? sample, sample)
    }

    /// The least sample of the two windows; `nil` until a whole window was seen: a link's
    /// first samples come while both ends start up (handshakes, floods, recomputations on
    /// every node at once) and are the most inflated, and a cost moved by them is a
    /// flooded record everywhere, then another when they settle.
    var value: Int64? {
        guard measured else { return nil }
        switch (current, previous) {
        case (let a?, let b?): return min(a, b)
        case (let a?, nil): return a
        case (nil, let b?): return b
        case (nil, nil): return nil
        }
    }
}
