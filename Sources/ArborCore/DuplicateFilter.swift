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

    private struct Window: Sendable {
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
        clock += 1
        if let latest, latest.key == stream {
            return streams.values[latest.index].admit(sequence, window: window, now: clock)
        }
        if let index = streams.index(forKey: stream) {
            latest = (stream, index)
            // Changed where it is stored: a copy of the window would copy its bits.
            return streams.values[index].admit(sequence, window: window, now: clock)
        }
        latest = nil
        var fresh = Window(bits: [UInt64](repeating: 0, count: window / 64))
        let admitted = fresh.admit(sequence, window: window, now: clock)
        streams[stream] = fresh
        if streams.count > maximumStreams {
            // The new stream is the most recently used: never the one evicted.
            evictOldest()
        }
        return admitted
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
