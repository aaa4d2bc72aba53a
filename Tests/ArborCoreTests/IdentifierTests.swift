import ArborCore
import Testing

@Suite struct IdentifierTests {
    @Test func nodeIDRoundTripsThroughHex() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let id = NodeID.random(using: &generator)
            #expect(NodeID(hex: id.description) == id)
            #expect(id.description.count == 32)
        }
        #expect(NodeID(hex: "xyz") == nil)
        #expect(NodeID(hex: String(repeating: "g", count: 32)) == nil)
        #expect(NodeID(hex: String(repeating: "A", count: 32)) == NodeID(high: .max / 15 * 10, low: .max / 15 * 10))
    }

    @Test func nodeIDsOrderAsUnsigned128BitIntegers() {
        #expect(NodeID(high: 0, low: .max) < NodeID(high: 1, low: 0))
        #expect(NodeID(high: 1, low: 1) < NodeID(high: 1, low: 2))
    }

    @Test(arguments: ["nasdaq.quotes", "a", "a-b.c1", "0.1.2", "x-1.y--z"])
    func validTopologyNames(_ name: String) throws {
        #expect(try TopologyName(validating: name).rawValue == name)
    }

    @Test(arguments: [
        ("", TopologyNameError.empty),
        ("Nasdaq", .badCharacter(offset: 0)),
        ("nasdaq..quotes", .emptyWord(offset: 7)),
        (".a", .emptyWord(offset: 0)),
        ("a.", .emptyWord(offset: 2)),
        ("-a", .badWordStart(offset: 0)),
        ("a.-b", .badWordStart(offset: 2)),
        ("a b", .badCharacter(offset: 1)),
        ("a_b", .badCharacter(offset: 1)),
        (String(repeating: "a", count: 129), .tooLong(129)),
    ])
    func invalidTopologyNamesSayWhy(_ name: String, _ error: TopologyNameError) {
        #expect(throws: error) { try TopologyName(validating: name) }
        #expect(TopologyName(name) == nil)
    }

    @Test func topicsOrderBytewiseAndKnowTheirPrefixes() {
        #expect(Topic("AA") < Topic("AAB"))
        #expect(Topic("AB") > Topic("AAB"))
        #expect(Topic("").isPrefix(of: "AAPL"))
        #expect(Topic("AA").isPrefix(of: "AAPL"))
        #expect(!Topic("AAPL").isPrefix(of: "AA"))
        #expect(Topic([0xff, 0x00]).description == "0xff00")
    }
}
