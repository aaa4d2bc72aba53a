import ArborCore
import ArborTestSupport
import Testing

func node(_ value: UInt64) -> NodeID { NodeID(high: 0, low: value) }

func record(_ id: UInt64, _ neighbors: [UInt64: UInt32], incarnation: UInt64 = 1, sequence: UInt64 = 1, name: String? = nil, definitions: [TopologyDefinition] = []) -> LinkStateRecord {
    LinkStateRecord(
        origin: node(id),
        name: name ?? "n\(id)",
        incarnation: incarnation,
        sequence: sequence,
        links: neighbors.map { Link(neighbor: node($0.key), cost: $0.value) },
        definitions: definitions
    )
}

@Suite struct LinkStateTests {
    @Test func newerSequenceWinsAndOlderIsIgnored() {
        var database = LinkStateDatabase()
        #expect(database.apply(record(1, [2: 1], sequence: 5)) == .installed)
        #expect(database.apply(record(1, [2: 1], sequence: 5)) == .known)
        #expect(database.apply(record(1, [2: 1], sequence: 4)) == .older)
        #expect(database.apply(record(1, [:], sequence: 6)) == .installed)
        #expect(database[node(1)]?.links.isEmpty == true)
    }

    @Test func aNewIncarnationSupersedesAnySequenceOfTheOldOne() {
        var database = LinkStateDatabase()
        database.apply(record(1, [2: 1], incarnation: 1, sequence: 900))
        #expect(database.apply(record(1, [:], incarnation: 2, sequence: 1)) == .installed)
        #expect(database.apply(record(1, [2: 1], incarnation: 1, sequence: 901)) == .older)
    }

    @Test func updatesRemovalsAndReturnsReadTheSameAsAFreshDatabase() {
        // 1,000 records, then waves of updates and removals (enough removals to renumber
        // the slots), and dropped origins coming back.
        var database = LinkStateDatabase((1...1_000).map { record($0, [$0 + 1: 1]) })
        var expected = Dictionary(uniqueKeysWithValues: database.records.map { ($0.origin, $0) })
        for wave in UInt64(2)...6 {
            for id in stride(from: wave, through: 1_000, by: Int(wave)) {
                let update = record(id, [id + wave: 2], incarnation: expected[node(id)]?.incarnation ?? 1, sequence: wave)
                let verdict = database.apply(update)
                #expect(verdict == .installed)
                expected[update.origin] = update
            }
            for id in stride(from: UInt64(wave - 1), through: 1_000, by: 3) where expected[node(id)] != nil {
                let removed = database.remove(node(id))
                #expect(removed)
                expected[node(id)] = nil
            }
            #expect(database.remove(node(5_000)) == false)
            for id in stride(from: UInt64(wave), through: 1_000, by: 11) where expected[node(id)] == nil {
                let back = record(id, [:], incarnation: 2, sequence: wave)
                #expect(database.apply(back) == .installed)
                expected[back.origin] = back
            }
            #expect(database.count == expected.count)
            #expect(Set(database.records) == Set(expected.values))
            for id in UInt64(1)...1_000 {
                #expect(database[node(id)] == expected[node(id)])
            }
            #expect(database.digest == LinkStateDatabase(expected.values).digest)
            // A summary: every version but the excluded origin's, ascending by origin.
            let summary = expected.values.filter { $0.origin != node(wave) }.map(\.version).sorted { $0.origin < $1.origin }
            #expect(database.versions(excluding: node(wave)) == summary)
        }
    }

    @Test func aCopyKeepsItsContentWhileTheOriginalChanges() {
        let original = LinkStateDatabase((1...300).map { record($0, [$0 + 1: 1]) })
        var changed = original
        changed.apply(record(7, [8: 3], sequence: 2))
        changed.remove(node(200))
        changed.apply(record(301, [1: 1]))
        #expect(original.count == 300)
        #expect(original[node(7)] == record(7, [8: 1]))
        #expect(original[node(200)] != nil)
        #expect(original[node(301)] == nil)
        #expect(original.digest == LinkStateDatabase((1...300).map { record($0, [$0 + 1: 1]) }).digest)
        #expect(changed.count == 300)
        #expect(changed[node(7)]?.sequence == 2)
    }

    @Test func theDigestDependsOnContentNotOrder() {
        let records = (1...20).map { record($0, [$0 + 1: 1], sequence: $0) }
        let forward = LinkStateDatabase(records)
        let backward = LinkStateDatabase(records.reversed())
        #expect(forward.digest == backward.digest)
        var changed = forward
        changed.apply(record(3, [4: 1], sequence: 99))
        #expect(changed.digest != forward.digest)
        changed.remove(node(3))
        var removed = forward
        removed.remove(node(3))
        #expect(changed.digest == removed.digest)
    }

