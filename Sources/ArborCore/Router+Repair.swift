/// Repair of what a reroute dropped (docs/architecture.md, "Repair and gaps").
///
/// Every node keeps the messages it admitted in a ``RepairBuffer``. When a topology's
/// tree changes so that the way toward an origin is a neighbour this node was not engaged
/// with before, the node asks that neighbour (REPAIR_REQUEST) for the origin's stream from
/// one past the highest sequence it saw. The request travels hop by hop toward the origin;
/// the origin's node resends what it still holds (REPAIR_DATA, filtered by each hop's
/// interest on the way back) and then says where its answer ends and what it no longer
/// held (REPAIR_END). The duplicate filter drops what arrived both ways. Meanwhile a node
/// with local subscribers holds the stream's new messages back, so that clients get each
/// origin's messages in order: the END releases them, after a GAP for the span the origin
/// no longer held. A request not answered within ``Router/repairRetryInterval`` (it, or
/// the answer, went into a link that failed silently and was not declared dead yet) is
/// sent again to the neighbour then on the way toward the origin, until the wait ends.
/// No END within ``RouterConfiguration/repairTimeout`` (the origin is unreachable, a link
/// on the way failed): what was held is delivered after a GAP for the sequences before it.
struct RepairState: Sendable {
    var buffer: RepairBuffer
    /// Requests passed toward the origin for neighbours, per stream: the span asked for
    /// (requests for different spans are passed on and answered apart, even from the same
    /// first sequence), who asked, and until when answers are passed to them.
    var relayed: [DuplicateFilter.StreamKey: [(first: UInt64, last: UInt64, requesters: Set<NodeID>, until: Instant)]] = [:]
    /// Requests from neighbours not engaged yet in the topology: answered (or passed on)
    /// once they are, so that what the answer does not cover follows as live data.
    var deferred: [(request: RepairRequest, peer: NodeID, until: Instant)] = []
    /// Per topology, the engaged neighbours that told this node their interest (so they
    /// forward to it), as of the last refresh: a stream whose way toward its origin is a
    /// neighbour new to this list is asked for; and the graph the tree was planned on then
    /// (a new one may move an origin to another branch without changing this node's
    /// tree neighbours).
    var connected: [TopologyName: (neighbors: [NodeID], graph: DatabaseDigest)] = [:]
    /// Per topology, after an engaged neighbour went away: this node's messages since
    /// `since` go to each neighbour newly connected before `until`.
    var resends: [TopologyName: (since: Instant, until: Instant)] = [:]
    /// Streams being repaired for local subscribers.
    var holds: [DuplicateFilter.StreamKey: RepairHold] = [:]
    /// This node's own requests not answered yet, per stream (with local subscribers or
    /// not: a relay's loss is its subtree's): the span asked for (to the end of the stream
    /// after a reroute; a bounded one after a parent switch), when the request is sent
    /// again, and when the wait ends.
    var asked: [DuplicateFilter.StreamKey: (first: UInt64, last: UInt64, retryAt: Instant, until: Instant)] = [:]
    /// No deadline of `relayed`, `holds`, `asked`, `deferred` or `resends` is earlier.
    var dueAt: Instant?
}

/// A stream being repaired for local subscribers, and its messages held back meanwhile.
struct RepairHold: Sendable {
    /// The first sequence asked for: one past the highest seen before the reroute.
    var first: UInt64
    /// When the wait ends without an answer.
    var until: Instant
    /// Until when new messages are held back; later, what was held is delivered and new
    /// messages go at once (a late answer is then delivered after newer messages).
    var holdUntil: Instant
    var holding = true
    /// Admitted messages of the stream from `first` on, for local delivery.
    var held: [DataMessage] = []
    /// Sequences delivered when the holding ended before the answer.
    var released: [UInt64] = []
    /// No answer came, and nothing of the stream since the request: the next message of
    /// the stream ends the GAP (until then, its end is not known).
    var unanswered = false
}

