extension Router {
    /// Rebuilds this node's record from its live peers, bumps its sequence, installs it and
    /// floods it to every peer, then schedules a recomputation.
    mutating func bumpOwnRecord(_ now: Instant) {
        ownRecord.links = peers.map { Link(neighbor: $0.key, cost: $0.value.cost) }.sorted { $0.neighbor < $1.neighbor }
        ownRecord.sequence += 1
        database.apply(ownRecord)
        noteChanged(id)
        ownRecordUnsent = true
        scheduleRecompute(now)
    }

    /// Floods this node's record once for every change one event made (a timer that finds
    /// three peers dead changes it three times, and sends it once).
    mutating func floodOwnRecord(_ now: Instant) {
        guard ownRecordUnsent else { return }
        ownRecordUnsent = false
        for peer in peers.keys.sorted() {
            forward([ownRecord], to: peer, now: now)
        }
    }

    /// Installs newer records and floods them to every peer but the sender; defends this
    /// node's own record.
    ///
    /// An older record is ignored, not answered with the newer one: links are reliable and
    /// ordered, a new link starts with both whole databases, and every record installed here
    /// goes to every peer but the one it came from, so a peer that sent an older version
    /// already has the newer one on its way. Answering would only add traffic, and under load
    /// (peers lagging behind a fast-changing record) the answers to answers kept two relays
    /// bouncing one record between them thousands of times.
    ///
    /// A record the sender holds (it sent this version, or a newer one than ours) is no
    /// longer waiting for it in its flood pacing: it would be sent back an echo.
    mutating func receivedRecords(_ records: [LinkStateRecord], from peer: NodeID, now: Instant) {
        var installed: [LinkStateRecord] = []
        let senderHasPending = peers[peer].map { !$0.pendingOrigins.isEmpty } ?? false
        for record in records {
            statistics.recordsReceived += 1
            if record.origin == id {
                // A record of ours from an earlier life or session: outnumber it. An exact
                // copy of our current record is only an echo (a relay that heard it from
                // another relay first passes it on to us): re-originating for it would
                // flood again, and in a full mesh the echoes of each flood would keep the
                // re-originations going forever.
                if record.isNewer(than: ownRecord) || (!ownRecord.isNewer(than: record) && record != ownRecord) {
                    ownRecord.incarnation = record.incarnation
                    ownRecord.sequence = record.sequence
                    bumpOwnRecord(now)
                }
                continue
            }
            let verdict = database.apply(record)
            if verdict == .installed {
                installed.append(record)
                noteChanged(record.origin)
                unreachableSince[record.origin] = nil
            }
            if verdict != .older, senderHasPending {
                peers[peer]!.pendingOrigins.remove(record.origin)
            }
        }
        guard !installed.isEmpty else { return }
        statistics.recordsInstalled += UInt64(installed.count)
        for other in peers.keys.sorted() where other != peer {
            forward(installed, to: other, now: now)
        }
        scheduleRecompute(now)
    }

    /// Sends `records` to `peer` now while the peer's flood pacing allows a frame (a burst
    /// of `floodBurst` frames, then one per `floodPacing`), else notes their origins for the
    /// next frame the pacing allows.
    private mutating func forward(_ records: [LinkStateRecord], to peer: NodeID, now: Instant) {
        guard let state = peers[peer] else { return }
        if state.pendingOrigins.isEmpty, let schedule = floodFrameAllowed(state, now) {
            peers[peer]!.floodSchedule = schedule
            send(.linkState(records), to: peer, now: now)
            return
        }
        for record in records {
            peers[peer]!.pendingOrigins.insert(record.origin)
        }
        let due = nextFloodFrame(state)
        floodDueAt = min(floodDueAt ?? due, due)
    }

    /// When the pacing of the peer of `state` allows its next frame of records.
    private func nextFloodFrame(_ state: PeerState) -> Instant {
        state.floodSchedule - configuration.floodPacing * (configuration.floodBurst - 1)
    }

    /// The pacing schedule after one more frame to the peer of `state` at `now`, or nil
    /// when the burst allowance is used up.
    private func floodFrameAllowed(_ state: PeerState, _ now: Instant) -> Instant? {
        guard nextFloodFrame(state) <= now else { return nil }
        return max(state.floodSchedule, now) + configuration.floodPacing
    }

    /// Sends every peer whose pacing allows a frame again the records waiting for it: per
    /// origin only the version the database holds now (newer versions superseded the older
    /// ones meanwhile, and a record dropped meanwhile is not sent).
    mutating func flushPendingFloods(_ now: Instant) {
        guard let due = floodDueAt, due <= now else { return }
        floodDueAt = nil
        for peer in peers.keys.sorted() where !peers[peer]!.pendingOrigins.isEmpty {
            let state = peers[peer]!
            guard let schedule = floodFrameAllowed(state, now) else {
                let next = nextFloodFrame(state)
                floodDueAt = min(floodDueAt ?? next, next)
                continue
            }
            peers[peer]!.floodSchedule = schedule
            peers[peer]!.pendingOrigins = []
            sendRecords(state.pendingOrigins.sorted().compactMap { database[$0] }, to: peer, now: now)
        }
    }