    @Test func aLinkCountsOnlyWhenBothEndsListItAtTheHigherCost() {
        let graph = Graph(records: [record(1, [2: 3, 3: 1]), record(2, [1: 5]), record(3, [:])])
        let one = graph.index(of: node(1))!
        let neighbors = graph.neighbors(of: one).map { (graph.ids[Int(graph.targets[$0])], graph.costs[$0]) }
        #expect(neighbors.map(\.0) == [node(2)])
        #expect(neighbors.map(\.1) == [5])
        #expect(graph.components[Int(graph.index(of: node(3))!)] != graph.components[Int(one)])
    }

    @Test func conflictingDefinitionsResolveTheSameWayEverywhereAndAreReported() {
        let name = TopologyName("quotes")!
        let first = TopologyDefinition(name: name, root: "n1")
        let second = TopologyDefinition(name: name, root: "n2")
        let newer = TopologyDefinition(name: name, version: 2, root: "n3")
        let a = Graph(records: [record(1, [:], definitions: [first]), record(2, [:], definitions: [second])])
        let b = Graph(records: [record(1, [:], definitions: [second]), record(2, [:], definitions: [first])])
        #expect(a.definitions[name] == b.definitions[name])
        #expect(a.definitionConflicts[name]?.count == 2)
        let c = Graph(records: [record(1, [:], definitions: [first]), record(2, [:], definitions: [newer])])
        #expect(c.definitions[name] == newer)
        #expect(c.definitionConflicts.isEmpty)
    }

    @Test func aNameClaimedByTwoNodesIsReportedAndResolved() {
        let graph = Graph(records: [
            record(1, [3: 1], incarnation: 1, name: "bank"),
            record(2, [:], incarnation: 5, name: "bank"),
            record(3, [1: 1]),
        ])
        #expect(graph.nameConflicts["bank"]?.sorted() == [node(1), node(2)])
        // The claimant with live links wins over a lonely one with a higher incarnation.
        #expect(graph.index(named: "bank") == graph.index(of: node(1)))
    }

    /// A definition that names its root and nodes by id keeps them when another node claims
    /// the root's name with live links and a higher incarnation (issue 13: names are not
    /// authenticated, ids are).
    @Test func anIDInADefinitionHoldsAgainstAClaimantOfTheName() {
        let quotes = TopologyName("quotes")!
        let exchange = node(1), impostor = node(2), bank = node(3)
        let definition = TopologyDefinition(
            name: quotes, root: exchange.description,
            nodes: [exchange.description, bank.description, "branch"],
            links: [LinkRule(exchange.description, bank.description), LinkRule(bank.description, "branch")])
        let graph = Graph(records: [
            record(1, [3: 1], incarnation: 1, name: "exchange", definitions: [definition]),
            record(2, [3: 1], incarnation: 9, name: "exchange"),
            record(3, [1: 1, 2: 1, 4: 1], name: "bank"),
            record(4, [3: 1], name: "branch"),
        ])
        #expect(graph.index(named: "exchange") == graph.index(of: impostor))
        #expect(graph.index(named: exchange.description) == graph.index(of: exchange))
        #expect(graph.index(named: node(9).description) == nil)
        let topologyGraph = TopologyGraph(graph: graph, definition: definition)
        let planned = RoutingCache().tree(for: quotes, in: graph, seenFrom: graph.index(of: bank)!)
        #expect(planned.map { graph.ids[Int($0.root.index)] } == exchange)
        // The declared links hold: the bank links to the exchange (by id) and the branch
        // (by name), not to the impostor.
        let allowed = graph.neighbors(of: graph.index(of: bank)!).filter { topologyGraph.edgeCosts[$0] > 0 }
        #expect(allowed.map { graph.ids[Int(graph.targets[$0])] }.sorted() == [exchange, node(4)].sorted())
    }
}

