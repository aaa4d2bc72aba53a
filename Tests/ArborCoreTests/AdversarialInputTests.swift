import ArborCore
import ArborTestSupport
import Testing

/// A fuzzer of the router: a bounded run of adversarial peer input, as a forged peer would
/// send it (records, flushes and summaries at the extremes of every version, for this node
/// and for others, definitions at any version, data and interest with extreme fields, links
/// going up and down), against one router. Seeded, so a failure replays; 10,000 events per
/// seed. After every event: the node's own record is still held and never older than
/// before, and the definition in force never has a version no file can give.
@Suite("Adversarial input to a router")
struct AdversarialInputTests {
    let me = node(1)
    let quotes = TopologyName("quotes")!

    @Test(arguments: 0..<6 as Range<UInt64>)
    func adversarialPeersNeverTrapNorRewindTheOwnRecord(seed: UInt64) {
        var random = Fuzz(seed: 0xF0_2026 ^ seed)
        var configuration = RouterConfiguration(id: me, name: "n1", incarnation: 1)
        configuration.definitions = [TopologyDefinition(name: quotes, version: 2, publishers: ["n1"])]
        var router = Router(configuration)
        var now = Instant.zero
        _ = router.handle(.start, at: now)
        _ = router.handle(.subscribe(1, quotes, "AAPL"), at: now)
        var own = router.database[me]!.version
        for step in 0..<10_000 {
            now = now + .milliseconds(Int64(random.int(0...40)))
            let peer = node(UInt64(random.int(2...4)))
            let event: Router.Event
            switch random.int(0...11) {
            case 0: event = .peerUp(peer, name: "n\(peer.low)", incarnation: random.version(), cost: random.chance(50) ? nil : UInt32(random.int(1...1000)))
            case 1: event = .peerDown(peer)
            case 2, 3: event = .message(.linkState((0..<random.int(1...4)).map { _ in random.record(me: me, topology: quotes) }), from: peer)
            case 4: event = .message(.flush((0..<random.int(1...3)).map { _ in random.recordVersion(me: me) }), from: peer)
            case 5: event = .message(.summary((0..<random.int(1...3)).map { _ in random.recordVersion(me: me) }), from: peer)
            case 6: event = .message(.request([random.origin(me: me)]), from: peer)
            case 7: event = .message(.data(random.data(topology: quotes, me: me)), from: peer)
            case 8: event = .message(.interest(quotes, random.chance(50) ? .full(PrefixSet(["AAPL"])) : .leave), from: peer)
            case 9: event = .loadDefinitions([random.definition(quotes)])
            case 10: event = .publish(1, quotes, "AAPL", payload: [UInt8(step & 0xff)])
            default: event = .timer
            }
            _ = router.handle(event, at: now)
            guard let current = router.database[me] else {
                Issue.record("seed \(seed) step \(step): the node's own record is gone after \(event)")
                return
            }
            if own.isNewer(than: current.version) {
                Issue.record("seed \(seed) step \(step): own record went back from \(own) to \(current.version) after \(event)")
                return
            }
            own = current.version
            if let version = router.graph.definitions[quotes]?.version, !(1...UInt64(UInt32.max)).contains(version) {
                Issue.record("seed \(seed) step \(step): a definition at version \(version) is in force")
                return
            }
        }
    }
}

/// Values a forged peer would pick: mostly the edges of each range.
private struct Fuzz {
    var random: SplitMix64

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { random.next() }

    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }

    mutating func version() -> UInt64 {
        [0, 1, 2, .max - 1, .max, 1 << 63, UInt64(UInt32.max), next()][int(0...7)]
    }

    mutating func origin(me: NodeID) -> NodeID {
        chance(30) ? me : node(UInt64(int(2...8)))
    }

    mutating func recordVersion(me: NodeID) -> RecordVersion {
        RecordVersion(origin: origin(me: me), incarnation: version(), sequence: version())
    }

    mutating func definition(_ name: TopologyName) -> TopologyDefinition {
        TopologyDefinition(
            name: name,
            version: version(),
            publishers: chance(50) ? ["n\(int(1...8))"] : nil,
            admins: chance(30) ? [node(UInt64(int(1...8)))] : nil
        )
    }

    mutating func record(me: NodeID, topology: TopologyName) -> LinkStateRecord {
        LinkStateRecord(
            origin: origin(me: me),
            name: chance(20) ? "n1" : "n\(int(2...8))",
            incarnation: version(),
            sequence: version(),
            links: (0..<int(0...3)).map { _ in Link(neighbor: node(UInt64(int(1...8))), cost: [0, 1, 7, .max][int(0...3)]) },
            definitions: chance(40) ? [definition(topology)] : []
        )
    }

    mutating func data(topology: TopologyName, me: NodeID) -> DataMessage {
        DataMessage(
            topology: topology,
            origin: origin(me: me),
            originIncarnation: version(),
            sequence: version(),
            hops: [0, 1, 63, 64, 255][int(0...4)],
            topic: "AAPL",
            payload: [1]
        )
    }
}
