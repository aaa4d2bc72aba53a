import ArborTopology
import ArgumentParser

/// `arbor plan FILE`: the tree a topology file yields, and what failures do to it.
struct Plan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the tree a topology file yields, before and after failures.",
        discussion: """
            Computes the tree with the routers' own code, from the link-state records the \
            file's nodes would flood. With --fail or --fail-link, also shows the tree after \
            those failures and what changed. A topology without 'links' is planned as a full \
            mesh at cost 1; one without 'nodes' cannot be planned.
            """
    )

    @Argument(help: "A topology file (or a directory of them).")
    var file: String

    @Option(help: "The topology to plan, when the file declares several.")
    var topology: String?

    @Option(name: .customLong("fail"), help: ArgumentHelp("Fail a node (repeatable).", valueName: "node"))
    var failedNodes: [String] = []

    @Option(name: .customLong("fail-link"), help: ArgumentHelp("Fail a link, written A-B or A,B (repeatable).", valueName: "link"))
    var failedLinks: [String] = []

    @Flag(help: "Print the plan as JSON.")
    var json = false

    @OptionGroup var graph: GraphOption

    func validate() throws {
        try graph.validate(json: json)
    }

    func run() throws {
        let loaded = TopologyFile.load(paths: [file])
        for diagnostic in loaded.diagnostics {
            printError(diagnostic.description)
        }
        if loaded.hasErrors {
            printError("error: \(file) has errors; run 'arbor check \(file)' after fixing them")
            throw ExitCode(1)
        }
        let declared = try select(from: loaded.topologies)
        do {
            let planner = try TopologyPlanner(declared.definition)
            let failures = try planner.failures(nodes: failedNodes, links: failedLinks)
            let before = planner.plan()
            let after = failures.isEmpty ? nil : planner.plan(failing: failures)
            if json {
                try printJSON(PlanReport(before: before, after: after))
            } else if graph.dot {
                print(PlanGraphviz(before: before, after: after).render(), terminator: "")
            } else {
                print(PlanText(before: before, after: after).render(), terminator: "")
            }
        } catch {
            printError("error: \(error)")
            throw ExitCode(1)
        }
    }

    private func select(from topologies: [DeclaredTopology]) throws -> DeclaredTopology {
        let names = topologies.map(\.name.rawValue)
        if let topology {
            if let match = topologies.first(where: { $0.name.rawValue == topology }) {
                return match
            }
            let hint = names.isEmpty ? "it declares none" : "it declares \(names.joined(separator: ", "))"
            printError("error: \(file) does not declare topology '\(topology)': \(hint)")
            throw ExitCode(1)
        }
        guard topologies.count == 1 else {
            if topologies.isEmpty {
                printError("error: \(file) declares no topology")
            } else {
                printError("error: \(file) declares \(names.count) topologies (\(names.joined(separator: ", "))): choose one with --topology")
            }
            throw ExitCode(1)
        }
        return topologies[0]
    }
}