/// A span of one origin's stream that local subscribers will not receive: the router's
/// GAP, which the shell passes to clients (docs/client-protocol.md).
public typealias StreamGap = StreamSpan

extension Router {
    /// Buffers a message this node admitted (published here, `source` nil, or received) for repair.
    mutating func noteAdmitted(_ message: DataMessage, key: DuplicateFilter.StreamKey, from source: NodeID?, now: Instant) {
        repair.buffer.insert(message, key: key, from: source, now: now)
    }

    /// After topology `name` was refreshed (its route was `before`; checked when the route,
    /// the connected neighbours or the graph changed): asks for the streams whose way
    /// toward their origin is a neighbour newly connected with this node (engaged on both
    /// sides: this node engaged it and it told this node its interest, so from now on it
    /// forwards the stream here), or a connected neighbour other than the one the stream
    /// was last expected from, from one past the highest sequence seen of each.
    /// Requests that waited for a neighbour to be engaged, or for a way toward their
    /// origin, are tried again.
    mutating func repairAfterRefresh(_ name: TopologyName, before: RouteSummary?, now: Instant) {
        guard let state = topologies[name], let after = state.route else {
            repair.connected[name] = nil
            return
        }
        let connected = after.engaged.filter { state.remote[$0] != nil }
        let previously = repair.connected[name]?.neighbors ?? []
        guard after != before || connected != previously || repair.connected[name]?.graph != graph.digest else { return }
        repair.connected[name] = connected.isEmpty ? nil : (connected, graph.digest)
        if before?.engaged.contains(where: { !after.engaged.contains($0) }) == true {
            let since = now - (configuration.deadAfter + configuration.heartbeatInterval)
            let until = now + configuration.repairTimeout
            let earlier = repair.resends[name].flatMap { $0.until > now ? $0.since : nil }
            repair.resends[name] = (min(earlier ?? since, since), until)
            noteRepairDeadline(until)
            resendRecent(name, since: since, to: after.engaged, now: now)
        } else if let pending = repair.resends[name], pending.until > now {
            let newlyConnected = connected.filter { !previously.contains($0) }
            if !newlyConnected.isEmpty {
                resendRecent(name, since: pending.since, to: newlyConnected, now: now)
            }
        }
        if !repair.deferred.isEmpty {
            let ready = repair.deferred.filter { $0.request.topology == name }
            repair.deferred.removeAll { $0.request.topology == name }
            for (request, peer, until) in ready where until > now {
                receivedRepairRequest(request, from: peer, now: now, until: until)
            }
        }
        let streams = repair.buffer.recentStreams(of: name, now: now)
        guard !streams.isEmpty, !connected.isEmpty else { return }
        let subscribed = state.members.values.contains { !$0.isEmpty }
        // A restarted origin's old stream ended with it: nothing of it is answered.
        var current: [NodeID: UInt64] = [:]
        for stream in streams {
            current[stream.key.origin] = max(current[stream.key.origin] ?? 0, stream.key.incarnation)
        }
        for (key, highest, source) in streams where key.origin != id && highest < .max && current[key.origin] == key.incarnation {
            guard let toward = neighbor(toward: key.origin, in: name), connected.contains(toward),
                toward != source || !previously.contains(toward),
                // The old parent of a switch under way carries the stream until the new way does.
                !switches.covers(key)
            else { continue }
            let first = repair.holds[key]?.first ?? highest + 1
            ask(key, from: first, toward: toward, now: now)
            if subscribed {
                let until = now + configuration.repairTimeout
                let holdUntil = now + min(configuration.repairHoldLimit, configuration.repairTimeout)
                repair.holds[key, default: RepairHold(first: first, until: until, holdUntil: holdUntil)].until = until
                repair.holds[key]!.unanswered = false
                noteRepairDeadline(repair.holds[key]!.holding ? repair.holds[key]!.holdUntil : until)
            }
        }
    }

