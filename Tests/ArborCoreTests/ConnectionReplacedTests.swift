import ArborCore
import Testing

/// A peer's session carried on by a new connection (two nodes that dialled each other at
/// once keep one connection): no peer down, the peer's interest kept, and everything this
/// node told the peer told again, since the old connection may have lost it.
@Suite struct ConnectionReplacedTests {
    let pacing = InterestPacingTests()
    var peer: NodeID { pacing.peer }

    func observesPeerDown(_ actions: [Router.Action]) -> Bool {
        actions.contains { if case .observe(.peerDown) = $0 { return true } else { return false } }
    }

    func sendsSummary(_ actions: [Router.Action]) -> Bool {
        actions.contains { if case .send(.summary, let to) = $0 { return to == peer } else { return false } }
    }

    /// A router linked to the peer with a client in 40 topologies, every update drained;
    /// returns it with the topologies whose parent is the peer.
    func subscribedRouter() -> (Router, [TopologyName]) {
        var router = pacing.linkedRouter()
        let start = pacing.at(200_000)
        var lastWake: Instant?
        for index in 0..<40 {
            lastWake = pacing.wake(router.handle(.subscribe(1, pacing.name(index), "x"), at: start)) ?? lastWake
        }
        _ = pacing.drain(&router, from: start, wakeAt: lastWake)
        let towardPeer = (0..<40).map(pacing.name).filter { router.topologies[$0]?.route?.parent == peer }
        return (router, towardPeer)
    }

    @Test func theSameSessionOnANewConnectionIsNoPeerDownAndToldEverythingAgain() {
        var (router, towardPeer) = subscribedRouter()
        #expect(!towardPeer.isEmpty)
        let now = pacing.at(3_000_000)
        // The peer had told this node its interest in one topology.
        let theirs = pacing.name(1_000)
        _ = router.handle(.message(.interest(theirs, .full(PrefixSet(["y"]))), from: peer), at: now)
        #expect(router.topologies[theirs]?.remote[peer] == PrefixSet(["y"]))

        let actions = router.handle(.peerUp(peer, name: "n2", incarnation: 1, cost: 1), at: now + .milliseconds(1))
        #expect(!observesPeerDown(actions))
        #expect(sendsSummary(actions))
        #expect(router.peers[peer] != nil)
        #expect(router.topologies[theirs]?.remote[peer] == PrefixSet(["y"]))
        let again = pacing.interest(actions).map { ($0.0, $0.1) }
            + pacing.drain(&router, from: now, wakeAt: pacing.wake(actions)).map { ($0.1, $0.2) }
        #expect(Set(again.map(\.0)) == Set(towardPeer))
        #expect(again.allSatisfy { $0.1 == .full(PrefixSet(["x"])) })
    }

    @Test func aRestartedPeerOnANewConnectionStartsOver() {
        var (router, _) = subscribedRouter()
        let now = pacing.at(3_000_000)
        let theirs = pacing.name(1_000)
        _ = router.handle(.message(.interest(theirs, .full(PrefixSet(["y"]))), from: peer), at: now)
        let actions = router.handle(.peerUp(peer, name: "n2", incarnation: 2, cost: 1), at: now + .milliseconds(1))
        #expect(observesPeerDown(actions))
        #expect(router.topologies[theirs]?.remote[peer] == nil)
    }
}
