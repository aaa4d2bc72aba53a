/// An immutable snapshot of the overlay that a link-state database describes.
///
/// Nodes are numbered densely in node-id order, so comparing indices compares ids and
/// every tie-break on ids is a tie-break on indices. A link appears only when both ends
/// list it (the two-way check: a dead node's stale record cannot keep its links alive),
/// with the larger of the two advertised costs, so both directions cost the same.
public final class Graph: Sendable {
    /// Digest of the database this graph was built from.
    public let digest: DatabaseDigest
    /// Node ids in ascending order; a node's index is its position here.
    public let ids: [NodeID]
    /// Node names, by index.
    public let names: [String]
    /// Incarnation of each node's record, by index.
    public let incarnations: [UInt64]
    /// Adjacency in compressed sparse rows: the neighbours of node `i` are
    /// `targets[offsets[i]..<offsets[i+1]]`, sorted, with costs in `costs`.
    public let offsets: [Int32]
    public let targets: [Int32]
    public let costs: [UInt32]
    /// Connected component of each node (the smallest index in it).
    public let components: [Int32]
    /// Every component's label, ascending.
    public let componentRoots: [Int32]
    /// Nodes ordered by component, ascending within each; the members of the component
    /// labelled `c` start at `componentStarts[c]` and number `componentSizes[c]`.
    private let componentOrder: [Int32]
    private let componentStarts: [Int32]
    private let componentSizes: [Int32]
    /// The definition in force for each declared topology, after resolving conflicts.
    public let definitions: [TopologyName: TopologyDefinition]
    /// Topologies with two or more different definitions at the winning version.
    public let definitionConflicts: [TopologyName: [TopologyDefinition]]
    /// Names claimed by more than one node id, with every claimant.
    public let nameConflicts: [String: [NodeID]]

    private let indexByID: [NodeID: Int32]
    /// The records, by index, and each one's links as one-way candidate edges (before the
    /// two-way check): a later build over the same nodes takes the rows of records it
    /// shares with this one from here, without reading the records again.
    private let records: [LinkStateRecord]
    private let candidateOffsets: [Int32]
    private let candidateTargets: [Int32]
    private let candidateCosts: [UInt32]
    /// Indices of the records that carry topology definitions.
    private let definitionHolders: [Int32]
    private let indexByName: [String: Int32]

    /// Builds the snapshot of `database`. When `previous` (an earlier snapshot, typically
    /// of the same overlay a moment ago) holds exactly the same nodes, its numbering and
    /// name index are reused and only the links are rebuilt: no sorting, no hashing of
    /// names. The result is the same as a build from scratch.
    public convenience init(_ database: LinkStateDatabase, reusing previous: Graph? = nil) {
        if let previous, previous.count == database.count {
            var ordered = [LinkStateRecord?](repeating: nil, count: previous.count)
            var complete = true
            for record in database.records {
                guard let index = previous.indexByID[record.origin] else {
                    complete = false
                    break
                }
                ordered[Int(index)] = record
            }
            if complete {
                self.init(sorted: ordered.map { $0! }, digest: database.digest, reusing: previous)
                return
            }
        }
        self.init(sorted: database.records.sorted { $0.origin < $1.origin }, digest: database.digest, reusing: nil)
    }

    /// Builds the snapshot of `database` from `base`, the snapshot of an earlier state of
    /// the same database, when `changed` names every origin whose record was installed or
    /// dropped since: only those records are read, the others are `base`'s. Nil when the
    /// node set changed (a new or a dropped origin): build from the database then.
    /// The result is the same as a build from scratch.
    public convenience init?(_ database: LinkStateDatabase, patching base: Graph, changed: Set<NodeID>) {
        guard database.count == base.count else { return nil }
        var ordered = base.records
        for origin in changed {
            guard let index = base.indexByID[origin], let record = database[origin] else { return nil }
            ordered[Int(index)] = record
        }
        self.init(sorted: ordered, digest: database.digest, reusing: base)
    }

