/// Measures failovers: the time from this node detecting a peer failure (the link closed,
/// heartbeats missed, or a goodbye) to the first recomputation of routes after it, counted
/// when that recomputation changed at least one route (new trees installed). A failure that
/// changes no route of this node is not a failover here and is not counted.
///
/// Failures detected while one is pending are measured from the first of them, so a burst
/// counts once. Only failures this node detects itself are measured: nodes farther away
/// learn of them from flooded records, and their own clocks do not see a detection.
///
/// A sub-machine of ``Router``: it sees the router's observations of one event, and at the
/// event's end the router's recomputation count; the router adds what it finishes to its
/// ``RouterStatistics``.
struct FailoverClock: Sendable {
    private var pending: (detectedAt: Instant, recomputations: UInt64)?
    /// What the observations of the event being handled held.
    private var peerFailed = false
    private var routeChanged = false

    /// Notes an observation of the event being handled.
    mutating func observed(_ observation: Router.Observation) {
        switch observation {
        case .peerDown: peerFailed = true
        case .routeChanged: routeChanged = true
        default: break
        }
    }

    /// Called once per event, after its last observation, with the router's recomputation
    /// counter. Returns the duration of a failover that ended with this event.
    mutating func eventHandled(at now: Instant, recomputations: UInt64) -> Duration? {
        defer {
            peerFailed = false
            routeChanged = false
        }
        var finished: Duration?
        if let pending, recomputations > pending.recomputations {
            self.pending = nil
            if routeChanged {
                finished = now - pending.detectedAt
            }
        }
        if peerFailed, pending == nil {
            pending = (now, recomputations)
        }
        return finished
    }
}
