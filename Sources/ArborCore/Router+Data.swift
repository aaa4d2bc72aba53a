extension Router {
    /// The topologies local client `client` is a member of, in a fixed order.
    public func topologies(of client: ClientID) -> [TopologyName] {
        holdings.sortedTopologies(of: client)
    }

    /// What this node does about a local subscriber of `name` that does not keep up: the
    /// topology's definition says (``TopologyDefinition/slowSubscribers``), `drop` without one.
    public func slowSubscriberPolicy(of name: TopologyName) -> SlowSubscriberPolicy {
        let definition = graph.definitions[name] ?? configuration.definitions.first { $0.name == name }
        return definition?.slowSubscribers ?? .drop
    }

    mutating func attach(_ client: ClientID, _ name: TopologyName, now: Instant) {
        guard admitMember(client, name, now: now) else { return }
        if topologies[name]!.members[client] == nil {
            topologies[name]!.members[client] = PrefixTrie()
            refresh(name, now: now)
        }
    }

    mutating func subscribe(_ client: ClientID, _ name: TopologyName, _ prefix: Topic, now: Instant) {
        if topologies[name]?.members[client]?.contains(prefix) == true { return }
        let limit = configuration.maximumSubscriptionsPerClient
        guard holdings.subscriptionCount(of: client) < limit else {
            actions.append(.reject(client, .clientLimit(.subscriptions(limit))))
            return
        }
        guard admitMember(client, name, now: now) else { return }
        var trie = topologies[name]!.members[client] ?? PrefixTrie()
        guard trie.insert(prefix) else { return }
        topologies[name]!.members[client] = trie
        topologies[name]!.localInterest.insert(prefix)
        holdings.changeSubscriptions(of: client, by: 1)
        refresh(name, now: now)
    }

    mutating func unsubscribe(_ client: ClientID, _ name: TopologyName, _ prefix: Topic, now: Instant) {
        guard var trie = topologies[name]?.members[client], trie.remove(prefix) else { return }
        topologies[name]!.members[client] = trie
        topologies[name]!.localInterest.remove(prefix)
        holdings.changeSubscriptions(of: client, by: -1)
        refresh(name, now: now)
    }

    mutating func detach(_ client: ClientID, _ only: TopologyName?, now: Instant) {
        let names = only.map { [$0] } ?? holdings.sortedTopologies(of: client)
        for name in names {
            guard let trie = topologies[name]?.members.removeValue(forKey: client) else { continue }
            holdings.left(client, name, prefixes: trie.distinctCount)
            for prefix in trie.all {
                topologies[name]!.localInterest.remove(prefix)
            }
            if topologies[name]!.members.isEmpty {
                topologies[name]!.lingerUntil = now + configuration.memberLinger
                holds.lingers(until: now + configuration.memberLinger, in: name)
            }
            refresh(name, now: now)
        }
    }

    /// Publishes a local client's message: numbers it in this node's stream, delivers it to
    /// matching local members, and sends it to every engaged neighbour that wants it.
    /// `run` carries what consecutive publications of the client's topology share (see
    /// ``DataRun``): the checks of the first one hold for the rest, but the size.
    mutating func publish(_ client: ClientID, _ name: TopologyName, _ topic: Topic, _ payload: [UInt8], now: Instant, run: inout DataRun?) {
        if run?.carries(name, from: nil) != true {
            endRun(&run, now: now)
            guard let limit = admitPublication(client, name, size: payload.count, now: now) else { return }
            run = DataRun(topology: name, source: nil, state: topologies[name]!, limit: limit, restricted: nil)
        } else if payload.count > run!.limit {
            statistics.drop(.oversize)
            actions.append(.reject(client, .messageTooLarge(size: payload.count, limit: run!.limit)))
            return
        }
        if run!.sequenceIndex == nil {
            if nextSequence[name] == nil {
                nextSequence[name] = 1
            }
            run!.sequenceIndex = nextSequence.index(forKey: name)
        }
        let index = run!.sequenceIndex!
        let sequence = nextSequence.values[index]
        nextSequence.values[index] = sequence + 1
        let message = DataMessage(
            topology: name,
            origin: id,
            originIncarnation: ownRecord.incarnation,
            sequence: sequence,
            topic: topic,
            payload: payload
        )
        let key = streamKey(message)
        _ = duplicates.admit(key, sequence: sequence)
        noteAdmitted(message, key: key, from: nil, now: now)
        statistics.published += 1
        let reached = distribute(message, in: &run!, now: now)
        if run!.awaitsParent, topologies[name]!.held.count < configuration.publishHoldLimit {
            // Joined, but the parent has not said what it wants yet: hold for it.
            topologies[name]!.held.append((message, now + configuration.publishHold))
            holds.holdsPublication(until: now + configuration.publishHold, in: name)
        } else if !reached {
            statistics.drop(.noInterest)
        }
    }

    /// The checks of a local client's publication to `name` of `size` bytes: the
    /// definition permits the node to publish, the size is within the limit, and the
    /// client is (made) a member. Returns the size limit when they pass.
    private mutating func admitPublication(_ client: ClientID, _ name: TopologyName, size: Int, now: Instant) -> Int? {
        let definition = graph.definitions[name] ?? ownRecord.definitions.first { $0.name == name }
        if let definition, !definition.permitsPublisher(configuration.name, id: id) {
            statistics.drop(.notPermitted)
            actions.append(.reject(client, .notPermittedPublisher(name)))
            return nil
        }
        let limit = definition?.maxMessageSize ?? configuration.maximumMessageSize
        guard size <= limit else {
            statistics.drop(.oversize)
            actions.append(.reject(client, .messageTooLarge(size: size, limit: limit)))
            return nil
        }
        guard admitMember(client, name, now: now) else { return nil }
        if topologies[name]!.members[client] == nil {
            topologies[name]!.members[client] = PrefixTrie()
            refresh(name, now: now)
        }
        return limit
    }

    /// Sends the held publications the parent's first interest asks for.
    mutating func releaseHeld(_ name: TopologyName, to peer: NodeID, now: Instant) {
        guard let state = topologies[name], !state.held.isEmpty, state.route?.parent == peer,
            let wanted = state.remote[peer]
        else { return }
        topologies[name]!.held.removeAll()
        for (message, _) in state.held where wanted.matches(message.topic) {
            send(.data(message), to: peer, now: now)
            statistics.dataForwarded += 1
        }
    }

    /// Drops held publications past their deadline and ends lingering that is over, in the
    /// topologies whose turn it is (``HoldSchedule``).
    mutating func expireHolds(_ now: Instant) {
        guard holds.startStep(at: now) else { return }
        // Lingering that ended costs a refresh each: at most a step's worth here, the rest
        // a slice later.
        var refreshed = 0
        while refreshed < configuration.refreshesPerStep, let name = holds.nextTurn() {
            guard let state = topologies[name] else { continue }
            let kept = state.held.filter { $0.until > now }
            if kept.count != state.held.count {
                for _ in 0..<(state.held.count - kept.count) {
                    statistics.drop(.noInterest)
                }
                topologies[name]!.held = kept
            }
            if let until = state.lingerUntil, until <= now {
                refresh(name, now: now)
                refreshed += 1
            } else if topologies[name]?.isIdle == true {
                topologies[name] = nil
            }
        }
        holds.endStep(at: now)
    }

    /// A message from a neighbour: dropped when over the hop limit, already seen, or from
    /// an origin the topology does not permit; otherwise buffered for repair, delivered and
    /// passed on. Returns whether it was admitted.
    /// `resent`: a message of REPAIR_DATA, not of the live stream.
    @discardableResult
    mutating func receivedData(_ message: DataMessage, from peer: NodeID, now: Instant, resent: Bool = false) -> Bool {
        var run: DataRun?
        defer { endRun(&run, now: now) }
        return receivedData(message, from: peer, now: now, run: &run, resent: resent)
    }

    /// ``receivedData(_:from:now:)`` for one of consecutive messages from `peer`: `run`
    /// carries what those of one topology share (see ``DataRun``).
    @discardableResult
    mutating func receivedData(_ message: DataMessage, from peer: NodeID, now: Instant, run: inout DataRun?, resent: Bool = false) -> Bool {
        statistics.dataReceived += 1
        guard message.hops < configuration.hopLimit else {
            statistics.drop(.hopLimit)
            return false
        }
        if run?.carries(message.topology, from: peer, resent: resent) != true {
            endRun(&run, now: now)
            guard let state = topologies[message.topology] else {
                statistics.drop(.noRoute)
                return false
            }
            let definition = graph.definitions[message.topology]
            run = DataRun(
                topology: message.topology, source: peer, state: state, limit: 0,
                restricted: definition?.publishers != nil ? definition : nil, resent: resent
            )
        }
        if let definition = run!.restricted {
            let permitted: Bool
            if let checked = run!.checkedOrigin, checked.origin == message.origin {
                permitted = checked.permitted
            } else {
                // The origin's name counts only when the origin holds it: a node that claims a
                // publisher's name and loses the claim does not publish under it.
                let originName = graph.index(of: message.origin).flatMap { index in
                    let name = graph.names[Int(index)]
                    return graph.index(named: name) == index ? name : nil
                }
                permitted = definition.permitsPublisher(originName, id: message.origin)
                run!.checkedOrigin = (message.origin, permitted)
            }
            guard permitted else {
                statistics.drop(.notPermitted)
                return false
            }
        }
        let key = streamKey(message)
        if switches.watching && !resent {
            // A parent switch is under way: where the old and new ways of the stream meet.
            switches.arrived(key, sequence: message.sequence, from: peer)
        }
        // A resent message older than one admitted already reaches local subscribers after it
        // unless a repair hold keeps the newer one back (counted in `distribute`).
        let behind = resent && message.sequence < duplicates.highest(key)
        let admission = duplicates.admission(key, sequence: message.sequence)
        guard admission != .seen else {
            statistics.drop(.duplicate)
            return false
        }
        var forwarded = message
        forwarded.hops += 1
        noteAdmitted(forwarded, key: key, from: peer, now: now)
        distribute(forwarded, in: &run!, deliveringLocally: admission == .new, behind: behind, now: now)
        return true
    }

    /// Queues `message` in `run` for matching local members (unless `deliveringLocally` is
    /// false: a message older than its stream's start here, which they must not get after
    /// newer ones) and for matching engaged neighbours other than the run's source; they
    /// get it when the targets change or the run ends. Returns whether anyone will.
    /// `behind`: a resent message older than one of its stream admitted before; delivered
    /// at once (not held), it counts as ``RouterStatistics/repairedLate``.
    @discardableResult
    private mutating func distribute(_ message: DataMessage, in run: inout DataRun, deliveringLocally: Bool = true, behind: Bool = false, now: Instant) -> Bool {
        if let previous = run.target(message.topic) {
            handOut(previous, now: now)
        }
        var reached = false
        if run.local && deliveringLocally {
            var held = false
            if !repair.holds.isEmpty {
                // A stream being repaired keeps its new messages back, to deliver them in
                // order; the end of a repair delivers at once, after what was queued.
                if let queued = run.takeOutgoing() {
                    handOut(queued, now: now)
                }
                held = holdForRepair(message)
            }
            if held {
                reached = true
            } else if !run.clients.isEmpty {
                run.deliver(message)
                statistics.delivered += UInt64(run.clients.count)
                if behind { statistics.repairedLate += 1 }
                reached = true
            }
        }
        if !run.neighbors.isEmpty {
            run.forward(message)
            statistics.dataForwarded += UInt64(run.neighbors.count)
            reached = true
        }
        return reached
    }

    /// Ends a run of data messages (``DataRun``): delivers and sends what it still holds.
    mutating func endRun(_ run: inout DataRun?, now: Instant) {
        if let outgoing = run?.takeOutgoing() {
            handOut(outgoing, now: now)
        }
        run = nil
    }

    /// One action per client and per neighbour for the run's messages to it (as
    /// ``send(_:to:now:)`` would, none to a neighbour without a link; such messages count
    /// as forwarded).
    private mutating func handOut(_ outgoing: DataRun.Outgoing, now: Instant) {
        if !outgoing.delivered.isEmpty {
            for client in outgoing.clients {
                actions.append(.deliver(outgoing.delivered, to: client))
            }
        }
        if !outgoing.forwarded.isEmpty {
            for neighbor in outgoing.neighbors where stampSent(to: neighbor, now: now) {
                // A resent message stays one: the neighbour passes it to whoever asked
                // through it, and does not take it for the live stream of a new parent.
                actions.append(outgoing.resent ? .send(.repairData(outgoing.forwarded), to: neighbor) : .forward(outgoing.forwarded, to: neighbor))
            }
        }
    }

    /// Delivers `message` to the local members whose subscriptions match its topic;
    /// returns whether there was one.
    @discardableResult
    mutating func deliverToMembers(_ message: DataMessage) -> Bool {
        guard let state = topologies[message.topology] else { return false }
        var reached = false
        for client in state.members.keys.sorted() where state.members[client]!.matches(message.topic) {
            actions.append(.deliver([message], to: client))
            statistics.delivered += 1
            reached = true
        }
        return reached
    }

    private func streamKey(_ message: DataMessage) -> DuplicateFilter.StreamKey {
        DuplicateFilter.StreamKey(origin: message.origin, incarnation: message.originIncarnation, topology: message.topology)
    }

    /// Ensures state exists for a local member of `name` and counts the membership in
    /// the client's holdings; rejects when the client is at its topology limit or the
    /// node cannot take the topology.
    private mutating func admitMember(_ client: ClientID, _ name: TopologyName, now: Instant) -> Bool {
        let isMember = topologies[name]?.members[client] != nil
        let limit = configuration.maximumTopologiesPerClient
        guard isMember || holdings.topologyCount(of: client) < limit else {
            actions.append(.reject(client, .clientLimit(.topologies(limit))))
            return false
        }
        if topologies[name] == nil {
            // A node without topologies skipped graph rebuilds (see ``recompute(_:)``): judge
            // the new member against the current definitions and route it on the current graph.
            updateGraph(now)
        }
        if let nodes = graph.definitions[name]?.nodes, !nodes.contains(configuration.name) {
            actions.append(.reject(client, .notInTopology(name)))
            return false
        }
        if topologies[name] == nil {
            guard topologies.count < configuration.maximumTopologies else {
                actions.append(.reject(client, .tooManyTopologies))
                return false
            }
            topologies[name] = TopologyState()
        }
        if !isMember {
            holdings.joined(client, name)
        }
        return true
    }
}