    /// A parent switch ended (docs/architecture.md, "Make before break"): asks the new way
    /// (the connected neighbour toward each origin) for the spans only the old way carried
    /// (``ParentSwitches/OldWaySpan``), at most one bounded request per stream, sent again
    /// like any other until its END. What the old way delivered comes twice and the
    /// duplicate filter drops it; what it lost arrives after newer messages (no hold: the
    /// newer ones were delivered during the overlap). A stream already being asked for
    /// from the span's start or before is left to that request.
    mutating func askNewWay(for spans: [ParentSwitches.OldWaySpan], now: Instant) {
        for span in spans where span.key.origin != id && span.first <= span.last {
            let key = span.key
            guard let toward = connectedWay(for: key) else { continue }
            if let asked = repair.asked[key], asked.first <= span.first, asked.last >= span.last { continue }
            // An END from the same first would end that hold's wait: it is asked from there anyway.
            if let hold = repair.holds[key], hold.first <= span.first { continue }
            let request = RepairRequest(topology: key.topology, origin: key.origin, originIncarnation: key.incarnation, first: span.first, last: span.last)
            send(.repairRequest(request), to: toward, now: now)
            statistics.repairRequests += 1
            if repair.asked[key] == nil {
                repair.asked[key] = (span.first, span.last, now + repairRetryInterval, now + configuration.repairTimeout)
                noteRepairDeadline(now + repairRetryInterval)
            }
        }
    }

    /// The streams of topology `name` this node heard (admitted a message of) within
    /// ``RouterConfiguration/repairStreamMemory``: the ones it can ask for after a
    /// reroute. Of any other, it does not know that it missed something (the simulator's
    /// repair check tells the two apart).
    public func heardStreams(of name: TopologyName, now: Instant) -> Set<DuplicateFilter.StreamKey> {
        Set(repair.buffer.recentStreams(of: name, now: now).map(\.key))
    }

    /// A neighbour asks for a stream from `first` on. The origin's node answers; any other
    /// passes the request on toward the origin and remembers to pass the answer back. A
    /// request from a neighbour not engaged yet waits until it is, and one this node has no
    /// way on for (no tree neighbour toward the origin other than the asker) until the tree
    /// gives one, each at most ``RouterConfiguration/repairTimeout`` from its arrival
    /// (`until`, when tried again): only then do the messages after the answer go to the
    /// asker as data.
    mutating func receivedRepairRequest(_ request: RepairRequest, from peer: NodeID, now: Instant, until waitUntil: Instant? = nil) {
        guard request.first >= 1, request.first <= request.last else {
            statistics.protocolErrors += 1
            return
        }
        func wait(_ router: inout Router) {
            guard router.repair.deferred.count < router.configuration.maximumDeferredRepairs else { return }
            let until = waitUntil ?? now + router.configuration.repairTimeout
            router.repair.deferred.append((request, peer, until))
            router.noteRepairDeadline(until)
        }
        guard let state = topologies[request.topology], state.engaged.contains(peer) else {
            wait(&self)
            return
        }
        let key = DuplicateFilter.StreamKey(origin: request.origin, incarnation: request.originIncarnation, topology: request.topology)
        if request.origin == id {
            answerRepair(request, key: key, to: peer, now: now)
            return
        }
        guard let toward = neighbor(toward: request.origin, in: request.topology), toward != peer, peers[toward] != nil else {
            wait(&self)
            return
        }
        let until = now + configuration.repairTimeout
        if let index = repair.relayed[key]?.firstIndex(where: { $0.first == request.first && $0.last == request.last }) {
            repair.relayed[key]![index].requesters.insert(peer)
            repair.relayed[key]![index].until = until
        } else {
            repair.relayed[key, default: []].append((request.first, request.last, [peer], until))
        }
        noteRepairDeadline(until)
        send(.repairRequest(request), to: toward, now: now)
        statistics.repairRequests += 1
    }

