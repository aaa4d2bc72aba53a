import ArborCore
import ArborTestSupport
import ArborWire
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension MultiProcess {
    /// Limits per client and per connection on a real arbord: caps refused with error 11,
    /// timeouts that close half-sent frames and requests, the connection limit, and the
    /// slow-consumer counter counting messages.
    @Suite("Limits per client and per connection")
    struct ClientLimitTests {
        static func startNode(_ name: String, _ arguments: [String]) async throws -> (ArbordProcess, String) {
            let directory = "/tmp/arbor-it-" + String(UInt32.random(in: .min ... .max), radix: 16)
            let node = ArbordProcess(name: name, port: Ports.allocate(1)[0], directory: directory + "/" + name, arguments: arguments)
            try node.start()
            try await node.waitUntilReady()
            return (node, directory)
        }

        static func cleanUp(_ node: ArbordProcess, _ directory: String) async {
            await node.kill9()
            if ProcessInfo.processInfo.environment["ARBOR_IT_KEEP"] == nil {
                try? FileManager.default.removeItem(atPath: directory)
            }
        }

        /// The answer to request `id` (OK or ERROR), skipping anything else.
        static func answer(_ session: WireSession, to id: UInt32) throws -> ClientResponse? {
            while let response = try session.next() {
                switch response {
                case .ok(id), .error(id, _, _): return response
                default: continue
                }
            }
            return nil
        }

        /// How long until the node ends the connection (nil: not within `limit`).
        static func timeUntilClosed(_ socket: Socket, limit: Duration = .seconds(5)) -> Duration? {
            socket.setReadTimeout(limit)
            let start = ContinuousClock.now
            _ = socket.readToEnd()
            let elapsed = ContinuousClock.now - start
            return elapsed < limit - .milliseconds(500) ? elapsed : nil
        }

        @Test("per-client caps answer error 11 and the session goes on; HELLO, client frames and HTTP requests time out; slow-consumer drops count messages", .timeLimit(.minutes(2)))
        func capsTimeoutsAndSlowConsumers() async throws {
            let (node, directory) = try await Self.startNode("limits", [
                "--max-client-topologies", "3", "--max-client-subscriptions", "4",
                "--frame-timeout-ms", "500", "--http-timeout-ms", "500",
            ])
            defer { Task { await Self.cleanUp(node, directory) } }

            // Caps: a fourth topology, then a fifth subscription, are refused.
            let session = try WireSession(path: node.clientSocketPath, name: "greedy")
            for index in 0..<4 {
                try session.send(.subscribe(id: UInt32(10 + index), topology: TopologyName("t\(index)")!, prefix: "A"))
            }
            for index in 0..<3 {
                #expect(try Self.answer(session, to: UInt32(10 + index)) == .ok(id: UInt32(10 + index)))
            }
            guard case .error(13, let code, let text) = try Self.answer(session, to: 13) else {
                Issue.record("the fourth topology was not refused")
                return
            }
            #expect(code == .limitReached && text.contains("--max-client-topologies"), "\(code): \(text)")
            try session.send(.subscribe(id: 20, topology: TopologyName("t0")!, prefix: "B"))
            try session.send(.subscribe(id: 21, topology: TopologyName("t0")!, prefix: "C"))
            #expect(try Self.answer(session, to: 20) == .ok(id: 20))
            guard case .error(21, .limitReached, let subscriptionText) = try Self.answer(session, to: 21) else {
                Issue.record("the fifth subscription was not refused")
                return
            }
            #expect(subscriptionText.contains("--max-client-subscriptions"))
            try session.send(.ping(id: 22))
            #expect(try session.next() == .pong(id: 22), "the session did not go on")
            session.socket.close()

            // No HELLO, then a partial frame after HELLO: closed after about 500 ms.
            let silent = try Socket.unix(node.clientSocketPath)
            let silentTime = Self.timeUntilClosed(silent)
            silent.close()
            #expect(silentTime.map { $0 >= .milliseconds(400) } == true, "silent connection: \(String(describing: silentTime))")
            let partial = try WireSession(path: node.clientSocketPath, name: "partial")
            try partial.socket.write([0, 0, 0x10, 0, 0x06, 1, 2])  // a 4 KB frame begun
            let partialTime = Self.timeUntilClosed(partial.socket)
            partial.socket.close()
            #expect(partialTime.map { $0 >= .milliseconds(400) } == true, "partial frame: \(String(describing: partialTime))")
            #expect(!node.lines(containing: "no HELLO within 500 ms").isEmpty, "\(node.tail())")
            #expect(!node.lines(containing: "a frame was not completed within 500 ms").isEmpty, "\(node.tail())")

            // HTTP requests that never end: headers cut short are closed, a body cut short
            // gets 408; the control API answers on.
            let slowloris = try Socket.unix(node.controlSocketPath)
            try slowloris.write(Array("GET /v1/status HTTP/1.1\r\nHost: localhost\r\n".utf8))
            let slowlorisTime = Self.timeUntilClosed(slowloris)
            slowloris.close()
            #expect(slowlorisTime.map { $0 >= .milliseconds(400) } == true, "headers cut short: \(String(describing: slowlorisTime))")
            let http = try Socket.unix(node.controlSocketPath)
            try http.write(Array("GET /v1/status HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\nabc".utf8))
            http.setReadTimeout(.seconds(5))
            let start = ContinuousClock.now
            let reply = String(decoding: http.readToEnd(), as: UTF8.self)
            http.close()
            #expect(reply.hasPrefix("HTTP/1.1 408"), "\(reply.prefix(80))")
            #expect(ContinuousClock.now - start < .seconds(4))
            #expect(node.isRunning, "\(node.tail())")
            let status = try ControlAPI(node: node).get("/v1/status") as? [String: Any]
            #expect(status?["name"] as? String == "limits")

            // A subscriber that never reads, a publisher that sends 30 MB: the subscriber is
            // cut off, and every message it did not get is counted.
            let before = try ControlAPI(node: node).stats()
            let sleeper = try WireSession(path: node.clientSocketPath, name: "sleeper")
            try sleeper.send(.subscribe(id: 2, topology: TopologyName("slow")!, prefix: ""))
            #expect(try Self.answer(sleeper, to: 2) == .ok(id: 2))
            let publisher = try WireSession(path: node.clientSocketPath, name: "flood")
            var frames = ByteBuffer()
            let payload = [UInt8](repeating: 7, count: 1_000)
            for _ in 0..<1_000 {
                try ClientFrameEncoder().encode(.publish(id: 0, topology: TopologyName("slow")!, topic: "q", payload: payload), into: &frames)
            }
            let batch = Array(frames.readableBytesView)
            for _ in 0..<30 {
                try publisher.socket.write(batch)
            }
            // The PONG comes once the node has taken every publication.
            try publisher.send(.ping(id: 3))
            var ponged = false
            while !ponged, let response = try publisher.next() {
                ponged = response == .pong(id: 3)
            }
            #expect(ponged, "no PONG after the publications")
            let after = try ControlAPI(node: node).stats().since(before)
            publisher.socket.close()
            sleeper.socket.close()
            #expect(after["slow_consumers_dropped"] == 1, "\(after.values)")
            #expect(after["dropped.slow_consumer"] >= 1_000, "messages lost to the slow consumer counted: \(after["dropped.slow_consumer"])")
        }

        @Test("at the connection limit the oldest connection without HELLO makes room; when all said HELLO, the next gets error 11 and is closed; logged", .timeLimit(.minutes(2)))
        func connectionLimit() async throws {
            let (node, directory) = try await Self.startNode("crowded", ["--max-clients", "3"])
            defer { Task { await Self.cleanUp(node, directory) } }
            let idle = try (0..<3).map { _ in try Socket.unix(node.clientSocketPath) }
            try await Task.sleep(for: .milliseconds(200))
            // A newcomer is served; the oldest idle connection was closed for it.
            let first = try WireSession(path: node.clientSocketPath, name: "first")
            #expect(Self.timeUntilClosed(idle[0], limit: .seconds(3)) != nil, "the oldest idle connection is still open")
            let second = try WireSession(path: node.clientSocketPath, name: "second")
            let third = try WireSession(path: node.clientSocketPath, name: "third")
            for socket in idle { socket.close() }
            try await Task.sleep(for: .milliseconds(200))
            // Three clients that said HELLO: the fourth is refused with a reason.
            let refused = try Socket.unix(node.clientSocketPath)
            refused.setReadTimeout(.seconds(5))
            var bytes = ByteBuffer(bytes: refused.readToEnd())
            refused.close()
            let answer = try ClientFrameDecoder().nextResponse(from: &bytes)
            guard case .error(0, .limitReached, let text) = answer else {
                Issue.record("no error 11 for the fourth client: \(String(describing: answer))")
                return
            }
            #expect(text.contains("at most 3 client connections"), "\(text)")
            #expect(!node.lines(containing: "client connection limit reached").isEmpty, "\(node.tail())")
            // The clients served still are.
            for session in [first, second, third] {
                try session.send(.ping(id: 9))
                #expect(try session.next() == .pong(id: 9))
                session.socket.close()
            }
        }
    }
}