    /// Sends `records` to `peer` in frames of at most `recordsPerFrame`.
    mutating func sendRecords(_ records: [LinkStateRecord], to peer: NodeID, now: Instant) {
        var start = 0
        while start < records.count {
            let end = min(start + configuration.recordsPerFrame, records.count)
            send(.linkState(Array(records[start..<end])), to: peer, now: now)
            start = end
        }
    }

    /// Recomputes routes from the current database: every topology's place in the tree
    /// and the interest that follows. A node with no topology only schedules a (rarer)
    /// reachability check, so relays-to-be and idle nodes do not rebuild graphs per change.
    mutating func recompute(_ now: Instant) {
        statistics.recomputations += 1
        lastRecompute = now
        guard !topologies.isEmpty else {
            if reachabilityCheckAt == nil {
                reachabilityCheckAt = now + configuration.reachabilityInterval
            }
            return
        }
        updateGraph(now)
        for name in topologies.keys.sorted() {
            refresh(name, now: now)
        }
    }

    /// Takes the current database as the graph routes follow, notes which nodes became
    /// unreachable, and reports conflicts.
    mutating func updateGraph(_ now: Instant) {
        guard graph.digest != database.digest else { return }
        graph = cache.graph(of: database, patching: graph, changed: changedSinceGraph)
        changedSinceGraph = []
        if let last = reachabilityTrackedAt, now - last < configuration.reachabilityInterval {
            if reachabilityCheckAt == nil {
                reachabilityCheckAt = last + configuration.reachabilityInterval
            }
        } else {
            trackReachability(now)
        }
        reportConflicts()
    }

    /// Notes that the record of `origin` was installed or dropped (see `changedSinceGraph`).
    mutating func noteChanged(_ origin: NodeID) {
        guard changedSinceGraph != nil else { return }
        if changedSinceGraph!.count >= max(16, database.count / 2) {
            changedSinceGraph = nil
        } else {
            changedSinceGraph!.insert(origin)
        }
    }

    /// Drops the records of nodes that stayed unreachable for the grace period.
    mutating func expireRecords(_ now: Instant) {
        let grace = configuration.recordGracePeriod
        guard let earliest = earliestUnreachable, now - earliest >= grace else { return }
        // Judge on the current database: reachability is tracked only now and then, and a
        // node without topologies keeps an older graph.
        updateGraph(now)
        var expired = false
        let mine = graph.index(of: id).map { graph.components[Int($0)] }
        for (node, since) in unreachableSince where now - since >= grace {
            unreachableSince[node] = nil
            // Tracked at most once per reachability interval: it may have come back since.
            if let index = graph.index(of: node), graph.components[Int(index)] == mine {
                continue
            }
            if let record = database[node] {
                observe(.recordExpired(node, name: record.name))
            }
            database.remove(node)
            noteChanged(node)
            expired = true
        }
        earliestUnreachable = unreachableSince.values.min()
        if expired {
            scheduleRecompute(now)
        }
    }

    mutating func trackReachability(_ now: Instant) {
        reachabilityTrackedAt = now
        reachabilityTrackedDigest = graph.digest
        guard let me = graph.index(of: id) else { return }
        let mine = graph.components[Int(me)]
        for node in unreachableSince.keys {
            if let index = graph.index(of: node), graph.components[Int(index)] != mine { continue }
            unreachableSince[node] = nil
        }
        for component in graph.componentRoots where component != mine {
            for member in graph.members(ofComponent: component) where unreachableSince[graph.ids[Int(member)]] == nil {
                unreachableSince[graph.ids[Int(member)]] = now
            }
        }
        earliestUnreachable = unreachableSince.values.min()
    }

    private mutating func reportConflicts() {
        if graph.definitionConflicts != reportedDefinitionConflicts {
            for (name, definitions) in graph.definitionConflicts.sorted(by: { $0.key < $1.key })
            where reportedDefinitionConflicts[name] != definitions {
                observe(.definitionConflict(name, definitions))
            }
            reportedDefinitionConflicts = graph.definitionConflicts
        }
        if graph.nameConflicts != reportedNameConflicts {
            for (name, claimants) in graph.nameConflicts.sorted(by: { $0.key < $1.key })
            where reportedNameConflicts[name] != claimants {
                observe(.nameConflict(name, claimants))
            }
            reportedNameConflicts = graph.nameConflicts
        }
    }
}
