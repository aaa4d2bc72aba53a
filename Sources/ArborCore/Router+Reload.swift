extension Router {
    /// The topology names whose definition differs between `old` and `new` (added, changed
    /// or removed), sorted.
    public static func changedNames(from old: [TopologyDefinition], to new: [TopologyDefinition]) -> [TopologyName] {
        let before = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
    }
}

extension Router {
    /// The definitions this node loads from its files and floods in its record (the
    /// configuration's until the first ``Event/loadDefinitions(_:)``).
    public var ownDefinitions: [TopologyDefinition] { ownRecord.definitions }
}