    public convenience init(records: some Sequence<LinkStateRecord>) {
        let sorted = records.sorted { $0.origin < $1.origin }
        var digest = DatabaseDigest()
        sorted.forEach { digest.toggle($0) }
        self.init(sorted: sorted, digest: digest, reusing: nil)
    }

    /// `sorted` is in node-id order; `previous`, when given, numbers the same nodes.
    private init(sorted: [LinkStateRecord], digest: DatabaseDigest, reusing previous: Graph?) {
        self.digest = digest
        records = sorted
        // Records shared with `previous` (the same storage) need not be read again: reading
        // each of thousands of records costs a cache miss or two.
        let unchanged: [Bool] = previous.map { previous in
            sorted.indices.map { sorted[$0].isIdentical(to: previous.records[$0]) }
        } ?? []
        var names: [String]
        var incarnations: [UInt64]
        var namesChanged = previous == nil
        if let previous {
            names = previous.names
            incarnations = previous.incarnations
            for position in sorted.indices where !unchanged[position] {
                let record = sorted[position]
                if names[position] != record.name {
                    names[position] = record.name
                    namesChanged = true
                }
                incarnations[position] = record.incarnation
            }
        } else {
            names = sorted.map(\.name)
            incarnations = sorted.map(\.incarnation)
        }
        self.names = names
        self.incarnations = incarnations
        let indexByID: [NodeID: Int32]
        if let previous {
            ids = previous.ids
            indexByID = previous.indexByID
        } else {
            ids = sorted.map(\.origin)
            var index: [NodeID: Int32] = [:]
            index.reserveCapacity(sorted.count)
            for (position, id) in ids.enumerated() {
                index[id] = Int32(position)
            }
            indexByID = index
        }
        self.indexByID = indexByID

        // Pass 1: every record's links as candidate edges, rows in index order. With the
        // numbering of `previous`, most neighbours are found in the node's old row (in index
        // order, which is id order, like the links) without hashing ids.
        let previousIDs = previous?.ids ?? []
        let previousOffsets = previous?.candidateOffsets ?? []
        let previousTargets = previous?.candidateTargets ?? []
        let previousCosts = previous?.candidateCosts ?? []
        var candidateOffsets: [Int32] = [0]
        var candidateTargets: [Int32] = []
        var candidateCosts: [UInt32] = []
        candidateOffsets.reserveCapacity(sorted.count + 1)
        candidateTargets.reserveCapacity(previousTargets.count)
        candidateCosts.reserveCapacity(previousTargets.count)
        for (position, record) in sorted.enumerated() {
            var cursor = previous == nil ? 0 : Int(previousOffsets[position])
            let rowEnd = previous == nil ? 0 : Int(previousOffsets[position + 1])
            if previous != nil, unchanged[position] {
                candidateTargets.append(contentsOf: previousTargets[cursor..<rowEnd])
                candidateCosts.append(contentsOf: previousCosts[cursor..<rowEnd])
                candidateOffsets.append(Int32(candidateTargets.count))
                continue
            }
            for link in record.links where link.neighbor != record.origin {
                while cursor < rowEnd, previousIDs[Int(previousTargets[cursor])] < link.neighbor {
                    cursor += 1
                }
                let neighbor: Int32
                if cursor < rowEnd, previousIDs[Int(previousTargets[cursor])] == link.neighbor {
                    neighbor = previousTargets[cursor]
                } else if let index = indexByID[link.neighbor] {
                    neighbor = index
                } else {
                    continue
                }
                candidateTargets.append(neighbor)
                candidateCosts.append(link.cost)
            }
            candidateOffsets.append(Int32(candidateTargets.count))
        }
        // Pass 2: the two-way check, on flat rows: an edge stays when its far end lists it
        // too, at the higher of the two costs.
        var offsets: [Int32] = [0]
        var targets: [Int32] = []
        var costs: [UInt32] = []
        offsets.reserveCapacity(sorted.count + 1)
        targets.reserveCapacity(candidateTargets.count)
        costs.reserveCapacity(candidateTargets.count)
        for node in 0..<sorted.count {
            for edge in Int(candidateOffsets[node])..<Int(candidateOffsets[node + 1]) {
                let neighbor = Int(candidateTargets[edge])
                guard let back = Graph.position(of: Int32(node), in: candidateTargets, from: Int(candidateOffsets[neighbor]), to: Int(candidateOffsets[neighbor + 1]))
                else { continue }
                targets.append(Int32(neighbor))
                costs.append(max(max(candidateCosts[edge], candidateCosts[back]), 1))
            }
            offsets.append(Int32(targets.count))
        }
        self.offsets = offsets
        self.targets = targets
        self.costs = costs
        self.candidateOffsets = candidateOffsets
        self.candidateTargets = candidateTargets
        self.candidateCosts = candidateCosts
        let components = Graph.label(count: sorted.count, offsets: offsets, targets: targets, allowed: nil)
        self.components = components
        // Counting sort by label (labels are node indices).
        var sizes = [Int32](repeating: 0, count: sorted.count)
        for component in components {
            sizes[Int(component)] += 1
        }
        var starts = [Int32](repeating: 0, count: sorted.count)
        var roots: [Int32] = []
        var next: Int32 = 0
        for label in 0..<sorted.count where sizes[label] > 0 {
            roots.append(Int32(label))
            starts[label] = next
            next += sizes[label]
        }
        var fill = starts
        var order = [Int32](repeating: 0, count: sorted.count)
        for (node, component) in components.enumerated() {
            order[Int(fill[Int(component)])] = Int32(node)
            fill[Int(component)] += 1
        }
        componentOrder = order
        componentStarts = starts
        componentSizes = sizes
        componentRoots = roots

        var holders: [Int32]
        if let previous {
            holders = previous.definitionHolders.filter { unchanged[Int($0)] }
            for position in sorted.indices where !unchanged[position] && !sorted[position].definitions.isEmpty {
                holders.append(Int32(position))
            }
            holders.sort()
        } else {
            holders = sorted.indices.filter { !sorted[$0].definitions.isEmpty }.map { Int32($0) }
        }
        definitionHolders = holders
        let (definitions, definitionConflicts) = Graph.resolveDefinitions(holders.map { sorted[Int($0)] })
        self.definitions = definitions
        self.definitionConflicts = definitionConflicts
        // Names resolve alike while every name is the same and none is contested (a
        // contest depends on links and incarnations, which may have changed).
        if let previous, previous.nameConflicts.isEmpty, !namesChanged {
            indexByName = previous.indexByName
            nameConflicts = [:]
        } else {
            let (indexByName, nameConflicts) = Graph.resolveNames(sorted, offsets: offsets)
            self.indexByName = indexByName
            self.nameConflicts = nameConflicts
        }
    }

