/// Which nodes are outside this node's component, and since when: tracked on the router's
/// graph at most once per ``RouterConfiguration/reachabilityInterval`` (a pass over every
/// unreachable node), and read when records age out after
/// ``RouterConfiguration/recordGracePeriod`` (see `Router+Ageing.swift`). A sub-machine of
/// ``Router`` that owns this state and reports its next deadline.
struct ReachabilityTracker: Sendable {
    private let interval: Duration
    private let grace: Duration
    /// Nodes outside this node's component, and since when.
    private(set) var unreachableSince: [NodeID: Instant] = [:]
    /// No entry of `unreachableSince` is earlier (one may be later: an entry removed when its
    /// node came back leaves this in place, and waking early is harmless). Kept so that a
    /// wake-up request does not cost a pass over thousands of unreachable nodes.
    private var earliest: Instant?
    /// When, and on which graph, `unreachableSince` was last brought up to date.
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

    /// Brings `unreachableSince` up to date with `graph`, seen from node `me`: nodes outside
    /// its component are noted with `now` (unless noted earlier), the others forgotten.
    mutating func track(_ graph: Graph, me id: NodeID, now: Instant) {
        trackedAt = now
        trackedDigest = graph.digest
        guard let me = graph.index(of: id) else { return }
        let mine = graph.components[Int(me)]
        for node in unreachableSince.keys {
            if let index = graph.index(of: node), graph.components[Int(index)] != mine { continue }
            unreachableSince[node] = nil
        }
        for component in graph.componentRoots where component != mine {
            for member in graph.members(ofComponent: component) where unreachableSince[graph.ids[Int(member)]] == nil {
                unreachableSince[graph.ids[Int(member)]] = now
            }
        }
        earliest = unreachableSince.values.min()
    }

    /// `node` is reachable again, or its record is gone.
    mutating func forget(_ node: NodeID) {
        if !unreachableSince.isEmpty {
            unreachableSince[node] = nil
        }
    }

    /// Whether some node may have been unreachable for the grace period at `now`.
    func expiryDue(_ now: Instant) -> Bool {
        guard let earliest else { return false }
        return now - earliest >= grace
    }

    /// The nodes unreachable for the grace period at `now`, in id order, no longer tracked.
    mutating func takeExpired(_ now: Instant) -> [NodeID] {
        var expired: [NodeID] = []
        for (node, since) in unreachableSince.sorted(by: { $0.key < $1.key }) where now - since >= grace {
            unreachableSince[node] = nil
            expired.append(node)
        }
        earliest = unreachableSince.values.min()
        return expired
    }
}
