import ArborCore
import Testing

/// Peer links whose output is over its limit (``Router/Event/peerBacklogged(_:)``): a slow
/// peer is a dead peer, decided by the router, not by the shell that reports the backlog.
@Suite struct FlowControlTests {
    let topology = TopologyName("quotes")!
    let me = node(1)
    let peer = node(2)

    /// A router publishing to `topology` for local client 9, with `peer` engaged.
    func publisher() -> Router {
        var router = routerLinked(to: peer, as: me, wantingEverythingOf: topology)
        _ = router.handle(.publish(9, topology, "AAPL", payload: []), at: .zero)
        _ = router.handle(.timer, at: .zero + .milliseconds(1))
        #expect(router.topologies[topology]?.engaged == [peer])
        return router
    }

    func publish(_ router: inout Router, at milliseconds: Int64) -> [Router.Action] {
        router.handle(.publish(9, topology, "AAPL", payload: [1, 2, 3]), at: .zero + .milliseconds(milliseconds))
    }

    func forwardsToPeer(_ actions: [Router.Action]) -> Bool {
        actions.contains { action in
            switch action {
            case .forward(_, peer), .send(.data, peer): true
            default: false
            }
        }
    }

    @Test func aBackloggedPeerIsDisconnectedAndDownAtOnce() {
        var router = publisher()
        #expect(forwardsToPeer(publish(&router, at: 2)))
        let actions = router.handle(.peerBacklogged(peer), at: .zero + .milliseconds(3))
        let disconnects = actions.compactMap { action -> Router.DisconnectReason? in
            guard case .disconnect(peer, let reason) = action else { return nil }
            return reason
        }
        #expect(disconnects == [.outputBacklog])
        #expect(actions.contains { action in
            guard case .observe(.peerDown(peer, _, let reason)) = action else { return false }
            return reason == Router.DisconnectReason.outputBacklog.description
        })
        #expect(router.peers[peer] == nil)
        // Nothing more goes its way: the messages published next are not forwarded to it.
        #expect(!forwardsToPeer(publish(&router, at: 4)))
        #expect(router.topologies[topology]?.engaged.contains(peer) != true)
    }

    @Test func aBacklogReportedAfterTheLinkWentDownChangesNothing() {
        var router = publisher()
        _ = router.handle(.peerDown(peer), at: .zero + .milliseconds(2))
        let actions = router.handle(.peerBacklogged(peer), at: .zero + .milliseconds(3))
        #expect(!actions.contains { if case .disconnect = $0 { true } else { false } })
        #expect(!actions.contains { if case .observe = $0 { true } else { false } })
    }
}
