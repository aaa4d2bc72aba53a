import ArborCore
import Testing

/// Messages handed to the router together (a peer's read, a client's read) are handled as
/// runs that share their lookups (``Router/Event/messages(_:from:)``,
/// ``Router/Event/publications(_:_:)``): what comes out must be what one event per message
/// at the same instant gives, in the same order for each client and neighbour, whatever the
/// batch mixes; a run's messages to a neighbour leave as one action.
@Suite struct DataRunTests {
    let quotes = TopologyName("quotes")!
    let other = TopologyName("other")!
    let me = node(1)
    let left = node(2)
    let right = node(3)

    func at(_ milliseconds: Int64) -> Instant { Instant(nanoseconds: milliseconds * 1_000_000) }

    /// A relay between `left` and `right`: local subscribers 5 ("A") and 6 (everything) of
    /// `quotes`, a local member 7 of `other`; `right` wants "A" of quotes and all of
    /// other, `left` all of both.
    func relay(maximumMessageSize: Int = 1 << 20) -> Router {
        var configuration = RouterConfiguration(id: me, name: "n1", incarnation: 1)
        configuration.maximumMessageSize = maximumMessageSize
        var router = Router(configuration)
        _ = router.handle(.start, at: .zero)
        for (peer, name) in [(left, "n2"), (right, "n3")] {
            _ = router.handle(.peerUp(peer, name: name, incarnation: 1, cost: nil), at: .zero)
            let record = LinkStateRecord(origin: peer, name: name, incarnation: 1, sequence: 1, links: [Link(neighbor: me, cost: 10)])
            _ = router.handle(.message(.linkState([record]), from: peer), at: .zero)
        }
        _ = router.handle(.subscribe(5, quotes, "A"), at: .zero)
        _ = router.handle(.subscribe(6, quotes, ""), at: .zero)
        _ = router.handle(.attach(7, other), at: .zero)
        for (peer, wanted) in [(left, PrefixSet([""])), (right, PrefixSet(["A"]))] {
            _ = router.handle(.message(.interest(quotes, .full(wanted)), from: peer), at: .zero)
            _ = router.handle(.message(.interest(other, .full(PrefixSet([""]))), from: peer), at: .zero)
        }
        // Past the origination hold of our record's second version, and the recomputation;
        // the peers keep the links alive meanwhile.
        for time in stride(from: Int64(1), through: 1_000, by: 50) {
            for peer in [left, right] {
                _ = router.handle(.message(.heartbeat(Heartbeat(timestamp: time, echo: 0, echoDelay: 0)), from: peer), at: at(time))
            }
            _ = router.handle(.timer, at: at(time))
        }
        return router
    }

    func data(_ topology: TopologyName, _ sequence: UInt64, _ topic: Topic, origin: UInt64 = 2) -> PeerMessage {
        .data(DataMessage(topology: topology, origin: node(origin), originIncarnation: 1, sequence: sequence, hops: 1, topic: topic, payload: [UInt8(sequence)]))
    }

    /// What `actions` do with data, one line each, in order.
    func dataActions(_ actions: [Router.Action]) -> [String] {
        actions.compactMap { action in
            switch action {
            case .deliver(let messages, let client):
                return messages.map { "deliver \($0.topology) \($0.sequence) \($0.topic) hops \($0.hops) to \(client)" }.joined(separator: "\n")
            case .send(.data(let message), let peer):
                return "send \(message.topology) \(message.sequence) \(message.topic) hops \(message.hops) to \(peer)"
            case .forward(let messages, let peer):
                return messages.map { "send \($0.topology) \($0.sequence) \($0.topic) hops \($0.hops) to \(peer)" }.joined(separator: "\n")
            case .reject(let client, let rejection):
                return "reject \(client): \(rejection)"
            default:
                return nil
            }
        }.flatMap { $0.split(separator: "\n").map(String.init) }
    }

