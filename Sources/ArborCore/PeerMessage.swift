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

/// The encoded form of a message as it arrived from a peer, kept by the layer that decoded
/// it (the wire layer: a view of the receive buffer, not a copy), so that the node forwards
/// and delivers the message from those bytes without copying its payload out or encoding it
/// again. The core never looks inside; it only carries the form along with the message.
public protocol EncodedDataMessage: AnyObject, Sendable {
    /// Bytes of the payload.
    var payloadCount: Int { get }
    /// A copy of the payload's bytes.
    func payloadBytes() -> [UInt8]
}

/// A published message.
///
/// A message decoded from a peer may carry its ``encoded`` form. It stays attached while
/// only ``hops`` changes (what a relay does): the form's other fields are the message's, and
/// the hop count is written anew on the way out. Changing any other field detaches it (the
/// payload is copied out first), so the form never disagrees with the message.
public struct DataMessage: Hashable, Sendable, CustomReflectable {
    /// Links crossed so far; the message is dropped when it reaches the hop limit.
    public var hops: UInt8
    /// The other fields, shared by copies: a copy of a message (into an event, an action, a
    /// frame to encode) costs one reference count, not one per field. Replaced, never
    /// changed, while shared (``edit(_:)``).
    private var body: Body

    public var topology: TopologyName {
        get { body.topology }
        set { edit { $0.topology = newValue } }
    }
    public var origin: NodeID {
        get { body.origin }
        set { edit { $0.origin = newValue } }
    }
    /// Incarnation of the origin when it published; a restart starts a new sequence space.
    public var originIncarnation: UInt64 {
        get { body.originIncarnation }
        set { edit { $0.originIncarnation = newValue } }
    }
    /// Per (origin, incarnation, topology), starting at 1 and increasing by one.
    public var sequence: UInt64 {
        get { body.sequence }
        set { edit { $0.sequence = newValue } }
    }
    public var topic: Topic {
        get { body.topic }
        set { edit { $0.topic = newValue } }
    }
    /// The payload (copied out of the ``encoded`` form when there is one).
    public var payload: [UInt8] {
        get { body.encoded?.payloadBytes() ?? body.storedPayload }
        set {
            unshare()
            body.storedPayload = newValue
            body.encoded = nil
        }
    }
    /// Bytes of the payload, without copying them.
    public var payloadCount: Int { body.encoded?.payloadCount ?? body.storedPayload.count }
    /// The bytes this message arrived as, when the decoding layer kept them.
    public var encoded: (any EncodedDataMessage)? { body.encoded }

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
        body = Body(
            topology: topology, origin: origin, originIncarnation: originIncarnation, sequence: sequence,
            topic: topic, encoded: nil, storedPayload: payload
        )
    }

    /// A message whose payload stays in `encoded`, the form it was decoded from (whose
    /// other fields are these).
    public init(
        topology: TopologyName,
        origin: NodeID,
        originIncarnation: UInt64,
        sequence: UInt64,
        hops: UInt8,
        topic: Topic,
        encoded: any EncodedDataMessage
    ) {
        self.hops = hops
        body = Body(
            topology: topology, origin: origin, originIncarnation: originIncarnation, sequence: sequence,
            topic: topic, encoded: encoded, storedPayload: []
        )
    }

    /// The same message holding its payload itself: what to keep for longer than a router
    /// step (an encoded form can hold on to a whole receive buffer).
    public var detached: DataMessage {
        guard body.encoded != nil else { return self }
        var copy = self
        copy.edit { _ in }
        return copy
    }

    /// Changes a field other than ``hops`` in a body of this message's own, detaching the
    /// encoded form (its payload copied out first) so it never disagrees with the message.
    private mutating func edit(_ change: (Body) -> Void) {
        unshare()
        if let form = body.encoded {
            body.storedPayload = form.payloadBytes()
            body.encoded = nil
        }
        change(body)
    }

    /// Its fields, as a struct holding them shows (in test failures, `dump`).
    public var customMirror: Mirror {
        Mirror(self, children: [
            "topology": topology, "origin": origin, "originIncarnation": originIncarnation, "sequence": sequence,
            "hops": hops, "topic": topic, "payloadCount": payloadCount,
        ])
    }

    /// Makes ``body`` this message's alone.
    private mutating func unshare() {
        if !isKnownUniquelyReferenced(&body) {
            body = Body(
                topology: body.topology, origin: body.origin, originIncarnation: body.originIncarnation,
                sequence: body.sequence, topic: body.topic, encoded: body.encoded, storedPayload: body.storedPayload
            )
        }
    }

    /// A message's fields but the hop count. Only changed while one message holds it
    /// (``unshare()``), hence `@unchecked Sendable`.
    private final class Body: @unchecked Sendable {
        var topology: TopologyName
        var origin: NodeID
        var originIncarnation: UInt64
        var sequence: UInt64
        var topic: Topic
        var encoded: (any EncodedDataMessage)?
        var storedPayload: [UInt8]

        init(
            topology: TopologyName, origin: NodeID, originIncarnation: UInt64, sequence: UInt64, topic: Topic,
            encoded: (any EncodedDataMessage)?, storedPayload: [UInt8]
        ) {
            self.topology = topology
            self.origin = origin
            self.originIncarnation = originIncarnation
            self.sequence = sequence
            self.topic = topic
            self.encoded = encoded
            self.storedPayload = storedPayload
        }
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
