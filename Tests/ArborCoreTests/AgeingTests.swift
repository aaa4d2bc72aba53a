import ArborCore
import Testing

/// Ageing of records: a dead node's record is flushed by one flood that every node applies
/// at once, never dropped by each node on its own clock, and a flushed record is not taken
/// back from a peer that still holds it.
@Suite struct AgeingTests {
    let me = node(1)
    let left = node(2)
    let right = node(3)
    /// A node that died: its record still lists a link nobody confirms.
    let dead = node(9)

    /// A router linked to `left` and `right`, with a one-second grace period and
    /// reachability tracked every 100 ms.
    func router() -> Router {
        var configuration = RouterConfiguration(id: me, name: "n1", incarnation: 1)
        configuration.recordGracePeriod = .seconds(1)
        configuration.reachabilityInterval = .milliseconds(100)
        configuration.flushMemory = .seconds(2)
        var router = Router(configuration)
        _ = router.handle(.start, at: .zero)
        _ = router.handle(.peerUp(left, name: "n2", incarnation: 1, cost: nil), at: .zero)
        _ = router.handle(.peerUp(right, name: "n3", incarnation: 1, cost: nil), at: .zero)
        return router
    }

    func at(_ milliseconds: Int64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }

    func deadRecord(_ sequence: UInt64 = 4) -> LinkStateRecord {
        LinkStateRecord(origin: dead, name: "n9", incarnation: 1, sequence: sequence, links: [Link(neighbor: left, cost: 10)])
    }

    /// Steps the router's timer every 10 ms from `start` up to `end`, both peers keeping
    /// their links alive; returns every action.
    func run(_ router: inout Router, from start: Int64, to end: Int64) -> [Router.Action] {
        var actions: [Router.Action] = []
        var time = start
        while time <= end {
            for peer in [left, right] {
                actions += router.handle(.message(.heartbeat(Heartbeat(timestamp: 1, echo: 0, echoDelay: 0)), from: peer), at: at(time))
            }
            actions += router.handle(.timer, at: at(time))
            time += 10
        }
        return actions
    }

    func flushes(_ actions: [Router.Action], to peer: NodeID) -> [RecordVersion] {
        actions.flatMap { action -> [RecordVersion] in
            guard case .send(.flush(let versions), let to) = action, to == peer else { return [] }
            return versions
        }
    }

    func records(_ actions: [Router.Action], to peer: NodeID) -> [LinkStateRecord] {
        actions.flatMap { action -> [LinkStateRecord] in
            guard case .send(.linkState(let records), let to) = action, to == peer else { return [] }
            return records
        }
    }

    @Test func anUnreachableNodesRecordIsFlushedToEveryPeerAfterTheGracePeriod() {
        // Each node used to drop the record on its own when its own tracking said so,
        // seconds apart from its neighbours: "database differs from node 0 in the same
        // component" (arbor-sim --nodes 30 --degree 3 --topologies 3 --subscribers 10
        // --faults 100 --seed 4).
        var router = router()
        _ = router.handle(.message(.linkState([deadRecord()]), from: left), at: at(10))
        let before = run(&router, from: 20, to: 1_000)
        #expect(flushes(before, to: left).isEmpty)
        #expect(router.database[dead] != nil)
        let after = run(&router, from: 1_010, to: 1_300)
        #expect(router.database[dead] == nil)
        #expect(flushes(after, to: left) == [deadRecord().version])
        #expect(flushes(after, to: right) == [deadRecord().version])
    }

    @Test func aFlushRemovesTheRecordAndFloodsOnOnceToTheOtherPeers() {
        var router = router()
        _ = router.handle(.message(.linkState([deadRecord()]), from: left), at: at(10))
        let first = router.handle(.message(.flush([deadRecord().version]), from: left), at: at(20))
        #expect(router.database[dead] == nil)
        #expect(flushes(first, to: right) == [deadRecord().version])
        #expect(flushes(first, to: left).isEmpty)
        let again = router.handle(.message(.flush([deadRecord().version]), from: right), at: at(21))
        #expect(flushes(again, to: left).isEmpty && flushes(again, to: right).isEmpty)
    }

