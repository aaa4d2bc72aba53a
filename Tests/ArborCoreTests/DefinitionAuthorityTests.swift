import ArborCore
import Testing

/// Which definition is in force when signers disagree: a definition carries no more
/// authority than its signer (the origin of the record that carries it).
@Suite("Definition authority")
struct DefinitionAuthorityTests {
    let alice = NodeID(high: 0, low: 0xa)
    let bob = NodeID(high: 0, low: 0xb)
    let mallory = NodeID(high: 0, low: 0x1)
    let quotes = TopologyName("quotes")!

    func record(_ origin: NodeID, _ definitions: TopologyDefinition...) -> LinkStateRecord {
        LinkStateRecord(origin: origin, name: "\(origin.low)", incarnation: 1, sequence: 1, links: [], definitions: definitions)
    }

    func definition(_ version: UInt64, publishers: [String], admins: [NodeID]? = nil) -> TopologyDefinition {
        TopologyDefinition(name: quotes, version: version, publishers: publishers, admins: admins)
    }

    func inForce(_ records: LinkStateRecord...) -> TopologyDefinition? {
        Graph(records: records).definitions[quotes]
    }

    @Test func aVersionNoFileCanGiveCountsForNothing() {
        let real = definition(3, publishers: ["pub"])
        let forged = definition(1 << 63, publishers: ["mallory"])
        #expect(inForce(record(alice, real), record(mallory, forged)) == real)
        #expect(inForce(record(mallory, definition(0, publishers: ["mallory"]))) == nil)
    }

    @Test func versionsCannotJumpWhileTheOlderDefinitionIsLive() {
        let real = definition(3, publishers: ["pub"])
        let jump = definition(UInt64(UInt32.max), publishers: ["mallory"])
        let graph = Graph(records: [record(alice, real), record(mallory, jump)])
        #expect(graph.definitions[quotes] == real)
        #expect(graph.definitionConflicts[quotes] == [real, jump])
        // A step within the bound is a newer version, as it always was.
        let next = definition(4, publishers: ["pub", "other"])
        #expect(inForce(record(alice, real), record(bob, next)) == next)
        // Once the old version is gone everywhere, any version can start afresh.
        #expect(inForce(record(bob, jump)) == jump)
    }

    @Test func onceAdminsAreListedOnlyTheyCanChangeTheTopology() {
        let real = definition(3, publishers: ["pub"], admins: [alice])
        let takeover = definition(4, publishers: ["mallory"])
        let graph = Graph(records: [record(alice, real), record(mallory, takeover)])
        #expect(graph.definitions[quotes] == real)
        #expect(graph.definitionConflicts[quotes] == [real, takeover])
        // At the same version, too: the admin-listing definition goes first.
        let same = definition(3, publishers: ["mallory"])
        #expect(inForce(record(alice, real), record(mallory, same)) == real)
        // Another admin signs the next version; a node it does not list does not.
        let shared = definition(3, publishers: ["pub"], admins: [alice, bob])
        let next = definition(4, publishers: ["pub", "pub2"], admins: [bob])
        #expect(inForce(record(alice, shared), record(bob, next)) == next)
        #expect(inForce(record(bob, real), record(alice, shared)) == shared)
        let notListed = definition(4, publishers: ["pub", "pub2"], admins: [bob])
        #expect(inForce(record(alice, real), record(bob, notListed)) == real)
    }

    @Test func aDefinitionListingAdminsCountsOnlyWhenOneOfThemSignedIt() {
        let real = definition(3, publishers: ["pub"])
        let claimed = definition(4, publishers: ["mallory"], admins: [alice])
        #expect(inForce(record(alice, real), record(mallory, claimed)) == real)
    }
}
