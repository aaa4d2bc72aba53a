import ArborCore
import ArborSim
import Testing

/// Make-before-break: a parent change by choice (a link's cost moved, a cheaper link came
/// back, a definition changed) while the publisher streams. Repair buffers are off, so
/// that repair cannot fill a hole the switch would leave: every message must come by one
/// of the two edges. The diamond a-b1-c, a-b2-c rooted at a, the publisher on a and the
/// subscriber on c, which starts on b1 and moves to b2 (or back to b1).
@Suite struct MakeBeforeBreakTests {
    let publisher: ClientID = 1
    let subscriber: ClientID = 2

    /// How the switch is made.
    enum Switch: CaseIterable, CustomStringConvertible {
        /// The link b1-c becomes dearer than the way through b2 (advertised costs).
        case costMoves
        /// c sits on b2 while b1-c is cut; b1-c comes back and is cheaper.
        case cheaperLinkReturns
        /// a reloads the topology's definition with a dearer b1-c.
        case definitionChanges

        var description: String {
            switch self {
            case .costMoves: "cost moves"
            case .cheaperLinkReturns: "cheaper link returns"
            case .definitionChanges: "definition changes"
            }
        }
    }

    struct Outcome {
        var published: [UInt64] = []
        /// Sequences delivered to the subscriber, in delivery order.
        var delivered: [UInt64] = []
        var gaps: [StreamGap] = []
        var duplicates = 0
        /// c's parent before and after the switch.
        var parents: (before: NodeID?, after: NodeID?)
    }

    /// Streams 600 messages of 100 bytes at one per millisecond from a to c; `change`
    /// makes the switch after 200 of them.
    func stream(_ change: Switch, makeBeforeBreak: Bool = true) -> Outcome {
        var parameters = SimulationParameters()
        parameters.repairBufferBytes = 0
        parameters.makeBeforeBreak = makeBeforeBreak
        let simulator = Fixture.diamondLinks(seed: 11, parameters: parameters)
        let (a, b1, b2, c) = (0, 1, 2, 3)
        var topology = Fixture.topology
        if change == .definitionChanges {
            simulator.startCold(definitions: [a: [Self.declared(b1c: 1)]])
        } else {
            // No definition: advertised costs (10 each, a-b2 20, so c's way through b1 is
            // the cheaper), the root by rendezvous hashing: a name whose root is a.
            simulator.startCold()
            simulator.setCost(LinkKey(a, b2), 20)
            simulator.run(for: .seconds(1))
            topology = Self.name(rootedAt: a, in: simulator)
        }
        simulator.attach(publisher, at: a, topology: topology, prefixes: [])
        simulator.attach(subscriber, at: c, topology: topology, prefixes: [""])
        simulator.ledger.ordered = [subscriber]
        simulator.run(for: .seconds(2))
        if change == .cheaperLinkReturns {
            simulator.cut(LinkKey(b1, c))
            simulator.run(for: .seconds(2))
        }
        var outcome = Outcome()
        func parent() -> NodeID? { simulator.routers[c]?.topologies[topology]?.route?.parent }
        for index in 0..<600 {
            if index == 200 {
                outcome.parents.before = parent()
                switch change {
                case .costMoves: simulator.setCost(LinkKey(b1, c), 50)
                case .cheaperLinkReturns: simulator.restore(LinkKey(b1, c))
                case .definitionChanges: simulator.reload(a, definitions: [Self.declared(b1c: 5)])
                }
            }
            if let key = simulator.publish(publisher, at: a, topology: topology, topic: "AAPL", payload: [UInt8](repeating: 7, count: 100)) {
                outcome.published.append(key.sequence)
            }
            simulator.run(for: .milliseconds(1))
        }
        simulator.run(for: .seconds(3))
        outcome.parents.after = parent()
        outcome.delivered = (simulator.ledger.deliveredInOrder[subscriber] ?? []).map(\.sequence)
        outcome.gaps = simulator.ledger.gaps[subscriber] ?? []
        outcome.duplicates = simulator.ledger.duplicatesDelivered
        let expected = change == .cheaperLinkReturns ? (simulator.ids[b2], simulator.ids[b1]) : (simulator.ids[b1], simulator.ids[b2])
        #expect(outcome.parents.before == expected.0 && outcome.parents.after == expected.1, "\(change): the parent did not move as planned")
        return outcome
    }

