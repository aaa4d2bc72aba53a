import ArborCore

/// `GET /v1/stats`: the node's counters since it started. `/metrics` exports the same
/// numbers to Prometheus.
public struct StatsDocument: Codable, Hashable, Sendable {
    /// Messages published by local applications and accepted.
    public var published: UInt64
    /// Data messages received from peers (before duplicate and hop-limit checks).
    public var dataReceived: UInt64
    /// Copies of data messages sent to peers.
    public var dataForwarded: UInt64
    /// Copies delivered to local subscribers.
    public var delivered: UInt64
    public var dropped: DropCountsDocument
    /// Changes of this node's place in some topology's tree (root, parent or engaged set).
    public var reroutes: UInt64
    public var recomputations: UInt64
    public var recordsReceived: UInt64
    public var recordsInstalled: UInt64
    public var interestMessagesSent: UInt64
    public var protocolErrors: UInt64
    public var malformedFrames: UInt64
    public var peerLinksRefused: UInt64
    /// Links refused because the peer did not prove its node id (included in
    /// `peerLinksRefused`).
    public var identitiesNotProven: UInt64
    /// Links closed by the realm layer (`--secret-file`): a peer without the secret or
    /// with another one, a record that did not open (included in nothing else).
    public var realmFailures: UInt64
    /// Records and flushes dropped because their origin's seal did not check.
    public var unauthenticRecords: UInt64
    /// Local applications cut off for not reading their messages.
    public var slowConsumersDropped: UInt64
    /// Peer failures this node detected that were followed by new trees, and the time from
    /// detection to the new trees (see docs/control-api.md).
    public var failovers: FailoverDocument
    /// Repair of what reroutes dropped, and what could not be repaired.
    public var repair: RepairDocument
    public var peersUp: Int
    /// Distinct prefixes subscribed by local applications, summed over topologies.
    public var subscriptions: Int
    public var clients: Int
    public var topologies: [TopologyTrafficDocument]
    public var peers: [PeerTrafficDocument]
}

/// Messages not passed on, by cause.
public struct DropCountsDocument: Codable, Hashable, Sendable {
    /// Already seen (another path delivered it first) or older than the duplicate window.
    public var duplicate: UInt64
    /// Crossed the hop limit (a transient loop).
    public var hopLimit: UInt64
    /// Published, but nobody wanted it (or held for a parent whose interest never came).
    public var noInterest: UInt64
    /// Over the message size limit.
    public var oversize: UInt64
    /// From an origin the topology's definition does not permit.
    public var notPermitted: UInt64
    /// For a topology this node holds no state for.
    public var noRoute: UInt64
    /// Not written because the receiving application or peer link had stopped reading.
    public var slowConsumer: UInt64

    /// Every cause with its count, in document order.
    public var all: [(cause: String, count: UInt64)] {
        [
            ("duplicate", duplicate), ("hop_limit", hopLimit), ("no_interest", noInterest), ("oversize", oversize),
            ("not_permitted", notPermitted), ("no_route", noRoute), ("slow_consumer", slowConsumer),
        ]
    }
}

/// Failures detected here and the time until new trees were installed.
/// Repair counters (docs/architecture.md, "Repair and gaps").
public struct RepairDocument: Codable, Hashable, Sendable {
    /// REPAIR_REQUESTs this node sent: for holes it found, and passed up for a neighbour.
    public var requests: UInt64
    /// Of those, requests sent again because no answer came in time.
    public var retries: UInt64
    /// Messages this node resent to neighbours that asked.
    public var resent: UInt64
    /// Messages that reached this node by repair and were new here.
    public var repaired: UInt64
    /// Of those, messages delivered to local subscribers after newer messages of their
    /// stream (the answer came after the hold): the only out-of-order deliveries.
    public var late: UInt64
    /// GAPs: spans of a stream reported lost to local subscribers (one per span).
    public var gaps: UInt64
    /// Messages in those spans.
    public var lost: UInt64
}

public struct FailoverDocument: Codable, Hashable, Sendable {
    public var count: UInt64
    /// Of the most recent one; `null` before the first.
    @Nullable public var lastMs: Double?
    @Nullable public var maximumMs: Double?
}

