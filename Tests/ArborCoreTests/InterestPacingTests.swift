import ArborCore
import Testing

/// Interest pacing: a burst of interest changes reaches a peer at most a burst at once,
/// then a batch per turn of the pacing, each topology's changes coalesced into one update
/// computed when its turn comes; nothing is lost and nothing is told twice.
@Suite struct InterestPacingTests {
    let me = node(1)
    let peer = node(2)

    func at(_ microseconds: Int64) -> Instant { Instant(nanoseconds: microseconds * 1_000) }
    func name(_ index: Int) -> TopologyName { TopologyName("load.\(index)")! }

    /// A router linked to `peer`, both in the graph, paced at one update per 40 µs beyond
    /// a burst of 100, in batches of 25; heartbeats rare enough not to matter.
    func linkedRouter() -> Router {
        var configuration = RouterConfiguration(id: me, name: "n1", incarnation: 1)
        configuration.maximumTopologiesPerClient = 10_000
        configuration.maximumSubscriptionsPerClient = 10_000
        configuration.interestPacing = .microseconds(40)
        configuration.interestBurst = 100
        configuration.interestBatch = 25
        configuration.heartbeatInterval = .seconds(10)
        var router = Router(configuration)
        _ = router.handle(.start, at: .zero)
        _ = router.handle(.peerUp(peer, name: "n2", incarnation: 1, cost: 1), at: .zero)
        _ = router.handle(.message(.linkState([record(2, [1: 1])]), from: peer), at: .zero)
        _ = router.handle(.timer, at: at(100_000))
        return router
    }

    /// The interest updates `actions` send to `peer`, by topology.
    func interest(_ actions: [Router.Action]) -> [(TopologyName, InterestUpdate)] {
        actions.compactMap {
            guard case .send(.interest(let topology, let update), let to) = $0, to == peer else { return nil }
            return (topology, update)
        }
    }

    /// The instant of the last wake-up `actions` ask for, if any.
    func wake(_ actions: [Router.Action]) -> Instant? {
        actions.compactMap { if case .wakeUp(let instant) = $0 { return instant } else { return nil } }.last
    }

    /// Runs the router's timers from `first` on, at the instants it asks for, for two
    /// seconds; returns every update sent to the peer with the instant it went.
    func drain(_ router: inout Router, from start: Instant, wakeAt first: Instant?) -> [(Instant, TopologyName, InterestUpdate)] {
        var sent: [(Instant, TopologyName, InterestUpdate)] = []
        var next = first
        while let instant = next, instant < start + .seconds(2) {
            let actions = router.handle(.timer, at: instant)
            sent += interest(actions).map { (instant, $0.0, $0.1) }
            next = wake(actions)
        }
        return sent
    }

    @Test func aBurstOfInterestChangesReachesAPeerPacedAndWhole() {
        var router = linkedRouter()
        let start = at(200_000)
        // One client joins 2,000 topologies in one instant.
        var immediate: [(TopologyName, InterestUpdate)] = []
        var lastWake: Instant?
        for index in 0..<2_000 {
            let actions = router.handle(.subscribe(1, name(index), "x"), at: start)
            immediate += interest(actions)
            lastWake = wake(actions) ?? lastWake
        }
        let towardPeer = (0..<2_000).map(name).filter { router.topologies[$0]?.route?.parent == peer }
        #expect(towardPeer.count > 500)  // rendezvous roots: about half are the peer
        // Only the burst goes at once.
        #expect(immediate.count == 100)
        let later = drain(&router, from: start, wakeAt: lastWake)
        // The rest goes in batches of at most 25, one batch per 25 x 40 µs at the most.
        let batches = Dictionary(grouping: later, by: { $0.0 })
        #expect(batches.values.allSatisfy { $0.count <= 25 })
        if let last = later.last?.0 {
            #expect(last - start >= .microseconds(40) * (towardPeer.count - 100 - 25))
        }
        // Every topology whose parent is the peer got exactly one full set, and what the
        // router believes the peer holds is what it was told.
        let all = immediate + later.map { ($0.1, $0.2) }
        #expect(all.count == towardPeer.count)
        #expect(Set(all.map(\.0)) == Set(towardPeer))
        for (topology, update) in all {
            #expect(update == .full(PrefixSet(["x"])))
            #expect(router.topologies[topology]?.sent[peer] == PrefixSet(["x"]))
        }
    }

    @Test func changesThatWaitAreCoalescedIntoOneUpdate() {
        var router = linkedRouter()
        let start = at(200_000)
        // Use up the burst, then change topologies whose updates must wait.
        var index = 0
        var burst: [TopologyName] = []
        while burst.count < 100 {
            let actions = router.handle(.subscribe(1, name(index), "x"), at: start)
            burst += interest(actions).map(\.0)
            index += 1
        }
        let waiting = (index..<(index + 400)).map(name)
        var lastWake: Instant?
        for topology in waiting {
            lastWake = wake(router.handle(.subscribe(1, topology, "a"), at: start)) ?? lastWake
            lastWake = wake(router.handle(.subscribe(1, topology, "b"), at: start)) ?? lastWake
            lastWake = wake(router.handle(.unsubscribe(1, topology, "a"), at: start)) ?? lastWake
        }
        let towardPeer = waiting.filter { router.topologies[$0]?.route?.parent == peer }
        #expect(towardPeer.count > 100)
        let later = drain(&router, from: start, wakeAt: lastWake)
        var updates: [TopologyName: [InterestUpdate]] = [:]
        for (_, topology, update) in later {
            updates[topology, default: []].append(update)
        }
        // Three changes made while it waited: one full set, as it is when its turn comes.
        for topology in towardPeer {
            #expect(updates[topology] == [.full(PrefixSet(["b"]))])
        }
        #expect(Set(updates.keys) == Set(towardPeer))
    }
}
