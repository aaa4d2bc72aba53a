import ArborClient
import ArborCore
import ArborTestSupport
import ArborWire
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The library against a real `arbord` (one node, no peers): every request the node
/// answers as docs/client-protocol.md says, and what it delivers.
@Suite("ClientConnection against arbord", .timeLimit(.minutes(2)))
struct ArbordTests {
    /// n1 may publish to nasdaq.quotes; refused.x lists n2 as its only publisher.
    static let topologies = """
        topologies:
          - name: nasdaq.quotes
            root: n1
            nodes: [n1]
          - name: refused.x
            root: n1
            nodes: [n1, n2]
            links:
              - { between: [n1, n2], cost: 1 }
            publishers: [n2]

        """

    @Test func requestsAreAnsweredAndMatchingMessagesDelivered() async throws {
        let directory = try TemporaryDirectory("client-arbord")
        let file = try directory.write("topologies.yaml", Self.topologies)
        let node = ArbordProcess(name: "n1", port: 0, directory: directory.path + "/n1", arguments: ["--topologies", file])
        try node.start()
        defer { node.end(with: SIGKILL) }
        try await node.waitUntilReady()
        do {
            try await exchange(with: node)
        } catch {
            Issue.record("\(error)\n\(node.tail())")
        }
    }

    func exchange(with node: ArbordProcess) async throws {
        let subscriber = try await ClientConnection.connect(runDirectory: node.runDirectory, name: "swift-sub")
        #expect(subscriber.node.name == "n1")
        try await subscriber.subscribe(quotes, prefix: "AAPL")

        let publisher = try await ClientConnection.connect(runDirectory: node.runDirectory, name: "swift-pub")
        #expect(publisher.node.id == subscriber.node.id)
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

        // The node's own stream of the topology: AAPL 1 and 2 reach the subscriber, MSFT
        // (3) does not.
        let events = try await collect(subscriber, count: 2)
        let origin = subscriber.node.id
        guard case .message(let first) = events.first else {
            Issue.record("not a message: \(events)")
            return
        }
        #expect(events == [
            .message(DeliveredMessage(topology: quotes, origin: origin, originIncarnation: first.originIncarnation, sequence: 1, topic: "AAPL", payload: Array("189.5".utf8))),
            .message(DeliveredMessage(topology: quotes, origin: origin, originIncarnation: first.originIncarnation, sequence: 2, topic: "AAPL", payload: Array("190.25".utf8))),
        ])
        // A node that stops says so, and closes the connection.
        node.end(with: SIGTERM)
        do {
            for try await event in subscriber.events {
                Issue.record("after the node stopped: \(event)")
            }
        } catch {
            guard case .connectionClosed(let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(reason?.contains("shutting down (10)") == true, "\(error)")
        }
        await subscriber.close()
    }
}