    /// ``dataActions(_:)`` of each client and neighbour: what it gets, in order.
    func perDestination(_ actions: [Router.Action]) -> [String: [String]] {
        Dictionary(grouping: dataActions(actions)) { line in
            line.hasPrefix("reject") ? String(line.prefix { $0 != ":" }) : String(line[line.range(of: " to ", options: .backwards)!.upperBound...])
        }
    }

    /// The runs delivered to `client`: the sequences of each action, in order.
    func deliveredRuns(_ actions: [Router.Action], to client: ClientID) -> [[UInt64]] {
        actions.compactMap { action in
            guard case .deliver(let messages, let to) = action, to == client else { return nil }
            return messages.map(\.sequence)
        }
    }

    /// The runs forwarded to `peer`: the sequences of each action, in order.
    func forwardedRuns(_ actions: [Router.Action], to peer: NodeID) -> [[UInt64]] {
        actions.compactMap { action in
            guard case .forward(let messages, let to) = action, to == peer else { return nil }
            return messages.map(\.sequence)
        }
    }

    @Test func aPeersBatchIsHandledAsOneEventPerMessage() {
        let batch: [PeerMessage] = [
            data(quotes, 1, "AAPL"), data(quotes, 2, "AAPL"),
            data(quotes, 2, "AAPL"),  // a duplicate within the run
            data(quotes, 3, "B"),  // another topic: 6 only, not `right`
            data(other, 1, "X"),  // another topology in the same read
            data(quotes, 4, "AAPL"),
            .interest(quotes, .full(PrefixSet(["B"]))),  // `left` changes its interest mid-read
            data(quotes, 5, "AAPL", origin: 9),  // another origin
            data(quotes, 1, "AAPL"),  // an old duplicate after the run was broken
            .heartbeat(Heartbeat(timestamp: 1, echo: 0, echoDelay: 0)),
            data(other, 2, "Y"),
        ]
        var batched = relay()
        var single = relay()
        #expect(batched.topologies[quotes]?.engaged == [left, right])
        #expect(batched.topologies[other]?.engaged == [left, right])
        let together = batched.handle(.messages(batch, from: left), at: at(1_100))
        var oneByOne: [Router.Action] = []
        for message in batch {
            oneByOne += single.handle(.message(message, from: left), at: at(1_100))
        }
        #expect(perDestination(together) == perDestination(oneByOne))
        #expect(batched.statistics == single.statistics)
        let lines = dataActions(together)
        #expect(lines.filter { $0.hasSuffix("to 5") }.count == 4)  // quotes 1, 2, 4, 5 on "AAPL"
        #expect(lines.filter { $0.hasSuffix("to 6") }.count == 5)  // and 3 on "B"
        #expect(lines.filter { $0.hasPrefix("send quotes") && $0.hasSuffix("to \(right)") }.count == 4)
        #expect(lines.filter { $0.hasPrefix("send other") && $0.hasSuffix("to \(right)") }.count == 2)
        #expect(!lines.contains { $0.hasSuffix("to \(left)") })
        #expect(lines.allSatisfy { $0.contains("hops 2") })
        #expect(batched.statistics.dropped[.duplicate] == 2)
        // One action per run to `right`: quotes 1-2 (then "B" goes to no neighbour), other
        // 1, quotes 4 (the interest ends the run), origin 9's 5, other 2; the same runs to
        // client 5, which does not want "B" either.
        #expect(deliveredRuns(together, to: 5) == [[1, 2], [4], [5]])
        #expect(forwardedRuns(together, to: right) == [[1, 2], [1], [4], [5], [2]])
    }

