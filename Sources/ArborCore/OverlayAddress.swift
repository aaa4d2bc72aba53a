/// Where a peer listens for peer links: a host (name or IP literal) and a TCP port.
/// The overlay machine never resolves or connects; it only names the address in a
/// ``OverlayLinks/Directive/dial(_:peer:address:)`` directive.
public struct OverlayAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
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
