/// How many links a node keeps and how it dials, for ``OverlayLinks``.
///
/// Defaults: `maxLinks` 8, hence 3 rings (6 ring links) and 2 links of slack for views
/// that disagree for a moment; docs/architecture.md ("The overlay: which links a node
/// keeps") gives the reasoning.
public struct OverlayConfiguration: Sendable {
    /// This node.
    public var id: NodeID
    /// Peers discovered in another realm are never dialled.
    public var realm: String
    /// The hard cap on links the machine chooses itself (links to discovered peers): never
    /// more are established at once. Links to configured peers (``OverlayConfiguredSource``)
    /// are exempt. At least 3.
    public var maxLinks: Int = 8
    /// Seeds the jitter of redial delays; give each node its own (a node id's bits, or a
    /// random value at start). Same seed and same events, same directives.
    public var seed: UInt64 = 0
    /// The first redial delay after a failure; doubles per failure up to `redialMaximumDelay`;
    /// each delay is jittered by ±25%.
    public var redialInitialDelay: Duration = .milliseconds(100)
    public var redialMaximumDelay: Duration = .seconds(5)
    /// A connection (dialled or accepted) that has not finished its handshake in this time is
    /// closed; a dialled one counts as a failed dial.
    public var handshakeTimeout: Duration = .seconds(3)
    /// A wanted peer whose dial has not completed in this time is treated as unreachable for
    /// the choice of links (the next node on its ring is chosen), while the dial goes on.
    /// A LAN handshake takes milliseconds; this keeps a silent partition from costing a
    /// whole handshake timeout per node skipped (a node on the small side of a partition
    /// may have to skip dozens in a row on a ring).
    public var suspectAfter: Duration = .milliseconds(250)
    /// Of two nodes that both want a link, the lower id dials at once; the higher dials only
    /// if no link came up within this delay (the lower may not see it, or may not want it).
    /// Short, because a crossing dial costs only a connection that the tie break closes.
    public var fallbackDelay: Duration = .milliseconds(250)
    /// A link this node dialled and no longer wants is closed after this delay, unless it is
    /// wanted again meanwhile: membership that changes back and forth does not flap links.
    public var lingerDelay: Duration = .seconds(2)
    /// Dials of ring neighbours wait until no new member joined the view for this long: at
    /// start-up mDNS reports a LAN's nodes in bursts (Avahi announces a service about 0.9 s
    /// after it is registered, so nodes started together appear together, as far apart as
    /// their starts), every report moves the ring neighbours, and a link dialled to a
    /// neighbour of a half-known view is closed again (after `lingerDelay`) once the view
    /// is whole. Configured and declared peers and links already up are not delayed.
    public var settleDelay: Duration = .seconds(1)
    /// The longest a burst of joins delays the dials (`settleDelay` restarts with every new
    /// member): a view that keeps growing still gets its links this often.
    public var settleLimit: Duration = .seconds(5)
    /// A member reported as isolated (``OverlayLinks/Event/isolated(_:)``: mDNS announces
    /// it, yet no link-state record names it, so it is linked to nobody) is dialled by this
    /// node after this delay plus a random share of it, and no sooner than this delay after
    /// the view last settled, even if it is no ring neighbour here: its ring neighbours may
    /// not have discovered it (mDNS answers late on a busy LAN, or not at all), and until it
    /// has one link its record cannot tell them. The first of the nodes that saw it to dial
    /// links it; its record then reaches everyone and the others' dials are not made. At
    /// start-up every member is isolated until the ring dials of the settled views link
    /// them, which takes milliseconds on a LAN and rarely more than a second on a busy one.
    public var introductionDelay: Duration = .seconds(1)

    public init(id: NodeID, realm: String) {
        self.id = id
        self.realm = realm
    }

    /// The number of rings: `(maxLinks - 2) / 2`, at least 1. Each ring contributes a
    /// successor and a predecessor, so a node wants at most `2 * rings` links, and at least
    /// 2 of `maxLinks` stay free for links other nodes want while views differ.
    public var rings: Int {
        max(1, (maxLinks - 2) / 2)
    }
}
