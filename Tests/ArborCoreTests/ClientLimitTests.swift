import ArborCore
import Testing

/// Per-client limits: a client beyond its topologies or subscriptions is refused, others
/// are not, and what a client gives up (unsubscribe, detach, departure) frees its quota.
@Suite struct ClientLimitTests {
    func router(topologies: Int, subscriptions: Int) -> Router {
        var configuration = RouterConfiguration(id: node(1), name: "n1", incarnation: 1)
        configuration.maximumTopologiesPerClient = topologies
        configuration.maximumSubscriptionsPerClient = subscriptions
        var router = Router(configuration)
        _ = router.handle(.start, at: .zero)
        return router
    }

    func name(_ index: Int) -> TopologyName { TopologyName("t\(index)")! }

    func rejections(_ actions: [Router.Action]) -> [Router.Rejection] {
        actions.compactMap { if case .reject(_, let rejection) = $0 { return rejection } else { return nil } }
    }

    @Test func aClientBeyondItsTopologiesIsRefusedOthersAreNot() {
        var router = router(topologies: 2, subscriptions: 100)
        #expect(rejections(router.handle(.subscribe(1, name(0), "A"), at: .zero)).isEmpty)
        #expect(rejections(router.handle(.attach(1, name(1)), at: .zero)).isEmpty)
        // A third topology, by any request that would join one.
        #expect(rejections(router.handle(.attach(1, name(2)), at: .zero)) == [.clientLimit(.topologies(2))])
        #expect(rejections(router.handle(.subscribe(1, name(2), "A"), at: .zero)) == [.clientLimit(.topologies(2))])
        #expect(rejections(router.handle(.publish(1, name(2), "A", payload: [1]), at: .zero)) == [.clientLimit(.topologies(2))])
        #expect(router.topologies[name(2)] == nil)
        // Its own topologies still take requests; another client is not affected.
        #expect(rejections(router.handle(.subscribe(1, name(1), "B"), at: .zero)).isEmpty)
        #expect(rejections(router.handle(.attach(2, name(2)), at: .zero)).isEmpty)
        // Leaving one frees a place.
        _ = router.handle(.detach(1, name(0)), at: .zero)
        #expect(rejections(router.handle(.attach(1, name(3)), at: .zero)).isEmpty)
    }

    @Test func aClientBeyondItsSubscriptionsIsRefusedUntilItGivesSomeUp() {
        var router = router(topologies: 10, subscriptions: 3)
        for prefix in ["A", "B"] {
            #expect(rejections(router.handle(.subscribe(1, name(0), Topic(prefix)), at: .zero)).isEmpty)
        }
        #expect(rejections(router.handle(.subscribe(1, name(1), "C"), at: .zero)).isEmpty)
        #expect(rejections(router.handle(.subscribe(1, name(1), "D"), at: .zero)) == [.clientLimit(.subscriptions(3))])
        #expect(router.topologies[name(1)]?.members[1]?.contains("D") == false)
        // Subscribing again to a held prefix is no new subscription.
        #expect(rejections(router.handle(.subscribe(1, name(0), "A"), at: .zero)).isEmpty)
        _ = router.handle(.unsubscribe(1, name(0), "A"), at: .zero)
        #expect(rejections(router.handle(.subscribe(1, name(1), "D"), at: .zero)).isEmpty)
        // A client that leaves everything starts from nothing when its number comes back.
        _ = router.handle(.detach(1, nil), at: .zero)
        for prefix in ["E", "F", "G"] {
            #expect(rejections(router.handle(.subscribe(1, name(2), Topic(prefix)), at: .zero)).isEmpty)
        }
    }
}
