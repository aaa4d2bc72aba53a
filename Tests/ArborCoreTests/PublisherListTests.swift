import ArborCore
import Testing

/// `publishers:` checked by a relay against the origin of each message: by node id (which
/// a key backs), or by a name only when the origin holds it.
@Suite struct PublisherListTests {
    let topology = TopologyName("quotes")!
    let me = node(1)
    let peer = node(2)
    let holder = node(5)
    let claimant = node(6)
    let listedByID = node(7)

    func at(_ milliseconds: Int64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }

    /// A router with a local subscriber, linked to `peer`, holding records of node 5 and
    /// node 6 that both claim the name "pub" (node 5 with the higher incarnation holds it)
    /// and of node 7 named "seven".
    func relay() -> Router {
        var configuration = RouterConfiguration(id: me, name: "n1", incarnation: 1)
        configuration.definitions = [TopologyDefinition(name: topology, publishers: ["pub", listedByID.description])]
        var router = Router(configuration)
        _ = router.handle(.start, at: .zero)
        _ = router.handle(.subscribe(1, topology, "AAPL"), at: at(1))
        _ = router.handle(.peerUp(peer, name: "n2", incarnation: 1, cost: nil), at: at(1))
        let records = [
            LinkStateRecord(origin: holder, name: "pub", incarnation: 9, sequence: 1, links: []),
            LinkStateRecord(origin: claimant, name: "pub", incarnation: 1, sequence: 1, links: []),
            LinkStateRecord(origin: listedByID, name: "seven", incarnation: 1, sequence: 1, links: []),
        ]
        _ = router.handle(.message(.linkState(records), from: peer), at: at(2))
        _ = router.handle(.timer, at: at(10))
        return router
    }

    func delivered(_ router: inout Router, from origin: NodeID, sequence: UInt64) -> Bool {
        let message = DataMessage(topology: topology, origin: origin, originIncarnation: 1, sequence: sequence, hops: 1, topic: "AAPL", payload: [1])
        let actions = router.handle(.message(.data(message), from: peer), at: at(20))
        return actions.contains { if case .deliver = $0 { return true } else { return false } }
    }

    @Test func aListedIDOrTheHolderOfAListedNamePublishesAClaimantOfTheNameDoesNot() {
        var router = relay()
        #expect(router.graph.nameConflicts["pub"] != nil)
        #expect(delivered(&router, from: holder, sequence: 1))
        #expect(delivered(&router, from: listedByID, sequence: 1))
        #expect(!delivered(&router, from: claimant, sequence: 1))
        #expect(!delivered(&router, from: node(8), sequence: 1))
        #expect(router.statistics.dropped[.notPermitted] == 2)
    }

    @Test func aNodeListedByIDMayPublishFromItsOwnNode() {
        var configuration = RouterConfiguration(id: listedByID, name: "anything", incarnation: 1)
        configuration.definitions = [TopologyDefinition(name: topology, publishers: [listedByID.description])]
        var router = Router(configuration)
        _ = router.handle(.start, at: .zero)
        let actions = router.handle(.publish(9, topology, "AAPL", payload: [1]), at: at(1))
        #expect(!actions.contains { if case .reject = $0 { return true } else { return false } })
    }
}
