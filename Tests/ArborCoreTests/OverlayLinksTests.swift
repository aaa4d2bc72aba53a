import ArborCore
import Testing

/// The link machine event by event: who dials, backoff, handshake timeouts, duplicates,
/// the cap, lingering, configured addresses, realms.
@Suite struct OverlayLinksTests {
    let me = node(50)

    func ms(_ value: Int64) -> Instant { Instant(nanoseconds: value * 1_000_000) }

    func dials(_ directives: [OverlayLinks.Directive]) -> [(OverlayConnection, NodeID?)] {
        directives.compactMap {
            if case .dial(let connection, let peer, _) = $0 { return (connection, peer) }
            return nil
        }
    }

    func closes(_ directives: [OverlayLinks.Directive]) -> [(OverlayConnection, OverlayCloseReason)] {
        directives.compactMap {
            if case .close(let connection, let reason) = $0 { return (connection, reason) }
            return nil
        }
    }

    func establishes(_ directives: [OverlayLinks.Directive]) -> [NodeID] {
        directives.compactMap {
            if case .establish(_, let peer, _) = $0 { return peer }
            return nil
        }
    }

    func timers(_ directives: [OverlayLinks.Directive]) -> [Instant] {
        directives.compactMap {
            if case .armTimer(let instant) = $0 { return instant }
            return nil
        }
    }

    @Test func peersOfAnotherRealmAreNeverDialled() {
        var machine = OverlayLinks(Overlay.configuration(me))
        var directives = machine.handle(.discovered(Overlay.peer(node(60), realm: "other")), at: .zero)
        directives += machine.handle(.timer, at: ms(10_000))
        #expect(dials(directives).isEmpty)
        #expect(machine.view.count == 0)
        // A peer that moves to another realm is dropped.
        _ = machine.handle(.discovered(Overlay.peer(node(70))), at: ms(10_000))
        _ = machine.handle(.discovered(Overlay.peer(node(70), realm: "other")), at: ms(10_000))
        #expect(machine.wantedPeers.isEmpty)
    }

    @Test func theLowerIdDialsAtOnceTheHigherAfterTheFallbackDelay() {
        var machine = OverlayLinks(Overlay.configuration(me))
        let higher = machine.handle(.discovered(Overlay.peer(node(60))), at: .zero)
        #expect(dials(higher).map(\.1) == [node(60)])
        var lower = OverlayLinks(Overlay.configuration(me))
        let first = lower.handle(.discovered(Overlay.peer(node(40))), at: .zero)
        #expect(dials(first).isEmpty)
        #expect(timers(first) == [ms(250)])
        #expect(dials(lower.handle(.timer, at: ms(249))).isEmpty)
        #expect(dials(lower.handle(.timer, at: ms(250))).map(\.1) == [node(40)])
    }

    @Test func failedDialsBackOffExponentiallyWithJitterUpToTheCap() {
        func delays(seed: UInt64) -> [Int64] {
            var configuration = Overlay.configuration(me)
            configuration.seed = seed
            var machine = OverlayLinks(configuration)
            var now = Instant.zero
            var connection = dials(machine.handle(.discovered(Overlay.peer(node(60))), at: now))[0].0
            var result: [Int64] = []
            for _ in 0..<10 {
                let failed = machine.handle(.closed(connection), at: now)
                // Left out of the rings while unreachable: probed, not wanted.
                #expect(machine.wantedPeers.isEmpty)
                let next = timers(failed).min()!
                result.append((next - now).nanoseconds / 1_000_000)
                now = next
                connection = dials(machine.handle(.timer, at: now))[0].0
            }
            return result
        }
        let run = delays(seed: 1)
        let expected: [Int64] = [100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000, 5_000]
        for (delay, base) in zip(run, expected) {
            #expect(delay >= base * 3 / 4 && delay <= base * 5 / 4, "\(run)")
        }
        #expect(run == delays(seed: 1), "same seed, same delays")
        #expect(run != delays(seed: 2), "jitter comes from the seed")
    }

    @Test func aSuccessfulHandshakeAfterFailuresBringsThePeerBack() {
        var machine = OverlayLinks(Overlay.configuration(me))
        let connection = dials(machine.handle(.discovered(Overlay.peer(node(60))), at: .zero))[0].0
        _ = machine.handle(.closed(connection), at: ms(1))
        #expect(machine.unreachablePeers == [node(60)])
        let probe = dials(machine.handle(.timer, at: ms(200)))[0].0
        let up = machine.handle(.handshaken(probe, peer: node(60), incarnation: 1), at: ms(201))
        #expect(establishes(up) == [node(60)])
        #expect(machine.unreachablePeers.isEmpty)
        #expect(machine.wantedPeers == [node(60)])
    }

