/// What a router knows of one connected peer.
public struct PeerState: Sendable {
    public var name: String
    public var incarnation: UInt64
    /// Cost this node advertises for the link.
    public var cost: UInt32
    /// Cost given when the link came up (or since, ``Router/Event/linkCost(_:_:)``),
    /// before any round-trip term.
    public var baseCost: UInt32
    public var connectedAt: Instant
    /// Any frame counts as liveness.
    public var lastHeard: Instant
    /// When the peer was found silent for the dead interval, while the verdict waits for
    /// ``RouterConfiguration/livenessRecheck``.
    var suspectSince: Instant?
    public var lastSent: Instant
    /// Smoothed round-trip time from heartbeat echoes, once measured (for operators).
    public var roundTrip: Duration?
    /// The least round trip of recent windows, which the cost follows (see
    /// ``RouterConfiguration/roundTripWindow``).
    var roundTripFloor = RoundTripFloor()
    /// When the round trip last changed the advertised cost.
    var costChangedAt: Instant?
    var lastRemoteTimestamp: Int64 = 0
    var remoteTimestampReceivedAt: Instant = .zero
}
