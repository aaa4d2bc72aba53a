/// When this node's own record is flooded: once for every change one event made, and at
/// most once per ``RouterConfiguration/originationHold``; a change within the hold after
/// the last flood waits for its end (``nextDeadline``) and goes then as the version
/// current at that time. A sub-machine of ``Router`` that owns this state and reports its
/// next deadline.
struct OriginationHold: Sendable {
    private let hold: Duration
    /// The record changed and is not flooded yet.
    private var unsent = false
    private var lastFlood: Instant?
    /// When the hold lets the waiting version go.
    private(set) var nextDeadline: Instant?

    init(_ configuration: RouterConfiguration) {
        hold = configuration.originationHold
    }

    /// The record changed.
    mutating func recordChanged() {
        unsent = true
    }

    /// Whether the record is to be flooded at `now` (the end of an event); when it must
    /// wait, ``nextDeadline`` says until when.
    mutating func floods(at now: Instant) -> Bool {
        guard unsent else { return false }
        if let lastFlood, now < lastFlood + hold {
            nextDeadline = lastFlood + hold
            return false
        }
        unsent = false
        nextDeadline = nil
        lastFlood = now
        return true
    }
}
