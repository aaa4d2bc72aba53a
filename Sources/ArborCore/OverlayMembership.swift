/// Who the overlay machine sees as members: the peers mDNS announces, and the nodes whose
/// link-state records advertise where they accept links (peer exchange through the flood).
///
/// mDNS alone does not scale as a membership service: every host answers every browser,
/// so a LAN of N hosts starting together costs O(N²) multicast packets, and on a busy LAN
/// some hosts see some others tens of seconds late (measured: 48 hosts on the 2-core lab,
/// the last node discovered by its last peer 30 s after it started). A record crosses the
/// whole overlay in milliseconds once its origin is linked to anyone, so a node that mDNS
/// found late (or not at all) is still a member everywhere: mDNS only has to find each
/// node one peer.
///
/// A member mDNS announces but no record names is linked to nobody: it is reported as
/// ``OverlayLinks/Event/isolated(_:)``, and the machine introduces it (dials it even if it
/// is no ring neighbour here) so that its record can start to travel.
///
/// Pure and deterministic: feed it what discovery reports and, after router steps that
/// changed the database, the database; it returns the ``OverlayLinks/Event``s that bring
/// the machine's view in line (a member reported by either source is in the view, with the
/// announced addresses first; one reported by neither is ``OverlayLinks/Event/vanished(_:)``).
public struct OverlayMembership: Sendable {
    /// This node: never a member of its own view.
    public let id: NodeID
    /// The realm of this node; records come only from peers of the same realm.
    public let realm: String
    /// What mDNS reports.
    private var announced: [NodeID: OverlayPeer] = [:]
    /// Nodes whose current record advertises addresses.
    private var recorded: [NodeID: OverlayPeer] = [:]
    /// The database digest `recorded` was last read at.
    private var recordedAt: DatabaseDigest?
    /// Every origin of a record in that database.
    private var origins: Set<NodeID> = []
    /// The isolated members last reported.
    private var isolated: Set<NodeID> = []

    public init(id: NodeID, realm: String) {
        self.id = id
        self.realm = realm
    }

    /// mDNS reports `peer` (new, or with new addresses or incarnation).
    public mutating func announced(_ peer: OverlayPeer) -> [OverlayLinks.Event] {
        announced[peer.id] = peer
        return [member(peer.id)] + isolation()
    }

    /// mDNS no longer reports the peer.
    public mutating func withdrawn(_ peer: NodeID) -> [OverlayLinks.Event] {
        guard announced.removeValue(forKey: peer) != nil else { return [] }
        return [member(peer)] + isolation()
    }

    /// Reads the records of `database` (cheap when its digest did not change): a node with
    /// addresses in its record joins the view; one whose record left or lost its addresses
    /// leaves it unless mDNS still announces it.
    public mutating func records(of database: LinkStateDatabase) -> [OverlayLinks.Event] {
        guard recordedAt != database.digest else { return [] }
        recordedAt = database.digest
        var current: [NodeID: OverlayPeer] = [:]
        origins.removeAll(keepingCapacity: true)
        for record in database.records {
            origins.insert(record.origin)
            guard record.origin != id, !record.addresses.isEmpty else { continue }
            current[record.origin] = OverlayPeer(
                id: record.origin, addresses: record.addresses, realm: realm, incarnation: record.incarnation)
        }
        let changed = Set(current.keys).union(recorded.keys).filter { current[$0] != recorded[$0] }
        recorded = current
        return changed.sorted().map { member($0) } + isolation()
    }

    /// `.isolated` with the announced members no record names, when that set changed.
    private mutating func isolation() -> [OverlayLinks.Event] {
        let now = Set(announced.keys).subtracting(origins).subtracting([id])
        guard now != isolated else { return [] }
        isolated = now
        return [.isolated(now)]
    }

    /// The event that tells the machine what is known of `peer` now.
    private func member(_ peer: NodeID) -> OverlayLinks.Event {
        switch (announced[peer], recorded[peer]) {
        case (nil, nil):
            return .vanished(peer)
        case (let mdns?, nil):
            return .discovered(mdns)
        case (nil, let record?):
            return .discovered(record)
        case (var mdns?, let record?):
            // mDNS's addresses first (found on this LAN segment), then any others the node
            // advertises; the newer incarnation of the two.
            mdns.addresses += record.addresses.filter { !mdns.addresses.contains($0) }
            mdns.incarnation = max(mdns.incarnation, record.incarnation)
            return .discovered(mdns)
        }
    }
}
