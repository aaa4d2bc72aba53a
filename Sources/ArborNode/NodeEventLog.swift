import ArborCore

/// The most recent router observations (peers up and down, reroutes, conflicts), with
/// when they happened, for operators. A ring of fixed capacity.
struct NodeEventLog: Sendable {
    struct Entry: Sendable {
        /// Increases by one per entry, so a follower can ask for what came after.
        var sequence: UInt64
        var instant: Instant
        /// Wall-clock time, nanoseconds since the Unix epoch.
        var wallClock: Int64
        var observation: Router.Observation
    }

    let capacity: Int
    private(set) var entries: [Entry] = []
    private var nextSequence: UInt64 = 1
    private var head = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Sequence number of the newest entry; 0 before the first.
    var newest: UInt64 { nextSequence - 1 }

    /// Sequence number of the oldest entry still kept (`newest + 1` when empty).
    var oldest: UInt64 { nextSequence - UInt64(entries.count) }

    mutating func append(_ observation: Router.Observation, at instant: Instant, wallClock: Int64) {
        let entry = Entry(sequence: nextSequence, instant: instant, wallClock: wallClock, observation: observation)
        nextSequence += 1
        if entries.count < capacity {
            entries.append(entry)
        } else {
            entries[head] = entry
            head = (head + 1) % capacity
        }
    }

    /// Entries in order, oldest first, with sequence above `after`.
    func entries(after: UInt64 = 0) -> [Entry] {
        let ordered = Array(entries[head...] + entries[..<head])
        return ordered.filter { $0.sequence > after }
    }
}
