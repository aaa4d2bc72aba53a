import DequeModule

/// The messages this node recently published, kept so that what a reroute dropped can be
/// resent, and a record of every stream it recently admitted (docs/architecture.md,
/// "Repair and gaps").
///
/// Bounded by bytes (``maximumBytes``, counted as payload + topic + ``entryOverhead``) and by
/// age (``maximumAge``): the oldest message of all streams goes first. Besides the
/// messages, each stream heard within ``streamMemory`` keeps its highest sequence, also
/// when its messages no longer fit: after a reroute the router asks for what came after
/// it. A stream silent for ``streamMemory`` is forgotten at the next sweep.
///
/// Storage: the topic and payload bytes of every held message are copied, in admission
/// order, into segments of ``segmentSize`` bytes (each message's bytes within one segment;
/// a message over a quarter of that gets a segment of its own size), and an entry per
/// message (its stream, sequence, arrival and where its bytes lie) goes into one queue in
/// the same order. Keeping a message costs a copy of its bytes and an entry; evicting one
/// drops the entry, and a segment none of whose messages is held any more is kept for
/// reuse (spares beyond one are freed one per sweep): no heap object per message, and the
/// payloads a client's read brought are freed at once rather than held for seconds.
/// Growing takes one more segment and never moves what is held: a single byte ring grown
/// by doubling copied everything it held at each doubling, which stalled the publisher's
/// node for 1-2 ms at a time while a new publisher's buffer filled up (docs/benchmarks.md,
/// "p99 at 1,000 msg/s").
struct RepairBuffer: Sendable {
    /// Bytes counted per message beside its payload and topic (the message's fields and
    /// the buffer's bookkeeping; what an entry takes is less, so the entries and the bytes
    /// held stay within ``maximumBytes``; the segments add what is unused at their ends,
    /// under a quarter of each, and the spares).
    static let entryOverhead = 96

    /// Bytes per segment of the store.
    static let segmentSize = 1 << 18

    /// One held message: its bytes are `offset..<offset + topicCount + payloadCount` of
    /// segment number `segment` (numbered from the buffer's creation).
    private struct Entry: Sendable {
        var sequence: UInt64
        var arrival: Instant
        var segment: Int
        var offset: Int
        var payloadCount: UInt32
        var topicCount: UInt32
        /// The index of the message's stream in ``RepairBuffer/streams``.
        var stream: UInt32
        var hops: UInt8

        var byteCount: Int { Int(topicCount) + Int(payloadCount) }
        var size: Int { byteCount + RepairBuffer.entryOverhead }
    }

    private struct Stream: Sendable {
        var key: DuplicateFilter.StreamKey
        var highest: UInt64
        var lastArrival: Instant
        /// The neighbour that delivered the latest message (nil: published here).
        var source: NodeID?
        /// Entries of this stream in the queue.
        var heldCount = 0
    }

    let maximumBytes: Int
    let maximumAge: Duration
    let streamMemory: Duration
    /// Streams by index; a forgotten stream's slot is reused (``freeSlots``).
    private var streams: [Stream] = []
    private var slots: [DuplicateFilter.StreamKey: Int] = [:]
    private var freeSlots: [Int] = []
    /// The stream of the latest insert: a run of one stream's messages looks it up once.
    private var lastSlot: Int?
    /// Every held message in admission order: the front is the oldest of all streams.
    private var entries: Deque<Entry> = []
    /// The segments from the oldest held message's to the newest's, in order.
    private var segments: Deque<[UInt8]> = []
    /// The number of `segments.first`, and how much of `segments.last` is used.
    private var firstSegment = 0
    private var lastUsed = 0
    /// Emptied segments of ``segmentSize`` kept for the next ones needed; beyond one, one
    /// is freed per sweep (``evict(_:)``), so that a burst's segments go back gradually and
    /// not all at once in the steps that evict the burst (freeing a segment can be a
    /// `munmap`, and a 16 MiB burst is 64 of them).
    private var spares: [[UInt8]] = []
    private(set) var bytes = 0
    private var nextSweep: Instant = .zero

