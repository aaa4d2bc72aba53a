import ArborCore
import ArborTestSupport
import ArborWire
import Foundation
import NIOCore
import Testing

extension MultiProcess {
    /// A topology's choice about slow subscribers (`slow-subscribers` in a topology file):
    /// `drop` cuts a subscriber that does not read, `push-back` makes the publishers on
    /// its node wait for it instead and loses nothing.
    @Suite("Slow subscribers: drop or push back")
    struct SlowSubscriberTests {
        static let messages = 30_000

        /// Publications of 1,000 bytes to `topology`, `messages` of them, encoded once.
        static func publications(_ topology: TopologyName) throws -> [UInt8] {
            var frames = ByteBuffer()
            let payload = [UInt8](repeating: 7, count: 1_000)
            for _ in 0..<messages {
                try ClientFrameEncoder().encode(.publish(id: 0, topology: topology, topic: "q", payload: payload), into: &frames)
            }
            return Array(frames.readableBytesView)
        }

        @Test("a subscriber that does not read holds back the publishers of a push-back topology and gets every message; in a drop topology it is cut", .timeLimit(.minutes(2)))
        func pushBackAndDrop() async throws {
            let directory = "/tmp/arbor-it-" + String(UInt32.random(in: .min ... .max), radix: 16)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = directory + "/slow.yaml"
            try """
            topologies:
              - name: calm
                slow-subscribers: push-back
              - name: hasty
                slow-subscribers: drop
            """.write(toFile: file, atomically: true, encoding: .utf8)
            let node = ArbordProcess(name: "slow", port: Ports.allocate(1)[0], directory: directory + "/slow", arguments: ["--topologies", file])
            try node.start()
            try await node.waitUntilReady()
            defer { Task { await MultiProcess.ClientLimitTests.cleanUp(node, directory) } }

            // push-back: 30 MB for a subscriber that reads nothing for a second.
            let sleeper = try WireSession(path: node.clientSocketPath, name: "sleeper")
            try sleeper.send(.subscribe(id: 2, topology: TopologyName("calm")!, prefix: ""))
            #expect(try MultiProcess.ClientLimitTests.answer(sleeper, to: 2) == .ok(id: 2))
            let publisher = try WireSession(path: node.clientSocketPath, name: "publisher")
            let batch = try Self.publications(TopologyName("calm")!)
            let writing = Task.detached {
                try publisher.socket.write(batch)
                try publisher.send(.ping(id: 3))
                while let response = try publisher.next() {
                    if response == .pong(id: 3) { return true }
                }
                return false
            }
            try await Task.sleep(for: .seconds(1))
            // The publisher waits for the subscriber, which is not cut: it gets all.
            var received = 0
            while received < Self.messages, let response = try sleeper.next() {
                if case .message = response {
                    received += 1
                } else if case .error(_, let code, let text) = response {
                    Issue.record("the subscriber got error \(code): \(text)")
                    break
                }
            }
            #expect(received == Self.messages)
            #expect(try await writing.value, "no PONG after the publications")
            #expect(!node.lines(containing: "holding back the publishers of calm").isEmpty, "\(node.tail())")
            let stats = try ControlAPI(node: node).stats()
            #expect(stats["slow_consumers_dropped"] == 0, "\(stats.values)")
            #expect(stats["dropped.slow_consumer"] == 0, "\(stats.values)")
            publisher.socket.close()
            sleeper.socket.close()

            // drop: the same load cuts the subscriber off (error 9), the publisher never waits.
            let dropped = try WireSession(path: node.clientSocketPath, name: "dropped")
            try dropped.send(.subscribe(id: 2, topology: TopologyName("hasty")!, prefix: ""))
            #expect(try MultiProcess.ClientLimitTests.answer(dropped, to: 2) == .ok(id: 2))
            let hasty = try WireSession(path: node.clientSocketPath, name: "hasty")
            try hasty.socket.write(try Self.publications(TopologyName("hasty")!))
            try hasty.send(.ping(id: 3))
            var ponged = false
            while !ponged, let response = try hasty.next() {
                ponged = response == .pong(id: 3)
            }
            #expect(ponged, "no PONG after the publications")
            var cut = false
            while let response = try dropped.next() {
                if case .error(0, .slowConsumer, _) = response {
                    cut = true
                    break
                }
            }
            #expect(cut, "the subscriber of the drop topology was not cut off")
            #expect(try ControlAPI(node: node).stats()["slow_consumers_dropped"] == 1)
            hasty.socket.close()
            dropped.socket.close()
        }
    }
}
