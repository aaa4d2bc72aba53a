import ArborCore
import Synchronization

/// A random scenario: an overlay, topologies with subscribers and publishers, and a series
/// of faults. After each fault the overlay is left to settle; then convergence is checked
/// and every topology publishes a probe message whose receivers and path are checked
/// exactly. Messages are also published throughout each reconvergence, where loss is
/// allowed but duplicates are not.
public struct Scenario {
    public struct Configuration: Sendable {
        public var nodes = 100
        public var degree = 4
        public var topologies = 5
        public var subscribers = 20
        public var faults = 10
        public var seed: UInt64 = 1
        /// `nil`: cold below 2,000 nodes, warm above (see ``Simulator/startWarm(definitions:)``).
        public var coldStart: Bool?
        /// Time left after each fault before checking.
        public var settle: Duration = .seconds(1)
        /// A partition cuts off a connected region of a third of the nodes, at most this
        /// many. In a random overlay every region is wired to the rest by about two links per
        /// member, so a third of 10,000 nodes means some 6,000 links failing at once and every
        /// record in the overlay flooding twice (cut, heal); the cap keeps a large overlay's
        /// partitions to the size of a site.
        public var maximumPartition = 1_000
        /// Percent of the faults that change a link's cost (``Fault/cost(_:_:)``) instead of
        /// failing something; 0 (the default) draws the faults exactly as before cost
        /// changes existed, so every seed keeps its run.
        public var costChangeShare = 0
        /// Every how many topologies one is declared with a root and a fallback.
        public var declaredEvery = 4
        /// Called with one line after the start and after each fault (what happened, the
        /// wall time so far, events, graph builds); `nil`: silent.
        public var progress: (@Sendable (String) -> Void)?
        public var parameters = SimulationParameters()
        /// Threads that step the routers (``Simulator/threads``): the run is the same.
        public var threads = 1

        public init() {}
    }

    public let configuration: Configuration
    public let simulator: Simulator
    var generator: SeededGenerator
    var topologyNames: [TopologyName] = []
    /// Per topology: the publishers (node, client).
    var publishers: [[(node: Int, client: ClientID)]] = []
    /// Per topology: the subscribers (node, client, prefix).
    var subscriptions: [[(node: Int, client: ClientID, prefix: Topic)]] = []
    var report = ScenarioReport()
    var treeTimes: [Double] = []