    @Test func aHangingDialIsSuspectedAndTheNextRingNodeIsChosen() {
        // One ring over 3 peers: this node wants its successor and predecessor, 2 of them.
        var machine = OverlayLinks(Overlay.configuration(me, maxLinks: 4))
        var directives: [OverlayLinks.Directive] = []
        let everyone: Set<NodeID> = [node(60), node(70), node(80)]
        for peer in everyone.sorted() {
            directives += machine.handle(.discovered(Overlay.peer(peer)), at: .zero)
        }
        let firstChoice = machine.wantedPeers
        #expect(firstChoice.count == 2)
        let hanging = firstChoice.min()!
        let third = everyone.subtracting(firstChoice).first!
        for (connection, peer) in dials(directives) where peer != hanging {
            _ = machine.handle(.handshaken(connection, peer: peer!, incarnation: 1), at: ms(2))
        }
        #expect(machine.wantedPeers.contains(hanging))
        let later = machine.handle(.timer, at: ms(250))
        #expect(!machine.wantedPeers.contains(hanging))
        #expect(machine.wantedPeers.contains(third))
        #expect(machine.linkedPeers[third] != nil || dials(later).contains { $0.1 == third })
        // The hanging dial times out after 3 s and is closed.
        let timeout = machine.handle(.timer, at: ms(3_000))
        #expect(closes(timeout).contains { $0.1 == .handshakeTimeout })
    }

    @Test func anAcceptedConnectionWithoutHandshakeIsClosedAfterTheTimeout() {
        var machine = OverlayLinks(Overlay.configuration(me))
        let armed = machine.handle(.accepted(.accepted(1)), at: .zero)
        #expect(timers(armed) == [ms(3_000)])
        #expect(closes(machine.handle(.timer, at: ms(2_999))).isEmpty)
        #expect(closes(machine.handle(.timer, at: ms(3_000))).map(\.0) == [.accepted(1)])
        // A handshake that arrives after that is refused.
        #expect(closes(machine.handle(.handshaken(.accepted(1), peer: node(9), incarnation: 1), at: ms(3_001))).count == 1)
    }

    /// Both nodes dial each other at once: each end keeps the connection dialled by the
    /// lower id, whatever order the handshakes complete in.
    @Test(arguments: [false, true])
    func bothEndsKeepTheSameOfTwoSimultaneousConnections(acceptedFirst: Bool) {
        var low = OverlayLinks(Overlay.configuration(node(10)))
        var high = OverlayLinks(Overlay.configuration(node(20)))
        _ = low.handle(.discovered(Overlay.peer(node(20))), at: .zero)
        _ = high.handle(.discovered(Overlay.peer(node(10))), at: .zero)
        let lowDial = dials(low.handle(.timer, at: .zero))
        let fromLow = lowDial.isEmpty ? OverlayConnection.dialed(1) : lowDial[0].0
        let fromHigh = dials(high.handle(.timer, at: ms(250)))[0].0
        // At low: its own dial (fromLow) and the accepted one of high's dial.
        _ = low.handle(.accepted(.accepted(7)), at: ms(1_000))
        _ = high.handle(.accepted(.accepted(8)), at: ms(1_000))
        var lowSteps: [(OverlayConnection, OverlayConnection)] = [(fromLow, fromLow), (.accepted(7), .accepted(7))]
        var highSteps: [(OverlayConnection, OverlayConnection)] = [(fromHigh, fromHigh), (.accepted(8), .accepted(8))]
        if acceptedFirst {
            lowSteps.reverse()
            highSteps.reverse()
        }
        for (connection, _) in lowSteps {
            _ = low.handle(.handshaken(connection, peer: node(20), incarnation: 1), at: ms(1_001))
        }
        for (connection, _) in highSteps {
            _ = high.handle(.handshaken(connection, peer: node(10), incarnation: 1), at: ms(1_001))
        }
        // low dialled fromLow, which high accepted as accepted(8).
        #expect(low.linkedPeers[node(20)] == fromLow)
        #expect(high.linkedPeers[node(10)] == .accepted(8))
    }

