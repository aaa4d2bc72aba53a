import ArborCore
import ArborSim

/// Small named overlays for regression cases.
enum Fixture {
    static let topology = TopologyName("quotes")!

    /// The four nodes a, b1, b2, c (indices 0-3) linked a-b1, a-b2, b1-c, b2-c, not started.
    static func diamondLinks(seed: UInt64 = 1, parameters: SimulationParameters = SimulationParameters()) -> Simulator {
        Simulator(
            names: ["a", "b1", "b2", "c"],
            links: [LinkKey(0, 1), LinkKey(0, 2), LinkKey(1, 3), LinkKey(2, 3)],
            parameters: parameters,
            seed: seed
        )
    }

    /// A diamond a-b1-c, a-b2-c with b1 the cheaper relay, rooted at a.
    static func diamond(seed: UInt64 = 1, parameters: SimulationParameters = SimulationParameters()) -> (Simulator, a: Int, b1: Int, b2: Int, c: Int) {
        let simulator = diamondLinks(seed: seed, parameters: parameters)
        let definition = TopologyDefinition(
            name: topology,
            root: "a",
            links: [LinkRule("a", "b1", cost: 1), LinkRule("b1", "c", cost: 1), LinkRule("a", "b2", cost: 2), LinkRule("b2", "c", cost: 2)]
        )
        simulator.startCold(definitions: [0: [definition]])
        return (simulator, 0, 1, 2, 3)
    }

    /// Timers shortened tenfold: a 6 s grace period, reachability tracked every second,
    /// flushes remembered 9 s.
    static var shortTimers: SimulationParameters {
        var parameters = SimulationParameters()
        parameters.recordGracePeriod = .seconds(6)
        parameters.reachabilityInterval = .seconds(1)
        parameters.flushMemory = .seconds(9)
        return parameters
    }

    /// A chain of `count` nodes n0 - n1 - ... rooted at n0, plus `extraLinks`.
    static func chain(
        _ count: Int, extraLinks: [LinkKey] = [], parameters: SimulationParameters = SimulationParameters(), seed: UInt64 = 1
    ) -> Simulator {
        let simulator = Simulator(
            names: (0..<count).map { "n\($0)" },
            links: (1..<count).map { LinkKey($0 - 1, $0) } + extraLinks,
            parameters: parameters,
            seed: seed
        )
        simulator.startCold(definitions: [0: [TopologyDefinition(name: topology, root: "n0")]])
        return simulator
    }
}

extension Simulator {
    /// Publishes one message and returns the clients it reached after `wait`.
    func probe(from client: ClientID, at node: Int, topic: Topic, wait: Duration = .milliseconds(100)) -> [ClientID: Int] {
        guard let key = publish(client, at: node, topology: Fixture.topology, topic: topic) else { return [:] }
        run(for: wait)
        return ledger.entries[key]?.receivers ?? [:]
    }

    /// Every node's stored interest (sent and received) for the topology, flattened.
    func allInterest() -> [Topic] {
        routers.compactMap { $0?.topologies[Fixture.topology] }.flatMap { state in
            state.remote.values.flatMap(\.prefixes) + state.sent.values.flatMap(\.prefixes)
        }
    }
}

extension Scenario {
    /// Runs one random scenario of `nodes` nodes of degree `degree` from a cold start (the
    /// shape of every property run here); `adjust` changes the rest of the configuration.
    static func run(
        seed: UInt64, nodes: Int, degree: Int = 3, topologies: Int, subscribers: Int, faults: Int = 100,
        adjust: (inout Configuration) -> Void = { _ in }
    ) -> ScenarioReport {
        var configuration = Configuration()
        configuration.seed = seed
        configuration.nodes = nodes
        configuration.degree = degree
        configuration.topologies = topologies
        configuration.subscribers = subscribers
        configuration.faults = faults
        configuration.coldStart = true
        adjust(&configuration)
        var scenario = Scenario(configuration)
        return scenario.run()
    }
}

extension Simulator {
    /// Attaches client 1 at `node` (subscribed to `prefixes`, or only publishing) and
    /// client 2 at `subscriberNode` subscribed to `subscribing`: the two ends of most
    /// regression cases.
    func attachClients(at node: Int, prefixes: [Topic] = [], subscriberAt subscriberNode: Int, subscribing: [Topic]) {
        attach(1, at: node, topology: Fixture.topology, prefixes: prefixes)
        attach(2, at: subscriberNode, topology: Fixture.topology, prefixes: subscribing)
    }
}

/// One step of a scripted fault sequence, for ``ArborSim/Simulator/play(_:)``.
enum Step {
    case run(Duration)
    case kill(Int)
    case restart(Int)
    case cut(LinkKey)
    case restore(LinkKey)
}

extension Simulator {
    /// Carries out `steps` in order: a fault sequence read as one timeline.
    func play(_ steps: Step...) {
        for step in steps {
            switch step {
            case .run(let duration): run(for: duration)
            case .kill(let node): kill(node)
            case .restart(let node): restart(node)
            case .cut(let link): cut(link)
            case .restore(let link): restore(link)
            }
        }
    }
}
