/// Which nodes are outside this node's component, and since when: tracked on the router's
/// graph at most once per ``RouterConfiguration/reachabilityInterval`` (a pass over every
/// unreachable node), and read when records age out after
/// ``RouterConfiguration/recordGracePeriod`` (see `Router+Ageing.swift`). A sub-machine of
/// ``Router`` that owns this state and reports its next deadline.
struct ReachabilityTracker: Sendable {
    private let interval: Duration
    private let grace: Duration
    /// Nodes outside this node's component, and since when: batches of the nodes first
    /// noted at one instant, each a set of indices into `numbering`. During a partition of
    /// a large overlay every node tracks thousands of others; a hashed entry of a node id
    /// and an instant per node was most of the simulator's memory (some 800 MB of 10,000
    /// routers while 1,000 of them were cut off), a bit per node is 1.25 KB.
    private var batches: [(since: Instant, nodes: NodeIndexSet)] = []
    /// The node ids of the graph tracked last, in index order (ascending): the graph's own
    /// array, shared with it. Empty while nothing is tracked.
    private var numbering: [NodeID] = []
    /// No batch is earlier (one may be later: a batch emptied when its nodes came back
    /// leaves this in place, and waking early is harmless). Kept so that a wake-up request
    /// does not cost a pass over the batches.
    private var earliest: Instant?
    /// When, and on which graph, the batches were last brought up to date.
    private var trackedAt: Instant?
    private(set) var trackedDigest: DatabaseDigest?
    /// When the graph is to be looked at again.
    private var checkAt: Instant?

    init(_ configuration: RouterConfiguration) {
        interval = configuration.reachabilityInterval
        grace = configuration.recordGracePeriod
    }

    /// The earliest instant something is due: a check, or the end of a grace period.
    var nextDeadline: Instant? {
        switch (checkAt, earliest.map { $0 + grace }) {
        case (let check?, let expiry?): return min(check, expiry)
        case (let check, let expiry): return check ?? expiry
        }
    }

    /// The router took a new graph at `now`: whether to track reachability on it now;
    /// else a check is due when the interval since the last tracking ends.
    mutating func graphChanged(_ now: Instant) -> Bool {
        guard let last = trackedAt, now - last < interval else { return true }
        if checkAt == nil { checkAt = last + interval }
        return false
    }

    /// A check is to come one interval after `now`, unless one is due already (a node
    /// without topologies builds no graph on a recomputation).
    mutating func checkLater(_ now: Instant) {
        if checkAt == nil { checkAt = now + interval }
    }

    /// Whether the check is due at `now`; one returned is no longer due.
    mutating func checkDue(_ now: Instant) -> Bool {
        guard let due = checkAt, due <= now else { return false }
        checkAt = nil
        return true
    }

    /// Brings the unreachable nodes up to date with `graph`, seen from node `me`: nodes
    /// outside its component are noted with `now` (unless noted earlier), the others
    /// forgotten.
    mutating func track(_ graph: Graph, me id: NodeID, now: Instant) {
        trackedAt = now
        trackedDigest = graph.digest
        guard let me = graph.index(of: id) else { return }
        let mine = graph.components[Int(me)]
        let sameNumbering = numbering == graph.ids
        var kept: [(since: Instant, nodes: NodeIndexSet)] = []
        var noted = NodeIndexSet(capacity: graph.count)
        for batch in batches {
            var nodes = NodeIndexSet(capacity: graph.count)
            for old in batch.nodes.sorted {
                guard let index = sameNumbering ? old : graph.index(of: numbering[Int(old)]),
                    graph.components[Int(index)] != mine
                else { continue }
                nodes.insert(index)
                noted.insert(index)
            }
            if nodes.count > 0 {
                kept.append((batch.since, nodes))
            }
        }
        var fresh = NodeIndexSet(capacity: graph.count)
        for component in graph.componentRoots where component != mine {
            for member in graph.members(ofComponent: component) where !noted.contains(member) {
                fresh.insert(member)
            }
        }
        if fresh.count > 0 {
            kept.append((now, fresh))
        }
        batches = kept
        numbering = batches.isEmpty ? [] : graph.ids
        earliest = batches.map(\.since).min()
    }

    /// `node` is reachable again, or its record is gone. `hint` is where the caller found
    /// it in the router's graph: most often the tracked graph's numbering, then no search.
    mutating func forget(_ node: NodeID, hint: Int32? = nil) {
        guard !batches.isEmpty else { return }
        let index: Int32
        if let hint, hint >= 0, Int(hint) < numbering.count, numbering[Int(hint)] == node {
            index = hint
        } else if let found = position(of: node) {
            index = found
        } else {
            return
        }
        for position in batches.indices {
            batches[position].nodes.remove(index)
        }
    }

    /// The index of `node` in `numbering`, by binary search (ids ascend).
    private func position(of node: NodeID) -> Int32? {
        let low = numbering.partitionPoint { $0 < node }
        return low < numbering.count && numbering[low] == node ? Int32(low) : nil
    }

    /// Whether some node may have been unreachable for the grace period at `now`.
    func expiryDue(_ now: Instant) -> Bool {
        guard let earliest else { return false }
        return now - earliest >= grace
    }

    /// The nodes unreachable for the grace period at `now`, in id order, no longer tracked.
    mutating func takeExpired(_ now: Instant) -> [NodeID] {
        var expired: [Int32] = []
        batches.removeAll { batch in
            guard now - batch.since >= grace else { return false }
            expired += batch.nodes.sorted
            return true
        }
        let nodes = expired.sorted().map { numbering[Int($0)] }
        if batches.isEmpty {
            numbering = []
        }
        earliest = batches.map(\.since).min()
        return nodes
    }
}