/// Data messages of one topology. In: received from peers plus published here. Out: copies
/// sent to peers plus copies delivered here. Bytes count topic and payload.
public struct TopologyTrafficDocument: Codable, Hashable, Sendable {
    public var name: String
    public var messagesIn: UInt64
    public var bytesIn: UInt64
    public var messagesOut: UInt64
    public var bytesOut: UInt64
    /// The local part of `messages_in`.
    public var published: UInt64
    /// The local part of `messages_out`.
    public var delivered: UInt64
}

/// Traffic with one peer over every link to it since the node started. Messages are data
/// messages; bytes and frames are everything on the wire.
public struct PeerTrafficDocument: Codable, Hashable, Sendable {
    public var name: String
    public var id: String
    public var messagesIn: UInt64
    public var messagesOut: UInt64
    public var bytesIn: UInt64
    public var bytesOut: UInt64
    public var framesIn: UInt64
    public var framesOut: UInt64

    public init(name: String, id: String, messagesIn: UInt64, messagesOut: UInt64, bytesIn: UInt64, bytesOut: UInt64, framesIn: UInt64, framesOut: UInt64) {
        self.name = name
        self.id = id
        self.messagesIn = messagesIn
        self.messagesOut = messagesOut
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.framesIn = framesIn
        self.framesOut = framesOut
    }
}

extension TopologyTrafficDocument {
    /// Messages and bytes of one direction of a topology's traffic.
    public typealias Flow = (messages: UInt64, bytes: UInt64)

    /// The traffic of topology `name`: in is what was `received` from peers plus what was
    /// `published` here, out what was `forwarded` to peers plus what was `delivered` here.
    public init(name: String, received: Flow, published: Flow, forwarded: Flow, delivered: Flow) {
        self.init(
            name: name,
            messagesIn: received.messages &+ published.messages,
            bytesIn: received.bytes &+ published.bytes,
            messagesOut: forwarded.messages &+ delivered.messages,
            bytesOut: forwarded.bytes &+ delivered.bytes,
            published: published.messages,
            delivered: delivered.messages
        )
    }
}

extension RouterView {
    /// `GET /v1/stats` as far as the router knows it: its counters, the peers up and the
    /// local subscriptions. The counters the node keeps itself (malformed frames, refused
    /// links, realm failures, unauthentic records, slow consumers), its clients and its
    /// traffic per topology and per peer are zero and empty here: the node fills them in.
    public func stats() -> StatsDocument {
        let counters = router.statistics
        let dropped = DropCountsDocument(
            duplicate: counters.dropped[.duplicate, default: 0],
            hopLimit: counters.dropped[.hopLimit, default: 0],
            noInterest: counters.dropped[.noInterest, default: 0],
            oversize: counters.dropped[.oversize, default: 0],
            notPermitted: counters.dropped[.notPermitted, default: 0],
            noRoute: counters.dropped[.noRoute, default: 0],
            slowConsumer: 0
        )
        return StatsDocument(
            published: counters.published,
            dataReceived: counters.dataReceived,
            dataForwarded: counters.dataForwarded,
            delivered: counters.delivered,
            dropped: dropped,
            reroutes: counters.routeChanges,
            recomputations: counters.recomputations,
            recordsReceived: counters.recordsReceived,
            recordsInstalled: counters.recordsInstalled,
            interestMessagesSent: counters.interestMessagesSent,
            protocolErrors: counters.protocolErrors,
            malformedFrames: 0,
            peerLinksRefused: 0,
            identitiesNotProven: 0,
            realmFailures: 0,
            unauthenticRecords: 0,
            slowConsumersDropped: 0,
            failovers: FailoverDocument(
                count: counters.failovers,
                lastMs: counters.lastFailover.map(Timestamp.milliseconds),
                maximumMs: counters.longestFailover.map(Timestamp.milliseconds)
            ),
            repair: RepairDocument(
                requests: counters.repairRequests,
                retries: counters.repairRetries,
                resent: counters.repairResent,
                repaired: counters.repaired,
                late: counters.repairedLate,
                gaps: counters.gapsReported,
                lost: counters.messagesLost
            ),
            peersUp: router.peers.count,
            subscriptions: router.topologies.values.reduce(0) { total, state in
                total + state.members.values.reduce(0) { $0 + $1.distinctCount }
            },
            clients: 0,
            topologies: [],
            peers: []
        )
    }
}
