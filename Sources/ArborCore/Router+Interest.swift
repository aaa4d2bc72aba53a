extension Router {
    /// Interest from a neighbour. Kept even when the neighbour is not (yet) a tree
    /// neighbour, but used only while it is engaged: a join that arrives before our own
    /// database catches up takes effect when it does.
    mutating func receivedInterest(_ update: InterestUpdate, topology name: TopologyName, from peer: NodeID, now: Instant) {
        let isNew = topologies[name] == nil
        if isNew {
            guard topologies.count < configuration.maximumTopologies else {
                statistics.protocolErrors += 1
                return
            }
            topologies[name] = TopologyState()
        }
        switch update {
        case .full(let prefixes):
            guard prefixes.count <= configuration.maximumPrefixesPerNeighbor else {
                statistics.protocolErrors += 1
                return
            }
            topologies[name]!.remote[peer] = prefixes
            releaseHeld(name, to: peer, now: now)
        case .delta(let added, let removed):
            guard let current = topologies[name]!.remote[peer] else {
                // A delta needs a full set first; a correct peer never does this.
                statistics.protocolErrors += 1
                return
            }
            let next = current.applying(added: added, removed: removed)
            guard next.count <= configuration.maximumPrefixesPerNeighbor else {
                statistics.protocolErrors += 1
                return
            }
            topologies[name]!.remote[peer] = next
        case .leave:
            topologies[name]!.remote[peer] = nil
        }
        if isNew, graph.digest != database.digest {
            // A node new to the topology may hold a graph much older than its database
            // (idle nodes skip rebuilds, see ``recompute(_:)``): it joins at the next
            // recomputation instead of building a graph per interest frame, which in a
            // storm of changes (a partition of thousands of nodes) would bypass the
            // throttling of recomputations.
            scheduleRecompute(now)
        } else {
            refresh(name, now: now)
        }
    }

    /// Brings one topology up to date with the current graph and interest: finds this
    /// node's parent and children, decides which neighbours are engaged, and sends each
    /// engaged neighbour its interest (a full set to a newly engaged one, a delta otherwise)
    /// and `leave` to each neighbour that stopped being engaged, as the neighbours'
    /// interest pacing allows.
    mutating func refresh(_ name: TopologyName, now: Instant) {
        guard var state = topologies[name] else { return }
        if graph.digest != database.digest {
            // Routes follow the graph of the last recomputation; make sure a newer one comes.
            scheduleRecompute(now)
        }
        let before = state.route
        var parent: NodeID?
        var children: [NodeID] = []
        var route: RouteSummary?
        var tree: ShortestPathTree?
        if state.routeDigest == graph.digest {
            // The place planned on this graph before: the parent is the same, so no
            // switch starts (the one use of the tree below).
            route = state.route
            parent = route?.parent
            children = route?.treeNeighbors.filter { $0 != parent } ?? []
        } else if let me = graph.index(of: id), let planned = cache.tree(for: name, in: graph, seenFrom: me) {
            tree = planned.tree
            parent = planned.tree.parent(of: me).map { graph.ids[Int($0)] }
            children = planned.tree.children(of: me).map { graph.ids[Int($0)] }
            route = RouteSummary(
                root: graph.ids[Int(planned.root.index)],
                rootReason: planned.root.reason,
                parent: parent,
                treeNeighbors: (children + (parent.map { [$0] } ?? [])).sorted(),
                engaged: []
            )
        }
        let joinedChildren = children.filter { state.remote[$0] != nil && peers[$0] != nil }
        if let until = state.lingerUntil, until <= now {
            state.lingerUntil = nil
        }
        var formerChildren = keptFormerChildren(name, state, children: children, now: now)
        // A former child may be the parent now (the tree turned round): it keeps this node
        // on the tree, engaged with it as the parent, while this node's own old parent
        // overlaps (the old way ran through this node).
        let turnedRound = parent.map { formerChildren.contains($0) } ?? false
        if turnedRound { formerChildren.removeAll { $0 == parent } }
        var active = !state.members.isEmpty || !joinedChildren.isEmpty || !formerChildren.isEmpty || state.lingerUntil != nil
        // While a parent switch overlaps, the old edge carries too (not part of the route).
        let oldParent = formerParent(name, state, parent: parent, children: children, active: active || turnedRound, in: tree, now: now)
        if turnedRound {
            if active || oldParent != nil {
                active = true
            } else {
                switches.forgetFormerChild(parent!, of: name)
            }
        }
        var engaged = joinedChildren
        if active, let parent, peers[parent] != nil {
            engaged.append(parent)
        }
        engaged.sort()
        route?.engaged = engaged
        state.formerParent = oldParent
        if oldParent != nil || !formerChildren.isEmpty {
            engaged = (engaged + formerChildren + (oldParent.map { [$0] } ?? [])).sorted()
        }

        state.engaged = engaged
        // Every neighbour that is engaged, or holds interest from this node that has to
        // be withdrawn, gets what it lacks: at once while its pacing allows, else when
        // its turn comes (``tellInterest(_:_:to:now:)``).
        var neighbors = engaged
        for told in state.sent.keys where !engaged.contains(told) {
            neighbors.append(told)
        }
        for neighbor in neighbors.sorted() {
            tellInterest(name, &state, to: neighbor, now: now)
        }
        state.route = route
        state.routeDigest = graph.digest
        if route != before {
            statistics.routeChanges += 1
            lastRouteChange = now
            observe(.routeChanged(name, before: before, after: route))
        }
        if state.isIdle {
            topologies[name] = nil
        } else {
            topologies[name] = state
        }
        repairAfterRefresh(name, before: before, now: now)
    }

    /// Make-before-break, parent side (``ParentSwitches``): the neighbours that were engaged
    /// here as children and no longer are tree children of topology `name` (they may be
    /// its parent now), still linked and not told to leave, kept engaged until they leave
    /// or the limit passes.
    private mutating func keptFormerChildren(_ name: TopologyName, _ state: TopologyState, children: [NodeID], now: Instant) -> [NodeID] {
        var kept: [NodeID] = []
        for neighbor in state.engaged where neighbor != state.formerParent && !children.contains(neighbor)
            && state.remote[neighbor] != nil && peers[neighbor] != nil
        {
            let wasChild = neighbor != state.route?.parent && state.route?.treeNeighbors.contains(neighbor) == true
            if switches.keepFormerChild(neighbor, of: name, wasChild: wasChild, now: now) {
                kept.append(neighbor)
            }
        }
        switches.retainFormerChildren(of: name, kept)
        return kept
    }

    /// Make-before-break, child side (``ParentSwitches``): the parent of topology `name`
    /// before a switch by choice, kept engaged while the new way grafts; `nil` when there
    /// is none. A switch is by choice when the old parent is still linked and engaged, is
    /// no tree neighbour now, and `tree` (the new one) still reaches it (else its way to
    /// the root failed); a later switch keeps the old parent and watches the newest; the
    /// old parent chosen again, a child now, or unlinked ends the overlap (a failure is
    /// repaired as any other).
    private mutating func formerParent(
        _ name: TopologyName, _ state: TopologyState, parent: NodeID?, children: [NodeID], active: Bool, in tree: ShortestPathTree?, now: Instant
    ) -> NodeID? {
        var old = switches.watching ? switches.oldParent(of: name) : nil
        if let current = old, current == parent {
            // Back to the old parent, which carried all along: nothing to overlap.
            switches.end(name)
            return nil
        }
        if let current = old, !active || children.contains(current) || peers[current] == nil || state.remote[current] == nil {
            if switches.end(name), peers[current] != nil, state.remote[current] == nil {
                // The old parent left first: repair asks for what its leaving may have cut
                // off (a failure changes the graph, which asks anyway).
                repair.connected[name] = nil
            }
            old = nil
        }
        guard active, let previous = state.route?.parent, previous != parent else { return old }
        let candidate = old ?? previous
        guard old != nil || (!children.contains(previous) && peers[previous] != nil
            && state.engaged.contains(previous) && state.sent[previous] != nil && state.remote[previous] != nil
            && graph.index(of: previous).map { tree?.contains($0) == true } == true)
        else { return nil }
        let heard = old != nil ? [] : repair.buffer.recentStreams(of: name, now: now)
        let streams = heard.filter { $0.source == candidate && $0.key.origin != id }.map { (key: $0.key, highest: $0.highest) }
        let upward = heard.contains { $0.source != candidate }
        return switches.switched(name, from: candidate, to: parent, streams: streams, upward: upward, now: now) ? candidate : nil
    }
}
