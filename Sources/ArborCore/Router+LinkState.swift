extension Router {
    /// Rebuilds this node's record from its live peers, gives it the next version (after
    /// `other` too, when given: a version of this node's record that a peer holds, from an
    /// earlier life or forged, or a flush of it), installs it and floods it to every peer,
    /// then schedules a recomputation.
    ///
    /// Versions come from peers, so the next one is computed without trapping: past the
    /// last sequence comes the next incarnation, and a record at the last of both keeps its
    /// version (its peers will not take it, but the node goes on routing).
    mutating func bumpOwnRecord(_ now: Instant, outnumbering other: RecordVersion? = nil) {
        var base = ownRecord.version
        if let other, other.isNewer(than: base) {
            base = other
        }
        ownRecord.links = peers.map { Link(neighbor: $0.key, cost: $0.value.cost) }.sorted { $0.neighbor < $1.neighbor }
        if let next = base.successor {
            ownRecord.incarnation = next.incarnation
            ownRecord.sequence = next.sequence
        }
        sealOwnRecord()
        database.apply(ownRecord)
        noteChanged(id)
        origination.recordChanged()
        scheduleRecompute(now, changes: 1)
    }

    /// Signs this node's record as it is now, when the node has a key.
    mutating func sealOwnRecord() {
        if let sealer = configuration.sealer {
            ownRecord.seal = sealer.seal(ownRecord)
        }
    }

    /// Floods this node's record once for every change one event made (a timer that finds
    /// three peers dead changes it three times, and sends it once), when the origination
    /// hold lets it go (``OriginationHold``).
    mutating func floodOwnRecord(_ now: Instant) {
        guard origination.floods(at: now) else { return }
        statistics.recordsOriginated += 1
        for peer in peers.keys.sorted() {
            forward(.linkState([ownRecord]), origins: [id], to: peer, now: now)
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
    ///
    /// A copy of a record this node flushed (the same version or an older one) is not
    /// installed again: the sender has not heard of the flush (it was on its way, or the
    /// sender is of another component that went on holding the record), so it is answered
    /// with the flush, which it applies without answering.
    mutating func receivedRecords(_ records: [LinkStateRecord], from peer: NodeID, now: Instant) {
        var installed: [LinkStateRecord] = []
        var stale: [RecordVersion] = []
        let senderHasPending = floodPacer.isWaiting(for: peer)
        statistics.recordsReceived += UInt64(records.count)
        for record in records {
            if record.origin == id {
                // A record of ours from an earlier life or session: outnumber it. An exact
                // copy of our current record is only an echo (a relay that heard it from
                // another relay first passes it on to us): re-originating for it would
                // flood again, and in a full mesh the echoes of each flood would keep the
                // re-originations going forever.
                if record.isNewer(than: ownRecord) || (!ownRecord.isNewer(than: record) && record != ownRecord) {
                    bumpOwnRecord(now, outnumbering: record.version)
                }
                continue
            }
            if !flushed.isEmpty, let gone = flushed[record.origin] {
                guard record.isNewer(than: gone.version) else {
                    stale.append(gone.version)
                    continue
                }
                flushed[record.origin] = nil
            }
            let verdict = database.apply(record)
            if verdict == .installed {
                installed.append(record)
                let index = noteChanged(record.origin)
                reachability.forget(record.origin, hint: index)
            }
            if verdict != .older, senderHasPending {
                floodPacer.peerHolds(record.origin, peer: peer)
            }
        }
        if !stale.isEmpty {
            forward(.flush(stale), origins: stale.lazy.map(\.origin), to: peer, now: now)
        }
        guard !installed.isEmpty else { return }
        statistics.recordsInstalled += UInt64(installed.count)
        for other in peers.keys.sorted() where other != peer {
            forward(.linkState(installed), origins: installed.lazy.map(\.origin), to: other, now: now)
        }
        scheduleRecompute(now, changes: installed.count)
    }

    /// Sends `message` (records or flushes of `origins`) to `peer` now while the peer's
    /// flood pacing allows a frame, else notes the origins for the next frame it allows
    /// (``FloodPacer``).
    mutating func forward(_ message: PeerMessage, origins: some Sequence<NodeID>, to peer: NodeID, now: Instant) {
        guard peers[peer] != nil else { return }
        if floodPacer.sendsNow(to: peer, at: now) {
            send(message, to: peer, now: now)
        } else {
            floodPacer.wait(origins, for: peer)
        }
    }

    /// Sends every peer whose pacing allows a frame again the records waiting for it: per
    /// origin only what this node holds now, the version in the database (newer versions
    /// superseded the older ones meanwhile) or else the flush of it.
    mutating func flushPendingFloods(_ now: Instant) {
        for (peer, origins) in floodPacer.takeDue(at: now) {
            if !flushed.isEmpty {
                sendFlushes(origins.compactMap { flushed[$0]?.version }, to: peer, now: now)
            }
            sendRecords(origins.compactMap { database[$0] }, to: peer, now: now)
        }
    }

    /// Sends `records` to `peer` in frames of at most `recordsPerFrame`.
    mutating func sendRecords(_ records: [LinkStateRecord], to peer: NodeID, now: Instant) {
        send(records, inFramesOf: configuration.recordsPerFrame, to: peer, now: now, as: PeerMessage.linkState)
    }

    /// Sends flushes of `versions` to `peer` in frames of at most `recordsPerFrame`.
    mutating func sendFlushes(_ versions: [RecordVersion], to peer: NodeID, now: Instant) {
        send(versions, inFramesOf: configuration.recordsPerFrame, to: peer, now: now, as: PeerMessage.flush)
    }

    /// Sends `items` to `peer` in order, at most `size` per frame, each frame made by `frame`.
    mutating func send<Item>(_ items: [Item], inFramesOf size: Int, to peer: NodeID, now: Instant, as frame: ([Item]) -> PeerMessage) {
        var start = 0
        while start < items.count {
            let end = min(start + size, items.count)
            send(frame(Array(items[start..<end])), to: peer, now: now)
            start = end
        }
    }

    /// Recomputes routes from the current database: every topology's place in the tree
    /// and the interest that follows. A node with no topology only schedules a (rarer)
    /// reachability check, so relays-to-be and idle nodes do not rebuild graphs per change.
    mutating func recompute(_ now: Instant) {
        statistics.recomputations += 1
        recomputation.recomputed(now)
        guard !topologies.isEmpty else {
            reachability.checkLater(now)
            return
        }
        updateGraph(now)
        if recomputation.startPass(Self.refreshOrder(topologies.keys), now: now) {
            refreshSlice(now)
        }
    }

    /// `names` in a fixed order (the same for the same names, on every node and run), by a
    /// stable hash of each name: sorting 100,000 names as strings took a step of 100 ms and
    /// more on a loaded machine, by their hashes a few milliseconds.
    static func refreshOrder(_ names: some Collection<TopologyName>) -> [TopologyName] {
        var keyed: [(key: UInt64, name: TopologyName)] = []
        keyed.reserveCapacity(names.count)
        for name in names {
            var hash = StableHash(seed: 0x5EED)
            hash.combine(name.rawValue)
            keyed.append((hash.value, name))
        }
        keyed.sort { $0.key != $1.key ? $0.key < $1.key : $0.name < $1.name }
        return keyed.map(\.name)
    }

    /// Refreshes the next slice of the pass under way (``RecomputationSchedule``).
    mutating func refreshSlice(_ now: Instant) {
        for name in recomputation.nextSlice(now) {
            refresh(name, now: now)
        }
    }

    /// Takes the current database as the graph routes follow, notes which nodes became
    /// unreachable, and reports conflicts.
    mutating func updateGraph(_ now: Instant) {
        guard graph.digest != database.digest else { return }
        graph = cache.graph(of: database, patching: graph, changed: changedSinceGraph)
        changedSinceGraph = NodeIndexSet(capacity: graph.count)
        if reachability.graphChanged(now) {
            trackReachability(now)
        }
        reportConflicts()
    }

    /// Notes that the record of `origin` was installed or dropped (see `changedSinceGraph`);
    /// returns the origin's index in the graph when it was looked up.
    @discardableResult
    mutating func noteChanged(_ origin: NodeID) -> Int32? {
        guard changedSinceGraph != nil else { return nil }
        if changedSinceGraph!.count >= max(16, database.count / 2) {
            changedSinceGraph = nil
        } else if let index = graph.index(of: origin) {
            changedSinceGraph!.insert(index)
            return index
        } else {
            // A new origin: the next build numbers the nodes anew.
            changedSinceGraph = nil
        }
        return nil
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
