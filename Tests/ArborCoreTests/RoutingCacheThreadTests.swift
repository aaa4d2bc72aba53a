import ArborCore
import Dispatch
import Synchronization
import Testing

/// The simulator's workers share one ``RoutingCache``: lookups, inserts and evictions from
/// several threads at once must leave every answer what a cache of one thread gives.
@Suite struct RoutingCacheThreadTests {
    /// Rings of 30 nodes with chords, each variant missing a different link: distinct
    /// databases of the same nodes, so trees are derived from one another's.
    static func variants() -> [Graph] {
        (0..<12).map { cut in
            let count: UInt64 = 30
            var neighbors: [UInt64: [UInt64: UInt32]] = [:]
            func link(_ a: UInt64, _ b: UInt64, _ cost: UInt32) {
                guard !(a == cut + 1 && b == cut + 2) else { return }
                neighbors[a, default: [:]][b] = cost
                neighbors[b, default: [:]][a] = cost
            }
            for n in 1...count {
                link(n, n % count + 1, 1 + UInt32(n % 3))
            }
            for n in stride(from: 1, through: count, by: 5) {
                link(n, (n + 11) % count + 1, 2)
            }
            return Graph(records: (1...count).map { record($0, neighbors[$0] ?? [:]) })
        }
    }

    @Test func threadsSharingOneCacheGetTheTreesOfAnUnsharedOne() {
        let graphs = Self.variants()
        let names = (0..<4).map { TopologyName("t\($0)")! }
        struct Question: Sendable {
            var graph: Int
            var name: TopologyName
            var member: Int32
        }
        var questions: [Question] = []
        for graph in graphs.indices {
            for name in names {
                for member in stride(from: 0, to: Int32(graphs[graph].count), by: 7) {
                    questions.append(Question(graph: graph, name: name, member: member))
                }
            }
        }
        @Sendable func answer(_ question: Question, _ cache: RoutingCache) -> [Int32]? {
            cache.tree(for: question.name, in: graphs[question.graph], seenFrom: question.member)?.tree.parents
        }
        let expected = questions.map { answer($0, RoutingCache()) }
        // Small tables: entries are evicted and trees derived from the latest while other
        // threads read them.
        let shared = RoutingCache(capacity: 4)
        let wrong = Atomic<Int>(0)
        let answered = Atomic<Int>(0)
        let questionsSeen = questions
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for round in 0..<3 {
                for offset in questionsSeen.indices {
                    let index = (offset * (2 * thread + 1) + round * 13) % questionsSeen.count
                    if answer(questionsSeen[index], shared) != expected[index] {
                        wrong.wrappingAdd(1, ordering: .relaxed)
                    }
                    answered.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        #expect(answered.load(ordering: .relaxed) == 4 * 3 * questions.count)
        #expect(wrong.load(ordering: .relaxed) == 0)
        #expect(shared.statistics.treeComputations > 0)
    }
}
