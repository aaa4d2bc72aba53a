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

    /// Tables keyed by node id hash with ``wordPairHash(_:_:seed:)``: ids that differ in
    /// one word only (or in both alike) must still spread over a table's buckets, or every
    /// lookup of a large overlay walks a chain.
    @Test func nodeIDsDifferingInOneWordSpreadOverATablesBuckets() {
        let buckets = 1 << 14
        for seed in [0, 1, 0x5EED_1234] {
            for ids in [
                (0..<UInt64(10_000)).map { NodeID(high: 7, low: $0) },
                (0..<UInt64(10_000)).map { NodeID(high: $0, low: 7) },
                (0..<UInt64(10_000)).map { NodeID(high: $0, low: $0) },
            ] {
                let used = Set(ids.map { $0._rawHashValue(seed: seed) & (buckets - 1) })
                // Uniform hashing fills about 46% of 16,384 buckets with 10,000 keys.
                #expect(used.count > buckets * 2 / 5)
            }
        }
        var table: [NodeID: Int] = [:]
        for index in 0..<1_000 {
            table[NodeID(high: UInt64(index), low: 0)] = index
        }
        #expect((0..<1_000).allSatisfy { table[NodeID(high: UInt64($0), low: 0)] == $0 })
        #expect(table[NodeID(high: 0, low: 1)] == nil)
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
