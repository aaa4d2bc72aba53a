import ArborControl
import ArborCore
import ArborTestSupport
import ArborWire
import Foundation
import Testing

@testable import ArborClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let quotes = TopologyName("nasdaq.quotes")!

/// Collects `count` events, failing after `seconds`.
func collect(_ client: ClientConnection, count: Int, seconds: Double = 10) async throws -> [ArborEvent] {
    try await withThrowingTaskGroup(of: [ArborEvent].self) { group in
        group.addTask {
            var events: [ArborEvent] = []
            for try await event in client.events {
                events.append(event)
                if events.count == count { break }
            }
            return events
        }
        group.addTask {
            try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            throw CollectTimeout()
        }
        let events = try await group.next()!
        group.cancelAll()
        return events
    }
}

struct CollectTimeout: Error {}

@Suite("ClientConnection against an in-process node", .timeLimit(.minutes(3)))
struct ClientTests {
    @Test func connectsAndLearnsWhoTheNodeIs() async throws {
        try await withClient(named: "test") { node, client in
            #expect(client.node.id == TestNode.nodeID)
            #expect(client.node.name == "test-node")
            #expect(client.node.protocolVersion == 1)
            #expect(client.node.maximumMessageSize == 1 << 20)
            #expect(client.socketPath == node.socketPath)
            try await client.flush()
        }
    }

    @Test func socketPathIsInTheRunDirectory() {
        #expect(ClientConnection.socketPath(runDirectory: "/tmp/x/") == "/tmp/x/client.sock")
        #expect(ClientConnection.socketPath(runDirectory: "/") == "/client.sock")
        // ARBOR_RUN_DIR and the default are exercised by the CLI tests (one process each).
    }

    @Test func subscriberReceivesMatchingMessagesOnly() async throws {
        let node = try await TestNode()
        let subscriber = try await ClientConnection.connect(runDirectory: node.runDirectory, name: "sub")
        let publisher = try await ClientConnection.connect(runDirectory: node.runDirectory, name: "pub")
        try await subscriber.subscribe(quotes, prefix: "AAPL")
        try await publisher.attach(quotes)
        try await publisher.publish(quotes, topic: "AAPL", payload: Array("189.5".utf8))
        try await publisher.publish(quotes, topic: "MSFT", payload: Array("410.1".utf8))
        try await publisher.publishUnacknowledged(quotes, topic: "AAPL.L", payload: [0, 1, 2])
        try await publisher.flush()
        // Its own publications too.
        try await subscriber.publish(quotes, topic: "AAPL", payload: Array("190".utf8))

        let events = try await collect(subscriber, count: 3)
        let messages = events.compactMap { event -> DeliveredMessage? in
            if case .message(let message) = event { return message }
            return nil
        }
        #expect(messages.map(\.topic) == ["AAPL", "AAPL.L", "AAPL"])
        #expect(messages.map(\.sequence) == [1, 3, 4])
        #expect(messages.map(\.payload) == [Array("189.5".utf8), [0, 1, 2], Array("190".utf8)])
        #expect(messages.allSatisfy { $0.origin == TestNode.nodeID && $0.topology == quotes && $0.originIncarnation == 1 })

        try await subscriber.unsubscribe(quotes, prefix: "AAPL")
        try await subscriber.detach(quotes)
        await publisher.close()
        await subscriber.close()
        await node.stop()
    }

    @Test func gapNoticesArriveAsEvents() async throws {
        try await withClient(named: "sub") { _, client in
            try await client.subscribe(quotes, prefix: "")
            try await client.publish(quotes, topic: "!gap", payload: [])
            let events = try await collect(client, count: 1)
            guard case .gap(let gap) = events.first else {
                Issue.record("expected a gap, got \(events)")
                return
            }
            #expect(gap == GapNotice(topology: quotes, origin: TestNode.nodeID, originIncarnation: 1, first: 1, last: 2))
        }
    }

    @Test func refusedRequestThrowsTheNodesReason() async throws {
        try await withClient { node, client in
            let refused = TopologyName("refused.quotes")!
            do throws(ArborClientError) {
                try await client.subscribe(refused, prefix: "AAPL")
                Issue.record("subscribe should have thrown")
            } catch {
                guard case .refused(let refusal) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(refusal.code == .notPermitted)
                #expect(error.description == #"node refused SUBSCRIBE refused.quotes prefix "AAPL": not permitted (5): not permitted in refused.quotes"#)
            }
            // The connection goes on.
            try await client.subscribe(quotes, prefix: "AAPL")
        }
    }

