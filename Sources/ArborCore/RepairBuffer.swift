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
struct RepairBuffer: Sendable {
    /// Bytes counted per message beside its payload and topic (the message's fields and
    /// the buffer's bookkeeping).
    static let entryOverhead = 96

    struct Stream: Sendable {
        /// Messages in the order they were admitted (not necessarily by sequence: a
        /// repaired message comes after newer ones).
        var messages: Deque<(message: DataMessage, arrival: Instant)> = []
        var highest: UInt64 = 0
        var lastArrival: Instant
        /// The neighbour that delivered the latest message (nil: published here).
        var source: NodeID?
    }

    let maximumBytes: Int
    let maximumAge: Duration
    let streamMemory: Duration
    private var streams: [DuplicateFilter.StreamKey: Stream] = [:]
    /// Every buffered message in admission order, with its arrival and size: the front is
    /// the oldest of all streams.
    private var order: Deque<(key: DuplicateFilter.StreamKey, arrival: Instant, size: Int)> = []
    private(set) var bytes = 0
    private var nextSweep: Instant = .zero

    init(maximumBytes: Int, maximumAge: Duration, streamMemory: Duration) {
        self.maximumBytes = max(0, maximumBytes)
        self.maximumAge = maximumAge
        self.streamMemory = max(maximumAge, streamMemory)
    }

    /// The number of messages held.
    var count: Int { order.count }

    /// Records an admitted message of stream `key` from `source` (nil: published here).
    /// Only this node's own messages are kept (only the origin's node answers requests;
    /// keeping every relayed message cost the relay path a third of its speed); of the
    /// others, the stream's record.
    mutating func insert(_ message: DataMessage, key: DuplicateFilter.StreamKey, from source: NodeID?, now: Instant) {
        var fits = false
        if source == nil {
            let size = message.payloadCount + message.topic.bytes.count + Self.entryOverhead
            fits = size <= maximumBytes
            if fits {
                order.append((key, now, size))
                bytes += size
            }
        }
        if let index = streams.index(forKey: key) {
            streams.values[index].highest = max(streams.values[index].highest, message.sequence)
            streams.values[index].lastArrival = now
            streams.values[index].source = source
            if fits { streams.values[index].messages.append((message.detached, now)) }
        } else {
            var stream = Stream(highest: message.sequence, lastArrival: now, source: source)
            if fits { stream.messages.append((message.detached, now)) }
            streams[key] = stream
        }
        if fits || now >= nextSweep {
            evict(now)
        }
    }

    /// Notes that stream `key` is expected from `source` from now on (this node asked it
    /// for what it missed).
    mutating func expect(_ key: DuplicateFilter.StreamKey, from source: NodeID) {
        streams[key]?.source = source
    }

    /// The held messages of stream `key` in `first...last`, ascending by sequence.
    func messages(_ key: DuplicateFilter.StreamKey, from first: UInt64, through last: UInt64) -> [DataMessage] {
        guard first <= last, let stream = streams[key] else { return [] }
        return stream.messages.lazy.map(\.message).filter { $0.sequence >= first && $0.sequence <= last }.sorted { $0.sequence < $1.sequence }
    }

    /// The oldest held message of stream `key` (for this node's own stream, all later ones
    /// are held too: they are admitted in order and evicted in order).
    func oldest(_ key: DuplicateFilter.StreamKey) -> UInt64? {
        streams[key]?.messages.first?.message.sequence
    }

    /// The held messages of `topology` that arrived at `since` or later, by stream, each
    /// stream's ascending by sequence.
    func messages(of topology: TopologyName, since: Instant) -> [DataMessage] {
        var found: [DataMessage] = []
        for key in streams.keys.filter({ $0.topology == topology }).sorted(by: { ($0.origin, $0.incarnation) < ($1.origin, $1.incarnation) }) {
            found += streams[key]!.messages.filter { $0.arrival >= since }.map(\.message).sorted { $0.sequence < $1.sequence }
        }
        return found
    }

    /// The streams of `topology` heard within ``streamMemory``, with their highest
    /// sequence and the neighbour that delivered it, in a fixed order.
    func recentStreams(of topology: TopologyName, now: Instant) -> [(key: DuplicateFilter.StreamKey, highest: UInt64, source: NodeID?)] {
        return streams.filter { $0.key.topology == topology && now - $0.value.lastArrival <= streamMemory }
            .map { ($0.key, $0.value.highest, $0.value.source) }
            .sorted { ($0.key.origin, $0.key.incarnation) < ($1.key.origin, $1.key.incarnation) }
    }

    /// Drops messages beyond the bounds and, once per ``maximumAge``, the streams silent
    /// for ``streamMemory``.
    mutating func evict(_ now: Instant) {
        while let oldest = order.first, bytes > maximumBytes || now - oldest.arrival > maximumAge {
            order.removeFirst()
            bytes -= oldest.size
            _ = streams[oldest.key]?.messages.popFirst()
        }
        if now >= nextSweep {
            nextSweep = now + maximumAge
            streams = streams.filter { !$0.value.messages.isEmpty || now - $0.value.lastArrival <= streamMemory }
        }
    }
}
