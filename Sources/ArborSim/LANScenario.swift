import ArborCore

/// A random run of a simulated LAN (``LANSimulator``): the nodes start, the overlay
/// forms, then faults one after another (joins of new nodes, graceful leaves, crashes,
/// restarts, partitions and heals). After each fault the simulator runs until
/// ``LANChecker`` finds nothing wrong (checked every 250 simulated ms), at most
/// `settleLimit`; the links that changed are counted per fault.
public struct LANScenario {
    public struct Configuration: Sendable {
        public var nodes = 1_000
        public var faults = 20
        public var seed: UInt64 = 1
        public var parameters = LANParameters()
        /// Longest wait for convergence after a fault.
        public var settleLimit: Duration = .seconds(120)
        /// A partition cuts off a random third of the live nodes, at most this many.
        public var maximumPartition = 1_000
        /// Called with one line after the start and after each fault; `nil`: silent.
        public var progress: (@Sendable (String) -> Void)?

        public init() {}
    }

    public let configuration: Configuration
    public let simulator: LANSimulator
    var generator: SeededGenerator
    var report = LANReport()
    var changes: [String: [Int]] = [:]

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        generator = SeededGenerator(seed: configuration.seed)
        simulator = LANSimulator(nodes: configuration.nodes, parameters: configuration.parameters, seed: configuration.seed &+ 1)
    }

    public mutating func run() -> LANReport {
        let clock = ContinuousClock()
        let started = clock.now
        func wall() -> Double { Double((clock.now - started).nanoseconds) / 1e9 }
        report.nodes = configuration.nodes
        report.maxLinks = configuration.parameters.maxLinks
        report.rings = configuration.parameters.configuration(NodeID(high: 0, low: 0), seed: 0).rings
        let startTime = settle(after: "start")
        report.startConvergenceMilliseconds = startTime ?? -1
        let diameterClock = clock.now
        report.diameterAtStart = LANChecker.diameter(simulator)
        report.diameterSeconds = Double((clock.now - diameterClock).nanoseconds) / 1e9
        (report.ringScanMicroseconds, report.ringIndexMicroseconds) = timeRingComputation(clock)
        configuration.progress?("start: converged in \(startTime ?? -1) ms simulated, diameter \(report.diameterAtStart), \(wall()) s wall")
        var partitioned = false
        for number in 1..<(configuration.faults + 1) {
            let before = LANChecker.links(simulator)
            let kind = inject(partitioned: &partitioned)
            let time = settle(after: kind)
            let after = LANChecker.links(simulator)
            changes[kind, default: []].append(before.symmetricDifference(after).count)
            report.faultCounts[kind, default: 0] += 1
            report.maxConvergenceByFault[kind] = max(report.maxConvergenceByFault[kind] ?? 0, time ?? -1)
            simulator.shareViews()
            configuration.progress?(
                "fault \(number) (\(kind)): converged in \(time ?? -1) ms simulated, \(before.symmetricDifference(after).count) links changed, \(wall()) s wall, \(simulator.eventsProcessed) events"
            )
        }
        if partitioned {
            simulator.heal()
            let time = settle(after: "heal")
            report.faultCounts["heal", default: 0] += 1
            report.maxConvergenceByFault["heal"] = max(report.maxConvergenceByFault["heal"] ?? 0, time ?? -1)
        }
        report.diameterAtEnd = LANChecker.diameter(simulator)
        for (kind, counts) in changes {
            report.linksChanged[kind] = LANReport.Changes(max: counts.max() ?? 0, mean: Double(counts.reduce(0, +)) / Double(max(1, counts.count)))
        }
        report.liveNodes = simulator.liveNodes.count
        report.maxDegreeEver = simulator.maxDegreeEver
        report.capViolations = simulator.capViolations
        report.maxDegreeAtEnd = simulator.liveNodes.map { simulator.machines[$0]!.countedLinks }.max() ?? 0
        report.dials = simulator.dials
        report.eventsProcessed = simulator.eventsProcessed
        report.ringScans = simulator.liveNodes.reduce(0) { $0 + simulator.machines[$1]!.ringScans }
        report.simulatedSeconds = Double(simulator.now.nanoseconds) / 1e9
        report.wallSeconds = wall()
        return report
    }

    /// Wall microseconds for one node to compute its ring neighbours over the whole view:
    /// by a scan of every member, and from a ring index (mean of 10 nodes each).
    private func timeRingComputation(_ clock: ContinuousClock) -> (scan: Double, index: Double) {
        var view = OverlayView(simulator.liveNodes.map { simulator.peer($0) })
        let sample = simulator.liveNodes.prefix(10).map { simulator.ids[$0] }
        func mean(_ view: OverlayView) -> Double {
            let elapsed = clock.measure {
                for id in sample {
                    precondition(!OverlayLinks(configuration.parameters.configuration(id, seed: 0), view: view).wantedPeers.isEmpty)
                }
            }
            return Double(elapsed.nanoseconds) / 1_000 / Double(max(1, sample.count))
        }
        let scan = mean(view)
        view.buildRingIndex(rings: report.rings)
        return (scan, mean(view))
    }

    /// Runs until the checker is satisfied; returns the simulated milliseconds it took,
    /// or `nil` (and records the problems) when `settleLimit` passed first.
    private mutating func settle(after what: String) -> Double? {
        let start = simulator.now
        var problems: [String] = []
        var checkedAt: Int?
        while simulator.now - start < configuration.settleLimit {
            simulator.run(for: .milliseconds(250))
            // Only links are checked: unchanged links, unchanged verdict.
            if checkedAt == simulator.linkChanges { continue }
            checkedAt = simulator.linkChanges
            problems = LANChecker().check(simulator)
            if problems.isEmpty {
                return (simulator.now - start).milliseconds
            }
        }
        report.convergenceFailures += 1
        for problem in problems.prefix(5) where report.violations.count < 20 {
            report.violations.append("after \(what): \(problem)")
        }
        return nil
    }

    private mutating func inject(partitioned: inout Bool) -> String {
        let live = simulator.liveNodes
        let down = simulator.machines.indices.filter { simulator.machines[$0] == nil }
        while true {
            switch Int.random(in: 0..<100, using: &generator) {
            case 0..<20:
                simulator.join()
                return "join"
            case 20..<35 where down.count < max(1, configuration.nodes / 10):
                simulator.leave(live.randomElement(using: &generator)!)
                return "leave"
            case 35..<55 where down.count < max(1, configuration.nodes / 10):
                simulator.crash(live.randomElement(using: &generator)!)
                return "crash"
            case 55..<75 where !down.isEmpty:
                simulator.restart(down.randomElement(using: &generator)!)
                return "restart"
            case 75..<88 where !partitioned:
                let size = max(1, min(live.count / 3, configuration.maximumPartition))
                var group = live
                group.shuffle(using: &generator)
                simulator.partition(Array(group.prefix(size)))
                partitioned = true
                return "partition"
            case 88..<100 where partitioned:
                simulator.heal()
                partitioned = false
                return "heal"
            default:
                continue
            }
        }
    }
}
