import ArborCore
import Testing

/// The two-step liveness verdict (``RouterConfiguration/livenessRecheck``): a peer found
/// silent is declared dead only if it is still silent a recheck later, so frames that
/// waited unread while the node itself was busy save the link.
@Suite struct LivenessRecheckTests {
    let peer = node(2)

    func at(_ milliseconds: Int64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }

    func router() -> Router {
        var configuration = RouterConfiguration(id: node(1), name: "n1", incarnation: 1)
        configuration.livenessRecheck = .milliseconds(10)
        var router = Router(configuration)
        _ = router.handle(.start, at: .zero)
        _ = router.handle(.peerUp(peer, name: "n2", incarnation: 1, cost: nil), at: .zero)
        return router
    }

    func disconnects(_ actions: [Router.Action]) -> [Router.DisconnectReason] {
        actions.compactMap { if case .disconnect(_, let reason) = $0 { return reason } else { return nil } }
    }

    @Test func aFrameReadAfterTheNodeFoundThePeerSilentKeepsTheLink() {
        var router = router()
        // The node was busy until 350 ms: its timer finds the peer silent, but waits.
        #expect(disconnects(router.handle(.timer, at: at(350))).isEmpty)
        #expect(router.peers[peer] != nil)
        // The frames the peer sent meanwhile are read, then the recheck comes.
        _ = router.handle(.message(.heartbeat(Heartbeat(timestamp: 1, echo: 0, echoDelay: 0)), from: peer), at: at(351))
        #expect(disconnects(router.handle(.timer, at: at(360))).isEmpty)
        #expect(router.peers[peer] != nil)
    }

    @Test func aPeerStillSilentAtTheRecheckIsDead() {
        var router = router()
        let first = router.handle(.timer, at: at(300))
        #expect(disconnects(first).isEmpty)
        // It asks to be woken for the recheck.
        #expect(first.contains { if case .wakeUp(at(310)) = $0 { return true } else { return false } })
        #expect(disconnects(router.handle(.timer, at: at(305))).isEmpty)
        #expect(disconnects(router.handle(.timer, at: at(310))) == [.heartbeatTimeout(silentFor: .milliseconds(310))])
        #expect(router.peers[peer] == nil)
    }
}