    init(maximumBytes: Int, maximumAge: Duration, streamMemory: Duration) {
        self.maximumBytes = max(0, maximumBytes)
        self.maximumAge = maximumAge
        self.streamMemory = max(maximumAge, streamMemory)
    }

    /// The number of messages held.
    var count: Int { entries.count }

    /// Records an admitted message of stream `key` (the message's own) from `source` (nil:
    /// published here). Only this node's own messages are kept (only the origin's node
    /// answers requests; keeping every relayed message cost the relay path a third of its
    /// speed); of the others, the stream's record.
    mutating func insert(_ message: DataMessage, key: DuplicateFilter.StreamKey, from source: NodeID?, now: Instant) {
        let slot = self.slot(of: key, message.sequence, from: source, now: now)
        var fits = false
        if source == nil {
            let payloadCount = message.payloadCount
            let topicCount = message.topic.bytes.count
            let size = payloadCount + topicCount + Self.entryOverhead
            fits = size <= maximumBytes && payloadCount <= UInt32.max && topicCount <= UInt32.max
            if fits {
                // Room first: what the bound evicts after an insert is what it evicts before.
                while bytes + size > maximumBytes {
                    removeOldest()
                }
                let (segment, offset) = store(message.topic.bytes, message.payload)
                let entry = Entry(
                    sequence: message.sequence, arrival: now, segment: segment, offset: offset, payloadCount: UInt32(payloadCount),
                    topicCount: UInt32(topicCount), stream: UInt32(slot), hops: message.hops
                )
                entries.append(entry)
                bytes += size
                streams[slot].heldCount += 1
            }
        }
        if fits || now >= nextSweep {
            evict(now)
        }
    }

    /// Notes that stream `key` is expected from `source` from now on (this node asked it
    /// for what it missed).
    mutating func expect(_ key: DuplicateFilter.StreamKey, from source: NodeID) {
        if let slot = slots[key] { streams[slot].source = source }
    }

    /// The held messages of stream `key` in `first...last`, ascending by sequence.
    func messages(_ key: DuplicateFilter.StreamKey, from first: UInt64, through last: UInt64) -> [DataMessage] {
        guard first <= last, let slot = slots[key] else { return [] }
        return entries.lazy.filter { $0.stream == slot && $0.sequence >= first && $0.sequence <= last }
            .map { message($0) }.sorted { $0.sequence < $1.sequence }
    }

    /// The oldest held message of stream `key` (for this node's own stream, all later ones
    /// are held too: they are admitted in order and evicted in order).
    func oldest(_ key: DuplicateFilter.StreamKey) -> UInt64? {
        guard let slot = slots[key], streams[slot].heldCount > 0 else { return nil }
        return entries.first { $0.stream == slot }?.sequence
    }

    /// The held messages of `topology` that arrived at `since` or later, by stream, each
    /// stream's ascending by sequence.
    func messages(of topology: TopologyName, since: Instant) -> [DataMessage] {
        var found: [DataMessage] = []
        let keys = slots.keys.filter { $0.topology == topology }.sorted { ($0.origin, $0.incarnation) < ($1.origin, $1.incarnation) }
        for key in keys {
            let slot = slots[key]!
            guard streams[slot].heldCount > 0 else { continue }
            found += entries.lazy.filter { $0.stream == slot && $0.arrival >= since }.map { message($0) }.sorted { $0.sequence < $1.sequence }
        }
        return found
    }

    /// The streams of `topology` heard within ``streamMemory``, with their highest
    /// sequence and the neighbour that delivered it, in a fixed order.
    func recentStreams(of topology: TopologyName, now: Instant) -> [(key: DuplicateFilter.StreamKey, highest: UInt64, source: NodeID?)] {
        return slots.values.lazy.map { streams[$0] }
            .filter { $0.key.topology == topology && now - $0.lastArrival <= streamMemory }
            .map { ($0.key, $0.highest, $0.source) }
            .sorted { ($0.key.origin, $0.key.incarnation) < ($1.key.origin, $1.key.incarnation) }
    }

