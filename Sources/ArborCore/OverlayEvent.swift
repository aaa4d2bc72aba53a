/// One connection between this node and a peer, as the shell knows it: a dialled one is
/// numbered by the machine (in its ``OverlayLinks/Directive/dial(_:peer:address:)``), an
/// accepted one by the shell (in ``OverlayLinks/Event/accepted(_:)``), each counter unique
/// for the life of the machine.
///
/// Ordered (dialled before accepted, then by number) so that the machine handles several
/// due at once in the same order on every run.
public enum OverlayConnection: Hashable, Comparable, Sendable, CustomStringConvertible {
    case dialed(UInt64)
    case accepted(UInt64)

    public var description: String {
        switch self {
        case .dialed(let number): return "dialed#\(number)"
        case .accepted(let number): return "accepted#\(number)"
        }
    }
}

extension OverlayLinks {
    /// What the shell tells the machine. Every event comes with the current instant.
    public enum Event: Hashable, Sendable {
        /// Discovery (mDNS) reports a peer, or something new about it (addresses,
        /// incarnation). A peer of another realm counts as gone and is never dialled.
        case discovered(OverlayPeer)
        /// Discovery no longer reports the peer. Its live link, if any, stays while the peer
        /// is linked (an avahi-daemon restart withdraws every service for a moment); it is
        /// forgotten when that link closes.
        case vanished(NodeID)
        /// An address given with `--peer` or in a topology file: dialled whatever the id,
        /// redialled for ever, its link kept and exempt from ``OverlayConfiguration/maxLinks``.
        case configured(OverlayAddress, OverlayConfiguredSource)
        /// A configured address is configured no more; its link, if any, becomes an ordinary one.
        case unconfigured(OverlayAddress)
        /// The shell accepted an inbound TCP connection (`.accepted(n)`, `n` unique); the
        /// handshake is pending and times out after ``OverlayConfiguration/handshakeTimeout``.
        case accepted(OverlayConnection)
        /// Both handshakes were exchanged on `connection` (dialled or accepted) and the
        /// shell's own checks passed (realm, protocol versions): the peer is `peer`.
        case handshaken(OverlayConnection, peer: NodeID, incarnation: UInt64)
        /// The connection ended, for any reason: refused, reset, closed by either end, closed
        /// after a directive. Before its handshake, a dialled connection counts as a failed dial.
        case closed(OverlayConnection)
        /// The peers a topology definition in force declares a link with (ArborCore's
        /// `Graph.declaredNeighbors(of:)`; replaces the previous set). A tree of such a
        /// topology may use only its declared links, so these are wanted like ring
        /// neighbours, dialled when discovery reports them, never closed as unwanted, and
        /// exempt from ``OverlayConfiguration/maxLinks``.
        case declared(Set<NodeID>)
        /// The members that, as far as this node knows, are linked to nobody: discovery
        /// reports them but no link-state record names them (replaces the previous set;
        /// ``OverlayMembership`` computes it). Each is dialled after
        /// ``OverlayConfiguration/introductionDelay`` (jittered) if still isolated, so
        /// that one node mDNS found late joins the overlay anyway; the link is kept only
        /// while wanted, like any other.
        case isolated(Set<NodeID>)
        /// The instant asked for with ``Directive/armTimer(_:)`` (or any later one) came. Also
        /// sent once after creating the machine, to dial the peers of an initial view.
        case timer
    }

    /// What the machine asks the shell to do.
    public enum Directive: Hashable, Sendable {
        /// Open a TCP connection to `address` and exchange handshakes on it; report
        /// ``Event/handshaken(_:peer:incarnation:)`` or ``Event/closed(_:)``. `peer` is the
        /// node expected there (`nil` for a configured address).
        case dial(OverlayConnection, peer: NodeID?, address: OverlayAddress)
        /// The handshaken connection is the link to `peer`: hand the router
        /// `peerUp`. When `replacing` is given, that connection was the link to the same
        /// peer: close it without telling the router `peerDown` (the link goes on, on the new
        /// connection). Any other established connection that closes, for whatever reason, is
        /// a `peerDown`.
        case establish(OverlayConnection, peer: NodeID, replacing: OverlayConnection?)
        /// Close the connection (before or after its handshake). The machine has already
        /// forgotten it; the ``Event/closed(_:)`` that follows is ignored.
        case close(OverlayConnection, OverlayCloseReason)
        /// Send ``Event/timer`` at this instant; replaces any earlier request.
        case armTimer(Instant)
    }
}

/// Why the machine closes a connection (for logs and the handshake reject the shell sends).
public enum OverlayCloseReason: Hashable, Sendable, CustomStringConvertible {
    /// No handshake within ``OverlayConfiguration/handshakeTimeout``.
    case handshakeTimeout
    /// A second connection to a linked peer; the one dialled by the lower node id stays
    /// (a higher incarnation of the peer replaces the old link instead).
    case duplicate
    /// The address is this node itself; a configured address that leads here is not
    /// dialled again.
    case selfConnection
    /// At ``OverlayConfiguration/maxLinks`` already, and this link is not one this node wants.
    case full
    /// A link this node dialled and has not wanted for ``OverlayConfiguration/lingerDelay``.
    case unwanted

    public var description: String {
        switch self {
        case .handshakeTimeout: return "no handshake in time"
        case .duplicate: return "duplicate link (the one dialled by the lower node id stays)"
        case .selfConnection: return "connection to this node itself"
        case .full: return "at the maximum number of links"
        case .unwanted: return "no longer one of this node's overlay links"
        }
    }
}