    @Test func aHigherIncarnationReplacesTheLinkWithoutAPeerDown() {
        var machine = OverlayLinks(Overlay.configuration(me))
        _ = machine.handle(.accepted(.accepted(1)), at: .zero)
        _ = machine.handle(.handshaken(.accepted(1), peer: node(60), incarnation: 1), at: .zero)
        _ = machine.handle(.accepted(.accepted(2)), at: ms(5))
        let directives = machine.handle(.handshaken(.accepted(2), peer: node(60), incarnation: 2), at: ms(5))
        #expect(directives.contains(.establish(.accepted(2), peer: node(60), replacing: .accepted(1))))
        #expect(machine.linkedPeers[node(60)] == .accepted(2))
    }

    /// Peers dialling in beyond the cap are refused; a link this node wants evicts one it
    /// does not want instead.
    @Test func neverMoreThanMaxLinksAndWantedLinksGetASlot() {
        var machine = OverlayLinks(Overlay.configuration(me, maxLinks: 4))
        var established = 0
        for number in 1...10 as ClosedRange<UInt64> {
            _ = machine.handle(.accepted(.accepted(number)), at: .zero)
            let directives = machine.handle(.handshaken(.accepted(number), peer: node(100 + number), incarnation: 1), at: .zero)
            established += establishes(directives).count
            #expect(machine.countedLinks <= 4)
        }
        #expect(established == 4)
        // Now a discovered peer becomes a ring neighbour and connects: it gets a slot.
        let dial = dials(machine.handle(.discovered(Overlay.peer(node(60))), at: ms(1)))
        let connection = dial.first?.0 ?? .accepted(99)
        if dial.isEmpty { _ = machine.handle(.accepted(connection), at: ms(1)) }
        let directives = machine.handle(.handshaken(connection, peer: node(60), incarnation: 1), at: ms(2))
        #expect(establishes(directives) == [node(60)])
        #expect(closes(directives).map(\.1) == [.full])
        #expect(machine.countedLinks == 4)
        #expect(machine.linkedPeers[node(60)] != nil)
    }

    @Test func aLinkThisNodeDialledIsClosedAfterLingeringUnwanted() {
        var machine = OverlayLinks(Overlay.configuration(me, maxLinks: 4))
        let connection = dials(machine.handle(.discovered(Overlay.peer(node(60))), at: .zero))[0].0
        _ = machine.handle(.handshaken(connection, peer: node(60), incarnation: 1), at: ms(1))
        // Newcomers closer on the ring make 60 a non-neighbour; their dials complete.
        var others = (61...400).map { node(UInt64($0)) }.makeIterator()
        let unwantedAt = ms(10)
        while machine.wantedPeers.contains(node(60)) {
            for (dialed, peer) in dials(machine.handle(.discovered(Overlay.peer(others.next()!)), at: unwantedAt)) {
                _ = machine.handle(.handshaken(dialed, peer: peer!, incarnation: 1), at: unwantedAt)
            }
        }
        #expect(closes(machine.handle(.timer, at: unwantedAt + .milliseconds(1_999))).filter { $0.0 == connection }.isEmpty)
        #expect(machine.linkedPeers[node(60)] != nil)
        #expect(closes(machine.handle(.timer, at: unwantedAt + .milliseconds(2_000))).map(\.0).contains(connection))
        #expect(machine.linkedPeers[node(60)] == nil)
    }

    @Test func aLinkWantedAgainWithinTheLingerStays() {
        var machine = OverlayLinks(Overlay.configuration(me, maxLinks: 4))
        let connection = dials(machine.handle(.discovered(Overlay.peer(node(60))), at: .zero))[0].0
        _ = machine.handle(.handshaken(connection, peer: node(60), incarnation: 1), at: ms(1))
        var others = (61...400).map { node(UInt64($0)) }.makeIterator()
        var newcomers: [(NodeID, OverlayConnection)] = []
        while machine.wantedPeers.contains(node(60)) {
            for (dialed, peer) in dials(machine.handle(.discovered(Overlay.peer(others.next()!)), at: ms(10))) {
                _ = machine.handle(.handshaken(dialed, peer: peer!, incarnation: 1), at: ms(10))
                newcomers.append((peer!, dialed))
            }
        }
        // The newcomers leave again within the linger: 60 is wanted again and stays.
        for (newcomer, link) in newcomers {
            _ = machine.handle(.vanished(newcomer), at: ms(1_000))
            _ = machine.handle(.closed(link), at: ms(1_000))
        }
        #expect(machine.wantedPeers.contains(node(60)))
        #expect(!closes(machine.handle(.timer, at: ms(5_000))).contains { $0.0 == connection })
        #expect(machine.linkedPeers[node(60)] == connection)
    }

