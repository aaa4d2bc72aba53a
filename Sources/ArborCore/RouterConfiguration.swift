/// Everything a router is told at start; the daemon fills it from flags and files.
public struct RouterConfiguration: Sendable {
    public var id: NodeID
    public var name: String
    /// Must grow on every restart of the same node id (the daemon keeps a counter in its
    /// state directory), so that the new records supersede the old ones.
    public var incarnation: UInt64
    /// Period of heartbeats on idle links.
    public var heartbeatInterval: Duration = .milliseconds(100)
    /// A peer silent for this many intervals is declared dead.
    public var missedHeartbeats: Int = 3
    /// When nonzero, a peer found silent for the dead interval is declared dead only if it
    /// is still silent this long later: a node that was itself busy (one long step, a
    /// backlog of work) may not have read the frames its peer sent meanwhile, and must not
    /// count its own deafness as the peer's silence. The shell that sets it promises to
    /// read its sockets at least once between two timer events this far apart (the
    /// daemon: twice its budget of deferred work per event-loop turn). Zero (the
    /// simulator, which delivers every frame in time order): the verdict is immediate.
    public var livenessRecheck: Duration = .zero
    /// Heartbeats go out at the instants `t` where `t + heartbeatPhase` is a multiple of
    /// `heartbeatInterval` (0 ≤ phase < interval). The daemon derives it from the wall
    /// clock, so the nodes of a LAN (clocks within milliseconds of each other by NTP, the
    /// same clock in a lab of namespaces) send in step: a node's peers' heartbeats arrive
    /// together and are read in one wake-up of the node instead of one wake-up each, which
    /// is most of what an idle link costs.
    public var heartbeatPhase: Duration = .zero
    /// Database changes are coalesced for this long before routes are recomputed...
    public var recomputeDelay: Duration = .milliseconds(1)
    /// ...and while changes keep coming (a recomputation less than `recomputeHold` ago),
    /// each further wait doubles, up to `recomputeMaximumDelay` (SPF throttling).
    public var recomputeMaximumDelay: Duration = .milliseconds(50)
    public var recomputeHold: Duration = .milliseconds(100)
    /// A recomputation that took in at least `recomputeFloodChanges` changed records marks
    /// a flood (a partition, a heal, a new link's whole database): while changes keep
    /// coming after it, each further wait is at least `recomputeMaximumDelay` and doubles
    /// up to `recomputeFloodMaximumDelay`. Routes computed in the middle of a flood last
    /// only until its next records, and each costs a graph build and its trees; a single
    /// failure's few records stay below the threshold, so its reroute waits no longer.
    public var recomputeFloodChanges: Int = 32
    public var recomputeFloodMaximumDelay: Duration = .milliseconds(200)
    /// Reachability (for ageing out records) is rechecked this often while the database
    /// changes and no topology forces a recomputation anyway.
    /// Records are kept for a whole grace period, so a check every few seconds is enough; a
    /// node without topologies builds a graph for nothing else, and in a large overlay
    /// rebuilding thousands of such graphs every second while a flood goes on costs more
    /// than all routing.
    public var reachabilityInterval: Duration = .seconds(10)
    /// Flood pacing, per peer: frames of records (this node's own and those it passes on)
    /// go at once while fewer than `floodBurst` went in the last `floodBurst` intervals of
    /// `floodPacing`; beyond that, what would be sent waits for the next interval and goes
    /// together, newest version per origin only. One failure floods hop by hop without
    /// delay (a few frames per link); a storm of changes (a partition healing, its links
    /// coming up one by one, each changing two records that cross every link) costs one
    /// frame per link per interval instead of one per change.
    public var floodPacing: Duration = .milliseconds(5)
    public var floodBurst: Int = 32
    /// This node floods a new version of its own record at most once per
    /// `originationHold` (OSPF's MinLSInterval, IS-IS's LSP generation interval): the first
    /// change after a quiet hold goes at once, so one failure is advertised without delay;
    /// further changes within the hold are coalesced into one version flooded when it ends.
    /// A healing partition brings a boundary node several link-ups within the redial
    /// jitter; each used to cost a version installed by every node of the overlay.
    public var originationHold: Duration = .milliseconds(50)
    /// Interest pacing, per peer: updates of interest (one topology's `full`, `delta` or
    /// `leave`) go at once while fewer than `interestBurst` went in the last `interestBurst`
    /// intervals of `interestPacing`; beyond that they wait, in order, and go
    /// `interestBatch` at a time as the pacing allows. What goes for a topology is computed
    /// when its turn comes, so the changes of one topology made meanwhile cost one update.
    /// A client that joins 100,000 topologies at once thus reaches its neighbours at 10,000
    /// topologies a second (at the defaults) instead of in one burst that keeps each of
    /// them busy for seconds, their links' heartbeats waiting behind it; a reroute of up
    /// to `interestBurst` topologies goes without delay.
    public var interestPacing: Duration = .microseconds(100)
    public var interestBurst: Int = 500
    public var interestBatch: Int = 100
    /// Records of nodes unreachable from this node are flushed after this long: removed
    /// here and on every node of the component together.
    public var recordGracePeriod: Duration = .seconds(60)
    /// A flushed version is remembered this long, so that a stale copy still on its way
    /// (a frame in flight, a node of another component that has not flushed it yet) is
    /// answered with the flush instead of being installed again. Longer than the grace
    /// period: a node that went on holding the record since it was flushed here flushes it
    /// itself within a grace period.
    public var flushMemory: Duration = .seconds(90)
    /// Cost advertised for a link when the shell gives none.
    public var defaultLinkCost: UInt32 = 10
    /// When set, a link's advertised cost is its base cost plus its round-trip time in
    /// these units (the least sample of the last one or two `roundTripWindow`s), the added
    /// term capped at `roundTripPenaltyLimit`; it is re-advertised only when the cost moves
    /// by a quarter or more and at most once per `costUpdateInterval`, so neither jitter nor
    /// a busy host's late answers make trees flap. `nil`: costs stay as given.
    public var roundTripCostUnit: Duration? = .milliseconds(1)
    /// The most a round trip adds to a link's base cost. A busy node answers late, so its
    /// links' round trips grow with load; the cap (and the interval below) keeps that from
    /// feeding back into ever more flooded records and recomputations.
    public var roundTripPenaltyLimit: UInt32 = 100
    /// A link's cost is re-advertised at most this often for round-trip changes.
    public var costUpdateInterval: Duration = .seconds(1)
    /// The round trip a cost follows is the least of the samples of the current and the
    /// previous window of this length: a link that got slower moves its cost after one to
    /// two windows, one that got faster at once.
    public var roundTripWindow: Duration = .seconds(10)
    /// Messages that crossed this many links are dropped (ends transient loops).
    public var hopLimit: UInt8 = 64
    /// Largest payload accepted, unless a topology declares its own limit.
    public var maximumMessageSize: Int = 1 << 20
    /// Sequence numbers remembered per stream for duplicate suppression.
    public var duplicateWindow: Int = 4096
    /// Repair (docs/architecture.md, "Repair and gaps"): each node keeps the messages it
    /// admitted of the last `repairBufferAge`, at most `repairBufferBytes` of them (payload
    /// and topic plus 96 bytes each), to resend what a neighbour missed in a reroute.
    /// Zero bytes: nothing is resent, holes are still found and reported as GAPs.
    public var repairBufferBytes: Int = 16 << 20
    public var repairBufferAge: Duration = .seconds(5)
    /// How long a stream's highest sequence is remembered after its last message (without
    /// it a reroute asks for nothing of that stream). A subscriber of a slow stream, or of
    /// few of its topics, may last hear it long before a failure.
    public var repairStreamMemory: Duration = .seconds(60)
    /// A hole not repaired this long after it was found is reported to local subscribers
    /// as a GAP, and the messages held behind it are delivered.
    public var repairTimeout: Duration = .seconds(1)
    /// While a repair is under way, new messages of the stream are held back from local
    /// subscribers (to keep each origin's order) at most this long; an answer that comes
    /// later is delivered after them.
    public var repairHoldLimit: Duration = .milliseconds(100)
    /// Make-before-break (docs/architecture.md, "Make before break"): a node whose parent
    /// changed by choice keeps its old parent engaged until the new way carries every
    /// stream the old one did, and a parent keeps a former child engaged until it leaves;
    /// each at most this long.
    public var switchOverlapLimit: Duration = .seconds(1)
    /// Parent switches under way, and former children kept, at most (each); a switch beyond
    /// that prunes the old edge at once.
    public var maximumSwitchOverlaps = 10_000
    /// Repair requests from neighbours not yet engaged that wait for them, at most (the
    /// rest are dropped: the asker reports a GAP when its wait ends).
    public var maximumDeferredRepairs = 10_000
    /// Records sent per link-state frame (and flushes per flush frame) when many are sent.
    public var recordsPerFrame: Int = 256
    /// Versions per summary frame, origins per request frame (32 and 16 bytes each).
    public var versionsPerFrame: Int = 4096
    /// Most topologies this node keeps state for (neighbours cannot make it hold more).
    public var maximumTopologies: Int = 100_000
    /// Most topologies brought up to date in one step after the graph changed: a node
    /// with more refreshes them in slices, one per `refreshSliceDelay`, so that one step
    /// (and the shell's event loop with it) never takes so long that heartbeats wait.
    /// Meanwhile the topologies not yet refreshed keep their routes a little longer, as
    /// they do during `recomputeDelay`.
    public var refreshesPerStep: Int = 500
    public var refreshSliceDelay: Duration = .milliseconds(1)
    /// Most topologies one local client may be a member of (attached, subscribed or
    /// publishing); beyond, its request is refused with ``Router/Rejection/clientLimit(_:)``.
    /// Small by default: every topology a client joins costs a tree, interest on every
    /// tree neighbour and work at each recomputation, on this node and on its neighbours.
    public var maximumTopologiesPerClient: Int = 1_000
    /// Most prefixes one local client may subscribe to, over all its topologies.
    public var maximumSubscriptionsPerClient: Int = 10_000
    /// Most prefixes accepted in one neighbour's interest for one topology.
    public var maximumPrefixesPerNeighbor: Int = 100_000
    /// A node that just joined a tree holds its local publications for up to this long
    /// (and at most `publishHoldLimit` of them) until its parent answers with interest, so
    /// the first messages of a new publisher are not lost to the join's round trip.
    public var publishHold: Duration = .milliseconds(500)
    public var publishHoldLimit = 10_000
    /// After its last local member leaves, a node stays on the tree this long, so that
    /// a short-lived publisher's held messages still go out.
    public var memberLinger: Duration = .milliseconds(500)
    /// Topology definitions loaded from files, flooded in this node's record.
    public var definitions: [TopologyDefinition] = []
    /// Signs this node's record on every change (the daemon's node key); `nil` in the
    /// simulator, whose records are authentic by construction. The router never checks
    /// seals: the node does before a record reaches it (docs/security.md).
    public var sealer: (any RecordSealer)?

    public init(id: NodeID, name: String, incarnation: UInt64) {
        self.id = id
        self.name = name
        self.incarnation = incarnation
    }

    /// How long a peer may stay silent before it is declared dead.
    public var deadAfter: Duration {
        heartbeatInterval * missedHeartbeats
    }
}
