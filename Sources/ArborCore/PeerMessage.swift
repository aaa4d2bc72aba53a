/// What routers say to each other over a peer link, once the handshake is done.
/// ArborWire encodes these; the router produces and consumes them.
public enum PeerMessage: Hashable, Sendable {
    /// Records to install and flood.
    case linkState([LinkStateRecord])
    /// What the sender's database holds: the version of each record but the sender's own
    /// (which it floods anyway). Sent on a new link instead of the database; the receiver
    /// asks (``request(_:)``) for the records it lacks or holds older, so only those cross.
    case summary([RecordVersion])
    /// Asks for the receiver's current records of these origins (or its flushes of them),
    /// in answer to a summary.
    case request([NodeID])
    /// Records withdrawn: every node removes these versions (and older ones) of these
    /// origins' records together, floods the flush on, and remembers it for a while so a
    /// stale copy still on its way is not installed again (see `Router` ageing).
    case flush([RecordVersion])
    /// Interest for one topology along one tree edge.
    case interest(TopologyName, InterestUpdate)
    /// A published message on its way down the tree.
    case data(DataMessage)
    /// Liveness and round-trip time; sent only on links that were otherwise idle.
    case heartbeat(Heartbeat)
    /// The sender is shutting down: treat the link as gone now, not after missed heartbeats.
    case goodbye
    /// Ask a tree neighbour to resend what it still buffers of one origin's stream.
    case repairRequest(RepairRequest)
    /// Messages resent in answer to a repair request (the same form as data).
    case repairData([DataMessage])
    /// The origin's node answered a repair request: what it resent (before this, in
    /// REPAIR_DATA) is all there is of the span, except what it no longer held.
    case repairEnd(RepairEnd)
}

/// Interest along one tree edge: the aggregated prefixes wanted behind the sender.
public enum InterestUpdate: Hashable, Sendable {
    /// The complete set; sent first on a new tree edge and whenever state was reset.
    case full(PrefixSet)
    /// A change relative to the last set sent on this link.
    case delta(added: [Topic], removed: [Topic])
    /// The sender stops exchanging interest with the receiver for this topology; the
    /// receiver forgets what the sender told it.
    case leave
}

/// The fields of a published message but its hop count, shared by copies of the message.
///
/// This class itself holds one message and its payload (a message published here, or
/// changed, or detached from the bytes it arrived in). The layer that decodes frames
/// subclasses it to keep the messages decoded from one frame (one DATA frame, or a
/// DATA_RUN frame: consecutive messages of one stream) as ONE object with the frame's bytes,
/// a message being the object and its ``DataMessage/index``: their topics and payloads stay
/// in the receive buffer, and the node forwards and delivers them from those bytes. The
/// core never looks at the bytes; it reads the fields through this class.
///
/// Immutable once made, hence `@unchecked Sendable` (subclasses must keep it so).
open class DataMessageBody: @unchecked Sendable {
    public let topology: TopologyName
    public let origin: NodeID
    /// Incarnation of the origin when it published; a restart starts a new sequence space.
    public let originIncarnation: UInt64
    /// Sequence of the message at index 0; the message at index `i` has `firstSequence + i`
    /// (a subclass holding several messages checks that this does not overflow).
    public let firstSequence: UInt64
    /// Topic of the message at index 0 (and of every message, unless a subclass says otherwise).
    public let firstTopic: Topic
    private let storedPayload: [UInt8]

    /// One message holding its payload.
    public init(topology: TopologyName, origin: NodeID, originIncarnation: UInt64, sequence: UInt64, topic: Topic, payload: [UInt8]) {
        self.topology = topology
        self.origin = origin
        self.originIncarnation = originIncarnation
        firstSequence = sequence
        firstTopic = topic
        storedPayload = payload
    }

    /// For subclasses, whose messages' payloads they keep themselves.
    public init(topology: TopologyName, origin: NodeID, originIncarnation: UInt64, firstSequence: UInt64, firstTopic: Topic) {
        self.topology = topology
        self.origin = origin
        self.originIncarnation = originIncarnation
        self.firstSequence = firstSequence
        self.firstTopic = firstTopic
        storedPayload = []
    }

    /// Messages held: indexes `0..<count`.
    open var count: Int { 1 }

    /// Topic of the message at `index`.
    open func topic(at index: Int) -> Topic { firstTopic }

    /// Bytes of the payload of the message at `index`, without copying them.
    open func payloadCount(at index: Int) -> Int { storedPayload.count }

    /// A copy of the payload of the message at `index`.
    open func payloadBytes(at index: Int) -> [UInt8] { storedPayload }

    /// Whether this is a message of its own, holding its payload (not a decoding layer's form).
    public final var holdsPayload: Bool { type(of: self) == DataMessageBody.self }
}

/// A published message.
///
/// A message decoded from a peer keeps the decoding layer's form (a subclass of
/// ``DataMessageBody`` shared by the messages of one frame). It stays attached while only
/// ``hops`` changes (what a relay does): the form's other fields are the message's, and the
/// hop count is written anew on the way out. Changing any other field detaches it (the
/// payload is copied out first), so the form never disagrees with the message.
public struct DataMessage: Hashable, Sendable, CustomReflectable {
    /// Links crossed so far; the message is dropped when it reaches the hop limit.
    public var hops: UInt8
    /// Position of this message in ``body``.
    private var position: UInt32
    /// The other fields, shared by copies and by the messages decoded from one frame: a
    /// copy of a message (into an event, an action, a frame to encode) costs one reference
    /// count, not one per field. Replaced, never changed.
    public private(set) var body: DataMessageBody

