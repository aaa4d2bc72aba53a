import ArborTopology
import ArgumentParser
import Foundation

/// `arbor check FILE...`: validates topology files offline.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate topology files.",
        discussion: """
            Prints one line per problem (file:line:column: error|warning: message) and a \
            one-line summary. Exits 0 when there is no error (warnings allowed), 1 otherwise.
            """
    )

    @Argument(help: "Topology files, or directories (every *.yaml and *.yml file in them).")
    var paths: [String]

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() throws {
        let result = TopologyFile.load(paths: paths)
        if json {
            try printJSON(CheckReport(result))
        } else {
            for diagnostic in result.diagnostics {
                print(diagnostic)
            }
            print(summary(result))
        }
        if result.hasErrors {
            throw ExitCode(1)
        }
    }

    private func summary(_ result: TopologyLoadResult) -> String {
        let files = count(result.files.count, "file")
        let topologies = count(result.topologies.count, "valid topology", plural: "valid topologies")
        let problems = "\(count(result.errorCount, "error")), \(count(result.warningCount, "warning"))"
        return "\(result.hasErrors ? "failed" : "ok"): \(files), \(topologies), \(problems)"
    }
}

/// The JSON form of `arbor check`.
struct CheckReport: Encodable {
    let ok: Bool
    let files: [String]
    let topologies: [String]
    let diagnostics: [Diagnostic]

    init(_ result: TopologyLoadResult) {
        ok = !result.hasErrors
        files = result.files
        topologies = result.topologies.map(\.name.rawValue)
        diagnostics = result.diagnostics
    }
}
