import ArborCore

/// Measures failovers: the time from this node detecting a peer failure (the link closed,
/// heartbeats missed, or a goodbye) to the first recomputation of routes after it, counted
/// when that recomputation changed at least one route (new trees installed). A failure that
/// changes no route of this node is not a failover here and is not counted.
///
/// Failures detected while one is pending are measured from the first of them, so a burst
/// counts once. Only failures this node detects itself are measured: nodes farther away
/// learn of them from flooded records, and their own trackers do not see a detection.
struct FailoverTracker: Sendable {
    private var pending: (detectedAt: Instant, recomputations: UInt64)?
    private(set) var count: UInt64 = 0
    private(set) var last: Duration?
    private(set) var maximum: Duration?

    /// Called once per router event, after its actions were carried out, with what the
    /// event's observations held and the router's recomputation counter. Returns the
    /// duration of a failover that ended with this event.
    mutating func eventHandled(at now: Instant, peerFailed: Bool, routeChanged: Bool, recomputations: UInt64) -> Duration? {
        var finished: Duration?
        if let pending, recomputations > pending.recomputations {
            self.pending = nil
            if routeChanged {
                let duration = now - pending.detectedAt
                count += 1
                last = duration
                maximum = max(maximum ?? duration, duration)
                finished = duration
            }
        }
        if peerFailed, pending == nil {
            pending = (now, recomputations)
        }
        return finished
    }
}
