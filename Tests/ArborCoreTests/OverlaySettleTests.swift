import ArborCore
import Testing

/// Ring dials wait for the view to settle: at start-up mDNS reports a LAN's nodes one by one,
/// and links dialled to the neighbours of a half-known view would be closed again.
@Suite struct OverlaySettleTests {
    let me = node(1)

    func ms(_ value: Int64) -> Instant { Instant(nanoseconds: value * 1_000_000) }

    /// Feeds `arrivals` (peer, instant) and a timer every 10 ms up to `end`; returns the
    /// ring dials with the instant each was asked for, and the machine.
    func run(
        _ configuration: OverlayConfiguration, arrivals: [(NodeID, Int64)], declared: Set<NodeID> = [], until end: Int64
    ) -> (dials: [(NodeID, Int64)], machine: OverlayLinks) {
        var machine = OverlayLinks(configuration)
        var dials: [(NodeID, Int64)] = []
        func note(_ directives: [OverlayLinks.Directive], at time: Int64) {
            for case .dial(_, let peer?, _) in directives {
                dials.append((peer, time))
            }
        }
        note(machine.handle(.declared(declared), at: .zero), at: 0)
        for time in stride(from: Int64(0), through: end, by: 10) {
            for (peer, arrival) in arrivals where arrival == time {
                note(machine.handle(.discovered(Overlay.peer(peer)), at: ms(time)), at: time)
            }
            note(machine.handle(.timer, at: ms(time)), at: time)
        }
        return (dials, machine)
    }

    /// 60 peers, all above this node (it dials each at once when it wants it).
    let peers: [NodeID] = (0..<60).map { node(100 + UInt64($0) * 7919) }

    /// The ring neighbours of this node in the view of `members`.
    func neighbours(_ configuration: OverlayConfiguration, among members: some Sequence<NodeID>) -> Set<NodeID> {
        OverlayLinks(configuration, view: OverlayView(members.map { Overlay.peer($0) })).wantedPeers
    }

    @Test func noRingNeighbourIsDialledUntilTheViewStopsGrowing() {
        var configuration = OverlayConfiguration(id: me, realm: Overlay.realm)
        configuration.seed = 1
        // One new peer every 50 ms: the last at 1,950 ms, settled at 1,950 + 1,000. (The
        // dials never complete here, so later dials go to the next nodes of the rings.)
        let arrivals = peers.prefix(40).enumerated().map { ($1, Int64($0) * 50) }
        let (dials, _) = run(configuration, arrivals: arrivals, until: 3_000)
        #expect(dials.map(\.1).min() == 2_950)
        // Only neighbours of the whole view: nothing to close again once it is known.
        #expect(Set(dials.map(\.0)) == neighbours(configuration, among: peers.prefix(40) + [me]))
    }

    @Test func withoutSettlingNeighboursOfAHalfKnownViewAreDialled() {
        // The same arrivals with settling off: the control for the test above.
        var configuration = Overlay.configuration(me)
        configuration.seed = 1
        let arrivals = peers.prefix(40).enumerated().map { ($1, Int64($0) * 50) }
        let (dials, _) = run(configuration, arrivals: arrivals, until: 3_000)
        #expect(dials.map(\.1).min() == 0)
        #expect(!Set(dials.map(\.0)).isSubset(of: neighbours(configuration, among: peers.prefix(40) + [me])))
    }

    @Test func aViewThatKeepsGrowingIsDialledAfterTheSettleLimit() {
        var configuration = OverlayConfiguration(id: me, realm: Overlay.realm)
        configuration.seed = 1
        // A new peer every 100 ms for 6 s, longer than the 5 s limit.
        let arrivals = peers.enumerated().map { ($1, Int64($0) * 100) }
        let (dials, _) = run(configuration, arrivals: arrivals, until: 5_100)
        #expect(dials.map(\.1).min() == 5_000)
    }

    @Test func declaredPeersAreDialledWhileTheViewSettles() {
        var configuration = OverlayConfiguration(id: me, realm: Overlay.realm)
        configuration.seed = 1
        let arrivals = peers.prefix(40).enumerated().map { ($1, Int64($0) * 50) }
        let (dials, _) = run(configuration, arrivals: arrivals, declared: [peers[3]], until: 2_000)
        #expect(dials.map(\.0) == [peers[3]])
        #expect(dials.first?.1 == 150)
    }
}