    /// Resent messages: each is handled as data (delivered, and passed on in REPAIR_DATA
    /// if new here), and passed, in REPAIR_DATA too, to the neighbours that asked through
    /// this node and did not get it that way (not filtered by the asker's interest as this
    /// node knows it: that may be older than the request, since interest is paced, and the
    /// asker filters). Passed also when this node keeps no state for the topology (it left
    /// the tree meanwhile): the END passed after the answer tells each asker that the
    /// answer is complete, so a message of it not passed would be lost without a GAP.
    mutating func receivedRepairData(_ messages: [DataMessage], from peer: NodeID, now: Instant) {
        var batches: [NodeID: [DataMessage]] = [:]
        var run: DataRun?
        for message in messages {
            let admitted = receivedData(message, from: peer, now: now, run: &run, resent: true)
            if admitted { statistics.repaired += 1 }
            let key = DuplicateFilter.StreamKey(origin: message.origin, incarnation: message.originIncarnation, topology: message.topology)
            guard let entries = repair.relayed[key] else { continue }
            let state = topologies[message.topology]
            var forwarded = message
            forwarded.hops &+= 1
            guard forwarded.hops < configuration.hopLimit else { continue }
            var requesters = Set<NodeID>()
            for entry in entries where message.sequence >= entry.first && message.sequence <= entry.last {
                requesters.formUnion(entry.requesters)
            }
            for requester in requesters where requester != peer && peers[requester] != nil {
                let distributed = admitted && state?.engaged.contains(requester) == true && state?.remote[requester]?.matches(message.topic) == true
                if !distributed {
                    batches[requester, default: []].append(forwarded)
                }
            }
        }
        endRun(&run, now: now)
        for (requester, batch) in batches.sorted(by: { $0.key < $1.key }) {
            send(.repairData(batch), to: requester, now: now)
            statistics.repairResent += UInt64(batch.count)
        }
    }

    /// The origin's answer is complete: passed back to the neighbours that asked through
    /// this node, and ends this node's own wait (a GAP for what was no longer held). An
    /// answer to the end of the stream that came by a neighbour no longer on this node's
    /// way toward the origin asks the way it has now for what follows (``askWayAfterAnswer(_:key:from:now:)``).
    mutating func receivedRepairEnd(_ end: RepairEnd, from peer: NodeID, now: Instant) {
        let key = DuplicateFilter.StreamKey(origin: end.origin, incarnation: end.originIncarnation, topology: end.topology)
        var openEnded = false
        // The END of a request from `first` to the end of the stream says where the stream
        // ended at the origin, below the request's `last`: the entry asked for exactly the
        // END's span is the one answered, else one asked for more from the same first.
        if let index = repair.relayed[key]?.firstIndex(where: { $0.first == end.first && $0.last == end.last })
            ?? repair.relayed[key]?.firstIndex(where: { $0.first == end.first && $0.last > end.last })
        {
            let entry = repair.relayed[key]!.remove(at: index)
            if repair.relayed[key]!.isEmpty { repair.relayed[key] = nil }
            for requester in entry.requesters.sorted() where requester != peer {
                send(.repairEnd(end), to: requester, now: now)
            }
            openEnded = entry.last == .max
        }
        if let asked = repair.asked[key], asked.first == end.first {
            repair.asked[key] = nil
            openEnded = openEnded || asked.last == .max
        }
        if openEnded {
            askWayAfterAnswer(end, key: key, from: peer, now: now)
        }
        guard let hold = repair.holds[key], hold.first == end.first else { return }
        let upper = min(end.kept &- 1, end.last)
        finishHold(key, lost: end.kept > end.first && upper >= end.first ? end.first...upper : nil)
    }

