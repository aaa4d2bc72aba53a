import ArborCore

/// The identity of one published message.
public struct MessageKey: Hashable, Sendable {
    public var origin: NodeID
    public var incarnation: UInt64
    public var topology: TopologyName
    public var sequence: UInt64
}

/// Records what happened to published messages: who received each, how often, and which
/// links each crossed. Duplicates are counted the moment they happen.
public struct Ledger {
    public struct Entry {
        public var publisher: Int
        public var publishedAt: Instant
        /// Deliveries per client.
        public var receivers: [ClientID: Int] = [:]
        /// Directed links the message crossed, as (from, to) node indices.
        public var crossings: [(from: Int, to: Int)] = []
    }

    public private(set) var entries: [MessageKey: Entry] = [:]
    /// The highest sequence published per stream (origin, incarnation, topology), so that a
    /// late delivery of a forgotten entry (a repair) is not counted as unknown.
    private var highestPublished: [MessageKey: UInt64] = [:]
    /// Deliveries of a message to a client that already had it.
    public private(set) var duplicatesDelivered = 0
    /// Deliveries of messages the ledger never saw published (must stay 0).
    public private(set) var unknownDeliveries = 0
    public private(set) var rejections: [(ClientID, Router.Rejection)] = []
    /// GAPs reported to each client, in the order reported.
    public private(set) var gaps: [ClientID: [StreamGap]] = [:]
    /// Whether crossings are recorded (costly at scale; only needed for tracked messages).
    public var tracked: Set<MessageKey> = []
    /// Clients whose deliveries are also recorded in order, in ``deliveredInOrder``.
    public var ordered: Set<ClientID> = []
    public private(set) var deliveredInOrder: [ClientID: [MessageKey]] = [:]

    mutating func published(_ key: MessageKey, at node: Int, time: Instant) {
        entries[key] = Entry(publisher: node, publishedAt: time)
        var stream = key
        stream.sequence = 0
        highestPublished[stream] = max(highestPublished[stream] ?? 0, key.sequence)
    }

    mutating func delivered(_ message: DataMessage, to client: ClientID, at node: Int, time: Instant) {
        let key = MessageKey(
            origin: message.origin,
            incarnation: message.originIncarnation,
            topology: message.topology,
            sequence: message.sequence
        )
        guard entries[key] != nil else {
            var stream = key
            stream.sequence = 0
            if key.sequence > highestPublished[stream] ?? 0 {
                unknownDeliveries += 1
            }
            return
        }
        if ordered.contains(client) {
            deliveredInOrder[client, default: []].append(key)
        }
        let count = entries[key]!.receivers[client, default: 0] + 1
        entries[key]!.receivers[client] = count
        if count > 1 {
            duplicatesDelivered += 1
        }
    }

    mutating func crossed(_ message: DataMessage, from: Int, to: Int) {
        let key = MessageKey(
            origin: message.origin,
            incarnation: message.originIncarnation,
            topology: message.topology,
            sequence: message.sequence
        )
        guard tracked.contains(key) else { return }
        entries[key]?.crossings.append((from, to))
    }

    mutating func gapped(_ gap: StreamGap, to client: ClientID) {
        gaps[client, default: []].append(gap)
    }

    /// Whether a GAP reported to `client` covers `key`.
    public func gapCovers(_ key: MessageKey, for client: ClientID) -> Bool {
        gaps[client]?.contains {
            $0.origin == key.origin && $0.originIncarnation == key.incarnation && $0.topology == key.topology
                && $0.first <= key.sequence && key.sequence <= $0.last
        } ?? false
    }

    mutating func rejected(_ client: ClientID, _ rejection: Router.Rejection) {
        rejections.append((client, rejection))
    }

    /// Forgets entries to bound memory (duplicate counts are kept).
    public mutating func forget(_ keys: some Sequence<MessageKey>) {
        for key in keys {
            entries[key] = nil
            tracked.remove(key)
        }
    }
}
