/// Deadlines of one kind (held publications, lingering memberships), each a fixed delay
/// after the moment it was noted, hence noted in order: the due ones come off the front,
/// and finding them costs nothing for the topologies whose time has not come.
struct DeadlineQueue: Sendable {
    private var entries: [(deadline: Instant, topology: TopologyName)] = []
    private var head = 0

    /// The first deadline still queued.
    var earliest: Instant? {
        head < entries.count ? entries[head].deadline : nil
    }

    mutating func append(_ deadline: Instant, for topology: TopologyName) {
        entries.append((deadline, topology))
    }

    /// The topologies of every deadline up to `now`, in the order they were noted.
    mutating func takeDue(at now: Instant) -> [TopologyName] {
        var due: [TopologyName] = []
        while head < entries.count, entries[head].deadline <= now {
            due.append(entries[head].topology)
            head += 1
        }
        if head == entries.count {
            entries.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return due
    }
}