    /// Position of this message among those ``body`` holds.
    public var index: Int { Int(position) }

    public var topology: TopologyName {
        get { body.topology }
        set { replaceBody(topology: newValue) }
    }
    public var origin: NodeID {
        get { body.origin }
        set { replaceBody(origin: newValue) }
    }
    /// Incarnation of the origin when it published; a restart starts a new sequence space.
    public var originIncarnation: UInt64 {
        get { body.originIncarnation }
        set { replaceBody(originIncarnation: newValue) }
    }
    /// Per (origin, incarnation, topology), starting at 1 and increasing by one.
    public var sequence: UInt64 {
        get { body.firstSequence &+ UInt64(position) }
        set { replaceBody(sequence: newValue) }
    }
    public var topic: Topic {
        get { position == 0 ? body.firstTopic : body.topic(at: Int(position)) }
        set { replaceBody(topic: newValue) }
    }
    /// The payload (copied out of the decoding layer's form when there is one).
    public var payload: [UInt8] {
        get { body.payloadBytes(at: Int(position)) }
        set { replaceBody(payload: newValue) }
    }
    /// Bytes of the payload, without copying them.
    public var payloadCount: Int { body.payloadCount(at: Int(position)) }

    public init(
        topology: TopologyName,
        origin: NodeID,
        originIncarnation: UInt64,
        sequence: UInt64,
        hops: UInt8 = 0,
        topic: Topic,
        payload: [UInt8]
    ) {
        self.hops = hops
        position = 0
        body = DataMessageBody(
            topology: topology, origin: origin, originIncarnation: originIncarnation, sequence: sequence, topic: topic, payload: payload
        )
    }

    /// Message `index` of `body` (a decoding layer's form), with `hops`.
    public init(_ body: DataMessageBody, index: Int, hops: UInt8) {
        precondition(index >= 0 && index < body.count, "message \(index) of \(body.count)")
        self.hops = hops
        position = UInt32(index)
        self.body = body
    }

    /// The same message holding its payload itself: what to keep for longer than a router
    /// step (a decoding layer's form can hold on to a whole receive buffer).
    public var detached: DataMessage {
        guard !body.holdsPayload else { return self }
        var copy = self
        copy.replaceBody()
        return copy
    }

    /// Makes ``body`` a message of its own with these fields (the others as they are).
    private mutating func replaceBody(
        topology: TopologyName? = nil, origin: NodeID? = nil, originIncarnation: UInt64? = nil, sequence: UInt64? = nil,
        topic: Topic? = nil, payload: [UInt8]? = nil
    ) {
        body = DataMessageBody(
            topology: topology ?? self.topology, origin: origin ?? self.origin,
            originIncarnation: originIncarnation ?? self.originIncarnation, sequence: sequence ?? self.sequence,
            topic: topic ?? self.topic, payload: payload ?? self.payload
        )
        position = 0
    }

    /// Its fields, as a struct holding them shows (in test failures, `dump`).
    public var customMirror: Mirror {
        Mirror(self, children: [
            "topology": topology, "origin": origin, "originIncarnation": originIncarnation, "sequence": sequence,
            "hops": hops, "topic": topic, "payloadCount": payloadCount,
        ])
    }

    public static func == (a: DataMessage, b: DataMessage) -> Bool {
        a.topology == b.topology && a.origin == b.origin && a.originIncarnation == b.originIncarnation
            && a.sequence == b.sequence && a.hops == b.hops && a.topic == b.topic && a.payload == b.payload
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(topology)
        hasher.combine(origin)
        hasher.combine(originIncarnation)
        hasher.combine(sequence)
        hasher.combine(hops)
        hasher.combine(topic)
        hasher.combine(payload)
    }
}

/// A heartbeat carries the sender's clock and echoes the last timestamp it received, with
/// how long it held it, so the receiver of the echo measures the round trip on its own clock.
public struct Heartbeat: Hashable, Sendable {
    public var timestamp: Int64
    /// The last `timestamp` received from the peer, 0 when none yet.
    public var echo: Int64
    /// Nanoseconds between receiving `echo` and sending this heartbeat.
    public var echoDelay: Int64

    public init(timestamp: Int64, echo: Int64, echoDelay: Int64) {
        self.timestamp = timestamp
        self.echo = echo
        self.echoDelay = echoDelay
    }
}

/// The end of the answer to a repair request for one origin's stream from `first` on,
/// sent by the origin's node and passed back along the request's path. Of
/// `first...last` (`last`: the origin's latest sequence when it answered; `first - 1`
/// when there was nothing after `first`), the messages from `kept` on were resent, as far
/// as the receiver's interest wants them; `first..<kept` were no longer held: lost.
public struct RepairEnd: Hashable, Sendable {
    public var topology: TopologyName
    public var origin: NodeID
    public var originIncarnation: UInt64
    public var first: UInt64
    public var last: UInt64
    public var kept: UInt64

    public init(topology: TopologyName, origin: NodeID, originIncarnation: UInt64, first: UInt64, last: UInt64, kept: UInt64) {
        self.topology = topology
        self.origin = origin
        self.originIncarnation = originIncarnation
        self.first = first
        self.last = last
        self.kept = kept
    }
}

/// A request for the messages of one origin's stream in `first...last`; `last` is
/// `UInt64.max` when the asker wants everything from `first` on.
public typealias RepairRequest = StreamSpan