    static let prefixes: [Topic] = ["AAPL", "A", "MSFT", "GOOG", "IBM", "AM", "AAPL.O", "M", ""]
    /// The costs a ``Fault/cost(_:_:)`` gives a link (the default is 10).
    static let costs: [UInt32] = [1, 5, 10, 20, 40]
    static let topics: [Topic] = ["AAPL", "AAPL.O", "AMZN", "MSFT", "MSFT.X", "GOOG", "IBM", "ORCL"]

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        generator = SeededGenerator(seed: configuration.seed)
        let names = (0..<configuration.nodes).map { "n\($0)" }
        simulator = Simulator(
            names: names,
            links: Scenario.randomOverlay(nodes: configuration.nodes, degree: configuration.degree, using: &generator),
            parameters: configuration.parameters,
            seed: configuration.seed &+ 1,
            threads: configuration.threads
        )
    }

    /// A ring (so the overlay starts connected) plus random chords up to the mean degree.
    public static func randomOverlay(nodes: Int, degree: Int, using generator: inout SeededGenerator) -> [LinkKey] {
        guard nodes > 1 else { return [] }
        var links = Set<LinkKey>()
        for node in 0..<nodes {
            links.insert(LinkKey(node, (node + 1) % nodes))
        }
        let target = max(links.count, nodes * degree / 2)
        var attempts = 0
        while links.count < target, attempts < target * 10 {
            attempts += 1
            let a = Int.random(in: 0..<nodes, using: &generator)
            let b = Int.random(in: 0..<nodes, using: &generator)
            if a != b {
                links.insert(LinkKey(a, b))
            }
        }
        return links.sorted { ($0.a, $0.b) < ($1.a, $1.b) }
    }

    /// Runs the scenario to the end and reports.
    public mutating func run() -> ScenarioReport {
        let clock = ContinuousClock()
        let started = clock.now
        let times = TimingSink()
        let overlaySize = configuration.nodes
        simulator.cache.treeTimer = { compute in
            var tree: ShortestPathTree?
            let elapsed = clock.measure { tree = compute() }
            times.add(Double(elapsed.nanoseconds) / 1_000, full: tree!.parents.count * 10 >= overlaySize * 9)
            return tree!
        }
        func progress(_ what: String) {
            guard let progress = configuration.progress else { return }
            let wall = ((Double((clock.now - started).nanoseconds) / 1e8).rounded()) / 10
            let counts = simulator.recordCounts
            progress(
                "\(what): \(wall) s wall, \(Double(simulator.now.nanoseconds / 1_000_000) / 1000) s simulated, \(simulator.eventsProcessed) events, "
                    + "\(counts.received) records received, \(counts.installed) installed, \(counts.originated) originated, "
                    + "\(simulator.cache.statistics.graphBuilds) graph builds, \(simulator.cache.statistics.treeComputations) trees "
                    + "(\(simulator.cache.statistics.treeReuses) reused, \(simulator.cache.statistics.treeRepairs) repaired), \(report.convergenceFailures) convergence failures"
            )
        }
        setUp()
        settleAndCheck(after: nil, before: PhysicalView(simulator))
        progress("start")
        for number in 0..<configuration.faults {
            let fault = chooseFault()
            let before = PhysicalView(simulator)
            inject(fault)
            settleAndCheck(after: fault, before: before)
            progress("fault \(number + 1) (\(fault))")
        }
        report.nodes = configuration.nodes
        report.faults = configuration.faults
        report.duplicatesDelivered = simulator.ledger.duplicatesDelivered
        report.invariantViolations += simulator.ledger.unknownDeliveries
        report.converged = report.convergenceFailures == 0
        report.eventsProcessed = simulator.eventsProcessed
        report.simulatedSeconds = Double(simulator.now.nanoseconds) / 1e9
        report.graphBuilds = simulator.cache.statistics.graphBuilds
        let counts = simulator.recordCounts
        report.recordsReceived = counts.received
        report.recordsInstalled = counts.installed
        report.recordsOriginated = counts.originated
        report.treeComputations = simulator.cache.statistics.treeComputations
        report.treeCacheHits = simulator.cache.statistics.treeHits
        let (samples, fullOverlaySamples) = times.samples
        let sorted = samples.sorted()
        report.treeComputeMicrosecondsP50 = ScenarioReport.percentile(sorted, 0.50)
        report.treeComputeMicrosecondsP99 = ScenarioReport.percentile(sorted, 0.99)
        let full = fullOverlaySamples.sorted()
        report.fullTreeComputeMicrosecondsP50 = ScenarioReport.percentile(full, 0.50)
        report.fullTreeComputeMicrosecondsP99 = ScenarioReport.percentile(full, 0.99)
        report.wallSeconds = Double((clock.now - started).nanoseconds) / 1e9
        return report
    }

    // MARK: - Set-up

    private mutating func setUp() {
        let count = configuration.nodes
        var definitions: [Int: [TopologyDefinition]] = [:]
        for index in 0..<configuration.topologies {
            let name = TopologyName("sim.t\(index)")!
            topologyNames.append(name)
            if configuration.declaredEvery > 0, index % configuration.declaredEvery == 0, count > 2 {
                // A declared root and fallback, loaded on one random node and flooded.
                let root = Int.random(in: 0..<count, using: &generator)
                let fallback = (root + 1 + Int.random(in: 0..<(count - 1), using: &generator)) % count
                let definition = TopologyDefinition(
                    name: name,
                    root: simulator.names[root],
                    fallbacks: [simulator.names[fallback]]
                )
                definitions[Int.random(in: 0..<count, using: &generator), default: []].append(definition)
            }
        }
        let cold = configuration.coldStart ?? (count < 2_000)
        report.startMode = cold ? "cold" : "warm"
        if cold {
            simulator.startCold(definitions: definitions)
        } else {
            simulator.startWarm(definitions: definitions)
        }
        var nextClient: ClientID = 1
        publishers = Array(repeating: [], count: topologyNames.count)
        subscriptions = Array(repeating: [], count: topologyNames.count)
        for (index, name) in topologyNames.enumerated() {
            for _ in 0..<2 {
                let node = Int.random(in: 0..<count, using: &generator)
                simulator.attach(nextClient, at: node, topology: name, prefixes: [])
                publishers[index].append((node, nextClient))
                nextClient += 1
            }
        }
        for _ in 0..<configuration.subscribers {
            let topology = Int.random(in: 0..<topologyNames.count, using: &generator)
            let node = Int.random(in: 0..<count, using: &generator)
            let prefix = Scenario.prefixes.randomElement(using: &generator)!
            simulator.attach(nextClient, at: node, topology: topologyNames[topology], prefixes: [prefix])
            subscriptions[topology].append((node, nextClient, prefix))
            nextClient += 1
        }
    }

    // MARK: - Faults

    private mutating func chooseFault() -> Fault {
        let dead = simulator.ids.indices.filter { !simulator.isAlive($0) }
        let partitioned = simulator.cutLinks.count > 0 && partitionLinks.count > 0
        let singleCuts = simulator.cutLinks.subtracting(partitionLinks)
        if configuration.costChangeShare > 0, Int.random(in: 0..<100, using: &generator) < configuration.costChangeShare {
            let node = simulator.liveNodes.randomElement(using: &generator)!
            if let neighbor = simulator.adjacency[node].randomElement(using: &generator) {
                return .cost(LinkKey(node, neighbor), Scenario.costs.randomElement(using: &generator)!)
            }
        }
        while true {
            switch Int.random(in: 0..<100, using: &generator) {
            case 0..<25 where dead.count < max(1, configuration.nodes / 10):
                let live = simulator.liveNodes
                return .kill(live.randomElement(using: &generator)!)
            case 25..<45 where !dead.isEmpty:
                return .restart(dead.randomElement(using: &generator)!)
            case 45..<70 where singleCuts.count < max(1, configuration.nodes / 10):
                let node = simulator.liveNodes.randomElement(using: &generator)!
                guard let neighbor = simulator.adjacency[node].randomElement(using: &generator) else { continue }
                let link = LinkKey(node, neighbor)
                if simulator.cutLinks.contains(link) { continue }
                return .cut(link)
            case 70..<85 where !singleCuts.isEmpty:
                return .restore(singleCuts.sorted { ($0.a, $0.b) < ($1.a, $1.b) }.randomElement(using: &generator)!)
            case 85..<93 where !partitioned:
                return .partition(region(size: max(1, min(configuration.nodes / 3, configuration.maximumPartition))))
            case 93..<100 where partitioned:
                return .heal
            default:
                continue
            }
        }
    }

    private var partitionLinks: Set<LinkKey> = []

    /// A connected region around a random node, grown breadth-first.
    private mutating func region(size: Int) -> [Int] {
        let start = Int.random(in: 0..<configuration.nodes, using: &generator)
        var seen: Set<Int> = [start]
        var queue = [start]
        var head = 0
        while head < queue.count, seen.count < size {
            let node = queue[head]
            head += 1
            for next in simulator.adjacency[node] where !seen.contains(next) && seen.count < size {
                seen.insert(next)
                queue.append(next)
            }
        }
        return queue
    }

    private mutating func inject(_ fault: Fault) {
        switch fault {
        case .kill(let node): simulator.kill(node)
        case .restart(let node): simulator.restart(node)
        case .cut(let link): simulator.cut(link)
        case .restore(let link): simulator.restore(link)
        case .partition(let group):
            let inside = Set(group)
            for node in group {
                for neighbor in simulator.adjacency[node] where !inside.contains(neighbor) {
                    let link = LinkKey(node, neighbor)
                    if !simulator.cutLinks.contains(link) {
                        partitionLinks.insert(link)
                        simulator.cut(link)
                    }
                }
            }
        case .heal:
            for link in partitionLinks.sorted(by: { ($0.a, $0.b) < ($1.a, $1.b) }) {
                simulator.restore(link)
            }
            partitionLinks.removeAll()
        case .cost(let link, let cost): simulator.setCost(link, cost)
        }
        report.faultCounts[fault.kind, default: 0] += 1
    }

    // MARK: - Checking

    /// Publishes through the reconvergence, settles, checks convergence, then sends and
    /// checks one probe message per topology.
    private mutating func settleAndCheck(after fault: Fault?, before: PhysicalView) {
        let faultTime = simulator.now
        let during = PhysicalView(simulator)
        let heard = fault == nil ? [:] : heardStreams()
        var burst: [MessageKey] = []
        var published: [(key: MessageKey, topology: Int, topic: Topic, node: Int)] = []
        let burstEnd = faultTime + .milliseconds(400)
        while simulator.now < burstEnd {
            for index in topologyNames.indices {
                if let (key, topic, node) = publishFromRandomPublisher(index) {
                    burst.append(key)
                    published.append((key, index, topic, node))
                }
            }
            simulator.run(for: .milliseconds(25))
        }
        simulator.run(until: faultTime + configuration.settle)
        var problems = InvariantChecker().check(simulator)
        var extra = 0
        while !problems.isEmpty, extra < 5 {
            simulator.run(for: .seconds(1))
            problems = InvariantChecker().check(simulator)
            extra += 1
        }
        if !problems.isEmpty {
            report.convergenceFailures += 1
            report.invariantViolations += problems.count
            report.recordViolations(problems.prefix(5).map { "after \(fault?.description ?? "start"): \($0)" })
        }
        if fault != nil {
            let last = simulator.liveNodes.map { simulator.lastChange[$0] }.max() ?? faultTime
            let reconvergence = max(0, (last - faultTime).milliseconds)
            report.maxReconvergenceMilliseconds = max(report.maxReconvergenceMilliseconds, reconvergence)
            if let kind = fault?.kind {
                report.maxReconvergenceByFault[kind] = max(report.maxReconvergenceByFault[kind] ?? 0, reconvergence)
            }
        }
        if let fault {
            checkRepair(published, after: fault, before: before, during: during, heard: heard, restarted: { if case .restart(let node) = fault { node } else { nil } }())
        }
        simulator.ledger.forget(burst)
        probe()
    }

    private mutating func publishFromRandomPublisher(_ topology: Int) -> (MessageKey, Topic, Int)? {
        let live = publishers[topology].filter { simulator.isAlive($0.node) }
        guard let publisher = live.randomElement(using: &generator) else { return nil }
        let topic = Scenario.topics.randomElement(using: &generator)!
        return simulator.publish(publisher.client, at: publisher.node, topology: topologyNames[topology], topic: topic)
            .map { ($0, topic, publisher.node) }
    }

    /// Per subscriber node and topology, the streams the node heard before the fault.
    private func heardStreams() -> [Int: [TopologyName: Set<DuplicateFilter.StreamKey>]] {
        var heard: [Int: [TopologyName: Set<DuplicateFilter.StreamKey>]] = [:]
        for (index, subscribers) in subscriptions.enumerated() {
            for subscriber in subscribers where heard[subscriber.node]?[topologyNames[index]] == nil {
                guard let router = simulator.routers[subscriber.node] else { continue }
                heard[subscriber.node, default: [:]][topologyNames[index]] = router.heardStreams(of: topologyNames[index], now: simulator.now)
            }
        }
        return heard
    }

    /// The repair invariant: each message published during the reconvergence reached
    /// every matching subscriber that shared the publisher's component before the fault
    /// and after it exactly once, or lies in a GAP reported to that subscriber. Not
    /// checked: a subscriber that only joined the component, or whose node just restarted,
    /// and a publisher whose node just restarted (a new stream), since the subscriber's
    /// node has heard nothing of the stream to repair from; and the start, where no tree
    /// is formed yet. Counted apart (``ScenarioReport/lostFromUnheardStream``): a stream
    /// the subscriber's node had not heard before the fault (`heard`).
    private mutating func checkRepair(
        _ published: [(key: MessageKey, topology: Int, topic: Topic, node: Int)], after fault: Fault, before: PhysicalView, during: PhysicalView,
        heard: [Int: [TopologyName: Set<DuplicateFilter.StreamKey>]], restarted: Int?
    ) {
        for message in published {
            guard message.node != restarted, let entry = simulator.ledger.entries[message.key] else { continue }
            for subscriber in subscriptions[message.topology] where subscriber.node != restarted && simulator.isAlive(subscriber.node) {
                guard PrefixSet([subscriber.prefix]).matches(message.topic),
                    before.components[subscriber.node] >= 0, before.components[subscriber.node] == before.components[message.node],
                    during.components[subscriber.node] >= 0, during.components[subscriber.node] == during.components[message.node]
                else { continue }
                report.burstDeliveriesChecked += 1
                if simulator.ledger.gapCovers(message.key, for: subscriber.client) {
                    report.coveredByGap += 1
                } else if entry.receivers[subscriber.client] != 1 {
                    let stream = DuplicateFilter.StreamKey(origin: message.key.origin, incarnation: message.key.incarnation, topology: message.key.topology)
                    guard heard[subscriber.node]?[message.key.topology]?.contains(stream) == true else {
                        report.lostFromUnheardStream += 1
                        continue
                    }
                    report.lostWithoutGap += 1
                    report.recordViolations(["after \(fault): \(message.key.topology) seq \(message.key.sequence) from node \(message.node) never reached client \(subscriber.client) at node \(subscriber.node), and no GAP covers it"])
                }
            }
        }
    }

    /// One message per topology after convergence: each matching subscriber in the
    /// publisher's component must get it exactly once, nobody else, and it must cross no
    /// link outside the tree paths from the publisher to those subscribers.
    private mutating func probe() {
        let truth = PhysicalView(simulator)
        var probes: [(key: MessageKey, expected: Set<ClientID>, needed: Set<LinkKey>)] = []
        for index in topologyNames.indices {
            let live = publishers[index].filter { simulator.isAlive($0.node) }
            guard let publisher = live.randomElement(using: &generator) else { continue }
            let topic = Scenario.topics.randomElement(using: &generator)!
            let component = truth.components[publisher.node]
            let receivers = subscriptions[index].filter {
                truth.components[$0.node] == component && $0.prefix.isPrefix(of: topic)
            }
            let needed = neededLinks(topologyNames[index], from: publisher.node, to: Set(receivers.map(\.node)))
            guard let key = simulator.publish(publisher.client, at: publisher.node, topology: topologyNames[index], topic: topic)
            else { continue }
            simulator.ledger.tracked.insert(key)
            probes.append((key, Set(receivers.map(\.client)), needed))
        }
        simulator.run(for: .milliseconds(200))
        for probe in probes {
            guard let entry = simulator.ledger.entries[probe.key] else { continue }
            let got = Set(entry.receivers.keys)
            report.probesChecked += 1
            report.missedDeliveries += probe.expected.subtracting(got).count
            let unexpected = got.subtracting(probe.expected)
            if !unexpected.isEmpty {
                report.invariantViolations += 1
                report.recordViolations(["\(probe.key.topology): delivered to \(unexpected.count) clients without matching interest"])
            }
            for crossing in entry.crossings where !probe.needed.contains(LinkKey(crossing.from, crossing.to)) {
                report.unwantedLinkCrossings += 1
            }
        }
        simulator.ledger.forget(probes.map(\.key))
    }

    /// Links on the tree paths from `publisher` to each of `receivers`.
    private func neededLinks(_ name: TopologyName, from publisher: Int, to receivers: Set<Int>) -> Set<LinkKey> {
        guard let router = simulator.routers[publisher], let me = router.graph.index(of: router.id),
            let planned = RoutingCache(capacity: 2).tree(for: name, in: router.graph, seenFrom: me)
        else { return [] }
        let graph = router.graph
        func pathEdges(_ index: Int32) -> Set<LinkKey> {
            var edges = Set<LinkKey>()
            var current = index
            while let parent = planned.tree.parent(of: current) {
                edges.insert(LinkKey(simulator.index(of: graph.ids[Int(current)])!, simulator.index(of: graph.ids[Int(parent)])!))
                current = parent
            }
            return edges
        }
        let fromPublisher = pathEdges(me)
        var needed = Set<LinkKey>()
        for receiver in receivers where receiver != publisher {
            guard let index = graph.index(of: simulator.ids[receiver]) else { continue }
            needed.formUnion(pathEdges(index).symmetricDifference(fromPublisher))
        }
        return needed
    }
}

/// Collects tree computation times from inside the routing cache's timer hook, which the
/// simulator's worker threads call at once.
final class TimingSink: Sendable {
    /// Every time, and the times of trees over at least 90% of the overlay (the worst case).
    private let collected = Mutex<(all: [Double], fullOverlay: [Double])>(([], []))

    var samples: (all: [Double], fullOverlay: [Double]) {
        collected.withLock { $0 }
    }

    func add(_ microseconds: Double, full: Bool) {
        collected.withLock {
            $0.all.append(microseconds)
            if full {
                $0.fullOverlay.append(microseconds)
            }
        }
    }
}

extension Fault {
    var kind: String {
        switch self {
        case .kill: return "kill"
        case .restart: return "restart"
        case .cut: return "cut"
        case .restore: return "restore"
        case .partition: return "partition"
        case .heal: return "heal"
        case .cost: return "cost"
        }
    }
}
