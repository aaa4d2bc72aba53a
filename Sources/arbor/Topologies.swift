import ArborControl
import ArgumentParser

/// `arbor topologies`: the topologies the node holds or knows a definition of.
struct Topologies: DocumentCommand {
    static let configuration = describing("List topologies: source, root and why, parent, local members.")
    static let target = ControlPath.topologies

    @OptionGroup var node: NodeOptions

    func render(_ topologies: [TopologyDocument]) -> String {
        guard !topologies.isEmpty else { return "no topologies\n" }
        var table = Table(
            ["NAME", "SOURCE", "HELD", "ROOT", "WHY", "PARENT", "ENGAGED", "MEMBERS", "SUBSCRIBERS", "PUBLISHERS"],
            rightAligned: [7, 8, 9]
        )
        for topology in topologies {
            let source = topology.version.map { "file v\($0)\(topology.loadedHere ? " (here)" : "")" } ?? topology.source
            table.add([
                topology.name,
                source,
                Formatting.yesNo(topology.held),
                topology.root ?? "-",
                topology.rootReason ?? "-",
                topology.parent ?? (topology.root == nil ? "-" : "(root)"),
                topology.engaged.isEmpty ? "-" : topology.engaged.joined(separator: ","),
                String(topology.members),
                String(topology.subscribers),
                String(topology.publishers),
            ])
        }
        return table.render()
    }
}
