import ArborCore
import ArborSim
import Foundation
import Testing

/// The simulator's parallel engine (``Simulator/threads`` above 1) steps routers of one
/// window on several threads and carries out what they did in the sequential order: a
/// run must be the sequential run, event for event, whatever the seed. Each case runs a
/// random scenario (kills, restarts, cut and restored links, partitions and heals, cost
/// changes) once with one thread and once with two and compares the reports, every
/// node's database, when each node last changed, and the flooding counts.
///
/// Not compared: wall-clock fields, and the shared routing cache's counters (graph
/// builds, tree computations and hits), which depend on which thread reaches a key first.
@Suite struct ParallelEngineTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var nodes: Int
        var degree = 3
        var faults: Int
        var seed: UInt64
        var cold = true
        var shortTimers = false
        var costChangeShare = 0

        var testDescription: String {
            "\(nodes) nodes, \(faults) faults, seed \(seed), \(cold ? "cold" : "warm")"
                + (shortTimers ? ", short timers" : "") + (costChangeShare > 0 ? ", cost changes" : "")
        }
    }

    static let cases: [Case] = [
        Case(nodes: 30, faults: 14, seed: 1),
        Case(nodes: 45, degree: 4, faults: 14, seed: 2),
        Case(nodes: 60, faults: 10, seed: 3, costChangeShare: 25),
        Case(nodes: 12, faults: 40, seed: 4, shortTimers: true),
        Case(nodes: 150, degree: 4, faults: 6, seed: 5),
        Case(nodes: 300, degree: 4, faults: 5, seed: 6, cold: false),
    ]

    @Test(arguments: cases)
    func twoThreadsRunTheSequentialRun(_ scenario: Case) throws {
        let sequential = try Outcome(scenario, threads: 1)
        let parallel = try Outcome(scenario, threads: 2)
        #expect(parallel.report == sequential.report)
        #expect(parallel.events == sequential.events)
        #expect(differing(parallel.databases, sequential.databases).isEmpty, "nodes whose database differs")
        #expect(differing(parallel.lastChanges, sequential.lastChanges).isEmpty, "nodes whose last change differs")
        #expect(parallel.records == sequential.records)
        #expect(parallel.sharing == sequential.sharing)
        #expect(sequential.faultKinds.count >= 3, "the case should mix faults: \(sequential.faultKinds)")
    }

    /// The nodes whose entries differ.
    func differing<Value: Equatable>(_ a: [Value], _ b: [Value]) -> [Int] {
        a.count == b.count ? a.indices.filter { a[$0] != b[$0] } : Array(a.indices)
    }

    /// What one run left behind, in comparable form.
    struct Outcome {
        var report: String
        var events: Int
        var databases: [DatabaseDigest?]
        var lastChanges: [Instant]
        var records: [UInt64]
        var sharing: Int
        var faultKinds: Set<String>

        init(_ scenario: Case, threads: Int) throws {
            var configuration = Scenario.Configuration()
            configuration.nodes = scenario.nodes
            configuration.degree = scenario.degree
            configuration.topologies = 4
            configuration.subscribers = scenario.nodes / 3
            configuration.faults = scenario.faults
            configuration.seed = scenario.seed
            configuration.coldStart = scenario.cold
            configuration.costChangeShare = scenario.costChangeShare
            configuration.maximumPartition = scenario.nodes / 4
            if scenario.shortTimers {
                configuration.parameters.recordGracePeriod = .seconds(6)
                configuration.parameters.reachabilityInterval = .seconds(1)
                configuration.parameters.flushMemory = .seconds(9)
            }
            configuration.threads = threads
            var run = Scenario(configuration)
            var report = run.run()
            faultKinds = Set(report.faultCounts.keys)
            report.wallSeconds = 0
            report.treeComputeMicrosecondsP50 = 0
            report.treeComputeMicrosecondsP99 = 0
            report.fullTreeComputeMicrosecondsP50 = 0
            report.fullTreeComputeMicrosecondsP99 = 0
            report.graphBuilds = 0
            report.treeComputations = 0
            report.treeCacheHits = 0
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            self.report = String(decoding: try encoder.encode(report), as: UTF8.self)
            let simulator = run.simulator
            events = simulator.eventsProcessed
            databases = simulator.routers.map { $0?.database.digest }
            lastChanges = simulator.lastChange
            let counts = simulator.recordCounts
            records = [counts.received, counts.installed, counts.originated]
            sharing = simulator.nodesSharingTheirDatabase
        }
    }
}