    @Test func aLinkTheOtherEndDialledIsKeptWhileItIsNotWantedHere() {
        var machine = OverlayLinks(Overlay.configuration(me))
        _ = machine.handle(.accepted(.accepted(1)), at: .zero)
        _ = machine.handle(.handshaken(.accepted(1), peer: node(77), incarnation: 1), at: .zero)
        #expect(!machine.wantedPeers.contains(node(77)))
        #expect(closes(machine.handle(.timer, at: ms(60_000))).isEmpty)
        #expect(machine.linkedPeers[node(77)] != nil)
    }

    @Test func configuredAddressesAreAlwaysDialledKeptAndExempt() {
        var machine = OverlayLinks(Overlay.configuration(me, maxLinks: 3))
        for number in 1...3 as ClosedRange<UInt64> {
            _ = machine.handle(.accepted(.accepted(number)), at: .zero)
            _ = machine.handle(.handshaken(.accepted(number), peer: node(100 + number), incarnation: 1), at: .zero)
        }
        #expect(machine.countedLinks == 3)
        let address = OverlayAddress(host: "bank", port: 7000)
        let dial = dials(machine.handle(.configured(address, .topologyFile), at: ms(1)))
        #expect(dial.count == 1 && dial[0].1 == nil)
        let up = machine.handle(.handshaken(dial[0].0, peer: node(900), incarnation: 1), at: ms(2))
        #expect(establishes(up) == [node(900)])
        #expect(machine.isExempt(node(900)))
        #expect(machine.configuredSource(of: node(900)) == .topologyFile)
        #expect(machine.configuredSource(of: node(101)) == nil)
        #expect(machine.countedLinks == 3)
        #expect(closes(machine.handle(.timer, at: ms(60_000))).isEmpty)
        // Closed: redialled after the backoff, for ever.
        let down = machine.handle(.closed(dial[0].0), at: ms(60_000))
        let next = timers(down).min()!
        #expect(dials(machine.handle(.timer, at: next)).count == 1)
    }

    @Test func aConfiguredAddressThatIsThisNodeIsNotDialledAgain() {
        var machine = OverlayLinks(Overlay.configuration(me))
        let dial = dials(machine.handle(.configured(OverlayAddress(host: "127.0.0.1", port: 1), .commandLine), at: .zero))
        let directives = machine.handle(.handshaken(dial[0].0, peer: me, incarnation: 1), at: ms(1))
        #expect(closes(directives).map(\.1) == [.selfConnection])
        #expect(dials(machine.handle(.timer, at: ms(600_000))).isEmpty)
    }

    @Test func aVanishedPeerKeepsItsLinkUntilTheLinkCloses() {
        var machine = OverlayLinks(Overlay.configuration(me))
        let connection = dials(machine.handle(.discovered(Overlay.peer(node(60))), at: .zero))[0].0
        _ = machine.handle(.handshaken(connection, peer: node(60), incarnation: 1), at: ms(1))
        let gone = machine.handle(.vanished(node(60)), at: ms(2))
        #expect(closes(gone).isEmpty)
        #expect(closes(machine.handle(.timer, at: ms(10_000))).isEmpty)
        #expect(machine.wantedPeers == [node(60)])
        _ = machine.handle(.closed(connection), at: ms(10_001))
        #expect(machine.wantedPeers.isEmpty)
        #expect(dials(machine.handle(.timer, at: ms(20_000))).isEmpty)
    }

    @Test func failedDialsTryThePeersAddressesInTurnAndAnAddressLeadingHereCountsAsFailed() {
        var machine = OverlayLinks(Overlay.configuration(me))
        let first = OverlayAddress(host: "172.17.0.1", port: 7000)
        let second = OverlayAddress(host: "198.18.0.60", port: 7000)
        func dialled(_ directives: [OverlayLinks.Directive]) -> (OverlayConnection, OverlayAddress)? {
            directives.lazy.compactMap { if case .dial(let connection, _, let address) = $0 { return (connection, address) } else { return nil } }.first
        }
        let peer = OverlayPeer(id: node(60), addresses: [first, second], realm: Overlay.realm, incarnation: 1)
        let (connection, address) = dialled(machine.handle(.discovered(peer), at: .zero))!
        #expect(address == first)
        // That address is a bridge every host has: it leads to this node itself.
        let closed = machine.handle(.handshaken(connection, peer: me, incarnation: 1), at: ms(1))
        #expect(closes(closed).map(\.1) == [.selfConnection])
        #expect(machine.unreachablePeers == [node(60)])
        let retry = timers(closed).min()!
        #expect(dialled(machine.handle(.timer, at: retry))?.1 == second)
    }

