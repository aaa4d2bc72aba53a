import ArborClient
import ArborCore
import ArborTestSupport
import Foundation
import Testing

/// The id of the in-process test node (``TestNode/nodeID``), as `arbor sub` prints it.
let testOrigin = "000102030405060708090a0b0c0d0e0f"

/// `arbor pub` and `arbor sub` as a user runs them: the built executable, against the
/// in-process test node (replaying: what `arbor pub` published comes back to a later
/// `arbor sub`, then a gap and the end of the connection).
@Suite("arbor pub and arbor sub", .timeLimit(.minutes(1)))
struct CommandLineTests {
    @Test func publishedLinesComeBackToASubscriber() async throws {
        let node = try await TestNode(replaying: true)
        let dir = node.runDirectory
        let first = try await arbor(["pub", "nasdaq.quotes", "AAPL", "--run-dir", dir], input: "189.5\n190.25\n")
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardError.hasPrefix("published 2 messages in "))
        #expect(first.standardError.hasSuffix(" msgs/s\n"))
        // ARBOR_RUN_DIR instead of --run-dir; a last line without newline; a binary payload.
        let second = try await arbor(["pub", "nasdaq.quotes", "AAPL"], input: "\u{1}\u{2}\nlast", environment: ["ARBOR_RUN_DIR": dir])
        #expect(second.status == 0, "\(second.standardError)")
        #expect(second.standardError.hasPrefix("published 2 messages in "))

