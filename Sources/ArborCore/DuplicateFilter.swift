/// Remembers which messages of each stream (origin, incarnation, topology) were seen, in a
/// sliding window of the latest ``window`` sequence numbers, so that no message is handled
/// twice however many paths it arrives by. A message older than the window counts as seen:
/// when in doubt, drop rather than deliver twice.
///
/// Memory is bounded: at most ``maximumStreams`` streams; the least recently active one is
/// forgotten first.
public struct DuplicateFilter: Sendable {
    public struct StreamKey: Hashable, Sendable {
        public var origin: NodeID
        public var incarnation: UInt64
        public var topology: TopologyName

        public init(origin: NodeID, incarnation: UInt64, topology: TopologyName) {
            self.origin = origin
            self.incarnation = incarnation
            self.topology = topology
        }
    }

    /// What ``admission(_:sequence:)`` found.
    public enum Admission: Sendable {
        /// Not seen before, at or after the first sequence admitted of its stream.
        case new
        /// Not seen before, but older than the first sequence admitted of its stream: it was
        /// published before this node was on the stream's way (before its subscribers'
        /// interest reached the origin, or lost before the node heard the stream). Pass it
        /// on, but a local subscriber must not get it after newer messages of its origin.
        case newBeforeStart
        /// Seen, or too old to tell.
        case seen
    }

    private struct Window: Sendable {
        /// The first sequence admitted, when the stream was first heard.
        var first: UInt64
        var highest: UInt64 = 0
        /// Bit i of word (s / 64) % words is set when sequence s (within the window) was seen.
        var bits: [UInt64]
        var lastUse: UInt64 = 0

        mutating func admit(_ sequence: UInt64, window: Int, now: UInt64) -> Bool {
            lastUse = now
            if sequence > highest {
                // Clear the bits of sequences that slide into the window.
                let advance = sequence - highest
                if advance >= UInt64(window) {
                    for index in bits.indices { bits[index] = 0 }
                } else {
                    // A closed range: the last sequence a peer can send is UInt64.max.
                    for cleared in (highest + 1)...sequence {
                        let slot = Int(cleared % UInt64(window))
                        bits[slot / 64] &= ~(1 << UInt64(slot % 64))
                    }
                }
                highest = sequence
            } else if highest - sequence >= UInt64(window) {
                return false
            }
            let slot = Int(sequence % UInt64(window))
            let mask: UInt64 = 1 << UInt64(slot % 64)
            if bits[slot / 64] & mask != 0 {
                return false
            }
            bits[slot / 64] |= mask
            return true
        }
    }

    public let window: Int
    public let maximumStreams: Int
    private var streams: [StreamKey: Window] = [:]
    private var clock: UInt64 = 0
    /// The stream of the latest admit and where it is stored: a run of one stream's
    /// messages hashes its key once. Cleared whenever a stream is added or forgotten (an
    /// index is valid only until then).
    private var latest: (key: StreamKey, index: Dictionary<StreamKey, Window>.Index)?

    public init(window: Int = 4096, maximumStreams: Int = 65536) {
        self.window = max(64, (window + 63) / 64 * 64)
        self.maximumStreams = maximumStreams
    }

    /// Records `sequence` of `stream`; returns `true` when it is new (not seen, not too old).
    public mutating func admit(_ stream: StreamKey, sequence: UInt64) -> Bool {
        admission(stream, sequence: sequence) != .seen
    }

    /// Records `sequence` of `stream` and says whether it is new, and if so whether it is
    /// older than the first sequence admitted of the stream.
    public mutating func admission(_ stream: StreamKey, sequence: UInt64) -> Admission {
        clock += 1
        let index: Dictionary<StreamKey, Window>.Index
        if let latest, latest.key == stream {
            index = latest.index
        } else if let found = streams.index(forKey: stream) {
            index = found
            latest = (stream, found)
        } else {
            latest = nil
            var fresh = Window(first: sequence, bits: [UInt64](repeating: 0, count: window / 64))
            let admitted = fresh.admit(sequence, window: window, now: clock)
            streams[stream] = fresh
            if streams.count > maximumStreams {
                // The new stream is the most recently used: never the one evicted.
                evictOldest()
            }
            return admitted ? .new : .seen
        }
        // Changed where it is stored: a copy of the window would copy its bits.
        guard streams.values[index].admit(sequence, window: window, now: clock) else { return .seen }
        return sequence < streams.values[index].first ? .newBeforeStart : .new
    }

    /// Highest sequence seen on `stream`, 0 if none.
    public func highest(_ stream: StreamKey) -> UInt64 {
        streams[stream]?.highest ?? 0
    }

    public var streamCount: Int { streams.count }

    private mutating func evictOldest() {
        if let oldest = streams.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            streams[oldest] = nil
        }
    }
}
