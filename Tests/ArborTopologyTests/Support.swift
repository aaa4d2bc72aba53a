import ArborTestSupport
import ArborTopology
import Foundation

func examplePath(_ name: String) -> String {
    repositoryRoot.appendingPathComponent("topologies").appendingPathComponent(name).path
}

/// Every diagnostic of `yaml` parsed as the file `t.yaml`, one `file:line:col: ...` line each.
func problems(_ yaml: String) -> [String] {
    TopologyFile.parse(bytes: Array(yaml.utf8), file: "t.yaml").diagnostics.map(\.description)
}

/// The one topology of `yaml`, which must have no error.
func declared(_ yaml: String) -> DeclaredTopology? {
    let result = TopologyFile.parse(bytes: Array(yaml.utf8), file: "t.yaml")
    return result.hasErrors ? nil : result.topologies.first
}

/// Runs the built `arbor` with `arguments` from the repository root.
func arbor(_ arguments: String...) throws -> ProcessOutput {
    try run(builtProgram("arbor"), arguments)
}
