import Testing

@testable import ArborCore

@Suite("Declared links: the overlay peers a topology file requires")
struct DeclaredNeighborsTests {
    private func id(_ n: UInt64) -> NodeID { NodeID(high: 0, low: n) }

    private func record(_ n: UInt64, _ name: String, definitions: [TopologyDefinition] = []) -> LinkStateRecord {
        LinkStateRecord(origin: id(n), name: name, incarnation: 1, sequence: 1, links: [], definitions: definitions)
    }

    @Test func linkRulesNamingANodeGiveItsDeclaredPeersByID() {
        let quotes = TopologyDefinition(
            name: TopologyName("quotes")!,
            links: [LinkRule("exchange", "vendor-a"), LinkRule("vendor-b", "exchange"), LinkRule("vendor-a", "bank")]
        )
        let graph = Graph(records: [
            record(1, "exchange", definitions: [quotes]), record(2, "vendor-a"), record(3, "vendor-b"), record(4, "bank"),
        ])
        #expect(graph.declaredNeighbors(of: id(1)) == [id(2), id(3)])
        #expect(graph.declaredNeighbors(of: id(2)) == [id(1), id(4)])
        #expect(graph.declaredNeighbors(of: id(4)) == [id(2)])
    }

    @Test func unknownNamesTopologiesWithoutLinksAndUnknownNodesDeclareNothing() {
        let open = TopologyDefinition(name: TopologyName("open")!)
        let partial = TopologyDefinition(name: TopologyName("partial")!, links: [LinkRule("exchange", "not-yet-here")])
        let graph = Graph(records: [record(1, "exchange", definitions: [open, partial]), record(2, "vendor-a")])
        #expect(graph.declaredNeighbors(of: id(1)).isEmpty)
        #expect(graph.declaredNeighbors(of: id(9)).isEmpty)
    }
}
