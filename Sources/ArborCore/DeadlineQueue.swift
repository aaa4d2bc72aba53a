import DequeModule

/// Deadlines of one kind (held publications, lingering memberships), each a fixed delay
/// after the moment it was noted, hence noted in order: the due ones come off the front,
/// and finding them costs nothing for the topologies whose time has not come.
struct DeadlineQueue: Sendable {
    private var entries: Deque<(deadline: Instant, topology: TopologyName)> = []

    /// The first deadline still queued.
    var earliest: Instant? {
        entries.first?.deadline
    }

    mutating func append(_ deadline: Instant, for topology: TopologyName) {
        entries.append((deadline, topology))
    }

    /// The topologies of every deadline up to `now`, in the order they were noted.
    mutating func takeDue(at now: Instant) -> [TopologyName] {
        var due: [TopologyName] = []
        while let first = entries.first, first.deadline <= now {
            due.append(entries.removeFirst().topology)
        }
        return due
    }
}