    public var count: Int { ids.count }

    public func index(of id: NodeID) -> Int32? {
        indexByID[id]
    }

    /// The node that holds `name`; when several ids claim it, the one with links, then the
    /// highest incarnation, then the lowest id (see ``nameConflicts``).
    public func index(named name: String) -> Int32? {
        indexByName[name]
    }

    /// Nodes of the component labelled `component`, ascending.
    public func members(ofComponent component: Int32) -> ArraySlice<Int32> {
        guard component >= 0, Int(component) < count, componentSizes[Int(component)] > 0 else { return [] }
        let start = Int(componentStarts[Int(component)])
        return componentOrder[start..<start + Int(componentSizes[Int(component)])]
    }

    /// Positions in ``targets`` and ``costs`` of the links of node `index`.
    public func neighbors(of index: Int32) -> Range<Int> {
        Int(offsets[Int(index)])..<Int(offsets[Int(index) + 1])
    }

    /// Where `target` is in the ascending `targets[from..<to]`, if it is there. Rows are in
    /// ascending order when the records' links are (as every router sends them); a record
    /// with links out of order can only lose links, the same way on every node.
    private static func position(of target: Int32, in targets: [Int32], from: Int, to: Int) -> Int? {
        var low = from
        var high = to
        while low < high {
            let middle = (low + high) / 2
            if targets[middle] < target {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < to && targets[low] == target ? low : nil
    }

    /// Labels connected components by breadth-first search; `allowed` filters edges by
    /// their position in `targets` and nodes take part only when `eligible`.
    static func label(
        count: Int,
        offsets: [Int32],
        targets: [Int32],
        allowed: [Bool]?,
        eligible: [Bool]? = nil
    ) -> [Int32] {
        var labels = [Int32](repeating: -1, count: count)
        var queue: [Int32] = []
        queue.reserveCapacity(count)
        for start in 0..<count where labels[start] < 0 && (eligible?[start] ?? true) {
            labels[start] = Int32(start)
            queue.removeAll(keepingCapacity: true)
            queue.append(Int32(start))
            var head = 0
            while head < queue.count {
                let node = Int(queue[head])
                head += 1
                for edge in Int(offsets[node])..<Int(offsets[node + 1]) {
                    if let allowed, !allowed[edge] { continue }
                    let next = Int(targets[edge])
                    if labels[next] < 0, eligible?[next] ?? true {
                        labels[next] = Int32(start)
                        queue.append(Int32(next))
                    }
                }
            }
        }
        return labels
    }

    /// Per topology: the highest version wins; among different definitions at that version
    /// the smallest digest wins, and the clash is reported.
    private static func resolveDefinitions(
        _ records: [LinkStateRecord]
    ) -> ([TopologyName: TopologyDefinition], [TopologyName: [TopologyDefinition]]) {
        var candidates: [TopologyName: [TopologyDefinition]] = [:]
        for record in records {
            for definition in record.definitions {
                candidates[definition.name, default: []].append(definition)
            }
        }
        var chosen: [TopologyName: TopologyDefinition] = [:]
        var conflicts: [TopologyName: [TopologyDefinition]] = [:]
        for (name, all) in candidates {
            let top = all.map(\.version).max()!
            var distinct: [UInt64: TopologyDefinition] = [:]
            for definition in all where definition.version == top {
                distinct[definition.digest] = definition
            }
            let ordered = distinct.sorted { $0.key < $1.key }.map(\.value)
            chosen[name] = ordered[0]
            if ordered.count > 1 {
                conflicts[name] = ordered
            }
        }
        return (chosen, conflicts)
    }

    private static func resolveNames(
        _ records: [LinkStateRecord],
        offsets: [Int32]
    ) -> ([String: Int32], [String: [NodeID]]) {
        var claims: [String: [Int32]] = [:]
        for (index, record) in records.enumerated() {
            claims[record.name, default: []].append(Int32(index))
        }
        var byName: [String: Int32] = [:]
        var conflicts: [String: [NodeID]] = [:]
        for (name, claimants) in claims {
            if claimants.count == 1 {
                byName[name] = claimants[0]
                continue
            }
            let best = claimants.min { lhs, rhs in
                let lhsLinked = offsets[Int(lhs) + 1] > offsets[Int(lhs)]
                let rhsLinked = offsets[Int(rhs) + 1] > offsets[Int(rhs)]
                if lhsLinked != rhsLinked { return lhsLinked }
                let lhsIncarnation = records[Int(lhs)].incarnation
                let rhsIncarnation = records[Int(rhs)].incarnation
                if lhsIncarnation != rhsIncarnation { return lhsIncarnation > rhsIncarnation }
                return lhs < rhs
            }!
            byName[name] = best
            conflicts[name] = claimants.map { records[Int($0)].origin }
        }
        return (byName, conflicts)
    }
}
