/// Which peer links a node keeps: a pure, deterministic state machine. Events in
/// (``Event``: discovery, configured addresses, connections, timer), directives out
/// (``Directive``: dial, establish, close, arm a timer). No I/O, no clock, no threads: the
/// shell (ArborNode on NIO, or the simulator) carries out the directives and reports
/// what happens.
///
/// **Which links.** Over the members it knows (the discovered peers it has not found
/// unreachable), a node wants its successor and predecessor on each of
/// ``OverlayConfiguration/rings`` hash rings (``OverlayRing``): at most `2 × rings` links,
/// the same choice at both ends when views agree, O(log N) diameter, and a join or leave
/// that moves O(rings) links. Peers of configured addresses (`--peer`, topology files)
/// are always dialled and kept, outside the count.
///
/// **Who dials.** Of two nodes that want a link, the lower id dials at once and the higher
/// after ``OverlayConfiguration/fallbackDelay`` if no link came up. A link is owned by the
/// end that dialled it: the dialler closes it once it has not wanted it for
/// ``OverlayConfiguration/lingerDelay``; the accepting end keeps it (its dialler wants it)
/// unless it needs the slot for a link it wants itself. Never more than
/// ``OverlayConfiguration/maxLinks`` links are established.
///
/// **Unreachable peers.** A failed dial (or one pending for
/// ``OverlayConfiguration/suspectAfter``) leaves the peer out of the rings, so the next
/// node on each ring is chosen; it is probed with backoff and comes back on the first
/// successful handshake, either way. A new incarnation or address from discovery clears it.
///
/// **Duplicates.** Two connections to one peer: a higher incarnation replaces the old
/// link; otherwise the one dialled by the lower id stays. Both ends decide alike.
///
/// Contract: create it, send ``Event/timer`` once, then every event as it happens, with
/// the current instant (never decreasing). Carry out the directives in order.
public struct OverlayLinks: Sendable {
    public let configuration: OverlayConfiguration
    /// The peers discovery reports (this node itself may be among them; it is never dialled).
    public private(set) var view: OverlayView

    struct Link: Sendable {
        var connection: OverlayConnection
        var incarnation: UInt64
        /// When the link was established (a link that lasted resets the redial backoff).
        var since: Instant
        var dialedByUs: Bool { if case .dialed = connection { return true } else { return false } }
        /// Since when this node has not wanted the link; `nil` while it wants it.
        var unwantedSince: Instant?
    }

    struct Contact: Sendable {
        var backoff = OverlayBackoff()
        /// No dial before this instant.
        var notBefore: Instant?
        /// Left out of the rings: a dial failed or is pending too long.
        var unreachable = false
        var dialing: OverlayConnection?
        /// When the pending dial started, until it is suspected (see `suspectAfter`).
        var dialStarted: Instant?
        /// Since when the peer is wanted and unlinked (starts the higher id's fallback).
        var waitingSince: Instant?
        /// Failed dials so far: each tries the peer's next address in turn.
        var failures = 0
    }

    struct Pending: Sendable {
        var peer: NodeID?
        var configured: OverlayAddress?
        var deadline: Instant
    }

    struct Configured: Sendable {
        var source: OverlayConfiguredSource
        var peer: NodeID?
        var backoff = OverlayBackoff()
        var notBefore: Instant?
        var dialing: OverlayConnection?
        /// The address is this node: never dialled again.
        var isSelf = false
    }

    var ring: OverlayRing
    var links: [NodeID: Link] = [:]
    var contacts: [NodeID: Contact] = [:]
    /// Connections whose handshake is pending.
    var pending: [OverlayConnection: Pending] = [:]
    var configured: [OverlayAddress: Configured] = [:]
    /// Linked peers discovery withdrew: forgotten when their link closes.
    var withdrawn: Set<NodeID> = []
    /// Peers that topology definitions declare a link with (``Event/declared(_:)``).
    var declared: Set<NodeID> = []
    /// Members linked to nobody (``Event/isolated(_:)``), each with when to dial it.
    var isolated: [NodeID: Instant] = [:]
    var random: OverlayRandom
    var nextDial: UInt64 = 1
    var armed: Instant?
    /// While the view grows: when the latest new member and the first of the burst joined
    /// (see ``OverlayConfiguration/settleDelay``); `nil` once it settled.
    var growth: (latest: Instant, first: Instant)?
    /// When the view last stopped growing (introductions wait a delay after it).
    var settledAt: Instant = .zero

    /// A machine that starts from `view` (empty: learn everything from events). A
    /// simulator gives every node one shared view; a daemon starts empty.
    public init(_ configuration: OverlayConfiguration, view: OverlayView = OverlayView()) {
        precondition(configuration.maxLinks >= 3, "maxLinks must be at least 3")
        self.configuration = configuration
        self.view = view
        random = OverlayRandom(seed: configuration.seed)
        ring = OverlayRing(center: configuration.id, rings: configuration.rings)
        ring.rebuild(view: view) { _ in true }
    }

    // MARK: - Inspection

    /// The peers this node wants links to now: its ring neighbours.
    public var wantedPeers: Set<NodeID> { ring.wanted.union(declared) }

    /// Peers with an established link, and the connection carrying each.
    public var linkedPeers: [NodeID: OverlayConnection] { links.mapValues(\.connection) }

    /// The connection carrying the link to `peer`, if linked.
    public func connection(to peer: NodeID) -> OverlayConnection? {
        links[peer]?.connection
    }

    /// Established links that count toward ``OverlayConfiguration/maxLinks`` (all but those
    /// to configured peers).
    public var countedLinks: Int {
        links.keys.reduce(0) { $0 + (isExempt($1) ? 0 : 1) }
    }

