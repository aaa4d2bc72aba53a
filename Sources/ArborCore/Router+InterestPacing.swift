/// Interest pacing (``RouterConfiguration/interestPacing``): a burst of interest changes
/// (a client joining thousands of topologies, a recomputation moving thousands of trees)
/// reaches each peer at a bounded rate, so that no neighbour has to take thousands of
/// topologies in one step while its links' heartbeats wait.
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
        guard let index = peers.index(forKey: peer) else {
            state.sent[peer] = nil
            return
        }
        guard let (update, holds) = interestUpdate(state, toward: peer) else { return }
        // No local copy of the peer's state: one alive while its queue grows below would
        // make every append copy the whole queue (quadratic in a burst of thousands).
        if peers.values[index].pendingInterest.isEmpty, interestAllowance(peers.values[index], now) > 0 {
            peers.values[index].interestSchedule = max(peers.values[index].interestSchedule, now) + configuration.interestPacing
            state.sent[peer] = holds
            send(.interest(name, update), to: peer, now: now)
            statistics.interestMessagesSent += 1
            return
        }
        peers.values[index].pendingInterest.append(name)
        statistics.interestUpdatesPaced += 1
        let due = nextInterestTurn(peers.values[index])
        interestDueAt = min(interestDueAt ?? due, due)
    }

    /// How many interest updates the pacing of the peer of `state` allows at `now`.
    func interestAllowance(_ state: PeerState, _ now: Instant) -> Int {
        let interval = max(1, configuration.interestPacing.nanoseconds)
        let burst = max(1, configuration.interestBurst)
        // The generic cell rate algorithm: allowed while the theoretical arrival time is at
        // most `burst - 1` intervals ahead of now.
        let ahead = state.interestSchedule.nanoseconds - now.nanoseconds
        if ahead <= 0 { return burst }
        let slack = Int64(burst - 1) * interval - ahead
        return slack < 0 ? 0 : Int(slack / interval) + 1
    }

    /// When the pacing of the peer of `state` lets its next batch of waiting updates go:
    /// `interestBatch` of them, or all that wait if fewer.
    func nextInterestTurn(_ state: PeerState) -> Instant {
        let interval = configuration.interestPacing
        let batch = max(1, min(state.pendingInterest.count, configuration.interestBatch))
        return state.interestSchedule - interval * (max(1, configuration.interestBurst) - batch)
    }

    /// Sends every peer whose pacing allows it the updates waiting for it, oldest first:
    /// for each topology what the peer lacks now (nothing if it caught up meanwhile).
    mutating func flushPendingInterest(_ now: Instant) {
        guard let due = interestDueAt, due <= now else { return }
        interestDueAt = nil
        for peer in peers.keys.sorted() where !peers[peer]!.pendingInterest.isEmpty {
            let allowance = interestAllowance(peers[peer]!, now)
            let names = peers[peer]!.pendingInterest.takeFirst(allowance)
            peers[peer]!.interestSchedule = max(peers[peer]!.interestSchedule, now) + configuration.interestPacing * names.count
            for name in names {
                guard var state = topologies[name] else { continue }
                if let (update, holds) = interestUpdate(state, toward: peer) {
                    state.sent[peer] = holds
                    send(.interest(name, update), to: peer, now: now)
                    statistics.interestMessagesSent += 1
                }
                topologies[name] = state.isIdle ? nil : state
            }
            if !peers[peer]!.pendingInterest.isEmpty {
                let next = nextInterestTurn(peers[peer]!)
                interestDueAt = min(interestDueAt ?? next, next)
            }
        }
    }
}
