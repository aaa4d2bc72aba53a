import ArborCore
import ArborSim
import Testing

/// A repair request that goes into a link which failed silently and is not declared dead
/// yet is never answered; the node that asked sends it again once the way toward the
/// origin has moved off that link (issue 11: partitions at scale lost messages without
/// a GAP this way).
@Suite struct RepairRetryTests {
    let publisher: ClientID = 1
    let subscriber: ClientID = 2
    /// Keeps x on the tree (engaged with a) after s leaves it, so that a loses no engaged
    /// neighbour and resends nothing of its own accord: only s's request brings the loss back.
    let bystander: ClientID = 3

    /// a (origin, root) - x - s carries the stream to the subscriber on s; s - n - a is
    /// s's other way, and n - m - a is n's. The link x - s fails silently, and n - a
    /// 150 ms later: s, on declaring x - s dead (200 to 300 ms after), asks n for what it
    /// missed, and n passes the request into n - a, which n declares dead only 50 to
    /// 250 ms later. The stream stops before s asks, so no later message ends the wait
    /// either. Every message published while x - s was silent reaches s within the
    /// second the simulator's check allows after a fault (the wait alone would end 1.3 s
    /// after the cut, with no GAP, nothing having come).
    @Test func aRequestLostInALinkNotYetDeclaredDeadIsSentAgain() {
        let simulator = Simulator(
            names: ["a", "x", "s", "n", "m"],
            links: [LinkKey(0, 1), LinkKey(1, 2), LinkKey(2, 3), LinkKey(3, 0), LinkKey(3, 4), LinkKey(4, 0)],
            parameters: SimulationParameters(),
            seed: 5
        )
        let definition = TopologyDefinition(
            name: Fixture.topology,
            root: "a",
            links: [
                LinkRule("a", "x", cost: 1), LinkRule("x", "s", cost: 1), LinkRule("s", "n", cost: 2),
                LinkRule("n", "a", cost: 2), LinkRule("n", "m", cost: 3), LinkRule("m", "a", cost: 3),
            ]
        )
        let (a, x, s, n, m) = (0, 1, 2, 3, 4)
        simulator.startCold(definitions: [0: [definition]])
        simulator.attach(publisher, at: a, topology: Fixture.topology, prefixes: [])
        simulator.attach(subscriber, at: s, topology: Fixture.topology, prefixes: [""])
        simulator.attach(bystander, at: x, topology: Fixture.topology, prefixes: ["ZZZ"])
        simulator.run(for: .seconds(2))
        var published: [MessageKey] = []
        func publish(_ count: Int) {
            for _ in 0..<count {
                if let key = simulator.publish(publisher, at: a, topology: Fixture.topology, topic: "AAPL") { published.append(key) }
                simulator.run(for: .milliseconds(10))
            }
        }
        publish(5)
        let delivered = published.filter { simulator.ledger.entries[$0]?.receivers[subscriber] == 1 }
        #expect(delivered == published)
        simulator.cut(LinkKey(x, s))
        publish(15)
        simulator.cut(LinkKey(n, a))
        publish(10)
        simulator.run(for: .milliseconds(650))
        #expect(simulator.routers[s]?.topologies[Fixture.topology]?.route?.parent == simulator.ids[n])
        #expect(simulator.routers[n]?.topologies[Fixture.topology]?.route?.parent == simulator.ids[m])
        let missing = published.filter {
            simulator.ledger.entries[$0]?.receivers[subscriber] != 1 && !simulator.ledger.gapCovers($0, for: subscriber)
        }
        #expect(missing.isEmpty, "\(missing.count) of \(published.count) neither delivered nor in a GAP")
        #expect((simulator.routers[s]?.statistics.repairRetries ?? 0) > 0)
    }
}