@Suite struct IncrementalGraphTests {
    /// A graph rebuilt from an earlier one equals one built from scratch, whether the node
    /// set stayed (links and names change) or not (a node joins).
    @Test(arguments: 0..<10)
    func reusingAnEarlierGraphChangesNothing(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed))
        var records = (1...30).map { id in
            record(UInt64(id), Dictionary((0..<3).map { _ in (UInt64.random(in: 1...30, using: &generator), UInt32.random(in: 1...9, using: &generator)) }, uniquingKeysWith: { first, _ in first }), name: "n\(id % 28)")
        }
        let before = Graph(LinkStateDatabase(records))
        for _ in 0..<5 {
            let victim = Int.random(in: 0..<records.count, using: &generator)
            records[victim].links = [Link(neighbor: node(UInt64.random(in: 1...30, using: &generator)), cost: 3)]
            records[victim].sequence += 1
            if Bool.random(using: &generator) {
                records[victim].name = "renamed\(victim)"
            }
        }
        if seed % 3 == 0 {
            records.append(record(31, [1: 1]))
        }
        let database = LinkStateDatabase(records)
        expectSame(Graph(database, reusing: before), Graph(database), names: records.map(\.name))
    }

    /// A graph patched with the records that changed since its base equals one built from
    /// scratch; a changed node set (a node joins or leaves) asks for a build from scratch.
    @Test(arguments: 0..<10)
    func patchingAnEarlierGraphChangesNothing(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed))
        let records = (1...30).map { id in
            record(UInt64(id), Dictionary((0..<3).map { _ in (UInt64.random(in: 1...30, using: &generator), UInt32.random(in: 1...9, using: &generator)) }, uniquingKeysWith: { first, _ in first }), name: "n\(id % 28)")
        }
        var database = LinkStateDatabase(records)
        let base = Graph(database)
        var changed: Set<NodeID> = []
        for _ in 0..<5 {
            var victim = database[node(UInt64.random(in: 1...30, using: &generator))]!
            victim.links = [Link(neighbor: node(UInt64.random(in: 1...30, using: &generator)), cost: 3)]
            victim.sequence += 1
            if Bool.random(using: &generator) {
                victim.name = "renamed\(victim.origin)"
            }
            database.apply(victim)
            changed.insert(victim.origin)
        }
        let patched = Graph(database, patching: base, changed: changed)
        #expect(patched != nil)
        if let patched {
            expectSame(patched, Graph(database), names: database.records.map(\.name))
        }
        var joined = database
        joined.apply(record(31, [1: 1]))
        #expect(Graph(joined, patching: base, changed: changed.union([node(31)])) == nil)
        var left = database
        left.remove(node(7))
        #expect(Graph(left, patching: base, changed: changed.union([node(7)])) == nil)
    }

    /// Many generations of patches, each on the one before (rows, final rows and
    /// components carried forward), stay equal to builds from scratch while links come and
    /// go (components split and merge), costs, names and definitions change.
    @Test(arguments: 0..<8)
    func chainedPatchesStayEqualToScratchBuilds(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed) + 100)
        let quotes = TopologyName("quotes")!
        let ring: [LinkStateRecord] = (1...40).map { (id: UInt64) -> LinkStateRecord in
            let next: UInt64 = id % 40 + 1
            let afterNext: UInt64 = (id + 1) % 40 + 1
            return record(id, [next: 1, afterNext: 2], name: "n\(id)")
        }
        var database = LinkStateDatabase(ring)
        var graph = Graph(database)
        for generation in 0..<40 {
            var changed: Set<NodeID> = []
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                var victim = database[node(UInt64.random(in: 1...40, using: &generator))]!
                switch Int.random(in: 0..<5, using: &generator) {
                case 0:
                    victim.links = []
                case 1:
                    victim.links.append(Link(neighbor: node(UInt64.random(in: 1...40, using: &generator)), cost: UInt32.random(in: 1...9, using: &generator)))
                    victim.links.sort { $0.neighbor < $1.neighbor }
                case 2:
                    victim.links = victim.links.map { Link(neighbor: $0.neighbor, cost: UInt32.random(in: 1...9, using: &generator)) }
                case 3:
                    victim.name = Bool.random(using: &generator) ? "n1" : "m\(generation)"
                default:
                    victim.definitions = Bool.random(using: &generator) ? [] : [TopologyDefinition(name: quotes, version: UInt64(generation), root: victim.name)]
                }
                victim.sequence += 1
                database.apply(victim)
                changed.insert(victim.origin)
            }
            let patched = Graph(database, patching: graph, changed: changed)
            #expect(patched != nil)
            guard let patched else { return }
            expectSame(patched, Graph(database), names: database.records.map(\.name))
            graph = patched
        }
    }

    private func expectSame(_ incremental: Graph, _ scratch: Graph, names: [String]) {
        #expect(incremental.ids == scratch.ids)
        #expect(incremental.names == scratch.names)
        #expect(incremental.offsets == scratch.offsets)
        #expect(incremental.targets == scratch.targets)
        #expect(incremental.costs == scratch.costs)
        #expect(incremental.incarnations == scratch.incarnations)
        #expect(incremental.components == scratch.components)
        #expect(incremental.componentRoots == scratch.componentRoots)
        for root in scratch.componentRoots {
            #expect(incremental.members(ofComponent: root) == scratch.members(ofComponent: root))
        }
        #expect(incremental.definitions == scratch.definitions)
        #expect(incremental.definitionConflicts.mapValues { Set($0) } == scratch.definitionConflicts.mapValues { Set($0) })
        #expect(incremental.nameConflicts == scratch.nameConflicts)
        #expect(incremental.digest == scratch.digest)
        for name in Set(names) {
            #expect(incremental.index(named: name) == scratch.index(named: name))
        }
    }
}