    @Test func aRunOfOneTopicLeavesAsOneActionPerNeighbourInOrder() {
        var router = relay()
        // 1 to 50 with 20 to 29 sent twice and 7 again after 40: as a peer's read.
        var batch: [PeerMessage] = (1...50).map { data(quotes, UInt64($0), "AAPL") }
        batch.insert(contentsOf: (20...29).map { data(quotes, UInt64($0), "AAPL") }, at: 30)
        batch.insert(data(quotes, 7, "AAPL"), at: 45)
        let actions = router.handle(.messages(batch, from: left), at: at(1_100))
        #expect(forwardedRuns(actions, to: right) == [Array(1...50)])
        #expect(forwardedRuns(actions, to: left).isEmpty)
        #expect(router.statistics.dropped[.duplicate] == 11)
        #expect(router.statistics.dataForwarded == 50)
        for client: ClientID in [5, 6] {
            let delivered = actions.compactMap { action -> [UInt64]? in
                guard case .deliver(let messages, client) = action else { return nil }
                return messages.map(\.sequence)
            }
            #expect(delivered == [Array(1...50)])
        }
    }

    @Test func topicsWithTheSameTargetsShareARunAndOthersSplitIt() {
        var router = relay()
        // "A1" and "A2" go to `right` and client 5 (they want "A"), "B" does not: the run
        // is split there.
        let batch = [data(quotes, 1, "A1"), data(quotes, 2, "A2"), data(quotes, 3, "A1"), data(quotes, 4, "B"), data(quotes, 5, "A2")]
        let actions = router.handle(.messages(batch, from: left), at: at(1_100))
        #expect(forwardedRuns(actions, to: right) == [[1, 2, 3], [5]])
        // Client 5 ("A") gets the same runs; client 6 (everything) gets one, split where
        // the others' targets change.
        #expect(deliveredRuns(actions, to: 5) == [[1, 2, 3], [5]])
        #expect(deliveredRuns(actions, to: 6) == [[1, 2, 3], [4], [5]])
    }

    @Test func aPublishersRunLeavesAsOneActionPerNeighbour() {
        var router = relay()
        let publications = (1...20).map { Router.Publication(topology: quotes, topic: "AAPL", payload: [UInt8($0)]) }
        let actions = router.handle(.publications(9, publications), at: at(1_100))
        #expect(forwardedRuns(actions, to: left) == [Array(1...20)])
        #expect(forwardedRuns(actions, to: right) == [Array(1...20)])
        let payloads = actions.compactMap { action -> [[UInt8]]? in
            guard case .forward(let messages, left) = action else { return nil }
            return messages.map(\.payload)
        }
        #expect(payloads == [(1...20).map { [UInt8($0)] }])
    }

    @Test func aClientsPublicationsAreHandledAsOneEventEach() {
        func origin() -> Router {
            var router = relay(maximumMessageSize: 64)
            _ = router.handle(.subscribe(8, other, "X"), at: at(1_100))
            return router
        }
        let publications = [
            Router.Publication(topology: quotes, topic: "AAPL", payload: [1]),
            Router.Publication(topology: quotes, topic: "B", payload: [2]),
            Router.Publication(topology: other, topic: "X", payload: [3]),
            Router.Publication(topology: quotes, topic: "AAPL", payload: [UInt8](repeating: 4, count: 65)),  // over the limit
            Router.Publication(topology: quotes, topic: "AAPL", payload: [5]),
            Router.Publication(topology: other, topic: "Z", payload: [6]),  // nobody wants it
        ]
        var batched = origin()
        var single = origin()
        let together = batched.handle(.publications(9, publications), at: at(1_200))
        var oneByOne: [Router.Action] = []
        for publication in publications {
            oneByOne += single.handle(.publish(9, publication.topology, publication.topic, payload: publication.payload), at: at(1_200))
        }
        #expect(perDestination(together) == perDestination(oneByOne))
        #expect(batched.statistics == single.statistics)
        let lines = dataActions(together)
        #expect(lines.contains { $0.hasPrefix("reject 9") })
        #expect(lines.filter { $0.hasPrefix("deliver quotes") && $0.hasSuffix("to 6") }.count == 3)
        #expect(lines.filter { $0.hasPrefix("send quotes") && $0.hasSuffix("to \(left)") }.count == 3)
        #expect(lines.filter { $0.hasPrefix("send other") }.count == 4)  // X and Z to both neighbours
        #expect(batched.statistics.published == 5)
    }
}
