extension Router {
    mutating func peerUp(_ peer: NodeID, name: String, incarnation: UInt64, cost: UInt32?, now: Instant) {
        guard peer != id else { return }
        if let existing = peers[peer] {
            guard existing.incarnation != incarnation else {
                connectionReplaced(peer, now: now)
                return
            }
            // A new session of a restarted peer replaces the old one: everything learned
            // on it is void.
            peerDown(peer, reason: "replaced by a new connection", now: now)
        }
        let base = max(1, cost ?? configuration.defaultLinkCost)
        peers[peer] = PeerState(
            name: name,
            incarnation: incarnation,
            cost: base,
            baseCost: base,
            connectedAt: now,
            lastHeard: now,
            lastSent: now
        )
        observe(.peerUp(peer, name: name))
        // The new peer gets a summary of our database (it asks for what it lacks) and what
        // we flushed; our new record follows at the end of the event.
        sendSummary(to: peer, now: now)
        sendFlushes(flushed.values.map(\.version).sorted { $0.origin < $1.origin }, to: peer, now: now)
        bumpOwnRecord(now)
    }

    /// The base cost of the link to `peer` is now `cost` (at least 1); the round-trip
    /// term stays as it was. The new cost goes out with this node's record.
    mutating func linkCostChanged(_ peer: NodeID, to cost: UInt32, now: Instant) {
        guard let state = peers[peer] else { return }
        let base = max(1, cost)
        let term = state.cost > state.baseCost ? state.cost - state.baseCost : 0
        let desired = UInt32(min(UInt64(base) + UInt64(term), UInt64(TopologyGraph.maximumCost)))
        peers[peer]!.baseCost = base
        guard desired != state.cost else { return }
        peers[peer]!.cost = desired
        bumpOwnRecord(now)
    }

    /// The same session of `peer` (same incarnation) carried on by a new connection, the
    /// old one closed: two nodes that dialled each other at once keep one of the two
    /// connections (``OverlayLinks``). The link never stopped, so no peer down is observed
    /// and what the peer told this node stays in force; but what either end sent on the
    /// old connection may be lost, so this node sends again everything it told the peer:
    /// its database summary, its flushes, and the full interest of every topology it had
    /// told the peer of (paced), which the peer's full sets answer the same way.
    mutating func connectionReplaced(_ peer: NodeID, now: Instant) {
        peers[peer]!.lastHeard = now
        peers[peer]!.suspectSince = nil
        var resent: [TopologyName] = []
        var index = topologies.startIndex
        while index != topologies.endIndex {
            let engaged = topologies.values[index].engaged.contains(peer)
            if engaged {
                // Told and still due: a full set again. One told but no longer engaged
                // keeps its record of what was told, so the leave still goes out.
                topologies.values[index].sent[peer] = nil
            }
            if engaged || topologies.values[index].sent[peer] != nil {
                resent.append(topologies.keys[index])
            }
            topologies.formIndex(after: &index)
        }
        interestPacer.wait(resent, for: peer)
        sendSummary(to: peer, now: now)
        sendFlushes(flushed.values.map(\.version).sorted { $0.origin < $1.origin }, to: peer, now: now)
    }

    mutating func peerDown(_ peer: NodeID, reason: String, now: Instant) {
        guard let state = peers.removeValue(forKey: peer) else { return }
        floodPacer.forget(peer)
        interestPacer.forget(peer)
        observe(.peerDown(peer, name: state.name, reason: reason))
        // Through indices, in place: iterating `keys` while writing would copy all the
        // topologies' state, which with 100,000 topologies costs more than the rest.
        var index = topologies.startIndex
        while index != topologies.endIndex {
            topologies.values[index].remote[peer] = nil
            topologies.values[index].sent[peer] = nil
            topologies.values[index].engaged.removeAll { $0 == peer }
            topologies.formIndex(after: &index)
        }
        bumpOwnRecord(now)
    }

    /// Notes that `peer` was heard from at `now` (any frame counts as liveness).
    mutating func heard(from peer: NodeID, now: Instant) {
        guard let index = peers.index(forKey: peer) else { return }
        peers.values[index].lastHeard = now
        peers.values[index].suspectSince = nil
    }