    /// The answer to a request to the end of the stream (this node's, or one it relayed)
    /// came from `peer`, which is no longer this node's way toward the origin: this node
    /// moved while the request was out. What the origin published after the answer comes
    /// as live data along the way this node has now, and that way may have been grafted
    /// only after some of it passed the point where it joins the tree; nobody else asks
    /// for it (the askers behind this node have their END, and their route did not change;
    /// this node had not heard the stream when the new way connected, if the answer
    /// brought it its first messages). So this node asks the way it has now, if connected,
    /// from one past the answer's last message to the end of the stream, as its own
    /// request (sent again like any until its END); what it receives goes on to the
    /// engaged neighbours that want it, the askers among them. Not while a parent switch
    /// watches the stream: the old parent carries it until the new way does.
    private mutating func askWayAfterAnswer(_ end: RepairEnd, key: DuplicateFilter.StreamKey, from peer: NodeID, now: Instant) {
        guard key.origin != id, end.last < .max, let toward = connectedWay(for: key), toward != peer, !switches.covers(key)
        else { return }
        let first = end.last + 1
        if let asked = repair.asked[key], asked.first <= first, asked.last == .max { return }
        ask(key, from: first, toward: toward, now: now)
    }

    /// Asks `toward` for `key`'s stream from `first` to its end, as this node's own request:
    /// sent again each ``Router/repairRetryInterval`` until its END or the wait's end.
    private mutating func ask(_ key: DuplicateFilter.StreamKey, from first: UInt64, toward: NodeID, now: Instant) {
        send(.repairRequest(RepairRequest(topology: key.topology, origin: key.origin, originIncarnation: key.incarnation, first: first, last: .max)), to: toward, now: now)
        statistics.repairRequests += 1
        repair.buffer.expect(key, from: toward)
        repair.asked[key] = (first, .max, now + repairRetryInterval, now + configuration.repairTimeout)
        noteRepairDeadline(now + repairRetryInterval)
    }

    /// The neighbour toward `key`'s origin when this node is engaged with it and it told
    /// this node its interest (so it forwards the stream here): where requests go.
    private func connectedWay(for key: DuplicateFilter.StreamKey) -> NodeID? {
        guard let state = topologies[key.topology], let toward = neighbor(toward: key.origin, in: key.topology),
            state.engaged.contains(toward), state.remote[toward] != nil
        else { return nil }
        return toward
    }

    /// Holds `message` back from local subscribers while its stream is being repaired;
    /// returns whether it did (then it is delivered when the repair ends). After a repair
    /// that got no answer and held nothing, the message ends the GAP before it.
    mutating func holdForRepair(_ message: DataMessage) -> Bool {
        let key = DuplicateFilter.StreamKey(origin: message.origin, incarnation: message.originIncarnation, topology: message.topology)
        guard let hold = repair.holds[key] else { return false }
        if hold.unanswered {
            finishHold(key, lost: message.sequence > hold.first ? hold.first...(message.sequence - 1) : nil)
            return false
        }
        guard hold.holding, message.sequence >= hold.first else { return false }
        repair.holds[key]!.held.append(message.detached)
        return true
    }