    @Test func aFlushOfAnOlderVersionLeavesTheNewerRecord() {
        var router = router()
        _ = router.handle(.message(.linkState([deadRecord(5)]), from: left), at: at(10))
        let actions = router.handle(.message(.flush([deadRecord(4).version]), from: right), at: at(20))
        #expect(router.database[dead]?.sequence == 5)
        #expect(flushes(actions, to: left).isEmpty)
    }

    @Test func aStaleCopyOfAFlushedRecordIsAnsweredWithTheFlushNotInstalled() {
        // A node that dropped a record took it back from a neighbour that still held it,
        // flooded it again, and the record circulated.
        var router = router()
        _ = router.handle(.message(.linkState([deadRecord()]), from: left), at: at(10))
        _ = router.handle(.message(.flush([deadRecord().version]), from: left), at: at(20))
        let stale = router.handle(.message(.linkState([deadRecord()]), from: right), at: at(30))
        #expect(router.database[dead] == nil)
        #expect(records(stale, to: left).isEmpty)
        #expect(flushes(stale, to: right) == [deadRecord().version])
        // A newer record (the node came back) is installed and flooded.
        let newer = router.handle(.message(.linkState([deadRecord(6)]), from: right), at: at(40))
        #expect(router.database[dead]?.sequence == 6)
        #expect(records(newer, to: left).map(\.sequence) == [6])
    }

    @Test func aFlushIsRememberedForTheFlushMemoryOnly() {
        var router = router()
        _ = router.handle(.message(.flush([deadRecord().version]), from: left), at: at(10))
        _ = run(&router, from: 20, to: 2_100)
        let copy = router.handle(.message(.linkState([deadRecord()]), from: right), at: at(2_110))
        #expect(router.database[dead]?.sequence == 4)
        #expect(records(copy, to: left).map(\.sequence) == [4])
    }

    @Test func aNewPeerGetsWhatWasFlushed() {
        var router = router()
        _ = router.handle(.message(.flush([deadRecord().version]), from: left), at: at(10))
        let actions = router.handle(.peerUp(node(4), name: "n4", incarnation: 1, cost: nil), at: at(20))
        #expect(flushes(actions, to: node(4)) == [deadRecord().version])
    }

    @Test func aFlushOfOurOwnRecordIsOutnumbered() {
        // Another component flushed this node's record while they were apart; when they
        // meet again, this node's record must beat the flush everywhere.
        var router = router()
        let own = router.database[me]!
        // After the origination hold of the peer-ups, so that the answer goes at once.
        let actions = router.handle(.message(.flush([own.version]), from: left), at: at(100))
        let sent = records(actions, to: left).filter { $0.origin == me }
        #expect(sent.map(\.sequence) == [own.sequence + 1])
        #expect(router.database[me]?.sequence == own.sequence + 1)
    }

    @Test func aForgedOwnRecordAtTheLastVersionDoesNotTrap() {
        // A forged record for this node's id at incarnation and sequence 2^64-1 crashed
        // the node (arithmetic overflow in bumpOwnRecord).
        var router = router()
        let lastSequence = LinkStateRecord(origin: me, name: "n1", incarnation: 7, sequence: .max, links: [])
        _ = router.handle(.message(.linkState([lastSequence]), from: left), at: at(10))
        #expect(router.database[me]?.version == RecordVersion(origin: me, incarnation: 8, sequence: 1))
        let forged = LinkStateRecord(origin: me, name: "n1", incarnation: .max, sequence: .max, links: [])
        _ = router.handle(.message(.linkState([forged]), from: left), at: at(20))
        _ = router.handle(.message(.flush([forged.version]), from: left), at: at(30))
        _ = router.handle(.peerDown(right), at: at(40))
        #expect(router.database[me]?.links == [Link(neighbor: left, cost: 10)])
    }

    @Test func versionsAfterTheLastSequenceMoveToTheNextIncarnation() {
        #expect(RecordVersion(origin: me, incarnation: 1, sequence: 5).successor == RecordVersion(origin: me, incarnation: 1, sequence: 6))
        #expect(RecordVersion(origin: me, incarnation: 1, sequence: .max).successor == RecordVersion(origin: me, incarnation: 2, sequence: 1))
        #expect(RecordVersion(origin: me, incarnation: .max, sequence: .max).successor == nil)
    }
}
