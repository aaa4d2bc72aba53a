import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension MultiProcess {
    /// The diamond of topologies/diamond.yaml as four real `arbord` processes on loopback:
    /// a (the root, where the publisher is) to b1 (cost 1) and b2 (cost 2), both to c (where
    /// the subscriber is). c's path goes through b1 while b1 is alive.
    ///
    /// Serialized with every multi-process suite (see ``MultiProcess``).
    @Suite("The diamond on loopback")
    struct DiamondTests {
        @Test("c's AAPL subscriber gets every AAPL message from a and no MSFT; MSFT never leaves a", .timeLimit(.minutes(2)))
        func onlyMatchingMessagesTravel() async throws {
            try await DiamondFlow.withRunning { cluster, flow in
                let (subscription, publisher) = (flow.subscription, flow.publisher)
                // Probes published while waiting may still be on their way: the counters are read
                // only once no data moves any more, so that only the measured messages count.
                try publisher.sync(timeout: .seconds(10))
                #expect(cluster.parent(of: "c") == "b1")
                #expect(cluster.parent(of: "b1") == "a")
                let before = try #require(await settledDataCounters(cluster, subscription), "data counters never settled\n\(cluster.logs())")
                let probes = subscription.messages.count

                let count = 1000
                for index in 0..<count {
                    try publisher.publish(topic: "AAPL", payload: Array("aapl:\(index)".utf8))
                    try publisher.publish(topic: "MSFT", payload: Array("msft:\(index)".utf8))
                }
                try publisher.sync(timeout: .seconds(10))
                let arrived = await eventually(timeout: .seconds(10)) { subscription.messages.count - probes >= count }
                // Anything that should not come would come right behind what should.
                try await Task.sleep(for: .milliseconds(300))

                let received = Array(subscription.messages.dropFirst(probes))
                #expect(arrived, "only \(received.count) of \(count) AAPL messages arrived\n\(cluster.logs())")
                #expect(received.allSatisfy { $0.topic == "AAPL" }, "not AAPL: \(received.filter { $0.topic != "AAPL" }.prefix(5).map(\.payloadText))")
                #expect(received.map(\.payloadText) == (0..<count).map { "aapl:\($0)" }, "AAPL messages missing, repeated or out of order")
                #expect(Set(received.map(\.key)).count == received.count)
                #expect(publisher.problems.isEmpty && subscription.problems.isEmpty, "\(publisher.problems) \(subscription.problems)")

                // The counters: MSFT is dropped at a for want of interest; only AAPL crosses a link.
                let after = try #require(await settledDataCounters(cluster, subscription), "data counters never settled\n\(cluster.logs())")
                let a = after["a"]!.since(before["a"]!)
                let b1 = after["b1"]!.since(before["b1"]!)
                let b2 = after["b2"]!.since(before["b2"]!)
                let c = after["c"]!.since(before["c"]!)
                // Every MSFT message was dropped at a; everything a sent on was AAPL and took the
                // path a -> b1 -> c; b2 carried nothing. Both snapshots were taken with no data in
                // flight, so the window holds exactly the measured messages.
                #expect(a["published"] == 2 * count)
                #expect(a["dropped.no_interest"] == count, "a dropped \(a["dropped.no_interest"]) for no interest, for \(count) MSFT")
                #expect(a["data_forwarded"] == count, "a forwarded \(a["data_forwarded"]) data messages for \(count) AAPL")
                #expect(b1["data_received"] == count && b1["data_forwarded"] == count)
                #expect(b2["data_received"] == 0 && b2["data_forwarded"] == 0)
                #expect(c["data_received"] == count && c["delivered"] == count)
            }
        }

        /// Every node's counters, read once no data message is in flight: the data counters of
        /// two reads 200 ms apart agree, and c has delivered exactly what `subscription` holds.
        /// Nil when that does not happen within 10 s, or when a node has no control API.
        private func settledDataCounters(_ cluster: Cluster, _ subscription: any Subscription) async -> [String: Counters]? {
            let dataCounters = ["published", "data_forwarded", "data_received", "delivered", "dropped.no_interest"]
            func read() -> [String: [Int]]? {
                var result: [String: [Int]] = [:]
                for name in cluster.spec.nodes {
                    guard let counters = cluster.stats(name) else { return nil }
                    result[name] = dataCounters.map { counters[$0] }
                }
                return result
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline {
                guard let first = read() else { return nil }
                try? await Task.sleep(for: .milliseconds(200))
                let snapshot = Dictionary(uniqueKeysWithValues: cluster.spec.nodes.compactMap { name in cluster.stats(name).map { (name, $0) } })
                guard snapshot.count == cluster.spec.nodes.count else { return nil }
                let second = snapshot.mapValues { counters in dataCounters.map { counters[$0] } }
                if first == second, snapshot["c"]?["delivered"] == subscription.messages.count {
                    return snapshot
                }
            }
            return nil
        }

        @Test("kill -9 of b1 mid-stream: delivery resumes through b2, never a duplicate", .timeLimit(.minutes(2)))
        func crashOfTheCarryingRelay() async throws {
            try await StreamRun.withRunning { cluster, run in
                let faultAt = try await run.signalCarryingRelay(SIGKILL, cluster)
                try await Task.sleep(for: .seconds(1.5))
                let report = try await run.finish(faultAt: faultAt)

                #expect(cluster["b1"].checkExit() == .signalled(SIGKILL))
                run.expectIntact(report, cluster)
                // Every message published from 1 s after the crash on arrived, through b2.
                let resumed = run.stream.firstIndex(sentAtOrAfter: faultAt + .seconds(1))!
                #expect(report.missing.allSatisfy { $0 < resumed }, "lost after the reroute: \(report.missingRanges)\n\(cluster.logs())")
                #expect(report.gapAfterFault.map { $0 < .seconds(1) } == true, "\(report)")
                #expect(cluster["a"].lines(containing: "peer b1 (").last?.contains("down") == true)
                // A crash may cut b1's last frame short: that ends the link, it is not bad input.
                for name in ["a", "c"] {
                    let stats = try #require(cluster.stats(name))
                    #expect(stats.values["malformed_frames"] == 0, "\(name) counted b1's crash as a malformed frame\n\(cluster.logs())")
                }
                print("kill -9 of b1: \(report)")
            }
        }

        @Test("kill -STOP of b1: heartbeats detect it and c reroutes; kill -CONT: b1 rejoins, no duplicate", .timeLimit(.minutes(2)))
        func silentRelay() async throws {
            try await StreamRun.withRunning { cluster, run in
                let faultAt = try await run.signalCarryingRelay(SIGSTOP, cluster)
                let reroutedAt = ContinuousClock.now
                // Detected by silence: a and c close their links to b1 for missed heartbeats (c may
                // reroute before its own timeout, on a's news that the a-b1 link is gone).
                for node in ["a", "c"] {
                    let detected = await eventually(timeout: .seconds(2)) {
                        cluster[node].lines(containing: "closing link to b1").last?.contains("missed heartbeats") == true
                    }
                    #expect(detected, "\(node) did not close its link to b1 for missed heartbeats\n\(cluster[node].tail())")
                }
                try await Task.sleep(for: .seconds(1))

                let resumedAt = ContinuousClock.now
                cluster["b1"].send(SIGCONT)
                try await cluster.waitForMesh(timeout: .seconds(10))
                try await cluster.waitForParent(of: "c", toBe: "b1", timeout: .seconds(10))
                let rejoinedAt = ContinuousClock.now
                try await Task.sleep(for: .seconds(1.5))
                let report = try await run.finish(faultAt: faultAt)

                run.expectIntact(report, cluster)
                let afterReroute = run.stream.firstIndex(sentAtOrAfter: reroutedAt + .milliseconds(500))!
                let beforeResume = run.stream.firstIndex(sentAtOrAfter: resumedAt)!
                let afterRejoin = run.stream.firstIndex(sentAtOrAfter: rejoinedAt + .milliseconds(500))!
                let lostWhileStopped = report.missing.filter { (afterReroute..<beforeResume).contains($0) }
                let lostAfterRejoin = report.missing.filter { $0 >= afterRejoin }
                #expect(lostWhileStopped.isEmpty, "lost through b2 while b1 was stopped: \(report.missingRanges)")
                #expect(lostAfterRejoin.isEmpty, "lost after b1 rejoined: \(report.missingRanges)\n\(cluster.logs())")
                #expect(report.gapAfterFault.map { $0 < .seconds(3) } == true, "\(report)")
                print("kill -STOP of b1: \(report); rerouted after \(String(format: "%.0f", (reroutedAt - faultAt).milliseconds)) ms, rejoined \(String(format: "%.0f", (rejoinedAt - resumedAt).milliseconds)) ms after SIGCONT")
            }
        }

        @Test("b1 restarted with its state directory: new incarnation, interest rebuilt, traffic through b1 again", .timeLimit(.minutes(2)))
        func restartedRelay() async throws {
            try await Cluster.withRunning(.diamond) { cluster in
                let first = try handshake(ofNodeOnPort: cluster["b1"].port)
                let run = try await StreamRun(cluster)
                defer { run.close() }

                let faultAt = ContinuousClock.now
                await cluster["b1"].kill9()
                try await cluster.waitForParent(of: "c", toBe: "b2", timeout: .seconds(5))
                try await Task.sleep(for: .milliseconds(500))

                try cluster["b1"].start()
                try await cluster["b1"].waitUntilReady()
                try await cluster.waitForMesh(timeout: .seconds(15))
                try await cluster.waitForParent(of: "c", toBe: "b1", timeout: .seconds(10))
                let rejoinedAt = ContinuousClock.now
                let second = try handshake(ofNodeOnPort: cluster["b1"].port)
                #expect(second.node == first.node, "the state directory keeps the node id")
                #expect(second.incarnation > first.incarnation, "incarnation \(first.incarnation) then \(second.incarnation)")
                let b1Before = cluster.stats("b1")

                // The stream goes through b1 again: killing b2 now costs nothing.
                try await Task.sleep(for: .seconds(1))
                let b2KilledAt = ContinuousClock.now
                await cluster["b2"].kill9()
                try await Task.sleep(for: .seconds(1))
                let report = try await run.finish(faultAt: faultAt)

                run.expectIntact(report, cluster)
                let afterRejoin = run.stream.firstIndex(sentAtOrAfter: rejoinedAt + .milliseconds(500))!
                #expect(report.missing.allSatisfy { $0 < afterRejoin }, "lost after b1 rejoined (b2 was killed \(String(format: "%.0f", (b2KilledAt - rejoinedAt).milliseconds)) ms after): \(report.missingRanges)\n\(cluster.logs())")
                #expect(cluster.parent(of: "c") == "b1")
                if let b1Before, let b1After = cluster.stats("b1") {
                    #expect(b1After.since(b1Before)["data_forwarded"] > 0, "b1 forwarded nothing after its restart")
                }
                print("b1 restarted: \(report); incarnation \(first.incarnation) -> \(second.incarnation)")
            }
        }

        @Test("SIGTERM of b1: peers reroute at its goodbye, not after heartbeats; b1 exits 0 within 2 s", .timeLimit(.minutes(2)))
        func gracefulStopOfTheCarryingRelay() async throws {
            // Heartbeats would take 3 s to notice b1 (100 ms x 30): a short gap can only come
            // from the goodbye.
            try await Cluster.withRunning(.diamond, heartbeatMs: 100, deadAfter: 30) { cluster in
                let run = try await StreamRun(cluster)
                defer { run.close() }

                let faultAt = ContinuousClock.now
                cluster["b1"].send(SIGTERM)
                let exit = await cluster["b1"].waitForExit(timeout: .seconds(3))
                let exitedAt = ContinuousClock.now
                try await cluster.waitForParent(of: "c", toBe: "b2", timeout: .seconds(2))
                try await Task.sleep(for: .seconds(1))
                let report = try await run.finish(faultAt: faultAt)

                #expect(exit == .exited(0), "b1 \(exit.map(\.description) ?? "still running after 3 s")\n\(cluster["b1"].tail())")
                #expect(exitedAt - faultAt < .seconds(2))
                run.expectIntact(report, cluster)
                #expect(report.gapAfterFault.map { $0 < .milliseconds(1000) } == true, "\(report)")
                for node in ["a", "c"] {
                    let down = cluster[node].lines(containing: "peer b1 (").last
                    #expect(down?.contains("down: peer said goodbye") == true, "\(node): \(down ?? "no line about b1")")
                }
                let resumed = run.stream.firstIndex(sentAtOrAfter: faultAt + .milliseconds(500))!
                #expect(report.missing.allSatisfy { $0 < resumed }, "lost after the goodbye: \(report.missingRanges)")
                let firstAfter = run.stream.received(in: run.subscription.messages).first { $0.message.arrival > faultAt }
                let order = firstAfter.map { $0.message.arrival < exitedAt ? "before" : "after" } ?? "n/a"
                print("SIGTERM of b1: \(report); b1 \(exit.map(\.description) ?? "?") \(String(format: "%.0f", (exitedAt - faultAt).milliseconds)) ms after the signal; first message via b2 arrived \(order) b1's exit was seen")
            }
        }
    }
}

/// Where the diamond's tests start: a subscriber to AAPL on c and a publisher on a, with
/// AAPL messages flowing from one to the other.
struct DiamondFlow: DiamondFixture, Sendable {
    let subscription: any Subscription
    let publisher: any Publisher

    /// `cluster` must be started.
    init(_ cluster: Cluster) async throws {
        subscription = try cluster.subscribe(at: "c", prefixes: ["AAPL"])
        do {
            publisher = try cluster.publisher(at: "a")
        } catch {
            subscription.close()
            throw error
        }
        do {
            try await waitUntilFlowing(publisher, subscription, topic: "AAPL")
        } catch {
            close()
            throw error
        }
    }

    func close() {
        publisher.close()
        subscription.close()
    }
}

/// What a test of the diamond sets up on the started cluster, and closes after.
protocol DiamondFixture {
    /// `cluster` must be started.
    init(_ cluster: Cluster) async throws
    func close()
}

extension DiamondFixture {
    /// Runs `body` on the diamond, started, with this set up on it; closes it after.
    static func withRunning(_ body: (Cluster, Self) async throws -> Void) async throws {
        try await Cluster.withRunning(.diamond) { cluster in
            let fixture = try await Self(cluster)
            defer { fixture.close() }
            try await body(cluster, fixture)
        }
    }
}

/// The common shape of the fault tests: a ``DiamondFlow`` streaming AAPL (500 msg/s unless
/// told otherwise) through b1, running for a second before the fault.
final class StreamRun: DiamondFixture, @unchecked Sendable {
    let flow: DiamondFlow
    var subscription: any Subscription { flow.subscription }
    var publisher: any Publisher { flow.publisher }
    let stream: MessageStream

    convenience init(_ cluster: Cluster) async throws {
        try await self.init(cluster, rate: 500)
    }

    /// `cluster` must be started.
    init(_ cluster: Cluster, rate: Int) async throws {
        flow = try await DiamondFlow(cluster)
        try await cluster.waitForParent(of: "c", toBe: "b1")
        stream = MessageStream(publisher: flow.publisher, topic: "AAPL", tag: "s", rate: rate)
        stream.start()
        try await Task.sleep(for: .seconds(1))
    }

    /// Sends `signal` to b1, the relay the stream goes through, and waits until c's parent
    /// is b2; returns when the signal was sent.
    func signalCarryingRelay(_ signal: Int32, _ cluster: Cluster) async throws -> ContinuousClock.Instant {
        let sentAt = ContinuousClock.now
        cluster["b1"].send(signal)
        try await cluster.waitForParent(of: "c", toBe: "b2", timeout: .seconds(5))
        return sentAt
    }

    /// Stops the stream, waits until the subscriber has what will come, and reports.
    func finish(faultAt: ContinuousClock.Instant) async throws -> StreamReport {
        stream.stop()
        try publisher.sync(timeout: .seconds(10))
        // Wait until the last message arrived, or 10 s: the report judges loss, not speed
        // (a debug build beside other test suites on 2 cores can lag for seconds).
        let last = stream.count - 1
        _ = await eventually(timeout: .seconds(10)) { stream.received(in: subscription.messages).contains { $0.index == last } }
        try await Task.sleep(for: .milliseconds(200))
        return StreamReport(stream: stream, subscription: subscription, faultAt: faultAt)
    }

    /// No duplicate and per-origin order, whatever the fault: out of order only where c
    /// counted a repaired message delivered late (`repair.late`: an answer after the 100 ms
    /// hold, which a loaded machine can make happen; docs/architecture.md, "Repair and gaps").
    func expectIntact(_ report: StreamReport, _ cluster: Cluster, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(stream.problem == nil, "\(stream.problem ?? "")", sourceLocation: sourceLocation)
        #expect(report.duplicates.isEmpty, "duplicates delivered: \(report.duplicates.prefix(10))", sourceLocation: sourceLocation)
        let late = cluster.stats("c")?["repair.late"] ?? 0
        #expect(report.outOfOrder.count <= late, "out of order (c counted \(late) late repairs): \(report.outOfOrder.prefix(10))", sourceLocation: sourceLocation)
        #expect(subscription.problems.isEmpty, "subscriber: \(subscription.problems)", sourceLocation: sourceLocation)
        #expect(report.delivered > 0, "nothing delivered\n\(cluster.logs())", sourceLocation: sourceLocation)
    }

    func close() {
        stream.stop()
        flow.close()
    }
}
