/// How a peer link came about, as the control API reports it (`found`).
public enum PeerOrigin: String, Sendable {
    /// Dialled from an address given with --peer or in a topology file.
    case `static`
    /// The peer dialled this node.
    case inbound
    /// Dialled after mDNS/DNS-SD discovery announced the peer.
    case mdns
}