    /// Ends waits that are over: relayed requests are forgotten, each repair without an
    /// answer delivers what it held after a GAP for the sequences before it, and this
    /// node's own requests unanswered for ``repairRetryInterval`` are sent again.
    mutating func expireRepairs(_ now: Instant) {
        guard let due = repair.dueAt, due <= now else { return }
        for key in repair.relayed.keys.sorted(by: Self.streamOrder) {
            let kept = repair.relayed[key]!.filter { $0.until > now }
            repair.relayed[key] = kept.isEmpty ? nil : kept
        }
        repair.deferred.removeAll { $0.until <= now }
        for key in repair.asked.keys.sorted(by: Self.streamOrder) {
            let entry = repair.asked[key]!
            if entry.until <= now {
                repair.asked[key] = nil
            } else if entry.retryAt <= now {
                repair.asked[key]!.retryAt = now + repairRetryInterval
                askAgain(key, from: entry.first, through: entry.last, now: now)
            }
        }
        repair.resends = repair.resends.filter { $0.value.until > now }
        for key in repair.holds.keys.sorted(by: Self.streamOrder) {
            let hold = repair.holds[key]!
            if hold.until <= now {
                if let lowest = (hold.held.map(\.sequence) + hold.released).min() {
                    finishHold(key, lost: lowest > hold.first ? hold.first...(lowest - 1) : nil)
                } else if hold.unanswered {
                    // The stream stayed silent for as long as it is remembered.
                    finishHold(key, lost: nil)
                } else {
                    repair.holds[key]!.holding = false
                    repair.holds[key]!.unanswered = true
                    repair.holds[key]!.until = now + configuration.repairStreamMemory
                }
            } else if hold.holding, hold.holdUntil <= now {
                let held = hold.held.sorted { $0.sequence < $1.sequence }
                repair.holds[key]!.held = []
                repair.holds[key]!.holding = false
                repair.holds[key]!.released = held.map(\.sequence)
                for message in held {
                    deliverToMembers(message)
                }
            }
        }
        var next: Instant?
        for entries in repair.relayed.values {
            for entry in entries { next = min(next ?? entry.until, entry.until) }
        }
        for hold in repair.holds.values {
            let due = hold.holding ? min(hold.holdUntil, hold.until) : hold.until
            next = min(next ?? due, due)
        }
        for entry in repair.deferred {
            next = min(next ?? entry.until, entry.until)
        }
        for entry in repair.asked.values {
            let due = min(entry.retryAt, entry.until)
            next = min(next ?? due, due)
        }
        for entry in repair.resends.values {
            next = min(next ?? entry.until, entry.until)
        }
        repair.dueAt = next
    }

    /// How long a repair request waits for its answer before it is sent again: a
    /// silently failed link is declared dead within ``RouterConfiguration/deadAfter``, and
    /// within one more heartbeat the tree has moved off it, so the request sent again
    /// takes the new way (one that went into the failed link is never answered).
    var repairRetryInterval: Duration {
        configuration.deadAfter + configuration.heartbeatInterval
    }

    // MARK: - Private

    /// Sends this node's request for `key` from `first` through `last` again, no answer having come:
    /// to the neighbour now on the way toward the origin, if it is connected (else the
    /// next refresh that connects one asks it). The relays on the way pass it on along
    /// their current way (the one that lost it has moved off the failed link), and the
    /// origin's node answers it like the first: the duplicate filter drops what arrives
    /// twice, and the first END ends the wait.
    private mutating func askAgain(_ key: DuplicateFilter.StreamKey, from first: UInt64, through last: UInt64, now: Instant) {
        guard let toward = connectedWay(for: key) else { return }
        let request = RepairRequest(topology: key.topology, origin: key.origin, originIncarnation: key.incarnation, first: first, last: last)
        send(.repairRequest(request), to: toward, now: now)
        statistics.repairRequests += 1
        statistics.repairRetries += 1
        repair.buffer.expect(key, from: toward)
    }

    /// A neighbour stopped being engaged (it failed, or the tree moved): what this node
    /// sent since `since` (the last dead interval plus one heartbeat) may be lost behind
    /// it, and nobody downstream may notice (a subscriber whose own route did not change
    /// asks for nothing, one that asked may have had its answer before this node moved,
    /// and one that had not heard of the stream before cannot ask for it). Those messages
    /// go to `neighbors` as REPAIR_DATA: the engaged ones at once, and, for
    /// ``RouterConfiguration/repairTimeout``, each newly connected one (the new way to what
    /// was cut off may come later). Not filtered by interest as known here (it may be older
    /// than the change); duplicates are dropped where they arrive.
    private mutating func resendRecent(_ name: TopologyName, since: Instant, to neighbors: [NodeID], now: Instant) {
        let recent = repair.buffer.messages(of: name, since: since)
        guard !recent.isEmpty else { return }
        for neighbor in neighbors {
            send(.repairData(recent), to: neighbor, now: now)
            statistics.repairResent += UInt64(recent.count)
        }
    }

    private static func streamOrder(_ a: DuplicateFilter.StreamKey, _ b: DuplicateFilter.StreamKey) -> Bool {
        (a.topology, a.origin, a.incarnation) < (b.topology, b.origin, b.incarnation)
    }

