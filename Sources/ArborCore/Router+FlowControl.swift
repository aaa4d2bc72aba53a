extension Router {
    /// The link to `peer` holds more output than its limit: the peer does not read.
    ///
    /// A slow peer is a dead peer. Its link is closed and the peer is down for this node
    /// at once (trees are computed without the link, so the streams it carried find
    /// another way and their gaps are repaired there), rather than the node holding
    /// ever more output for it, or holding back the links it forwards from: one peer that
    /// stopped reading must not stall what this node relays to the others. The output
    /// still waiting for the peer is lost with the link; the limit is the shell's
    /// (arbord's `--peer-output-limit`, 64 MiB by default), so only a peer that has been
    /// behind by that much is cut.
    mutating func peerBacklogged(_ peer: NodeID, now: Instant) {
        guard peers[peer] != nil else { return }
        let reason = DisconnectReason.outputBacklog
        actions.append(.disconnect(peer, reason))
        peerDown(peer, reason: reason.description, now: now)
    }
}
