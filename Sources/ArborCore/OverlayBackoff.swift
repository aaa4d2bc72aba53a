/// Capped exponential backoff with ±25% jitter: ``Backoff``'s delay (`initial`, doubling
/// per failure, never above `maximum`) before jitter. The jitter comes from the caller's
/// seeded generator, never from a global one, so a run is reproducible.
struct OverlayBackoff: Sendable {
    private(set) var failures = 0

    /// The delay before the next attempt; counts the failure.
    mutating func next(initial: Duration, maximum: Duration, using random: inout OverlayRandom) -> Duration {
        defer { failures += 1 }
        let delay = Backoff.delay(afterFailures: failures, initial: initial, maximum: maximum).nanoseconds
        let spread = delay / 4
        return .nanoseconds(delay - spread + Int64(random.next() % UInt64(2 * spread + 1)))
    }

    /// Back to `initial` (after a success).
    mutating func reset() {
        failures = 0
    }
}

/// splitmix64: a tiny deterministic generator for jitter.
struct OverlayRandom: Sendable {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return StableHash.mix(state)
    }
}
