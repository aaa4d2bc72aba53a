/// One element of `GET /v1/peers` (a JSON array): a peer link that is up, or a static
/// address the node keeps dialling. Counters are those of the current link (zero when
/// none is up); per-peer totals over all links are in `/v1/stats`.
public struct PeerDocument: Codable, Hashable, Sendable {
    /// The peer's node name; `null` for an address not (yet) reached.
    @Nullable public var name: String?
    @Nullable public var id: String?
    /// `up`, or for a static address without a link: `connecting`, `retrying` (waiting to
    /// dial again), `covered` (reached over a link the peer dialled) or `stopped` (the
    /// address is this node).
    public var state: String
    /// How the peer was found: `static` (--peer or a topology file), `inbound` (it dialled
    /// us) or `mdns`.
    public var found: String
    /// The other end of the link (HOST:PORT), or the address being dialled.
    public var address: String
    @Nullable public var incarnation: UInt64?
    /// The cost this node advertises for the link.
    @Nullable public var cost: UInt32?
    /// Smoothed heartbeat round trip; `null` until measured.
    @Nullable public var rttMs: Double?
    /// Seconds since the link came up.
    @Nullable public var upSeconds: Double?
    /// Milliseconds since the last frame from the peer (any frame counts as liveness).
    @Nullable public var lastHeardMsAgo: Double?
    public var framesIn: UInt64
    public var framesOut: UInt64
    /// Bytes on the wire, every frame included.
    public var bytesIn: UInt64
    public var bytesOut: UInt64
    /// Data messages.
    public var messagesIn: UInt64
    public var messagesOut: UInt64
    /// Why the last dial failed, for a static address without a link.
    @Nullable public var lastError: String?
    /// For a link that is up: `true` when this node dialled it and no longer wants it (its
    /// overlay moved on), so it closes after the linger unless wanted again; `null` for
    /// entries without a link.
    @Nullable public var closing: Bool?

    public init(
        name: String?, id: String?, state: String, found: String, address: String, incarnation: UInt64?, cost: UInt32?,
        rttMs: Double?, upSeconds: Double?, lastHeardMsAgo: Double?, framesIn: UInt64, framesOut: UInt64,
        bytesIn: UInt64, bytesOut: UInt64, messagesIn: UInt64, messagesOut: UInt64, lastError: String?,
        closing: Bool? = nil
    ) {
        self.name = name
        self.id = id
        self.state = state
        self.found = found
        self.address = address
        self.incarnation = incarnation
        self.cost = cost
        self.rttMs = rttMs
        self.upSeconds = upSeconds
        self.lastHeardMsAgo = lastHeardMsAgo
        self.framesIn = framesIn
        self.framesOut = framesOut
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.messagesIn = messagesIn
        self.messagesOut = messagesOut
        self.lastError = lastError
        self.closing = closing
    }
}