    @Test func unacknowledgedRefusalsSurfaceAtFlushAndAsEvents() async throws {
        try await withClient { node, client in
            let refused = TopologyName("refused.quotes")!
            for _ in 0..<3 {
                try await client.publishUnacknowledged(refused, topic: "AAPL", payload: [1])
            }
            try await client.publishUnacknowledged(quotes, topic: "AAPL", payload: [1])
            do throws(ArborClientError) {
                try await client.flush()
                Issue.record("flush should have thrown")
            } catch {
                guard case .unacknowledgedRequestsFailed(let count, let first) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(count == 3)
                #expect(first.code == .notPermitted)
                #expect(first.request == "PUBLISH (unacknowledged)")
                #expect(error.description.hasSuffix("(and 2 more)"))
            }
            let events = try await collect(client, count: 3)
            #expect(events.allSatisfy { if case .error(.refused(let r)) = $0 { r.code == .notPermitted } else { false } })
            // Reported once: the next flush is clean.
            try await client.flush()
            #expect(node.statistics.publishes == 1)
        }
    }

    @Test func requestsThatCannotBeFramedAreRefusedLocally() async throws {
        try await withClient { _, client in
            let longTopic = Topic([UInt8](repeating: 65, count: 2000))
            do throws(ArborClientError) {
                try await client.publishUnacknowledged(quotes, topic: longTopic, payload: [])
                Issue.record("should have thrown")
            } catch {
                guard case .invalidRequest = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
            }
            do throws(ArborClientError) {
                try await client.publish(quotes, topic: "A", payload: [UInt8](repeating: 0, count: 2 << 20))
                Issue.record("should have thrown")
            } catch {
                guard case .invalidRequest(let what) = error else {
                    Issue.record("unexpected \(error)")
                    return
                }
                #expect(what.contains("1114112"))
            }
            try await client.flush()
        }
    }

    @Test func nodeNotRunningSaysSoInOneLine() async throws {
        let directory = try TemporaryDirectory("client")
        do {
            _ = try await ClientConnection.connect(runDirectory: directory.path, name: "t")
            Issue.record("connect should have thrown")
        } catch {
            #expect(error == .nodeNotRunning(socketPath: directory.path + "/client.sock"))
            #expect(error.description == "no arbord at \(directory.path)/client.sock: is it running? (--run-dir / ARBOR_RUN_DIR)")
        }
    }

