import ArborCore
import Testing

/// `Event.loadDefinitions`: reloaded topology files replace the node's own definitions,
/// are flooded in its record, and take effect here at once.
@Suite struct DefinitionReloadTests {
    let quotes = TopologyName("quotes")!
    let news = TopologyName("news")!
    let me = node(1)
    let peer = node(2)

    func at(_ milliseconds: Int64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }

    /// A router linked to `peer`, with a local subscriber in quotes (a node routes, and
    /// so rebuilds its graph, only for topologies it holds).
    func router(_ definitions: [TopologyDefinition]) -> Router {
        var configuration = RouterConfiguration(id: me, name: "n1", incarnation: 1)
        configuration.definitions = definitions
        var router = Router(configuration)
        _ = router.handle(.start, at: .zero)
        _ = router.handle(.peerUp(peer, name: "n2", incarnation: 1, cost: nil), at: at(1))
        _ = router.handle(.subscribe(1, quotes, "AAPL"), at: at(1))
        return router
    }

    /// Fires the router's timer every 10 ms from `start` for `duration` ms (the hold times
    /// of origination and recomputation pass); the actions of all of them.
    func tick(_ router: inout Router, from start: Int64, for duration: Int64 = 500) -> [Router.Action] {
        stride(from: start, through: start + duration, by: 10).flatMap { router.handle(.timer, at: at($0)) }
    }

    func observations(_ actions: [Router.Action]) -> [Router.Observation] {
        actions.compactMap { if case .observe(let observation) = $0 { observation } else { nil } }
    }

    @Test func aReloadReportsWhatChangedAndFloodsTheNewDefinitions() {
        var router = router([TopologyDefinition(name: quotes, version: 1), TopologyDefinition(name: news)])
        var actions = router.handle(.loadDefinitions([TopologyDefinition(name: quotes, version: 2, publishers: ["n1"])]), at: at(5))
        // The record goes out and the graph is recomputed once their hold times pass.
        actions += tick(&router, from: 10)
        // quotes changed, news was removed.
        #expect(observations(actions).contains(.definitionsReloaded(changed: [news, quotes])))
        #expect(router.ownDefinitions == [TopologyDefinition(name: quotes, version: 2, publishers: ["n1"])])
        let flooded = actions.contains { action in
            guard case .send(.linkState(let records), to: let target) = action, target == peer else { return false }
            return records.contains { $0.origin == me && $0.definitions.first?.version == 2 }
        }
        #expect(flooded, "the new definitions are not in a record sent to the peer: \(actions)")
        #expect(router.graph.definitions[quotes]?.version == 2)
    }

    @Test func reloadingTheSameFilesChangesNothing() {
        let definitions = [TopologyDefinition(name: quotes, version: 1)]
        var router = router(definitions)
        let actions = router.handle(.loadDefinitions(definitions), at: at(5))
        #expect(observations(actions).contains(.definitionsReloaded(changed: [])))
    }

    @Test func aDefinitionRemovedByAReloadNoLongerRestrictsPublishing() {
        var router = router([TopologyDefinition(name: quotes, publishers: ["someone-else"])])
        #expect(router.handle(.publish(9, quotes, "AAPL", payload: [1]), at: at(2)).contains { if case .reject = $0 { true } else { false } })
        _ = router.handle(.loadDefinitions([]), at: at(3))
        _ = tick(&router, from: 10)
        #expect(router.graph.definitions[quotes] == nil)
        #expect(!router.handle(.publish(9, quotes, "AAPL", payload: [1]), at: at(600)).contains { if case .reject = $0 { true } else { false } })
    }
}
