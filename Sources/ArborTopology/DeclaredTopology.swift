import ArborCore

/// One topology as a file declares it: the definition routers flood and enforce, plus the
/// static addresses of its nodes, which only the loading node's discovery uses.
public struct DeclaredTopology: Sendable {
    public var definition: TopologyDefinition
    /// Static addresses by node name, in the order written; nodes without any are absent.
    public var addresses: [String: [StaticAddress]]
    /// How the node's SP endpoints serve it (the `sp-...` keys).
    public var sp: SPSettings
    /// Where the topology's name is written.
    public var location: SourceLocation

    public var name: TopologyName { definition.name }

    public init(definition: TopologyDefinition, addresses: [String: [StaticAddress]] = [:], sp: SPSettings = SPSettings(), location: SourceLocation) {
        self.definition = definition
        self.addresses = addresses
        self.sp = sp
        self.location = location
    }
}

/// What loading topology files yields.
///
/// `topologies` holds every topology that has no error of its own, in file order, so a
/// caller that accepts partial results can use them; a caller that must not start on a
/// broken configuration checks ``hasErrors``.
public struct TopologyLoadResult: Sendable {
    public var topologies: [DeclaredTopology] = []
    /// Every problem found, errors and warnings, ordered by file, line and column.
    public var diagnostics: [Diagnostic] = []
    /// The files that were read (directories expanded), in the order they were read.
    public var files: [String] = []

    public init() {}

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }

    /// The definitions to hand to a router (`RouterConfiguration.definitions`).
    public var definitions: [TopologyDefinition] { topologies.map(\.definition) }

    /// The SP endpoint settings of every topology, by name.
    public var spSettings: [TopologyName: SPSettings] {
        Dictionary(topologies.map { ($0.name, $0.sp) }, uniquingKeysWith: { first, _ in first })
    }

    /// Static addresses of every node named in any topology, merged without repeats, for
    /// the static discovery backend.
    public var staticAddresses: [String: [StaticAddress]] {
        var merged: [String: [StaticAddress]] = [:]
        for topology in topologies {
            for (node, addresses) in topology.addresses {
                for address in addresses where !(merged[node]?.contains(address) ?? false) {
                    merged[node, default: []].append(address)
                }
            }
        }
        return merged
    }
}
