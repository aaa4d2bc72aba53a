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
/// no longer held. No END within ``RouterConfiguration/repairTimeout`` (the origin is
/// unreachable, a link on the way failed): what was held is delivered after a GAP for
/// the sequences before it.
struct RepairState: Sendable {
    var buffer: RepairBuffer
    /// Requests passed toward the origin for neighbours, per stream: the first sequence
    /// asked for, who asked, and until when answers are passed to them.
    var relayed: [DuplicateFilter.StreamKey: [(first: UInt64, requesters: Set<NodeID>, until: Instant)]] = [:]
    /// Requests from neighbours not engaged yet in the topology: answered (or passed on)
    /// once they are, so that what the answer does not cover follows as live data.
    var deferred: [(request: RepairRequest, peer: NodeID, until: Instant)] = []
    /// Streams being repaired for local subscribers.
    var holds: [DuplicateFilter.StreamKey: RepairHold] = [:]
    /// No deadline of `relayed` or `holds` is earlier.
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
}

/// A span of one origin's stream that local subscribers will not receive: the router's
/// GAP, which the shell passes to clients (docs/client-protocol.md).
public struct StreamGap: Hashable, Sendable {
    public var topology: TopologyName
    public var origin: NodeID
    public var originIncarnation: UInt64
    public var first: UInt64
    public var last: UInt64

    public init(topology: TopologyName, origin: NodeID, originIncarnation: UInt64, first: UInt64, last: UInt64) {
        self.topology = topology
        self.origin = origin
        self.originIncarnation = originIncarnation
        self.first = first
        self.last = last
    }
}

extension Router {
    /// Buffers a message this node admitted (published here, `source` nil, or received) for repair.
    mutating func noteAdmitted(_ message: DataMessage, key: DuplicateFilter.StreamKey, from source: NodeID?, now: Instant) {
        repair.buffer.insert(message, key: key, from: source, now: now)
    }

    /// After topology `name`'s route changed from `before`: asks for the streams whose way
    /// toward their origin is now a newly engaged neighbour (not the one that delivered
    /// them), from one past the highest sequence seen of each.
    mutating func repairAfterRouteChange(_ name: TopologyName, before: RouteSummary?, now: Instant) {
        guard let state = topologies[name], let after = state.route else { return }
        let newlyEngaged = after.engaged.filter { !(before?.engaged.contains($0) ?? false) }
        if before?.engaged.contains(where: { !after.engaged.contains($0) }) == true {
            resendRecent(name, to: after.engaged, now: now)
        }
        if !newlyEngaged.isEmpty, !repair.deferred.isEmpty {
            let ready = repair.deferred.filter { $0.request.topology == name && newlyEngaged.contains($0.peer) }
            repair.deferred.removeAll { $0.request.topology == name && newlyEngaged.contains($0.peer) }
            for (request, peer, _) in ready {
                receivedRepairRequest(request, from: peer, now: now)
            }
        }
        let streams = repair.buffer.recentStreams(of: name, now: now)
        guard !streams.isEmpty else { return }
        let subscribed = state.members.values.contains { !$0.isEmpty }
        for (key, highest, source) in streams where key.origin != id && highest < .max {
            guard let toward = neighbor(toward: key.origin, in: name), toward != source, newlyEngaged.contains(toward) else { continue }
            let first = repair.holds[key]?.first ?? highest + 1
            send(.repairRequest(RepairRequest(topology: name, origin: key.origin, originIncarnation: key.incarnation, first: first, last: .max)), to: toward, now: now)
            statistics.repairRequests += 1
            if subscribed {
                let until = now + configuration.repairTimeout
                let holdUntil = now + min(configuration.repairHoldLimit, configuration.repairTimeout)
                repair.holds[key, default: RepairHold(first: first, until: until, holdUntil: holdUntil)].until = until
                noteRepairDeadline(repair.holds[key]!.holding ? repair.holds[key]!.holdUntil : until)
            }
        }
    }

    /// A neighbour asks for a stream from `first` on. The origin's node answers; any other
    /// passes the request on toward the origin and remembers to pass the answer back. A
    /// request from a neighbour not engaged yet waits until it is (at most
    /// ``RouterConfiguration/repairTimeout``): only then do the messages after the answer
    /// go to it as data.
    mutating func receivedRepairRequest(_ request: RepairRequest, from peer: NodeID, now: Instant) {
        guard request.first >= 1, request.first <= request.last else {
            statistics.protocolErrors += 1
            return
        }
        guard let state = topologies[request.topology] else { return }
        guard state.engaged.contains(peer) else {
            if repair.deferred.count < configuration.maximumDeferredRepairs {
                let until = now + configuration.repairTimeout
                repair.deferred.append((request, peer, until))
                noteRepairDeadline(until)
            }
            return
        }
        let key = DuplicateFilter.StreamKey(origin: request.origin, incarnation: request.originIncarnation, topology: request.topology)
        if request.origin == id {
            answerRepair(request, key: key, to: peer, now: now)
            return
        }
        guard let toward = neighbor(toward: request.origin, in: request.topology), toward != peer, peers[toward] != nil else { return }
        let until = now + configuration.repairTimeout
        if let index = repair.relayed[key]?.firstIndex(where: { $0.first == request.first }) {
            repair.relayed[key]![index].requesters.insert(peer)
            repair.relayed[key]![index].until = until
        } else {
            repair.relayed[key, default: []].append((request.first, [peer], until))
        }
        noteRepairDeadline(until)
        send(.repairRequest(request), to: toward, now: now)
        statistics.repairRequests += 1
    }