    /// Drops messages beyond the bounds and, once per ``maximumAge``, the streams silent
    /// for ``streamMemory``.
    mutating func evict(_ now: Instant) {
        while let oldest = entries.first, bytes > maximumBytes || now - oldest.arrival > maximumAge {
            removeOldest()
        }
        if now >= nextSweep {
            nextSweep = now + maximumAge
            if spares.count > 1 {
                spares.removeLast()
            }
            for (key, slot) in slots where streams[slot].heldCount == 0 && now - streams[slot].lastArrival > streamMemory {
                slots[key] = nil
                freeSlots.append(slot)
                if lastSlot == slot { lastSlot = nil }
            }
        }
    }

    /// Notes a message of stream `key` and returns the stream's index.
    private mutating func slot(of key: DuplicateFilter.StreamKey, _ sequence: UInt64, from source: NodeID?, now: Instant) -> Int {
        if let slot = lastSlot, streams[slot].key == key {
            note(slot, sequence, from: source, now: now)
            return slot
        }
        let slot: Int
        if let known = slots[key] {
            slot = known
            note(slot, sequence, from: source, now: now)
        } else {
            let stream = Stream(key: key, highest: sequence, lastArrival: now, source: source)
            if let free = freeSlots.popLast() {
                slot = free
                streams[slot] = stream
            } else {
                slot = streams.count
                streams.append(stream)
            }
            slots[key] = slot
        }
        lastSlot = slot
        return slot
    }

    private mutating func note(_ slot: Int, _ sequence: UInt64, from source: NodeID?, now: Instant) {
        streams[slot].highest = max(streams[slot].highest, sequence)
        streams[slot].lastArrival = now
        streams[slot].source = source
    }

    private mutating func removeOldest() {
        let oldest = entries.removeFirst()
        bytes -= oldest.size
        streams[Int(oldest.stream)].heldCount -= 1
        // The segments before the oldest held message's go.
        let keep = entries.first?.segment ?? firstSegment + segments.count
        while firstSegment < keep, let segment = segments.popFirst() {
            firstSegment += 1
            if segment.count == Self.segmentSize {
                spares.append(segment)
            }
        }
        if segments.isEmpty {
            lastUsed = 0
        }
    }

    /// Copies `topic` and `payload` after the newest held message's bytes, in a new segment
    /// when the last one has no room; returns the segment's number and where they start.
    private mutating func store(_ topic: [UInt8], _ payload: [UInt8]) -> (segment: Int, offset: Int) {
        let count = topic.count + payload.count
        if segments.isEmpty || segments[segments.count - 1].count - lastUsed < count {
            if count <= Self.segmentSize / 4, let reused = spares.popLast() {
                segments.append(reused)
            } else {
                let size = count <= Self.segmentSize / 4 ? Self.segmentSize : count
                // Not zeroed: only what is written here is ever read.
                segments.append([UInt8](unsafeUninitializedCapacity: size) { _, initialized in initialized = size })
            }
            lastUsed = 0
        }
        let offset = lastUsed
        segments[segments.count - 1].withUnsafeMutableBytes { segment in
            segment.baseAddress!.advanced(by: offset).copyMemory(from: topic, byteCount: topic.count)
            segment.baseAddress!.advanced(by: offset + topic.count).copyMemory(from: payload, byteCount: payload.count)
        }
        lastUsed += count
        return (firstSegment + segments.count - 1, offset)
    }

    /// `count` bytes of `entry`'s, from its `from`th on.
    private func read(_ entry: Entry, from: Int, count: Int) -> [UInt8] {
        let start = entry.offset + from
        return Array(segments[entry.segment - firstSegment][start..<(start + count)])
    }

    private func message(_ entry: Entry) -> DataMessage {
        let key = streams[Int(entry.stream)].key
        return DataMessage(
            topology: key.topology,
            origin: key.origin,
            originIncarnation: key.incarnation,
            sequence: entry.sequence,
            hops: entry.hops,
            topic: Topic(read(entry, from: 0, count: Int(entry.topicCount))),
            payload: read(entry, from: Int(entry.topicCount), count: Int(entry.payloadCount))
        )
    }
}
