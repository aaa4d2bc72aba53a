extension OverlayLinks {
    /// Brings links in line with what the node wants at `now`: marks links (un)wanted,
    /// dials wanted peers, probes unreachable ones, dials configured addresses, and asks
    /// for the next wake-up.
    mutating func reconcile(at now: Instant, into directives: inout [Directive]) {
        let wanted = ring.wanted.union(declared)
        for peer in links.keys {
            if wanted.contains(peer) || isExempt(peer) {
                links[peer]!.unwantedSince = nil
            } else if links[peer]!.unwantedSince == nil {
                links[peer]!.unwantedSince = now
            }
        }
        var wake: Instant?
        func wakeAt(_ instant: Instant) {
            wake = wake.map { min($0, instant) } ?? instant
        }
        let settlingUntil = settling(at: now)
        if settlingUntil == nil, growth != nil {
            growth = nil
            settledAt = now
        }
        for peer in wanted.sorted() where links[peer] == nil {
            if let settlingUntil, !declared.contains(peer) {
                // Not before the view settles; the fallback wait starts then.
                wakeAt(settlingUntil)
                continue
            }
            var contact = contacts[peer] ?? Contact()
            guard contact.dialing == nil else { continue }
            let waiting = contact.waitingSince ?? now
            contact.waitingSince = waiting
            contacts[peer] = contact
            var due = contact.notBefore ?? now
            if peer < configuration.id {
                due = max(due, waiting + configuration.fallbackDelay)
            }
            if due <= now {
                dial(peer, at: now, into: &directives)
            } else {
                wakeAt(due)
            }
        }
        // Introductions: an isolated member is dialled once its delay passed, wanted here
        // or not (an unwanted link lingers out once the member is linked to others). Not
        // while the view grows, nor within a delay after it settled: the ring dials of a
        // settled view link most members, and their records then travel.
        // One at a time, and only with a free slot: an introduction is a favour, not a need.
        var introducing = isolated.keys.contains { contacts[$0]?.dialing != nil }
        for peer in isolated.keys.sorted() where settlingUntil == nil && links[peer] == nil && view[peer] != nil && isEligible(peer) {
            guard !introducing, countedLinks < configuration.maxLinks else { break }
            guard contacts[peer]?.dialing == nil else { continue }
            let due = max(isolated[peer]!, settledAt + configuration.introductionDelay, contacts[peer]?.notBefore ?? .zero)
            if due <= now {
                if contacts[peer] == nil {
                    contacts[peer] = Contact()
                }
                dial(peer, at: now, into: &directives)
                introducing = true
            } else {
                wakeAt(due)
            }
        }
        // Probes: a peer left out as unreachable comes back on its first handshake.
        for peer in contacts.keys.sorted() where contacts[peer]!.unreachable && contacts[peer]!.dialing == nil && links[peer] == nil {
            let due = contacts[peer]!.notBefore ?? now
            if due <= now {
                dial(peer, at: now, into: &directives)
            } else {
                wakeAt(due)
            }
        }
        for address in configured.keys.sorted(by: { $0.description < $1.description }) {
            let entry = configured[address]!
            guard !entry.isSelf, entry.dialing == nil, entry.peer.map({ links[$0] == nil }) ?? true else { continue }
            let due = entry.notBefore ?? now
            guard due <= now else {
                wakeAt(due)
                continue
            }
            let connection = OverlayConnection.dialed(nextDial)
            nextDial += 1
            pending[connection] = Pending(peer: nil, configured: address, deadline: now + configuration.handshakeTimeout)
            configured[address]!.dialing = connection
            directives.append(.dial(connection, peer: nil, address: address))
        }
        forgetIdleContacts(wanted: wanted)
        for attempt in pending.values {
            wakeAt(attempt.deadline)
        }
        for contact in contacts.values where !contact.unreachable {
            if let started = contact.dialStarted {
                wakeAt(started + configuration.suspectAfter)
            }
        }
        for link in links.values where link.dialedByUs {
            if let since = link.unwantedSince {
                wakeAt(since + configuration.lingerDelay)
            }
        }
        if let wake, wake != armed {
            armed = wake
            directives.append(.armTimer(wake))
        }
    }

    /// Dials `peer` (which has a contact) at its first address, or after failed dials at the
    /// next ones in turn (a host may advertise addresses not every peer can reach).
    private mutating func dial(_ peer: NodeID, at now: Instant, into directives: inout [Directive]) {
        guard let addresses = view[peer]?.addresses, !addresses.isEmpty else { return }
        let address = addresses[contacts[peer]!.failures % addresses.count]
        let connection = OverlayConnection.dialed(nextDial)
        nextDial += 1
        pending[connection] = Pending(peer: peer, configured: nil, deadline: now + configuration.handshakeTimeout)
        contacts[peer]!.dialing = connection
        contacts[peer]!.dialStarted = now
        directives.append(.dial(connection, peer: peer, address: address))
    }

    /// Drops what is remembered of peers that are neither wanted, linked, dialled nor
    /// unreachable: the memory of a node stays O(links + unreachable), not O(view).
    private mutating func forgetIdleContacts(wanted: Set<NodeID>) {
        guard contacts.count > wanted.count + links.count else { return }
        contacts = contacts.filter { peer, contact in
            contact.unreachable || contact.dialing != nil || wanted.contains(peer) || links[peer] != nil
                || isolated[peer] != nil
        }
    }
}
