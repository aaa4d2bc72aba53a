extension OverlayLinks {
    /// The node that dialled `connection` to `peer`.
    private func dialer(of connection: OverlayConnection, peer: NodeID) -> NodeID {
        if case .dialed = connection { return configuration.id }
        return peer
    }

    mutating func handshaken(_ connection: OverlayConnection, peer: NodeID, incarnation: UInt64, at now: Instant, into directives: inout [Directive]) {
        guard let attempt = pending.removeValue(forKey: connection) else {
            // Timed out already (the machine closed it) or never announced.
            directives.append(.close(connection, .handshakeTimeout))
            return
        }
        if let address = attempt.configured {
            configured[address]?.dialing = nil
        }
        if let expected = attempt.peer, contacts[expected]?.dialing == connection {
            contacts[expected]!.dialing = nil
            contacts[expected]!.dialStarted = nil
        }
        guard peer != configuration.id else {
            if let address = attempt.configured {
                configured[address]?.isSelf = true
            }
            directives.append(.close(connection, .selfConnection))
            // An address of another node that leads here (a bridge every host has, say):
            // that dial failed; the next one tries the peer's next address.
            if let expected = attempt.peer, contacts[expected] != nil {
                peerDialFailed(expected, at: now)
            }
            return
        }
        if let address = attempt.configured {
            configured[address]?.peer = peer
        }
        if contacts[peer] == nil {
            contacts[peer] = Contact()
        }
        markReachable(peer)
        if let old = links[peer] {
            let lower = min(configuration.id, peer)
            let replaces =
                incarnation > old.incarnation
                || (incarnation == old.incarnation && dialer(of: connection, peer: peer) == lower
                    && dialer(of: old.connection, peer: peer) != lower)
            guard replaces else {
                directives.append(.close(connection, .duplicate))
                return
            }
            links[peer] = Link(connection: connection, incarnation: incarnation, since: old.since, unwantedSince: old.unwantedSince)
            directives.append(.establish(connection, peer: peer, replacing: old.connection))
            return
        }
        let wanted = ring.isNeighbor(peer) || declared.contains(peer)
        if !isExempt(peer), countedLinks >= configuration.maxLinks {
            guard wanted, let victim = evictionCandidate() else {
                directives.append(.close(connection, .full))
                if case .dialed = connection, contacts[peer] != nil {
                    // Dialled (an introduction, say) and no room now: not again at once.
                    contacts[peer]!.notBefore = now + contacts[peer]!.backoff.next(
                        initial: configuration.redialInitialDelay, maximum: configuration.redialMaximumDelay, using: &random)
                }
                return
            }
            let evicted = links.removeValue(forKey: victim)!
            directives.append(.close(evicted.connection, .full))
            linkEnded(victim, evicted, at: now)
        }
        links[peer] = Link(connection: connection, incarnation: incarnation, since: now, unwantedSince: wanted ? nil : now)
        contacts[peer]?.waitingSince = nil
        directives.append(.establish(connection, peer: peer, replacing: nil))
    }

    /// The counted link to give up for a wanted one: one this node does not want, its own
    /// (dialled) first, then the lowest id.
    private func evictionCandidate() -> NodeID? {
        links.filter { !ring.isNeighbor($0.key) && !isExempt($0.key) }
            .min { ($0.value.dialedByUs ? 0 : 1, $0.key) < ($1.value.dialedByUs ? 0 : 1, $1.key) }?.key
    }

    mutating func closed(_ connection: OverlayConnection, at now: Instant) {
        if let attempt = pending.removeValue(forKey: connection) {
            dialFailed(connection, attempt, at: now)
            return
        }
        guard let peer = links.first(where: { $0.value.connection == connection })?.key else { return }
        let link = links.removeValue(forKey: peer)!
        linkEnded(peer, link, at: now)
    }

    /// `link` to `peer` is gone (closed by either end): plan the redial. The backoff starts
    /// over only after a link that lasted; one closed right after its handshake (the other
    /// end is full, say) keeps backing off.
    mutating func linkEnded(_ peer: NodeID, _ link: Link, at now: Instant) {
        if withdrawn.contains(peer) {
            forget(peer)
        }
        let lasted = now - link.since >= configuration.redialMaximumDelay
        if var contact = contacts[peer] {
            if lasted { contact.backoff.reset() }
            contact.notBefore = now + contact.backoff.next(
                initial: configuration.redialInitialDelay, maximum: configuration.redialMaximumDelay, using: &random)
            contact.waitingSince = now
            contacts[peer] = contact
        }
        for address in configured.keys.sorted(by: { $0.description < $1.description }) where configured[address]!.peer == peer {
            if lasted { configured[address]!.backoff.reset() }
            configured[address]!.notBefore = now + configured[address]!.backoff.next(
                initial: configuration.redialInitialDelay, maximum: configuration.redialMaximumDelay, using: &random)
        }
    }

    private mutating func dialFailed(_ connection: OverlayConnection, _ attempt: Pending, at now: Instant) {
        let maximum = configuration.redialMaximumDelay
        let initial = configuration.redialInitialDelay
        if let address = attempt.configured, configured[address]?.dialing == connection {
            configured[address]!.dialing = nil
            configured[address]!.notBefore = now + configured[address]!.backoff.next(initial: initial, maximum: maximum, using: &random)
        }
        if let peer = attempt.peer, contacts[peer]?.dialing == connection {
            peerDialFailed(peer, at: now)
        }
    }

    /// The dial to `peer` failed: back off, try its next address next time, and leave it
    /// out of the rings until a handshake succeeds.
    private mutating func peerDialFailed(_ peer: NodeID, at now: Instant) {
        let maximum = configuration.redialMaximumDelay
        let initial = configuration.redialInitialDelay
        contacts[peer]!.dialing = nil
        contacts[peer]!.dialStarted = nil
        contacts[peer]!.failures += 1
        contacts[peer]!.notBefore = now + contacts[peer]!.backoff.next(initial: initial, maximum: maximum, using: &random)
        markUnreachable(peer)
    }

    /// Handshake deadlines, suspected dials and lingering links due at `now`.
    mutating func expire(at now: Instant, into directives: inout [Directive]) {
        // In a fixed order (dictionaries iterate in an order that changes from run to
        // run): the directives and the jitter drawn depend on it.
        let expired = pending.compactMap { $0.value.deadline <= now ? $0.key : nil }
        for connection in expired.sorted() {
            let attempt = pending.removeValue(forKey: connection)!
            directives.append(.close(connection, .handshakeTimeout))
            dialFailed(connection, attempt, at: now)
        }
        let suspected = contacts.compactMap { peer, contact in
            !contact.unreachable && contact.dialStarted.map { $0 + configuration.suspectAfter <= now } == true ? peer : nil
        }
        for peer in suspected.sorted() {
            // A peer that left the view meanwhile is in no ring: nothing to suspect.
            contacts[peer]!.dialStarted = nil
            markUnreachable(peer)
        }
        let lingered = links.compactMap { peer, link in
            link.dialedByUs && link.unwantedSince.map { $0 + configuration.lingerDelay <= now } == true ? peer : nil
        }
        for peer in lingered.sorted() {
            let link = links[peer]!
            if !isExempt(peer), !ring.isNeighbor(peer) {
                links[peer] = nil
                directives.append(.close(link.connection, .unwanted))
                linkEnded(peer, link, at: now)
            }
        }
    }
}