    /// Resent messages: each is handled as data (delivered and passed on if new here), and
    /// passed to the neighbours that asked through this node and did not get it that way.
    mutating func receivedRepairData(_ messages: [DataMessage], from peer: NodeID, now: Instant) {
        var batches: [NodeID: [DataMessage]] = [:]
        for message in messages {
            let admitted = receivedData(message, from: peer, now: now)
            if admitted { statistics.repaired += 1 }
            let key = DuplicateFilter.StreamKey(origin: message.origin, incarnation: message.originIncarnation, topology: message.topology)
            guard let entries = repair.relayed[key], let state = topologies[message.topology] else { continue }
            var forwarded = message
            forwarded.hops &+= 1
            guard forwarded.hops < configuration.hopLimit else { continue }
            var requesters = Set<NodeID>()
            for entry in entries where message.sequence >= entry.first {
                requesters.formUnion(entry.requesters)
            }
            for requester in requesters where requester != peer && peers[requester] != nil {
                let wanted = state.remote[requester]?.matches(message.topic) ?? true
                let distributed = admitted && wanted && state.engaged.contains(requester)
                if wanted, !distributed {
                    batches[requester, default: []].append(forwarded)
                }
            }
        }
        for (requester, batch) in batches.sorted(by: { $0.key < $1.key }) {
            send(.repairData(batch), to: requester, now: now)
            statistics.repairResent += UInt64(batch.count)
        }
    }

    /// The origin's answer is complete: passed back to the neighbours that asked through
    /// this node, and ends this node's own wait (a GAP for what was no longer held).
    mutating func receivedRepairEnd(_ end: RepairEnd, from peer: NodeID, now: Instant) {
        let key = DuplicateFilter.StreamKey(origin: end.origin, incarnation: end.originIncarnation, topology: end.topology)
        if let index = repair.relayed[key]?.firstIndex(where: { $0.first == end.first }) {
            let entry = repair.relayed[key]!.remove(at: index)
            if repair.relayed[key]!.isEmpty { repair.relayed[key] = nil }
            for requester in entry.requesters.sorted() where requester != peer {
                send(.repairEnd(end), to: requester, now: now)
            }
        }
        guard let hold = repair.holds[key], hold.first == end.first else { return }
        let upper = min(end.kept &- 1, end.last)
        finishHold(key, lost: end.kept > end.first && upper >= end.first ? end.first...upper : nil)
    }

    /// Holds `message` back from local subscribers while its stream is being repaired;
    /// returns whether it did (then it is delivered when the repair ends).
    mutating func holdForRepair(_ message: DataMessage) -> Bool {
        let key = DuplicateFilter.StreamKey(origin: message.origin, incarnation: message.originIncarnation, topology: message.topology)
        guard let hold = repair.holds[key], hold.holding, message.sequence >= hold.first else { return false }
        repair.holds[key]!.held.append(message.detached)
        return true
    }

    /// Ends waits that are over: relayed requests are forgotten, and each repair without
    /// an answer delivers what it held after a GAP for the sequences before it.
    mutating func expireRepairs(_ now: Instant) {
        guard let due = repair.dueAt, due <= now else { return }
        for key in repair.relayed.keys.sorted(by: Self.streamOrder) {
            let kept = repair.relayed[key]!.filter { $0.until > now }
            repair.relayed[key] = kept.isEmpty ? nil : kept
        }
        repair.deferred.removeAll { $0.until <= now }
        for key in repair.holds.keys.sorted(by: Self.streamOrder) {
            let hold = repair.holds[key]!
            if hold.until <= now {
                let lowest = (hold.held.map(\.sequence) + hold.released).min()
                finishHold(key, lost: lowest.flatMap { $0 > hold.first ? hold.first...($0 - 1) : nil })
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
        repair.dueAt = next
    }

    // MARK: - Private

    /// A neighbour stopped being engaged (it failed, or the tree moved): what this node
    /// sent in the last dead interval (plus one heartbeat) may be lost behind it, and
    /// nobody downstream may notice (a subscriber whose own route did not change asks for
    /// nothing, and one that asked may have had its answer before this node moved). Those
    /// messages go to the engaged neighbours as REPAIR_DATA, as far as their interest
    /// wants them; duplicates are dropped where they arrive.
    private mutating func resendRecent(_ name: TopologyName, to neighbors: [NodeID], now: Instant) {
        let since = now - (configuration.deadAfter + configuration.heartbeatInterval)
        let recent = repair.buffer.messages(of: name, since: since)
        guard !recent.isEmpty, let state = topologies[name] else { return }
        for neighbor in neighbors {
            let wanted = state.remote[neighbor]
            let batch = recent.filter { wanted?.matches($0.topic) ?? true }
            guard !batch.isEmpty else { continue }
            send(.repairData(batch), to: neighbor, now: now)
            statistics.repairResent += UInt64(batch.count)
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
            let wanted = topologies[request.topology]?.remote[peer]
            let messages = repair.buffer.messages(key, from: kept, through: last).filter { wanted?.matches($0.topic) ?? true }
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
