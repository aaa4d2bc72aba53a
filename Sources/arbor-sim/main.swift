import ArborSim
import ArgumentParser
import Foundation

/// Runs a random simulated scenario and prints one JSON report as the last line.
@main
struct ArborSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbor-sim",
        abstract: "Simulate many Arbor routers under random faults and check every invariant.",
        discussion: """
            Exit status 0 when the run converged after every fault with no invariant violation, \
            no duplicate, no missed delivery and no unwanted link crossing; 1 otherwise.
            """
    )

    @Option(help: "Number of routers.") var nodes = 1_000
    @Option(help: "Mean number of links per router.") var degree = 4
    @Option(help: "Number of topologies.") var topologies = 20
    @Option(help: "Number of subscribing clients, spread at random.") var subscribers = 200
    @Option(help: "Number of faults injected one after another.") var faults = 100
    @Option(help: "Random seed; the same seed gives the same run.") var seed: UInt64 = 1
    @Option(help: "Start: cold (flood from empty databases) or warm (converged). Default: cold below 2000 nodes.")
    var start: StartMode?
    @Option(help: "Simulated milliseconds to settle after each fault (more is added while not converged).") var settleMs = 1_000
    @Option(help: "Largest partition: a partition cuts off a region of a third of the nodes, at most this many.")
    var maximumPartition = 1_000
    @Flag(help: "Print a line to standard error after each fault.") var progress = false
    @Option(help: "A router floods a new version of its own record at most once per this many milliseconds (0: at every change).")
    var originationHoldMs: Int?
    @Option(help: "Milliseconds each router keeps messages for repair (default: the router's, 5000).")
    var repairBufferMs: Int?
    @Option(help: "random: routers over a random sparse graph of --degree; lan: every node discovers every other (as mDNS does) and the overlay link machine picks the links (no routers; reports degree, diameter and links changed per fault).")
    var overlay: OverlayMode = .random
    @Option(help: "With --overlay lan: the most links a node keeps.") var maxLinks = 8
    @Option(help: "Threads that step the routers (default: the machine's active processors; 1: one event at a time). The report is the same but for wall-clock fields and the routing cache's counters.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    enum StartMode: String, ExpressibleByArgument {
        case cold, warm
    }

    enum OverlayMode: String, ExpressibleByArgument {
        case random, lan
    }

    func validate() throws {
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard degree >= 2 else { throw ValidationError("--degree must be at least 2") }
        guard topologies >= 1 else { throw ValidationError("--topologies must be at least 1") }
        guard subscribers >= 0, faults >= 0 else { throw ValidationError("--subscribers and --faults must not be negative") }
        guard maximumPartition >= 1 else { throw ValidationError("--maximum-partition must be at least 1") }
        guard settleMs >= 500 else { throw ValidationError("--settle-ms must be at least 500 (silent failures take 300 ms to detect)") }
        guard maxLinks >= 3 else { throw ValidationError("--max-links must be at least 3") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        if overlay == .lan {
            try runLAN()
            return
        }
        var configuration = Scenario.Configuration()
        configuration.nodes = nodes
        configuration.degree = degree
        configuration.topologies = topologies
        configuration.subscribers = subscribers
        configuration.faults = faults
        configuration.seed = seed
        configuration.coldStart = start.map { $0 == .cold }
        configuration.settle = .milliseconds(settleMs)
        configuration.maximumPartition = maximumPartition
        configuration.threads = threads
        if let originationHoldMs {
            configuration.parameters.originationHold = .milliseconds(originationHoldMs)
        }
        if let repairBufferMs {
            configuration.parameters.repairBufferAge = .milliseconds(repairBufferMs)
        }
        if progress {
            configuration.progress = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        var scenario = Scenario(configuration)
        let report = scenario.run()
        try emit(report, passed: report.passed)
    }

    /// `--overlay lan`: the link machine on a simulated LAN.
    private func runLAN() throws {
        var configuration = LANScenario.Configuration()
        configuration.nodes = nodes
        configuration.faults = faults
        configuration.seed = seed
        configuration.parameters.maxLinks = maxLinks
        configuration.maximumPartition = maximumPartition
        if progress {
            configuration.progress = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        var scenario = LANScenario(configuration)
        let report = scenario.run()
        try emit(report, passed: report.passed)
    }

    /// Prints `report` as one line of JSON with sorted keys; exits 1 unless it passed.
    private func emit(_ report: some Encodable, passed: Bool) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
        if !passed {
            throw ExitCode(1)
        }
    }
}
