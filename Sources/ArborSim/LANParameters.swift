import ArborCore

/// Timing of a simulated LAN (``LANSimulator``): every node discovers every other node, as
/// mDNS does, and ``OverlayLinks`` picks the links.
public struct LANParameters: Sendable {
    /// One-way latency between any two hosts: a dial completes its handshake in two.
    public var latency: Duration = .milliseconds(1)
    /// From a node's start (or restart) until the others' browsers report it (Avahi's
    /// probing and announcement, about 0.9 s measured in the lab).
    public var announceDelay: Duration = .milliseconds(900)
    /// Until a silently cut link is declared dead by missed heartbeats (100 ms × 3).
    public var deadAfter: Duration = .milliseconds(300)
    /// The hard cap of every node (``OverlayConfiguration/maxLinks``).
    public var maxLinks = 8

    public init() {}

    func configuration(_ id: NodeID, seed: UInt64) -> OverlayConfiguration {
        var configuration = OverlayConfiguration(id: id, realm: "sim")
        configuration.maxLinks = maxLinks
        configuration.seed = seed
        return configuration
    }
}