    /// This node's own stream from `request.first` on: the held messages the asker's
    /// interest wants, then the END. At most the latest ``RouterConfiguration/duplicateWindow``
    /// sequences are resent: a receiver could not tell older ones from duplicates.
    private mutating func answerRepair(_ request: RepairRequest, key: DuplicateFilter.StreamKey, to peer: NodeID, now: Instant) {
        guard request.originIncarnation == ownRecord.incarnation else { return }
        let highest = (nextSequence[request.topology] ?? 1) - 1
        let last = min(request.last, highest)
        var kept = request.first
        if request.first <= last {
            repair.buffer.evict(now)
            let window = UInt64(duplicates.window)
            let windowStart = last >= window ? last - window + 1 : 1
            kept = max(request.first, repair.buffer.oldest(key) ?? last + 1, windowStart)
            // The whole stream, not only what the asker's interest as known here wants: that
            // may be older than the request (interest is paced); nodes on the way filter.
            let messages = repair.buffer.messages(key, from: kept, through: last)
            if !messages.isEmpty {
                send(.repairData(messages), to: peer, now: now)
                statistics.repairResent += UInt64(messages.count)
            }
        }
        let end = RepairEnd(
            topology: request.topology, origin: id, originIncarnation: ownRecord.incarnation,
            first: request.first, last: request.first <= last ? last : request.first - 1, kept: kept
        )
        send(.repairEnd(end), to: peer, now: now)
    }

    /// Ends the repair of `key` for local subscribers: a GAP for `lost` (less what was
    /// delivered of it after all), then the held messages in sequence order.
    private mutating func finishHold(_ key: DuplicateFilter.StreamKey, lost: ClosedRange<UInt64>?) {
        guard var hold = repair.holds.removeValue(forKey: key) else { return }
        hold.held.sort { $0.sequence < $1.sequence }
        if let lost {
            var start: UInt64? = lost.lowerBound
            for sequence in (hold.held.map(\.sequence) + hold.released).sorted() where lost.contains(sequence) {
                guard let from = start else { break }
                if sequence > from { reportGap(key, from...(sequence - 1)) }
                start = sequence == .max ? nil : sequence + 1
            }
            if let from = start, from <= lost.upperBound { reportGap(key, from...lost.upperBound) }
        }
        for message in hold.held {
            deliverToMembers(message)
        }
    }

    private mutating func reportGap(_ key: DuplicateFilter.StreamKey, _ range: ClosedRange<UInt64>) {
        guard let state = topologies[key.topology] else { return }
        let gap = StreamGap(topology: key.topology, origin: key.origin, originIncarnation: key.incarnation, first: range.lowerBound, last: range.upperBound)
        for client in state.members.keys.sorted() where !state.members[client]!.isEmpty {
            actions.append(.gap(gap, to: client))
        }
        statistics.gapsReported += 1
        statistics.messagesLost &+= (range.upperBound - range.lowerBound) &+ 1
    }

    /// The tree neighbour on the way to `origin` in topology `name`'s tree: the child whose
    /// subtree holds it, else the parent. Nil when this node is the origin or has no tree.
    private func neighbor(toward origin: NodeID, in name: TopologyName) -> NodeID? {
        guard origin != id, let me = graph.index(of: id), let planned = cache.tree(for: name, in: graph, seenFrom: me) else { return nil }
        let parent = planned.tree.parent(of: me).map { graph.ids[Int($0)] }
        guard let start = graph.index(of: origin), planned.tree.contains(start) else { return parent }
        var current = start
        var steps = 0
        while let up = planned.tree.parent(of: current), steps < graph.count {
            if up == me { return graph.ids[Int(current)] }
            current = up
            steps += 1
        }
        return parent
    }

    private mutating func noteRepairDeadline(_ until: Instant) {
        repair.dueAt = min(repair.dueAt ?? until, until)
    }
}
