/// Where a peer listens for peer links: a host (name or IP literal) and a TCP port.
/// The overlay machine never resolves or connects; it only names the address in a
/// ``OverlayLinks/Directive/dial(_:peer:address:)`` directive.
public struct OverlayAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Whether the host is written as an IPv6 address.
    public var isIPv6: Bool { host.contains(":") }

    public var description: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// IPv4 (and names) before IPv6, then by host text, then by port.
    public static func < (lhs: OverlayAddress, rhs: OverlayAddress) -> Bool {
        (lhs.isIPv6 ? 1 : 0, lhs.host, lhs.port) < (rhs.isIPv6 ? 1 : 0, rhs.host, rhs.port)
    }
}

/// A peer that discovery (mDNS/DNS-SD) reports by node id.
public struct OverlayPeer: Hashable, Sendable {
    public var id: NodeID
    /// Addresses to dial, best first; the machine dials the first.
    public var addresses: [OverlayAddress]
    /// The realm the peer announces; a peer of another realm is never dialled.
    public var realm: String
    /// The incarnation the peer announces: a new one (a restart) clears what the machine
    /// remembered of failed dials, so the restarted peer is dialled at once.
    public var incarnation: UInt64

    public init(id: NodeID, addresses: [OverlayAddress], realm: String, incarnation: UInt64) {
        self.id = id
        self.addresses = addresses
        self.realm = realm
        self.incarnation = incarnation
    }
}

/// Where a configured peer address comes from. Configured peers are known by address only
/// (their id is learnt in the handshake), are always dialled and redialled, are never
/// closed by the machine, and do not count toward ``OverlayConfiguration/maxLinks``.
public enum OverlayConfiguredSource: Hashable, Sendable {
    /// `--peer HOST:PORT`.
    case commandLine
    /// An address a topology file declares for one of its nodes.
    case topologyFile
}
