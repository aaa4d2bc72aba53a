/// Flood pacing (``RouterConfiguration/floodPacing``, ``RouterConfiguration/floodBurst``):
/// per peer, frames of records and flushes go at once while fewer than `floodBurst` went in
/// the last `floodBurst` intervals of `floodPacing` (the generic cell rate algorithm);
/// beyond that, the origins of what would be sent wait, and go together in the next frame
/// the schedule allows, each as the router holds it then (a version superseded meanwhile is
/// never sent). An origin waiting for a peer that sends this node the record (or its flush)
/// is no longer sent to it: it would only be an echo. A sub-machine of ``Router`` that owns
/// this state and reports its next deadline.
struct FloodPacer: Sendable {
    /// One peer's schedule and the origins waiting for a frame.
    private struct Lane: Sendable {
        var rate = CellRate()
        var waiting: Set<NodeID> = []
    }

    private let pacing: Duration
    private let burst: Int
    private var lanes: [NodeID: Lane] = [:]
    /// The earliest time a frame may go to a peer for which origins wait.
    private(set) var nextDeadline: Instant?

    init(_ configuration: RouterConfiguration) {
        pacing = configuration.floodPacing
        burst = configuration.floodBurst
    }

    /// Whether a frame to `peer` goes at `now`: nothing waits for the peer and its schedule
    /// allows one (counted then). When it does not, the caller passes the frame's origins
    /// to ``wait(_:for:)``.
    mutating func sendsNow(to peer: NodeID, at now: Instant) -> Bool {
        guard let index = lanes.index(forKey: peer) else {
            lanes[peer] = Lane(rate: CellRate(schedule: now + pacing))
            return true
        }
        guard lanes.values[index].waiting.isEmpty, nextFrame(lanes.values[index]) <= now else { return false }
        lanes.values[index].rate.spend(1, at: now, pacing: pacing)
        return true
    }

    /// Notes `origins` for the next frame the schedule of `peer` allows.
    mutating func wait(_ origins: some Sequence<NodeID>, for peer: NodeID) {
        // In place through the index: a copy of the lane would copy its set.
        if lanes[peer] == nil {
            lanes[peer] = Lane()
        }
        let index = lanes.index(forKey: peer)!
        lanes.values[index].waiting.formUnion(origins)
        let due = nextFrame(lanes.values[index])
        nextDeadline = min(nextDeadline ?? due, due)
    }

    /// `peer` holds the record of `origin` this node holds, or a newer one (it sent it, or
    /// its flush): nothing of `origin` waits for it any more.
    mutating func peerHolds(_ origin: NodeID, peer: NodeID) {
        guard let index = lanes.index(forKey: peer), !lanes.values[index].waiting.isEmpty else { return }
        lanes.values[index].waiting.remove(origin)
    }

    /// Whether origins wait for `peer`.
    func isWaiting(for peer: NodeID) -> Bool {
        lanes[peer].map { !$0.waiting.isEmpty } ?? false
    }

    /// The peers whose schedule allows a frame at `now`, in id order, each with the origins
    /// waiting for it (in id order), counted as sent; the others wait on.
    mutating func takeDue(at now: Instant) -> [(peer: NodeID, origins: [NodeID])] {
        guard let due = nextDeadline, due <= now else { return [] }
        nextDeadline = nil
        var taken: [(peer: NodeID, origins: [NodeID])] = []
        for peer in lanes.keys.sorted() where !lanes[peer]!.waiting.isEmpty {
            let index = lanes.index(forKey: peer)!
            let next = nextFrame(lanes.values[index])
            guard next <= now else {
                nextDeadline = min(nextDeadline ?? next, next)
                continue
            }
            lanes.values[index].rate.spend(1, at: now, pacing: pacing)
            let origins = lanes.values[index].waiting.sorted()
            lanes.values[index].waiting = []
            taken.append((peer, origins))
        }
        return taken
    }

    /// The link to `peer` is gone: nothing waits for it.
    mutating func forget(_ peer: NodeID) {
        lanes[peer] = nil
    }

    /// When the schedule of `lane` allows its next frame.
    private func nextFrame(_ lane: Lane) -> Instant {
        lane.rate.turn(for: 1, pacing: pacing, burst: burst)
    }
}