    /// `heard`: the caller noted the liveness already (once for a batch of messages).
    mutating func received(_ message: PeerMessage, from peer: NodeID, now: Instant, heard alreadyNoted: Bool = false) {
        guard peers[peer] != nil else { return }
        if !alreadyNoted {
            heard(from: peer, now: now)
        }
        switch message {
        case .linkState(let records):
            receivedRecords(records, from: peer, now: now)
        case .flush(let versions):
            receivedFlushes(versions, from: peer, now: now)
        case .summary(let versions):
            receivedSummary(versions, from: peer, now: now)
        case .request(let origins):
            receivedRequest(origins, from: peer, now: now)
        case .interest(let topology, let update):
            receivedInterest(update, topology: topology, from: peer, now: now)
        case .data(let data):
            receivedData(data, from: peer, now: now)
        case .heartbeat(let heartbeat):
            receivedHeartbeat(heartbeat, from: peer, now: now)
        case .goodbye:
            actions.append(.disconnect(peer, .goodbye))
            peerDown(peer, reason: Router.DisconnectReason.goodbye.description, now: now)
        case .repairRequest(let request):
            receivedRepairRequest(request, from: peer, now: now)
        case .repairData(let messages):
            receivedRepairData(messages, from: peer, now: now)
        case .repairEnd(let end):
            receivedRepairEnd(end, from: peer, now: now)
        }
    }

    private mutating func receivedHeartbeat(_ heartbeat: Heartbeat, from peer: NodeID, now: Instant) {
        peers[peer]!.lastRemoteTimestamp = heartbeat.timestamp
        peers[peer]!.remoteTimestampReceivedAt = now
        guard heartbeat.echo != 0 else { return }
        let sample = now.nanoseconds - heartbeat.echo - heartbeat.echoDelay
        guard sample >= 0 else { return }
        let smoothed: Int64
        if let previous = peers[peer]!.roundTrip?.nanoseconds {
            smoothed = (previous * 7 + sample) / 8
        } else {
            smoothed = sample
        }
        peers[peer]!.roundTrip = .nanoseconds(smoothed)
        peers[peer]!.roundTripFloor.add(sample, at: now, window: configuration.roundTripWindow)
        adjustCost(of: peer, now: now)
    }

    /// Re-advertises a link's cost when its round-trip term (from the round-trip floor)
    /// moved it by a quarter or more, at most once per `costUpdateInterval`; the term is
    /// capped at `roundTripPenaltyLimit`.
    private mutating func adjustCost(of peer: NodeID, now: Instant) {
        guard let unit = configuration.roundTripCostUnit?.nanoseconds, unit > 0,
            let state = peers[peer], let roundTrip = state.roundTripFloor.value
        else { return }
        if let changedAt = state.costChangedAt, now - changedAt < configuration.costUpdateInterval { return }
        let term = min(UInt32(clamping: roundTrip / unit), configuration.roundTripPenaltyLimit)
        let desired = min(state.baseCost &+ term, TopologyGraph.maximumCost)
        let difference = desired > state.cost ? desired - state.cost : state.cost - desired
        guard difference > 0, difference * 4 >= state.cost else { return }
        peers[peer]!.cost = desired
        peers[peer]!.costChangedAt = now
        bumpOwnRecord(now)
    }

    /// Sends a heartbeat on every link that carried nothing for half an interval.
    mutating func sendHeartbeats(_ now: Instant) {
        let idle = now - configuration.heartbeatInterval / 2
        for peer in peers.keys.sorted() {
            let state = peers[peer]!
            guard state.lastSent <= idle else { continue }
            let heartbeat = Heartbeat(
                timestamp: now.nanoseconds,
                echo: state.lastRemoteTimestamp,
                echoDelay: state.lastRemoteTimestamp == 0 ? 0 : (now - state.remoteTimestampReceivedAt).nanoseconds
            )
            send(.heartbeat(heartbeat), to: peer, now: now)
        }
    }

    /// Declares dead every peer silent for longer than the configured number of intervals
    /// (and still silent ``RouterConfiguration/livenessRecheck`` after it was found so).
    mutating func checkLiveness(_ now: Instant) {
        for peer in peers.keys.sorted() {
            switch liveness.judge(peers[peer]!, at: now) {
            case .alive:
                continue
            case .suspect:
                peers[peer]!.suspectSince = now
            case .dead(let silence):
                let reason = DisconnectReason.heartbeatTimeout(silentFor: silence)
                actions.append(.disconnect(peer, reason))
                peerDown(peer, reason: reason.description, now: now)
            }
        }
    }
}