    /// The first of the names t0, t1, ... whose rendezvous root (no definition) is `node`.
    static func name(rootedAt node: Int, in simulator: Simulator) -> TopologyName {
        let cache = RoutingCache(capacity: 4)
        // The router's own graph may be older than its database (it has no topology yet).
        let graph = cache.graph(of: simulator.routers[node]!.database)
        var index = 0
        while true {
            let name = TopologyName("t\(index)")!
            if let planned = cache.tree(for: name, in: graph, seenFrom: graph.index(of: simulator.ids[node])!),
                graph.ids[Int(planned.root.index)] == simulator.ids[node]
            {
                return name
            }
            index += 1
        }
    }

    /// The diamond's links declared in a definition, b1-c at `b1c` (the way through b2 costs 4).
    static func declared(b1c: UInt32) -> TopologyDefinition {
        TopologyDefinition(
            name: Fixture.topology,
            root: "a",
            links: [LinkRule("a", "b1", cost: 1), LinkRule("b1", "c", cost: b1c), LinkRule("a", "b2", cost: 2), LinkRule("b2", "c", cost: 2)]
        )
    }

    @Test(arguments: Switch.allCases)
    func aParentChangedByChoiceLosesAndDuplicatesNothing(_ change: Switch) {
        let outcome = stream(change)
        #expect(outcome.published.count == 600)
        #expect(outcome.delivered == outcome.published, "\(change): \(Set(outcome.published).subtracting(outcome.delivered).count) lost")
        #expect(outcome.duplicates == 0)
        #expect(outcome.gaps.isEmpty)
    }

    /// The same switches breaking first (the old edge pruned at once, as before
    /// make-before-break): the new edge carries only a round trip later, and what the
    /// publisher sent meanwhile is lost, which the test above would see.
    @Test(arguments: Switch.allCases)
    func breakingFirstLosesWhatWasSentMeanwhile(_ change: Switch) {
        let outcome = stream(change, makeBeforeBreak: false)
        #expect(outcome.delivered.count < outcome.published.count, "\(change)")
        #expect(outcome.duplicates == 0)
    }
}

/// Random overlays whose trees move only by choice: every fault changes a link's cost, and
/// repair buffers are off. Nothing fails, so nothing published through the moves may be
/// lost, not even inside a GAP.
@Suite struct MakeBeforeBreakPropertyTests {
    @Test(arguments: 0..<8 as Range<UInt64>)
    func costChangesLoseNothing(seed: UInt64) {
        let report = Scenario.run(seed: 5_000 + seed, nodes: 6 + Int(seed % 4), topologies: 2, subscribers: 5, faults: 30) {
            $0.costChangeShare = 100
            $0.parameters.repairBufferBytes = 0
        }
        #expect(report.faultCounts["cost"] == 30)
        #expect(report.burstDeliveriesChecked > 0)
        #expect(report.coveredByGap == 0, "seed \(seed)")
        #expect(report.lostWithoutGap == 0, "seed \(seed): \(report.violations)")
        #expect(report.lostFromUnheardStream == 0, "seed \(seed)")
        #expect(report.passed, "seed \(seed): \(report.violations)")
    }

    /// Cost changes among failures, the default buffer: the repair invariant holds.
    @Test(arguments: 0..<4 as Range<UInt64>)
    func costChangesAmongFailuresLoseNothingOutsideAGap(seed: UInt64) {
        let report = Scenario.run(seed: 6_000 + seed, nodes: 12, topologies: 3, subscribers: 8, faults: 60) {
            $0.costChangeShare = 30
        }
        #expect((report.faultCounts["cost"] ?? 0) > 0)
        #expect(report.lostWithoutGap == 0, "seed \(seed): \(report.violations)")
        #expect(report.passed, "seed \(seed): \(report.violations)")
    }
}