    @Test func anIsolatedMemberIsDialledAfterTheIntroductionDelayUnlessARecordNamesItFirst() {
        // One ring (2 wanted links) among 12 members: most members are no neighbour here.
        let members = (1...12).map { node(100 + UInt64($0)) }
        let view = OverlayView(members.map { Overlay.peer($0) } + [Overlay.peer(me)])
        var configuration = Overlay.configuration(me, maxLinks: 4)
        configuration.introductionDelay = .seconds(2)
        func run(clearedAt: Int64?) -> [Int64] {
            var machine = OverlayLinks(configuration, view: view)
            let stranger = members.first { !machine.wantedPeers.contains($0) }!
            var times: [Int64] = []
            // Dials to the ring neighbours succeed at once; the stranger's are only noted.
            func step(_ event: OverlayLinks.Event, at time: Int64) {
                for (connection, peer) in dials(machine.handle(event, at: ms(time))) {
                    if peer == stranger {
                        times.append(time)
                    } else if let peer {
                        step(.handshaken(connection, peer: peer, incarnation: 1), at: time)
                    }
                }
            }
            step(.timer, at: 0)
            step(.isolated([stranger]), at: 0)
            for time in stride(from: Int64(10), through: 6_000, by: 10) {
                if time == clearedAt {
                    step(.isolated([]), at: time)
                }
                step(.timer, at: time)
            }
            return times
        }
        let introduced = run(clearedAt: nil)
        // (Unanswered here, it is then probed like any unreachable peer.)
        #expect(introduced.first.map { (2_000...4_000).contains($0) } == true)
        #expect(run(clearedAt: 1_000).isEmpty)
    }

    @Test func introductionsWaitUntilAfterTheViewSettled() {
        // Start-up: twelve members appear at once, every one isolated (no records yet).
        let members = (1...12).map { node(100 + UInt64($0)) }
        var configuration = OverlayConfiguration(id: me, realm: Overlay.realm)
        configuration.maxLinks = 4
        configuration.seed = 3
        var machine = OverlayLinks(configuration)
        var neighbourDials: [Int64] = []
        var strangerDials: [Int64] = []
        var stranger: NodeID?
        func step(_ event: OverlayLinks.Event, at time: Int64) {
            for (connection, peer) in dials(machine.handle(event, at: ms(time))) {
                guard let peer else { continue }
                if peer == stranger {
                    strangerDials.append(time)
                } else {
                    neighbourDials.append(time)
                    step(.handshaken(connection, peer: peer, incarnation: 1), at: time)
                }
            }
        }
        for member in members {
            step(.discovered(Overlay.peer(member)), at: 0)
        }
        stranger = members.first { !machine.wantedPeers.contains($0) }
        step(.isolated(Set(members)), at: 0)
        for time in stride(from: Int64(10), through: 5_000, by: 10) {
            step(.timer, at: time)
        }
        // Ring dials once the view settled (1 s); the stranger, still isolated here, no
        // sooner than the introduction delay (1 s) after that.
        #expect(neighbourDials.min() == 1_000)
        #expect(strangerDials.first.map { (2_000...3_000).contains($0) } == true)
    }

    @Test func aRestartedPeerIsDialledAtOnceDespiteEarlierFailures() {
        var machine = OverlayLinks(Overlay.configuration(me))
        var connection = dials(machine.handle(.discovered(Overlay.peer(node(60))), at: .zero))[0].0
        var now = Instant.zero
        for _ in 0..<5 {
            now = timers(machine.handle(.closed(connection), at: now)).min()!
            connection = dials(machine.handle(.timer, at: now))[0].0
        }
        _ = machine.handle(.closed(connection), at: now)
        let again = machine.handle(.discovered(Overlay.peer(node(60), incarnation: 2)), at: now)
        #expect(dials(again).map(\.1) == [node(60)])
    }
}
