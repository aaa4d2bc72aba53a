import ArborClient
import ArborCore
import ArborWire
import Testing

/// The library against tools/fake-client-node.py, which checks every frame against
/// docs/client-protocol.md and exits non-zero on the first deviation.
@Suite("ArborClient against the fake node", .timeLimit(.minutes(1)))
struct FakeNodeTests {
    @Test func everyRequestIsFramedAsDocumented() async throws {
        let node = try await FakeNode(connections: 2)
        do {
            try await exchange(with: node)
        } catch {
            Issue.record("\(error); \(node.log)")
        }
        let log = await node.finish()
        #expect(log.status == 0, "\(log.standardError)")
    }

    func exchange(with node: FakeNode) async throws {
        let publisher = try await ArborClient.connect(runDirectory: node.runDirectory, name: "swift-pub")
        #expect(publisher.node.name == "fake-node")
        #expect(publisher.node.id.description == fakeOrigin)
        try await publisher.attach(quotes)
        try await publisher.publish(quotes, topic: "AAPL", payload: Array("189.5".utf8))
        try await publisher.publishUnacknowledged(quotes, topic: "AAPL", payload: Array("190.25".utf8))
        try await publisher.publishUnacknowledged(quotes, topic: "MSFT", payload: [])
        await #expect(throws: ArborClientError.self) {
            try await publisher.publish(TopologyName("refused.x")!, topic: "A", payload: [])
        }
        try await publisher.unsubscribe(quotes, prefix: "AAPL")
        try await publisher.detach(quotes)
        try await publisher.flush()
        await publisher.close()

        let subscriber = try await ArborClient.connect(runDirectory: node.runDirectory, name: "swift-sub")
        try await subscriber.subscribe(quotes, prefix: "AAPL")
        var events: [ArborEvent] = []
        do {
            for try await event in subscriber.events { events.append(event) }
            Issue.record("the fake node closes after a subscription")
        } catch {
            #expect(error == .connectionClosed(reason: nil))
        }
        let origin = subscriber.node.id
        #expect(events == [
            .message(DeliveredMessage(topology: quotes, origin: origin, originIncarnation: 1, sequence: 1, topic: "AAPL", payload: Array("189.5".utf8))),
            .message(DeliveredMessage(topology: quotes, origin: origin, originIncarnation: 1, sequence: 2, topic: "AAPL", payload: Array("190.25".utf8))),
            .gap(GapNotice(topology: quotes, origin: origin, originIncarnation: 1, first: 4, last: 5)),
        ])
        await subscriber.close()
    }
}
