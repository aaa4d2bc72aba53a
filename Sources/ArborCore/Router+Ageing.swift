/// Ageing: records of nodes that stayed unreachable for the grace period are flushed.
///
/// Which nodes are unreachable since when is tracked by each node on its own graph, at most
/// once per reachability interval, so two nodes of one component decide at different
/// moments (seconds apart). Were each node to drop the record on its own, the component
/// would hold different databases (and so trees: a dead node's record still carries its
/// topology definitions) until the last one looked, and a node that dropped it could take
/// it back from a neighbour that had not. So the first node whose grace period runs out
/// floods a flush of the version it holds: every node removes that version at once,
/// floods the flush on, and remembers it for ``RouterConfiguration/flushMemory``,
/// answering any stale copy with the flush instead of installing it. A live node that
/// hears of a flush of its own record (another component flushed it while they were
/// apart) outnumbers it with a new version. No tree depends on when a node last looked.
extension Router {
    /// Flushes the records of nodes that stayed unreachable for the grace period.
    mutating func expireRecords(_ now: Instant) {
        guard reachability.expiryDue(now) else { return }
        // Judge on the current database: reachability is tracked only now and then, and a
        // node without topologies keeps an older graph.
        updateGraph(now)
        var withdrawn: [RecordVersion] = []
        let mine = graph.index(of: id).map { graph.components[Int($0)] }
        for node in reachability.takeExpired(now) {
            // Tracked at most once per reachability interval: it may have come back since.
            if let index = graph.index(of: node), graph.components[Int(index)] == mine {
                continue
            }
            guard let record = database[node] else { continue }
            observe(.recordExpired(node, name: record.name))
            withdraw(record.version, now: now)
            withdrawn.append(record.version)
        }
        guard !withdrawn.isEmpty else { return }
        for peer in peers.keys.sorted() {
            forward(.flush(withdrawn), origins: withdrawn.map(\.origin), to: peer, now: now)
        }
        scheduleRecompute(now, changes: withdrawn.count)
    }

    /// Applies flushes from `peer`: each version held (or an older one) is removed,
    /// remembered and flooded on to every other peer; a version already flushed here, or
    /// older than the record held, changes nothing (the newer record is on its way to the
    /// sender, or it sent it). A flush of this node's own current record is outnumbered.
    mutating func receivedFlushes(_ versions: [RecordVersion], from peer: NodeID, now: Instant) {
        var withdrawn: [RecordVersion] = []
        for version in versions {
            if version.origin == id {
                if !ownRecord.isNewer(than: version) {
                    bumpOwnRecord(now, outnumbering: version)
                }
                continue
            }
            if let current = database[version.origin] {
                if current.isNewer(than: version) { continue }
            } else if let gone = flushed[version.origin], !version.isNewer(than: gone.version) {
                floodPacer.peerHolds(version.origin, peer: peer)
                continue
            }
            withdraw(version, now: now)
            withdrawn.append(version)
            // The sender holds the flush: sending it back would only be an echo.
            floodPacer.peerHolds(version.origin, peer: peer)
        }
        guard !withdrawn.isEmpty else { return }
        for other in peers.keys.sorted() where other != peer {
            forward(.flush(withdrawn), origins: withdrawn.map(\.origin), to: other, now: now)
        }
        scheduleRecompute(now, changes: withdrawn.count)
    }

    /// Removes the record of `version`'s origin, if held, and remembers the flush.
    private mutating func withdraw(_ version: RecordVersion, now: Instant) {
        if database.remove(version.origin) {
            noteChanged(version.origin)
        }
        reachability.forget(version.origin)
        let forgetAt = now + configuration.flushMemory
        flushed[version.origin] = FlushedRecord(version: version, forgetAt: forgetAt)
        earliestFlushForget = min(earliestFlushForget ?? forgetAt, forgetAt)
    }

    /// Forgets the flushes remembered for ``RouterConfiguration/flushMemory``. Checked on
    /// every timer event (at least one per heartbeat interval); forgetting late is harmless.
    mutating func forgetFlushes(_ now: Instant) {
        guard let earliest = earliestFlushForget, earliest <= now else { return }
        flushed = flushed.filter { $0.value.forgetAt > now }
        earliestFlushForget = flushed.values.map(\.forgetAt).min()
    }

    /// Brings the nodes unreachable since when up to date with the current graph
    /// (``ReachabilityTracker/track(_:me:now:)``).
    mutating func trackReachability(_ now: Instant) {
        reachability.track(graph, me: id, now: now)
    }
}