        // The node sends what it kept, a gap, then closes.
        let sub = try await arbor(["sub", "nasdaq.quotes", "AAPL", "--run-dir", dir])
        #expect(sub.lines == [
            "AAPL \(testOrigin) 1 189.5",
            "AAPL \(testOrigin) 2 190.25",
            "AAPL \(testOrigin) 3 base64:AQI=",
            "AAPL \(testOrigin) 4 last",
            "# gap \(testOrigin) 5-6",
        ])
        #expect(sub.status == 1)
        #expect(sub.standardError == "arbor sub: the node closed the connection\n")
        await node.stop()
    }

    @Test func subscriberExitsAfterCountWithJSON() async throws {
        let node = try await TestNode(replaying: true)
        let dir = node.runDirectory
        let pub = try await arbor(["pub", "nasdaq.quotes", "MSFT", "--run-dir", dir], bytes: Array("410.1\n".utf8) + [0xff, 0x0a] + Array("\"q\"\n".utf8))
        #expect(pub.status == 0, "\(pub.standardError)")
        let sub = try await arbor(["sub", "nasdaq.quotes", "MS", "--run-dir", dir, "--json", "--count", "3"])
        #expect(sub.status == 0, "\(sub.standardError)")
        #expect(sub.standardError == "")
        let objects = try sub.lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        try #require(objects.count == 3)
        #expect(objects[0]["type"] as? String == "message")
        #expect(objects[0]["topology"] as? String == "nasdaq.quotes")
        #expect(objects[0]["topic"] as? String == "MSFT")
        #expect(objects[0]["origin"] as? String == testOrigin)
        #expect(objects[0]["incarnation"] as? Int == 1)
        #expect(objects[0]["sequence"] as? Int == 1)
        #expect(objects[0]["payload"] as? String == "410.1")
        #expect(objects[0]["payload_base64"] as? String == "NDEwLjE=")
        #expect(objects[1]["payload"] is NSNull)
        #expect(objects[1]["payload_base64"] as? String == "/w==")
        #expect(objects[2]["payload"] as? String == "\"q\"")
        await node.stop()
    }

    @Test func gapNoticesPrintAsJSONToo() async throws {
        let node = try await TestNode(replaying: true)
        let sub = try await arbor(["sub", "nasdaq.quotes", "", "--run-dir", node.runDirectory, "--json"])
        #expect(sub.lines == [
            #"{"type":"gap","topology":"nasdaq.quotes","origin":"\#(testOrigin)","incarnation":1,"first":1,"last":2}"#
        ])
        #expect(sub.status == 1)
        await node.stop()
    }

    @Test func nodeNotRunningIsOneClearLine() async throws {
        let directory = try TemporaryDirectory()
        for command in [["sub", "nasdaq.quotes", "AAPL"], ["pub", "nasdaq.quotes", "AAPL"]] {
            let result = try await arbor(command + ["--run-dir", directory.path])
            #expect(result.status == 1)
            #expect(result.standardError == "arbor \(command[0]): no arbord at \(directory.path)/client.sock: is it running? (--run-dir / ARBOR_RUN_DIR)\n")
            #expect(result.standardOutput == "")
        }
        // The default run directory, when ARBOR_RUN_DIR is not set (no node runs in CI).
        if !FileManager.default.fileExists(atPath: "/run/arbor/client.sock") {
            let result = try await arbor(["sub", "nasdaq.quotes", "AAPL"])
            #expect(result.standardError == "arbor sub: no arbord at /run/arbor/client.sock: is it running? (--run-dir / ARBOR_RUN_DIR)\n")
        }
    }

    @Test func refusalEndsThePublisherWithTheNodesReason() async throws {
        let node = try await TestNode(replaying: true)
        let result = try await arbor(["pub", "refused.quotes", "AAPL", "--run-dir", node.runDirectory], input: "1\n2\n")
        #expect(result.status == 1)
        #expect(result.standardError == "arbor pub: node refused PUBLISH (unacknowledged): not permitted (5): this node may not publish to refused.quotes\n")
        await node.stop()
    }

    @Test func refusedSubscriptionEndsTheSubscriber() async throws {
        let node = try await TestNode(replaying: true)
        let result = try await arbor(["sub", "refused.quotes", "AAPL", "--run-dir", node.runDirectory])
        #expect(result.status == 1)
        #expect(result.standardError == #"arbor sub: node refused SUBSCRIBE refused.quotes prefix "AAPL": not permitted (5): not permitted in refused.quotes"# + "\n")
        await node.stop()
    }

    @Test func badArgumentsAreRefusedBeforeConnecting() async throws {
        let result = try await arbor(["pub", "Nasdaq", "AAPL", "--run-dir", "/nonexistent"])
        #expect(result.status != 0)
        #expect(result.standardError.contains("'Nasdaq' is not a topology name"))
        let noPrefix = try await arbor(["sub", "nasdaq.quotes", "--run-dir", "/nonexistent"])
        #expect(noPrefix.status != 0)
    }

    @Test func generatedPayloadsCarrySequenceAndTimeForLatency() async throws {
        let node = try await TestNode(replaying: true)
        let dir = node.runDirectory
        let pub = try await arbor(["pub", "bench", "t", "--size", "100", "--count", "500", "--rate", "5000", "--run-dir", dir])
        #expect(pub.status == 0, "\(pub.standardError)")
        #expect(pub.standardError.hasPrefix("published 500 messages in "))
        // 500 messages at 5000/s take about 0.1 s.
        let seconds = Double(pub.standardError.split(separator: " ")[4]) ?? 0
        #expect(seconds >= 0.09, "\(pub.standardError)")

        let sub = try await arbor(["sub", "bench", "t", "--run-dir", dir, "--count", "500", "--summary"])
        #expect(sub.status == 0, "\(sub.standardError)")
        #expect(sub.lines.count == 500)
        let fields = sub.lines[0].split(separator: " ", maxSplits: 3)
        #expect(fields.count == 4)
        #expect(fields[3].count == 100)
        #expect(fields[3].hasPrefix("#1 @"))
        #expect(sub.lines[499].split(separator: " ")[3] == "#500")
        #expect(sub.standardError.hasPrefix("received 500 messages, 0 gaps (0 lost) in "))
        #expect(sub.standardError.contains("; latency ms p50 "))
        await node.stop()
    }

    @Test func subscriberSeesLiveMessagesOfSeveralPrefixesAtOnce() async throws {
        let node = try await TestNode()
        let sub = try RunningProcess(builtProgram("arbor"), ["sub", "nasdaq.quotes", "AAPL", "MSFT", "--count", "3", "--run-dir", node.runDirectory])
        #expect(await node.wait { $0.subscriptions == 2 })
        let publisher = try await ClientConnection.connect(runDirectory: node.runDirectory, name: "pub")
        try await publisher.publish(quotes, topic: "AAPL", payload: Array("1".utf8))
        // Each line is out before the next message exists: the output is not held back.
        #expect(await sub.waitForLines(1))
        try await publisher.publish(quotes, topic: "IBM", payload: Array("2".utf8))
        try await publisher.publish(quotes, topic: "MSFT", payload: Array("3".utf8))
        try await publisher.publish(quotes, topic: "!gap", payload: [])
        #expect(await sub.waitForLines(3))
        try await publisher.publish(quotes, topic: "AAPL", payload: Array("4".utf8))
        let result = await sub.finish()
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.lines == [
            "AAPL \(TestNode.nodeID) 1 1",
            "MSFT \(TestNode.nodeID) 3 3",
            "# gap \(TestNode.nodeID) 4-5",
            "AAPL \(TestNode.nodeID) 6 4",
        ])
        await publisher.close()
        await node.stop()
    }

    @Test func publisherReadsStandardInputAsItComes() async throws {
        let node = try await TestNode()
        let pub = try RunningProcess(builtProgram("arbor"), ["pub", "nasdaq.quotes", "AAPL", "--run-dir", node.runDirectory])
        pub.write("one\n")
        #expect(await node.wait { $0.publishes == 1 })
        pub.write("two\nthree\n")
        #expect(await node.wait { $0.publishes == 3 })
        let result = await pub.finish()
        #expect(result.status == 0)
        #expect(result.standardError.hasPrefix("published 3 messages in "))
        await node.stop()
    }
}