    /// Whether the link to `peer` is exempt from the cap: the peer was reached through a
    /// configured address.
    public func isExempt(_ peer: NodeID) -> Bool {
        declared.contains(peer) || configured.values.contains { $0.peer == peer }
    }

    /// Where the link to `peer` was configured (`--peer` or a topology file), for
    /// operators; `nil` for a peer found by discovery or one that dialled in.
    public func configuredSource(of peer: NodeID) -> OverlayConfiguredSource? {
        configured.values.first { $0.peer == peer }?.source
    }

    /// Whether the view is still growing at `now`: ring neighbours are not dialled yet
    /// (``OverlayConfiguration/settleDelay``); returns when that ends otherwise.
    func settling(at now: Instant) -> Instant? {
        guard let growth else { return nil }
        let end = min(growth.latest + configuration.settleDelay, growth.first + configuration.settleLimit)
        return end > now ? end : nil
    }

    /// Whether the link to `peer` is one this node dialled and no longer wants: it closes
    /// after ``OverlayConfiguration/lingerDelay`` unless wanted again.
    public func isClosing(_ peer: NodeID) -> Bool {
        guard let link = links[peer] else { return false }
        return link.dialedByUs && link.unwantedSince != nil
    }

    /// Peers currently left out of the rings as unreachable.
    public var unreachablePeers: Set<NodeID> {
        Set(contacts.compactMap { $0.value.unreachable ? $0.key : nil })
    }

    /// Full scans of the view the ring computation needed so far.
    public var ringScans: Int { ring.scans }

    /// Replaces the view by an equal one (same digest) that shares storage with others.
    public mutating func adoptIdenticalView(_ shared: OverlayView) {
        precondition(shared.digest == view.digest && shared.count == view.count, "only an identical view can be adopted")
        view = shared
    }

    // MARK: - Events

    /// Applies `event` at `now`; returns what the shell must do, in order.
    public mutating func handle(_ event: Event, at now: Instant) -> [Directive] {
        var directives: [Directive] = []
        switch event {
        case .discovered(let peer):
            discovered(peer, at: now)
        case .vanished(let id):
            vanished(id)
        case .configured(let address, let source):
            if configured[address] == nil {
                configured[address] = Configured(source: source)
            }
        case .unconfigured(let address):
            configured[address] = nil
        case .declared(let peers):
            declared = peers.subtracting([id])
        case .isolated(let peers):
            isolated = isolated.filter { peers.contains($0.key) }
            for peer in peers.subtracting([id]).sorted() where isolated[peer] == nil {
                let delay = configuration.introductionDelay.nanoseconds
                let jitter = delay > 0 ? Int64(random.next() % UInt64(delay)) : 0
                isolated[peer] = now + .nanoseconds(delay + jitter)
            }
        case .accepted(let connection):
            pending[connection] = Pending(deadline: now + configuration.handshakeTimeout)
        case .handshaken(let connection, let peer, let incarnation):
            handshaken(connection, peer: peer, incarnation: incarnation, at: now, into: &directives)
        case .closed(let connection):
            closed(connection, at: now)
        case .timer:
            if let armed, armed <= now {
                // That request is used up: the next deadline must be asked for anew.
                self.armed = nil
            }
            expire(at: now, into: &directives)
        }
        reconcile(at: now, into: &directives)
        return directives
    }

    private var id: NodeID { configuration.id }

    func isEligible(_ peer: NodeID) -> Bool {
        contacts[peer]?.unreachable != true
    }

    private mutating func discovered(_ peer: OverlayPeer, at now: Instant) {
        guard peer.realm == configuration.realm else {
            vanished(peer.id)
            return
        }
        withdrawn.remove(peer.id)
        let old = view.insert(peer)
        guard peer.id != id else { return }
        if old == nil {
            growth = (latest: now, first: growth?.first ?? now)
        }
        if let old, old.incarnation != peer.incarnation || old.addresses != peer.addresses {
            // Restarted or moved: what failed before says nothing now.
            if var contact = contacts[peer.id] {
                contact.backoff.reset()
                contact.notBefore = nil
                contact.unreachable = false
                contacts[peer.id] = contact
            }
        }
        if old == nil || isEligible(peer.id) {
            ring.added(peer.id)
        }
    }

    private mutating func vanished(_ peer: NodeID) {
        guard view[peer] != nil else { return }
        if links[peer] != nil {
            withdrawn.insert(peer)
            return
        }
        forget(peer)
    }

    mutating func forget(_ peer: NodeID) {
        withdrawn.remove(peer)
        view.remove(peer)
        if var contact = contacts[peer] {
            // A dial under way finishes on its own; nothing more is planned.
            contact.unreachable = false
            contact.notBefore = nil
            contact.backoff.reset()
            contacts[peer] = contact
        }
        ringLost(peer)
    }

    /// Leaves `peer` out of the rings (a member of the view whose dial failed or hangs);
    /// a linked peer is reachable, whatever became of another connection to it.
    mutating func markUnreachable(_ peer: NodeID) {
        guard view[peer] != nil, links[peer] == nil, contacts[peer]?.unreachable == false else { return }
        contacts[peer]!.unreachable = true
        ringLost(peer)
    }

    /// `peer` stopped being eligible: the rings move on if it was a neighbour.
    mutating func ringLost(_ peer: NodeID) {
        let contacts = self.contacts
        ring.removed(peer, view: view) { contacts[$0]?.unreachable != true }
    }

    mutating func markReachable(_ peer: NodeID) {
        guard var contact = contacts[peer] else { return }
        contact.notBefore = nil
        let was = contact.unreachable
        contact.unreachable = false
        contacts[peer] = contact
        if was, view[peer] != nil {
            ring.added(peer)
        }
    }
}
