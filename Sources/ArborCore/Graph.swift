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
    /// Each record's links as one-way candidate edges (before the two-way check), by index:
    /// a later build over the same nodes takes the rows of records that did not change
    /// from here, without reading those records again. Kept as the final rows plus the
    /// candidate rows of the nodes whose row differs (a link listed by one end only, or at
    /// a lower cost than the other end lists it): during a flood most graphs have a few
    /// such nodes, and whole candidate rows were half of each graph's memory.
    private let candidateExceptions: CandidateExceptions
    /// The topology definitions of the records that carry any, by index.
    private let carriedDefinitions: [Int32: [TopologyDefinition]]
    private let indexByName: [String: Int32]

    /// Builds the snapshot of `database`. When `previous` (an earlier snapshot, typically
    /// of the same overlay a moment ago) holds exactly the same nodes, its numbering, name
    /// index and the final rows of nodes whose links did not change are reused: no sorting,
    /// no hashing of names. The result is the same as a build from scratch.
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
                let base = previous.candidateRows
                var input = Input(numberedLike: previous)
                var dirty = [Bool](repeating: false, count: previous.count)
                for position in ordered.indices {
                    let record = ordered[position]!
                    input.update(position, to: record)
                    input.rows.appendRow(of: record, numbering: input.indexByID, hint: (base, previous.ids), at: position)
                    dirty[position] = !input.rows.lastRow(equals: base, at: position)
                }
                self.init(database.digest, input, previous: (previous, base), dirty: dirty)
                return
            }
        }
        self.init(scratch: database.records.sorted { $0.origin < $1.origin }, digest: database.digest)
    }

    /// Builds the snapshot of `database` from `base`, the snapshot of an earlier state of
    /// the same database, when `changed` names every origin whose record was installed or
    /// dropped since: only those records are read, the others are `base`'s. Nil when the
    /// node set changed (a new or a dropped origin): build from the database then.
    /// The result is the same as a build from scratch.
    public convenience init?(_ database: LinkStateDatabase, patching base: Graph, changed: Set<NodeID>) {
        var indices = NodeIndexSet(capacity: base.count)
        for origin in changed {
            guard let index = base.indexByID[origin] else { return nil }
            indices.insert(index)
        }
        self.init(database, patching: base, changedIndices: indices)
    }

    /// As ``init(_:patching:changed:)``, with the changed origins given by their index in
    /// `base`. Nil when the node set changed.
    public convenience init?(_ database: LinkStateDatabase, patching base: Graph, changedIndices changed: NodeIndexSet) {
        guard database.count == base.count else { return nil }
        var updated: [(index: Int32, record: LinkStateRecord)] = []
        updated.reserveCapacity(changed.count)
        for index in changed.sorted {
            guard Int(index) < base.count, let record = database[base.ids[Int(index)]] else { return nil }
            updated.append((index, record))
        }
        let rows = base.candidateRows
        var input = Input(numberedLike: base)
        var dirty = [Bool](repeating: false, count: base.count)
        var copied = 0
        for (index, record) in updated {
            let position = Int(index)
            input.rows.copyRows(copied..<position, of: rows.offsets, rows.targets, rows.costs)
            input.update(position, to: record)
            input.rows.appendRow(of: record, numbering: input.indexByID, hint: (rows, base.ids), at: position)
            dirty[position] = true
            copied = position + 1
        }
        input.rows.copyRows(copied..<base.count, of: rows.offsets, rows.targets, rows.costs)
        self.init(database.digest, input, previous: (base, rows), dirty: dirty)
    }

    public convenience init(records: some Sequence<LinkStateRecord>) {
        let sorted = records.sorted { $0.origin < $1.origin }
        var digest = DatabaseDigest()
        sorted.forEach { digest.toggle($0) }
        self.init(scratch: sorted, digest: digest)
    }

    /// `sorted` is in node-id order.
    private convenience init(scratch sorted: [LinkStateRecord], digest: DatabaseDigest) {
        var input = Input(ids: sorted.map(\.origin), names: sorted.map(\.name), incarnations: sorted.map(\.incarnation))
        for (position, record) in sorted.enumerated() {
            if !record.definitions.isEmpty {
                input.carriedDefinitions[Int32(position)] = record.definitions
            }
            input.rows.appendRow(of: record, numbering: input.indexByID, hint: nil, at: position)
        }
        self.init(digest, input, previous: nil, dirty: nil)
    }

    /// What a build reads from the records: the numbering, names, incarnations, carried
    /// definitions and candidate rows.
    private struct Input {
        let ids: [NodeID]
        let indexByID: [NodeID: Int32]
        var names: [String]
        var incarnations: [UInt64]
        var carriedDefinitions: [Int32: [TopologyDefinition]]
        var namesChanged: Bool
        var rows = CandidateRows()

        init(ids: [NodeID], names: [String], incarnations: [UInt64]) {
            self.ids = ids
            var index: [NodeID: Int32] = [:]
            index.reserveCapacity(ids.count)
            for (position, id) in ids.enumerated() {
                index[id] = Int32(position)
            }
            indexByID = index
            self.names = names
            self.incarnations = incarnations
            carriedDefinitions = [:]
            namesChanged = true
            rows.reserve(nodes: ids.count, edges: 4 * ids.count)
        }

        /// The same nodes as `previous`, their records not read yet.
        init(numberedLike previous: Graph) {
            ids = previous.ids
            indexByID = previous.indexByID
            names = previous.names
            incarnations = previous.incarnations
            carriedDefinitions = previous.carriedDefinitions
            namesChanged = false
            rows.reserve(nodes: previous.count, edges: previous.targets.count + previous.candidateExceptions.rows.targets.count)
        }

        /// Takes the name, incarnation and definitions of `record`, the node at `position`.
        mutating func update(_ position: Int, to record: LinkStateRecord) {
            if names[position] != record.name {
                names[position] = record.name
                namesChanged = true
            }
            // Written only when changed, so that a patched graph shares these arrays with
            // its base (a copy of 10,000 incarnations per build otherwise).
            if incarnations[position] != record.incarnation {
                incarnations[position] = record.incarnation
            }
            let definitions = record.definitions.isEmpty ? nil : record.definitions
            if carriedDefinitions[Int32(position)] != definitions {
                carriedDefinitions[Int32(position)] = definitions
            }
        }
    }

    /// One-way candidate edges in compressed sparse rows, appended node by node.
    private struct CandidateRows {
        var offsets: [Int32] = [0]
        var targets: [Int32] = []
        var costs: [UInt32] = []

        mutating func reserve(nodes: Int, edges: Int) {
            offsets.reserveCapacity(nodes + 1)
            targets.reserveCapacity(edges)
            costs.reserveCapacity(edges)
        }

        /// Appends the links of `record` (the node at `position`) that reach a known node.
        /// With `hint` (the candidate rows of a build numbering the same nodes, and its ids),
        /// most neighbours are found in the node's row there (in index order, which is id
        /// order, like the links) without hashing.
        mutating func appendRow(
            of record: LinkStateRecord, numbering indexByID: [NodeID: Int32], hint: (rows: CandidateRows, ids: [NodeID])?, at position: Int
        ) {
            var cursor = hint.map { Int($0.rows.offsets[position]) } ?? 0
            let rowEnd = hint.map { Int($0.rows.offsets[position + 1]) } ?? 0
            for link in record.links where link.neighbor != record.origin {
                if let hint {
                    while cursor < rowEnd, hint.ids[Int(hint.rows.targets[cursor])] < link.neighbor {
                        cursor += 1
                    }
                }
                let neighbor: Int32
                if let hint, cursor < rowEnd, hint.ids[Int(hint.rows.targets[cursor])] == link.neighbor {
                    neighbor = hint.rows.targets[cursor]
                } else if let index = indexByID[link.neighbor] {
                    neighbor = index
                } else {
                    continue
                }
                targets.append(neighbor)
                costs.append(link.cost)
            }
            offsets.append(Int32(targets.count))
        }

        /// Appends the rows of the nodes at `positions` in the rows `offsets`, `targets`
        /// and `costs` of another build over the same nodes, unchanged.
        mutating func copyRows(_ positions: Range<Int>, of offsets: [Int32], _ targets: [Int32], _ costs: [UInt32]) {
            guard !positions.isEmpty else { return }
            let first = Int(offsets[positions.lowerBound])
            let last = Int(offsets[positions.upperBound])
            let shift = Int32(self.targets.count) - Int32(first)
            self.targets.append(contentsOf: targets[first..<last])
            self.costs.append(contentsOf: costs[first..<last])
            self.offsets.append(contentsOf: offsets[positions.lowerBound + 1...positions.upperBound].lazy.map { $0 + shift })
        }

        /// Whether the row appended last equals the row of the node at `position` in `previous`.
        func lastRow(equals previous: CandidateRows, at position: Int) -> Bool {
            let row = Int(offsets[offsets.count - 2])..<Int(offsets[offsets.count - 1])
            return targets[row].elementsEqual(previous.targets(of: position)) && costs[row].elementsEqual(previous.costs(of: position))
        }

        func targets(of node: Int) -> ArraySlice<Int32> {
            targets[Int(offsets[node])..<Int(offsets[node + 1])]
        }

        func costs(of node: Int) -> ArraySlice<UInt32> {
            costs[Int(offsets[node])..<Int(offsets[node + 1])]
        }
    }

    /// The candidate rows of the nodes whose candidate row is not their final row, in
    /// index order.
    private struct CandidateExceptions {
        var nodes: [Int32] = []
        var rows = CandidateRows()

        /// The nodes of `candidates` whose row differs from theirs in `final` (where a row
        /// holds the two-way subset of the candidate row, so only a shorter row or a cost
        /// differs).
        init(_ candidates: CandidateRows, final: CandidateRows, count: Int) {
            for node in 0..<count {
                let candidate = candidates.offsets[node + 1] - candidates.offsets[node]
                let kept = final.offsets[node + 1] - final.offsets[node]
                if candidate != kept || !candidates.costs(of: node).elementsEqual(final.costs(of: node)) {
                    nodes.append(Int32(node))
                    rows.targets.append(contentsOf: candidates.targets(of: node))
                    rows.costs.append(contentsOf: candidates.costs(of: node))
                    rows.offsets.append(Int32(rows.targets.count))
                }
            }
        }
    }

    /// Finishes a build: the two-way check, components, definitions and names. With
    /// `previous` (a build numbering the same nodes, and its candidate rows whole) and
    /// `dirty` (the nodes whose candidate rows may differ from its), a node whose row and
    /// whose neighbours' rows did not change keeps its final row, and unchanged edges keep
    /// the components.
    private init(_ digest: DatabaseDigest, _ input: Input, previous base: (graph: Graph, candidates: CandidateRows)?, dirty: [Bool]?) {
        let previous = base?.graph
        self.digest = digest
        ids = input.ids
        indexByID = input.indexByID
        names = input.names
        incarnations = input.incarnations
        carriedDefinitions = input.carriedDefinitions
        let candidates = input.rows
        let count = input.ids.count

        // A node's final row depends on its candidate row and on whether each candidate
        // neighbour lists it back: it can change only when the node or a neighbour (old or
        // new) changed.
        var affected: [Bool]? = nil
        if let base, let dirty {
            var marks = dirty
            for node in 0..<count where dirty[node] {
                for edge in Int(candidates.offsets[node])..<Int(candidates.offsets[node + 1]) {
                    marks[Int(candidates.targets[edge])] = true
                }
                for target in base.candidates.targets(of: node) {
                    marks[Int(target)] = true
                }
            }
            affected = marks
        }

        // The two-way check: an edge stays when its far end lists it too, at the higher of
        // the two costs.
        var final = CandidateRows()
        final.reserve(nodes: count, edges: candidates.targets.count)
        var edgesChanged = previous == nil
        var rowsChanged = previous == nil
        var node = 0
        while node < count {
            if let previous, let affected, !affected[node] {
                var end = node + 1
                while end < count, !affected[end] {
                    end += 1
                }
                final.copyRows(node..<end, of: previous.offsets, previous.targets, previous.costs)
                node = end
                continue
            }
            let rowStart = final.targets.count
            for edge in Int(candidates.offsets[node])..<Int(candidates.offsets[node + 1]) {
                let neighbor = Int(candidates.targets[edge])
                guard let back = Graph.position(of: Int32(node), in: candidates.targets, from: Int(candidates.offsets[neighbor]), to: Int(candidates.offsets[neighbor + 1]))
                else { continue }
                final.targets.append(Int32(neighbor))
                final.costs.append(max(max(candidates.costs[edge], candidates.costs[back]), 1))
            }
            final.offsets.append(Int32(final.targets.count))
            if let previous, !edgesChanged {
                let old = Int(previous.offsets[node])..<Int(previous.offsets[node + 1])
                if !final.targets[rowStart...].elementsEqual(previous.targets[old]) {
                    edgesChanged = true
                    rowsChanged = true
                } else if !rowsChanged, !final.costs[rowStart...].elementsEqual(previous.costs[old]) {
                    rowsChanged = true
                }
            }
            node += 1
        }
        // Rows that did not change share the previous graph's storage (a simulator's nodes
        // on trees each hold a graph of their own while floods go on).
        if let previous, !rowsChanged {
            final = CandidateRows(offsets: previous.offsets, targets: previous.targets, costs: previous.costs)
        }
        let offsets = final.offsets
        let targets = final.targets
        self.offsets = offsets
        self.targets = targets
        costs = final.costs
        candidateExceptions = CandidateExceptions(candidates, final: final, count: count)

        // Unchanged edges keep the components; so do changed edges that leave every label
        // as it was (most link changes in a connected overlay), which shares their storage.
        let labels = previous != nil && !edgesChanged ? nil : Graph.label(count: count, offsets: offsets, targets: targets, allowed: nil)
        if let previous, labels == nil || labels == previous.components {
            components = previous.components
            componentOrder = previous.componentOrder
            componentStarts = previous.componentStarts
            componentSizes = previous.componentSizes
            componentRoots = previous.componentRoots
        } else {
            let components = labels!
            self.components = components
            // Counting sort by label (labels are node indices).
            var sizes = [Int32](repeating: 0, count: count)
            for component in components {
                sizes[Int(component)] += 1
            }
            var starts = [Int32](repeating: 0, count: count)
            var roots: [Int32] = []
            var next: Int32 = 0
            for label in 0..<count where sizes[label] > 0 {
                roots.append(Int32(label))
                starts[label] = next
                next += sizes[label]
            }
            var fill = starts
            var order = [Int32](repeating: 0, count: count)
            for (node, component) in components.enumerated() {
                order[Int(fill[Int(component)])] = Int32(node)
                fill[Int(component)] += 1
            }
            componentOrder = order
            componentStarts = starts
            componentSizes = sizes
            componentRoots = roots
        }

        (definitions, definitionConflicts) = DefinitionAuthority.resolve(
            input.carriedDefinitions.map { (signer: input.ids[Int($0.key)], definitions: $0.value) }
        )
        // Names resolve alike while every name is the same and none is contested (a
        // contest depends on links and incarnations, which may have changed).
        if let previous, previous.nameConflicts.isEmpty, !input.namesChanged {
            indexByName = previous.indexByName
            nameConflicts = [:]
        } else {
            (indexByName, nameConflicts) = Graph.resolveNames(input, offsets: offsets)
        }
    }

    public var count: Int { ids.count }

    /// The candidate rows, whole: the final rows with the exceptions in their place.
    private var candidateRows: CandidateRows {
        let exceptions = candidateExceptions
        guard !exceptions.nodes.isEmpty else { return CandidateRows(offsets: offsets, targets: targets, costs: costs) }
        var rows = CandidateRows()
        rows.reserve(nodes: count, edges: targets.count + exceptions.rows.targets.count)
        var next = 0
        for (position, node) in exceptions.nodes.enumerated() {
            rows.copyRows(next..<Int(node), of: offsets, targets, costs)
            rows.copyRows(position..<position + 1, of: exceptions.rows.offsets, exceptions.rows.targets, exceptions.rows.costs)
            next = Int(node) + 1
        }
        rows.copyRows(next..<count, of: offsets, targets, costs)
        return rows
    }

    public func index(of id: NodeID) -> Int32? {
        indexByID[id]
    }

    /// The node that holds `name`; when several ids claim it, the one with links, then the
    /// highest incarnation, then the lowest id (see ``nameConflicts``). A `name` of 32 hex
    /// digits is a node id and finds only the node with that id, whatever names are
    /// claimed: ids are backed by keys, names are not, so a definition that lists ids
    /// (`root`, `fallbacks`, `nodes`, `links`, `publishers`) holds against a node that claims
    /// another's name.
    public func index(named name: String) -> Int32? {
        if let id = NodeID(listed: name) {
            return indexByID[id]
        }
        return indexByName[name]
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
    static func position(of target: Int32, in targets: [Int32], from: Int, to: Int) -> Int? {
        let low = targets[from..<to].partitionPoint { $0 < target }
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

    private static func resolveNames(
        _ input: Input,
        offsets: [Int32]
    ) -> ([String: Int32], [String: [NodeID]]) {
        var claims: [String: [Int32]] = [:]
        for (index, name) in input.names.enumerated() {
            claims[name, default: []].append(Int32(index))
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
                let lhsIncarnation = input.incarnations[Int(lhs)]
                let rhsIncarnation = input.incarnations[Int(rhs)]
                if lhsIncarnation != rhsIncarnation { return lhsIncarnation > rhsIncarnation }
                return lhs < rhs
            }!
            byName[name] = best
            conflicts[name] = claimants.map { input.ids[Int($0)] }
        }
        return (byName, conflicts)
    }
}
