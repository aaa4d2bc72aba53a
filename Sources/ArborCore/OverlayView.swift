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
        let old = members.updateValue(peer, forKey: peer.id)
        if let old { digest ^= Self.fingerprint(old) }
        digest ^= Self.fingerprint(peer)
        return old
    }

    /// Removes a peer; returns it.
    @discardableResult
    public mutating func remove(_ id: NodeID) -> OverlayPeer? {
        guard let old = members.removeValue(forKey: id) else { return nil }
        digest ^= Self.fingerprint(old)
        return old
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
