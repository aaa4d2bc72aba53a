import ArborCore
import Testing

/// A new link exchanges database summaries, then only the records one side lacks or holds
/// older; a peer-up floods nothing but the two ends' own records.
@Suite struct SummaryTests {
    let me = node(1)
    let left = node(2)
    let right = node(3)

    func at(_ milliseconds: Int64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }

    func record(_ origin: UInt64, _ sequence: UInt64) -> LinkStateRecord {
        LinkStateRecord(origin: node(origin), name: "n\(origin)", incarnation: 1, sequence: sequence, links: [Link(neighbor: left, cost: 10)])
    }

    /// A router linked to `left`, holding the records of nodes 7 (sequence 5) and 8 (3).
    func router() -> Router {
        var router = Router(RouterConfiguration(id: me, name: "n1", incarnation: 1))
        _ = router.handle(.start, at: .zero)
        _ = router.handle(.peerUp(left, name: "n2", incarnation: 1, cost: nil), at: .zero)
        _ = router.handle(.message(.linkState([record(7, 5), record(8, 3)]), from: left), at: at(1))
        return router
    }

    func messages(_ actions: [Router.Action], to peer: NodeID) -> [PeerMessage] {
        actions.compactMap { action in
            guard case .send(let message, let to) = action, to == peer else { return nil }
            return message
        }
    }

    @Test func aNewPeerGetsASummaryAndOurRecordNotTheDatabase() {
        var router = router()
        let actions = router.handle(.peerUp(right, name: "n3", incarnation: 1, cost: nil), at: at(100))
        let sent = messages(actions, to: right)
        let summaries = sent.compactMap { if case .summary(let versions) = $0 { return versions } else { return nil } }
        #expect(summaries == [[left, node(7), node(8)].compactMap { router.database[$0]?.version }])
        let records = sent.compactMap { if case .linkState(let records) = $0 { return records } else { return nil } }.flatMap { $0 }
        #expect(records.map(\.origin) == [me])
    }

    @Test func aPeerUpFloodsOnlyOurOwnRecordToTheOtherPeers() {
        var router = router()
        let actions = router.handle(.peerUp(right, name: "n3", incarnation: 1, cost: nil), at: at(100))
        #expect(messages(actions, to: left) == [.linkState([router.database[me]!])])
    }

    @Test func aSummaryIsAnsweredWithARequestForWhatIsMissingOrOlder() {
        var router = router()
        _ = router.handle(.peerUp(right, name: "n3", incarnation: 1, cost: nil), at: at(100))
        let summary: [RecordVersion] = [record(7, 5).version, record(8, 4).version, record(9, 1).version, record(6, 1).version]
        let actions = router.handle(.message(.summary(summary), from: right), at: at(101))
        #expect(messages(actions, to: right) == [.request([node(8), node(9), node(6)])])
        // Nothing to ask for: no answer at all.
        let same = router.handle(.message(.summary([record(7, 4).version]), from: right), at: at(102))
        #expect(messages(same, to: right).isEmpty)
    }

    @Test func aRequestIsAnsweredWithTheRecordsAndFlushesHeldNow() {
        var router = router()
        _ = router.handle(.peerUp(right, name: "n3", incarnation: 1, cost: nil), at: at(100))
        _ = router.handle(.message(.flush([record(8, 3).version]), from: left), at: at(101))
        let actions = router.handle(.message(.request([node(7), node(8), node(5)]), from: right), at: at(102))
        #expect(messages(actions, to: right) == [.flush([record(8, 3).version]), .linkState([record(7, 5)])])
    }

    /// A summary carries no seal: a newer version of our own record in it is asked for,
    /// and only the record itself (which the node checked) makes the router outnumber it.
    @Test func aSummaryListingANewerVersionOfOurOwnRecordIsAskedForThenOutnumbered() {
        var router = router()
        let ghost = RecordVersion(origin: me, incarnation: 1, sequence: 40)
        // (After the origination hold of the node's first record.)
        let asked = router.handle(.message(.summary([ghost]), from: left), at: at(100))
        #expect(messages(asked, to: left) == [.request([me])])
        let old = LinkStateRecord(origin: me, name: "n1", incarnation: 1, sequence: 40, links: [])
        let actions = router.handle(.message(.linkState([old]), from: left), at: at(101))
        #expect(messages(actions, to: left).contains { message in
            guard case .linkState(let records) = message else { return false }
            return records.contains { $0.origin == me && $0.sequence == 41 }
        })
    }

    /// A made-up version at the last incarnation and sequence, that the peer cannot show,
    /// leaves our record as it is.
    @Test func aSummaryListingAVersionItCannotShowMovesNothing() {
        var router = router()
        let forged = RecordVersion(origin: me, incarnation: .max, sequence: .max)
        let actions = router.handle(.message(.summary([forged]), from: left), at: at(10))
        #expect(messages(actions, to: left) == [.request([me])])
        let unanswered = router.handle(.message(.linkState([]), from: left), at: at(11))
        #expect(messages(unanswered, to: left).isEmpty)
    }
}
