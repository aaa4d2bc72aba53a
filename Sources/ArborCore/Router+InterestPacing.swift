/// Interest pacing (``RouterConfiguration/interestPacing``): a burst of interest changes
/// (a client joining thousands of topologies, a recomputation moving thousands of trees)
/// reaches each peer at a bounded rate, so that no neighbour has to take thousands of
/// topologies in one step while its links' heartbeats wait. When an update goes is the
/// ``InterestPacer``'s to say; what it says is computed here when it goes.
extension Router {
    /// The update that brings what `peer` holds from this node for the topology of `state`
    /// up to what it should hold, with the set it then holds; `nil` when it is up to date.
    func interestUpdate(_ state: TopologyState, toward peer: NodeID) -> (update: InterestUpdate, holds: PrefixSet?)? {
        let told = state.sent[peer]
        guard state.engaged.contains(peer) else {
            return told == nil ? nil : (.leave, nil)
        }
        // The former parent keeps what it was told until it is told to leave.
        if told != nil, peer == state.formerParent { return nil }
        let wanted = state.interest(toward: peer)
        guard let told else { return (.full(wanted), wanted) }
        guard told != wanted else { return nil }
        return (.delta(added: wanted.subtracting(told), removed: told.subtracting(wanted)), wanted)
    }

    /// Sends `peer` the update of topology `name` (whose state is `state`, not yet stored)
    /// if it needs one and its pacing allows it now; otherwise queues the topology for the
    /// peer's next turn. A peer that is not connected holds nothing.
    mutating func tellInterest(_ name: TopologyName, _ state: inout TopologyState, to peer: NodeID, now: Instant) {
        guard peers[peer] != nil else {
            state.sent[peer] = nil
            return
        }
        guard let (update, holds) = interestUpdate(state, toward: peer) else { return }
        if interestPacer.sendsNow(to: peer, at: now) {
            state.sent[peer] = holds
            send(.interest(name, update), to: peer, now: now)
            statistics.interestMessagesSent += 1
            return
        }
        interestPacer.wait(CollectionOfOne(name), for: peer)
        statistics.interestUpdatesPaced += 1
    }

    /// Sends every peer whose pacing allows it the updates waiting for it, oldest first:
    /// for each topology what the peer lacks now (nothing if it caught up meanwhile).
    mutating func flushPendingInterest(_ now: Instant) {
        for (peer, names) in interestPacer.takeDue(at: now) {
            for name in names {
                guard var state = topologies[name] else { continue }
                if let (update, holds) = interestUpdate(state, toward: peer) {
                    state.sent[peer] = holds
                    send(.interest(name, update), to: peer, now: now)
                    statistics.interestMessagesSent += 1
                }
                topologies[name] = state.isIdle ? nil : state
            }
        }
    }
}
