/// Interest pacing (``RouterConfiguration/interestPacing``, ``RouterConfiguration/interestBurst``,
/// ``RouterConfiguration/interestBatch``): per peer, interest updates go at once while fewer
/// than `interestBurst` went in the last `interestBurst` intervals of `interestPacing` (the
/// generic cell rate algorithm); beyond that, the topologies whose update would go wait, in
/// the order they first waited and each once, and go `interestBatch` at a time (or all that
/// wait, if fewer) when the schedule allows. What is sent for a topology is computed by the
/// router when its turn comes, so changes made meanwhile go as one update. A sub-machine of
/// ``Router`` that owns this state and reports its next deadline.
struct InterestPacer: Sendable {
    /// One peer's schedule and the topologies waiting for their turn.
    private struct Lane: Sendable {
        var rate = CellRate()
        var waiting = TopologyQueue()
    }

    private let pacing: Duration
    private let burst: Int
    private let batch: Int
    private var lanes: [NodeID: Lane] = [:]
    /// The earliest time the schedule of a peer for which topologies wait lets some go.
    private(set) var nextDeadline: Instant?

    init(_ configuration: RouterConfiguration) {
        pacing = configuration.interestPacing
        burst = max(1, configuration.interestBurst)
        batch = configuration.interestBatch
    }

    /// Whether an update to `peer` goes at `now`: no topology waits for the peer and its
    /// schedule allows one (counted then). When it does not, the caller passes the
    /// topology to ``wait(_:for:)``.
    mutating func sendsNow(to peer: NodeID, at now: Instant) -> Bool {
        let index = lane(of: peer)
        guard lanes.values[index].waiting.isEmpty, allowance(lanes.values[index], now) > 0 else { return false }
        lanes.values[index].rate.spend(1, at: now, pacing: pacing)
        return true
    }

    /// Queues `names` (each once, behind those waiting already) for the next turns of `peer`.
    mutating func wait(_ names: some Sequence<TopologyName>, for peer: NodeID) {
        let index = lane(of: peer)
        for name in names {
            lanes.values[index].waiting.append(name)
        }
        guard !lanes.values[index].waiting.isEmpty else { return }
        let due = nextTurn(lanes.values[index])
        nextDeadline = min(nextDeadline ?? due, due)
    }

    /// The peers whose schedule lets updates go at `now`, in id order, each with the
    /// topologies whose turn it is (oldest first, as many as the schedule allows, counted
    /// as sent); the others wait on.
    mutating func takeDue(at now: Instant) -> [(peer: NodeID, names: [TopologyName])] {
        guard let due = nextDeadline, due <= now else { return [] }
        nextDeadline = nil
        var taken: [(peer: NodeID, names: [TopologyName])] = []
        for peer in lanes.keys.sorted() where !lanes[peer]!.waiting.isEmpty {
            let index = lanes.index(forKey: peer)!
            let names = lanes.values[index].waiting.takeFirst(allowance(lanes.values[index], now))
            lanes.values[index].rate.spend(names.count, at: now, pacing: pacing)
            if !names.isEmpty {
                taken.append((peer, names))
            }
            if !lanes.values[index].waiting.isEmpty {
                let next = nextTurn(lanes.values[index])
                nextDeadline = min(nextDeadline ?? next, next)
            }
        }
        return taken
    }

    /// The link to `peer` is gone: nothing waits for it, and a new link starts a new schedule.
    mutating func forget(_ peer: NodeID) {
        lanes[peer] = nil
    }

    /// The index of the lane of `peer`, made when it has none. Lanes are changed in place
    /// through it: a copy alive while its queue grows would make every append copy the
    /// whole queue (quadratic in a burst of thousands).
    private mutating func lane(of peer: NodeID) -> Dictionary<NodeID, Lane>.Index {
        if let index = lanes.index(forKey: peer) { return index }
        lanes[peer] = Lane()
        return lanes.index(forKey: peer)!
    }

    /// How many updates the schedule of `lane` allows at `now`.
    private func allowance(_ lane: Lane, _ now: Instant) -> Int {
        lane.rate.allowance(at: now, pacing: pacing, burst: burst)
    }

    /// When the schedule of `lane` lets its next batch of waiting updates go: `batch` of
    /// them, or all that wait if fewer.
    private func nextTurn(_ lane: Lane) -> Instant {
        let count = max(1, min(lane.waiting.count, batch))
        return lane.rate.turn(for: count, pacing: pacing, burst: burst)
    }
}
