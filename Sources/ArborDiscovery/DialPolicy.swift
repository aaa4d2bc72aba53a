import ArborCore

/// Who opens the TCP connection between two nodes that found each other.
///
/// **The rule: the node with the lower node id dials; the other only accepts.**
///
/// Why this avoids double connections: both nodes see each other's id in TXT before either
/// dials, and both evaluate the same total order on ids, so for every pair exactly one side
/// decides to dial. Without a rule, two nodes that appear at the same moment dial each
/// other at the same moment and end up with two links, one of which must then be torn
/// down; with the rule that race does not exist.
///
/// When the dialer is down (or cannot see the other, say its own avahi-daemon is
/// restarting), the higher node only waits: there is no link until the lower node comes
/// back, sees the higher one in its browse results (they are replayed to every new browser)
/// and dials. To keep one-sided discovery from leaving a pair unlinked for long, the higher
/// node may dial anyway once it has seen the lower one for ``fallbackDelay`` without
/// receiving its connection; should both connections then complete, the handshake keeps the
/// one ``keeps(connectionDialedBy:between:and:)`` names and closes the other, so both
/// sides drop the same one.
///
/// Static peers (``DiscoveryEvent/staticPeerAdded(_:)``) are known by address only, and the
/// other side may not be configured with us at all, so they are always dialed; the same
/// handshake tie-break removes a duplicate when both sides list each other.
public enum DialPolicy {
    /// How long the higher node waits for the lower node's connection before dialing itself.
    public static let fallbackDelay: Duration = .seconds(5)

    /// Whether `local` opens the connection to `remote`, found by mDNS.
    public static func shouldDial(local: NodeID, remote: NodeID) -> Bool {
        local < remote
    }

    /// When two connections exist between `a` and `b`, the one to keep: the one dialed by
    /// the lower id. Both ends compute the same answer.
    public static func keeps(connectionDialedBy dialer: NodeID, between a: NodeID, and b: NodeID) -> Bool {
        dialer == Swift.min(a, b)
    }
}
