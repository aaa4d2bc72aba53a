import ArborCore
import Testing

/// Links a topology definition declares: wanted whatever the rings say, kept, and outside
/// the cap (a tree of such a topology may use no other link).
@Suite struct OverlayDeclaredLinksTests {
    func ms(_ value: Int64) -> Instant { Instant(nanoseconds: value * 1_000_000) }

    @Test func aDeclaredPeerOutsideTheRingsIsDialledKeptAndNotCounted() {
        let ids = Overlay.ids(40, seed: 3)
        let me = ids[0]
        // The whole view at once: no dial is under way but to ring neighbours.
        var machine = OverlayLinks(Overlay.configuration(me, maxLinks: 4), view: OverlayView(ids.map { Overlay.peer($0) }))
        _ = machine.handle(.timer, at: .zero)
        let ring = machine.wantedPeers
        let far = ids.dropFirst().first { !ring.contains($0) && $0 > me }!
        var directives = machine.handle(.declared([far, me]), at: ms(1))
        #expect(machine.wantedPeers == ring.union([far]))
        directives += machine.handle(.timer, at: ms(2))
        guard case .dial(let connection, let peer, _)? = directives.first(where: {
            if case .dial(_, far, _) = $0 { return true } else { return false }
        }) else {
            Issue.record("the declared peer was not dialled: \(directives)")
            return
        }
        #expect(peer == far)
        // The node already holds as many counted links as it may: the declared one still comes up.
        var number: UInt64 = 100
        let others = ids.dropFirst().filter { !ring.contains($0) && $0 != far }.prefix(4 - ring.count)
        for neighbor in ring.sorted() + others {
            number += 1
            _ = machine.handle(.accepted(.accepted(number)), at: ms(3))
            _ = machine.handle(.handshaken(.accepted(number), peer: neighbor, incarnation: 1), at: ms(3))
        }
        #expect(machine.countedLinks == 4)
        let up = machine.handle(.handshaken(connection, peer: far, incarnation: 1), at: ms(4))
        #expect(up.contains(.establish(connection, peer: far, replacing: nil)))
        #expect(machine.isExempt(far))
        #expect(machine.countedLinks == 4)
        // Long after any linger delay, the declared link stays.
        let later = machine.handle(.timer, at: ms(60_000))
        #expect(!later.contains(.close(connection, .unwanted)))
        #expect(machine.linkedPeers[far] == connection)
        // No longer declared: an ordinary unwanted link of this node's, closed after lingering.
        _ = machine.handle(.declared([]), at: ms(60_001))
        let gone = machine.handle(.timer, at: ms(120_000))
        #expect(gone.contains(.close(connection, .unwanted)))
    }
}
