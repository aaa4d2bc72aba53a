import HashTreeCollections

/// The peers discovery currently reports, by node id: what a node believes the
/// membership of its realm is.
///
/// A persistent hash tree, so copies share structure: every node of a LAN holds nearly the
/// same view, and a simulator of 10,000 nodes keeps one shared copy plus small
/// differences instead of 10,000 full ones. `digest` identifies the content
/// (order-independent, updated in O(1) per change), so equal views can be shared
/// (``OverlayLinks/adoptIdenticalView(_:)``).
public struct OverlayView: Sendable {
    public private(set) var members = TreeDictionary<NodeID, OverlayPeer>()
    public private(set) var digest: UInt64 = 0
    /// Per ring, every member's position and id in ascending order, when built by
    /// ``buildRingIndex(rings:)``; any change drops it.
    private(set) var ringIndex: [[RingEntry]]?

    struct RingEntry: Sendable {
        var position: UInt64
        var id: NodeID
    }

    public init() {}

    /// A view holding `peers` (later duplicates of an id win).
    public init(_ peers: some Sequence<OverlayPeer>) {
        for peer in peers {
            insert(peer)
        }
    }

    public var count: Int { members.count }

    public subscript(id: NodeID) -> OverlayPeer? { members[id] }

    /// Adds or replaces a peer; returns the peer it replaced.
    @discardableResult
    public mutating func insert(_ peer: OverlayPeer) -> OverlayPeer? {
        ringIndex = nil
        let old = members.updateValue(peer, forKey: peer.id)
        if let old { digest ^= Self.fingerprint(old) }
        digest ^= Self.fingerprint(peer)
        return old
    }

    /// Removes a peer; returns it.
    @discardableResult
    public mutating func remove(_ id: NodeID) -> OverlayPeer? {
        guard let old = members.removeValue(forKey: id) else { return nil }
        ringIndex = nil
        digest ^= Self.fingerprint(old)
        return old
    }

    /// Sorts the members by position on each of `rings` rings (O(rings × N log N)), so that
    /// a machine that loses a ring neighbour finds the next one in O(log N) plus the
    /// ineligible members it skips, instead of scanning the view. Worth it for a view that
    /// many machines share (the simulator) or that stays unchanged while neighbours come and
    /// go (a partition); a change drops the index.
    public mutating func buildRingIndex(rings: Int) {
        ringIndex = (0..<rings).map { ring in
            members.keys.map { RingEntry(position: OverlayRing.position(of: $0, ring: ring), id: $0) }
                .sorted { ($0.position, $0.id) < ($1.position, $1.id) }
        }
    }

    private static func fingerprint(_ peer: OverlayPeer) -> UInt64 {
        var hash = StableHash(seed: 0x6F76_6572_6C61_7921)
        hash.combine(peer.id)
        hash.combine(peer.incarnation)
        hash.combine(peer.realm)
        for address in peer.addresses {
            hash.combine(address.host)
            hash.combine(UInt64(bitPattern: Int64(address.port)))
        }
        return hash.value
    }
}