    @Test func socketWithoutListenerIsNotAccepting() async throws {
        let directory = try TemporaryDirectory("client")
        let path = directory.path + "/client.sock"
        // Bound but never listening: what a crashed node leaves behind.
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = try UnixSocket.address(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        do {
            _ = try await ClientConnection.connect(runDirectory: directory.path, name: "t")
            Issue.record("connect should have thrown")
        } catch {
            #expect(error == .nodeNotAccepting(socketPath: path))
        }
    }

    @Test(.enabled(if: getuid() != 0, "root may open any socket"))
    func permissionDeniedSaysSo() async throws {
        let node = try await TestNode()
        chmod(node.socketPath, 0)
        do {
            _ = try await ClientConnection.connect(runDirectory: node.runDirectory, name: "t")
            Issue.record("connect should have thrown")
        } catch {
            #expect(error == .permissionDenied(socketPath: node.socketPath))
        }
        await node.stop()
    }

    @Test func nodeClosingTheConnectionEndsEventsAndRequestsWithItsReason() async throws {
        try await withClient { node, client in
            try await client.subscribe(quotes, prefix: "")
            try await client.publishUnacknowledged(quotes, topic: "!kick", payload: [])
            let expected = ArborClientError.connectionClosed(reason: "slow consumer (9)")
            do throws(ArborClientError) {
                for try await event in client.events {
                    Issue.record("unexpected event \(event)")
                }
                Issue.record("events should have thrown")
            } catch {
                #expect(error == expected)
                #expect(error.description == "the node closed the connection: slow consumer (9)")
            }
            await #expect(throws: expected) { try await client.flush() }
            await #expect(throws: expected) { try await client.publishUnacknowledged(quotes, topic: "A", payload: []) }
        }
    }

    @Test func closeSendsWhatIsQueuedAndEndsEvents() async throws {
        try await withClient { node, client in
            let consumer = Task {
                var count = 0
                for try await _ in client.events { count += 1 }
                return count
            }
            for index in 0..<1000 {
                try await client.publishUnacknowledged(quotes, topic: "T", payload: [UInt8(index & 0xff)])
            }
            await client.close()
            #expect(try await consumer.value == 0)
            #expect(await node.wait { $0.publishes == 1000 })
            await #expect(throws: ArborClientError.closed) { try await client.flush() }
        }
    }

    @Test func cancellingTheConsumerEndsTheSequence() async throws {
        try await withClient { _, client in
            let consumer = Task {
                for try await _ in client.events {}
                return true
            }
            try await Task.sleep(nanoseconds: 50_000_000)
            consumer.cancel()
            #expect(try await consumer.value)
            // A new consumer may take over.
            try await client.subscribe(quotes, prefix: "")
            try await client.publish(quotes, topic: "X", payload: [])
            #expect(try await collect(client, count: 1).count == 1)
        }
    }

    @Test func fastPublisherAgainstSlowNodeKeepsMemoryBounded() async throws {
        // The node reads nothing for half a second, then 64 KiB at a time; 200,000
        // messages are about 26 MB.
        let node = try await TestNode(stall: .milliseconds(500), readChunk: 64 * 1024)
        var configuration = ClientConnection.Configuration()
        configuration.outboundBufferLimit = 256 * 1024
        let client = try await ClientConnection.connect(runDirectory: node.runDirectory, name: "t", configuration: configuration)
        let payload = [UInt8](repeating: 0x2e, count: 100)
        let count = 200_000
        for _ in 0..<count {
            try await client.publishUnacknowledged(quotes, topic: "AAPL", payload: payload)
        }
        try await client.flush()
        #expect(node.statistics.publishes == count)
        let frameBytes = 4 + 1 + 4 + 1 + 13 + 2 + 4 + 4 + 100
        let peak = client.statistics.peakOutboundBytes
        // Own buffer (limit + one frame) plus the channel's (high water mark + one batch).
        #expect(peak <= 3 * configuration.outboundBufferLimit + 2 * frameBytes, "peak \(peak) bytes")
        #expect(peak < count * frameBytes / 10)
        // The node was slow enough to make the publisher wait, and buffers fill up.
        #expect(client.statistics.publisherWaits > 0)
        #expect(peak > configuration.outboundBufferLimit)
        await client.close()
        await node.stop()
    }

    @Test func slowConsumerStopsReadingAndLosesNothing() async throws {
        let node = try await TestNode()
        var configuration = ClientConnection.Configuration()
        configuration.eventBufferLimit = 64
        let subscriber = try await ClientConnection.connect(runDirectory: node.runDirectory, name: "sub", configuration: configuration)
        let publisher = try await ClientConnection.connect(runDirectory: node.runDirectory, name: "pub")
        try await subscriber.subscribe(quotes, prefix: "")
        let count = 5_000
        for index in 0..<count {
            try await publisher.publishUnacknowledged(quotes, topic: "T", payload: Array(String(index).utf8))
        }
        try await publisher.flush()
        // Nobody consumed yet: reading stopped at the limit.
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(subscriber.statistics.readPauses >= 1)
        #expect(subscriber.statistics.bufferedEvents < count)
        let events = try await collect(subscriber, count: count, seconds: 30)
        let sequences = events.compactMap { event -> UInt64? in
            if case .message(let message) = event { return message.sequence }
            return nil
        }
        #expect(sequences == Array(1...UInt64(count)))
        #expect(subscriber.statistics.readPauses > 1)
        await publisher.close()
        await subscriber.close()
        await node.stop()
    }

    @Test func concurrentRequestsAreAnsweredToTheirCallers() async throws {
        try await withClient { node, client in
            let refused = TopologyName("refused.x")!
            let results = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        do {
                            try await client.publish(index % 2 == 0 ? quotes : refused, topic: "T", payload: [])
                            return index % 2 == 0
                        } catch {
                            return index % 2 == 1 && "\(error)".contains("refused.x")
                        }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.count == 200 && results.allSatisfy { $0 })
            #expect(node.statistics.publishes == 100)
        }
    }

    /// Runs `body` with a client named `name` connected to a fresh node, then closes the
    /// client and stops the node, also when `body` throws.
    private func withClient(named name: String = "t", _ body: (TestNode, ClientConnection) async throws -> Void) async throws {
        let node = try await TestNode()
        do {
            let client = try await ClientConnection.connect(runDirectory: node.runDirectory, name: name)
            do {
                try await body(node, client)
            } catch {
                await client.close()
                throw error
            }
            await client.close()
        } catch {
            await node.stop()
            throw error
        }
        await node.stop()
    }
}
