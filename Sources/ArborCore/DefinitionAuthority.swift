/// Which topology definition is in force, given every definition the live records carry and
/// who signed each (the record's origin): a definition carries no more authority than its
/// signer has (docs/topology-format.md, "Who may change a topology"; docs/security.md).
///
/// Per topology name, the definitions are walked from the lowest version up:
/// 1. a version outside `1...maximumVersion` (what a file can say) counts for nothing;
/// 2. a definition listing `admins` counts only when one of them signed it;
/// 3. a version more than `maximumVersionStep` above the highest that counts so far does
///    not count (versions cannot jump to the top while the older definition is live);
/// 4. once a definition listing `admins` counts, a definition at its version or above
///    counts only when one of those admins signed it.
/// Among the definitions that count at the highest version, one listing admins goes first,
/// then the smallest digest: the same choice on every node that holds the same records.
/// Different definitions at that version, and definitions refused by rules 3 and 4, are
/// reported as a conflict.
enum DefinitionAuthority {
    /// The highest version a topology file can give (docs/topology-format.md).
    static let maximumVersion = UInt64(UInt32.max)
    /// How far above the highest version in force a newer definition may go.
    static let maximumVersionStep: UInt64 = 16

    struct Signed {
        var definition: TopologyDefinition
        var signer: NodeID
    }

    /// The definition in force per name, and per contested name the definitions involved
    /// (the one in force first).
    static func resolve(
        _ carried: some Sequence<(signer: NodeID, definitions: [TopologyDefinition])>
    ) -> ([TopologyName: TopologyDefinition], [TopologyName: [TopologyDefinition]]) {
        var candidates: [TopologyName: [Signed]] = [:]
        for (signer, definitions) in carried {
            for definition in definitions {
                candidates[definition.name, default: []].append(Signed(definition: definition, signer: signer))
            }
        }
        var chosen: [TopologyName: TopologyDefinition] = [:]
        var conflicts: [TopologyName: [TopologyDefinition]] = [:]
        for (name, all) in candidates {
            let (winner, contested) = resolve(all)
            guard let winner else { continue }
            chosen[name] = winner
            if !contested.isEmpty {
                conflicts[name] = [winner] + contested
            }
        }
        return (chosen, conflicts)
    }

    /// The definition in force among `all` (of one name), and the other definitions that
    /// contest it: different ones at its version, and those refused by rules 3 and 4.
    private static func resolve(_ all: [Signed]) -> (TopologyDefinition?, [TopologyDefinition]) {
        let ordered = all.filter { signed in
            let definition = signed.definition
            guard (1...maximumVersion).contains(definition.version) else { return false }
            return definition.admins.map { $0.contains(signed.signer) } ?? true
        }.sorted(by: precedes)
        var current: Signed?
        var atTop: [TopologyDefinition] = []
        var refused: [TopologyDefinition] = []
        for candidate in ordered {
            let definition = candidate.definition
            guard let held = current else {
                current = candidate
                atTop = [definition]
                continue
            }
            let step = definition.version - held.definition.version
            let allowed = held.definition.admins.map { $0.contains(candidate.signer) } ?? true
            guard step <= maximumVersionStep, allowed else {
                if !refused.contains(definition) { refused.append(definition) }
                continue
            }
            if step > 0 {
                current = candidate
                atTop = [definition]
            } else if !atTop.contains(definition) {
                atTop.append(definition)
            }
        }
        guard let winner = current?.definition else { return (nil, []) }
        return (winner, Array(atTop.dropFirst()) + refused.filter { $0 != winner })
    }

    /// Lower versions first; at one version, definitions listing admins first, then the
    /// smallest digest, then the lowest signer.
    private static func precedes(_ lhs: Signed, _ rhs: Signed) -> Bool {
        let (a, b) = (lhs.definition, rhs.definition)
        if a.version != b.version { return a.version < b.version }
        if (a.admins != nil) != (b.admins != nil) { return a.admins != nil }
        if a.digest != b.digest { return a.digest < b.digest }
        return lhs.signer < rhs.signer
    }
}
