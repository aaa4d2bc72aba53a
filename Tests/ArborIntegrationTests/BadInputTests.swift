import ArborCore
import ArborTestSupport
import ArborWire
import Foundation
import NIOCore
import Testing

extension MultiProcess {
    /// Thousands of connections of random and mutated frames against node a of a live diamond,
    /// on its peer port and on its client socket, while a stream runs from a through b1 to a
    /// subscriber on c.
    ///
    /// Seeded: ARBOR_FUZZ_SEED (hex) replays a run, ARBOR_FUZZ_CASES changes the number of
    /// cases per socket (default 2500). Bounded: each socket gets at most 60 s, each
    /// connection 5 s; 8 connections are in flight at a time.
    @Suite("Bad input to a live node")
    struct BadInputTests {
        static let seed = ProcessInfo.processInfo.environment["ARBOR_FUZZ_SEED"].flatMap { UInt64($0, radix: 16) } ?? 0xA4B0_2026
        static let cases = ProcessInfo.processInfo.environment["ARBOR_FUZZ_CASES"].flatMap { Int($0) } ?? 2500

        @Test("random and mutated frames on a's peer port and client socket: a survives, keeps serving, logs why it closed each bad link", .timeLimit(.minutes(5)))
        func fuzzPeerPortAndClientSocket() async throws {
            // Heartbeats as the other tests, with more slack: a debug build working through
            // thousands of connections may hold its event loop for a while.
            try await Cluster.withRunning(.diamond, deadAfter: 30) { cluster in
                let run = try await StreamRun(cluster, rate: 200)
                defer { run.close() }
                let a = cluster["a"]
                var input = FuzzInput(seed: Self.seed, topology: cluster.spec.name)
                let peerCases = (0..<Self.cases).map { _ in input.peerCase() }
                let clientCases = (0..<Self.cases).map { _ in input.clientCase() }
                print("fuzzing a with seed \(String(Self.seed, radix: 16)) (ARBOR_FUZZ_SEED), \(Self.cases) cases per socket (ARBOR_FUZZ_CASES)")
                var garbageFromNode: [String] = []

                // The peer port.
                let fuzzStart = ContinuousClock.now
                let peerPort = a.port
                let peerOutcomes = FuzzRunner(cases: peerCases) { try Socket.tcp(port: peerPort) }
                    .run(workers: 8, timeLimit: .seconds(60), tcp: true)
                let peerTime = ContinuousClock.now - fuzzStart
                try #require(a.isRunning, "a died during the peer-port cases\n\(a.tail())")
                var mustLog: [(port: Int, verdict: Verdict, index: Int)] = []
                var peerVerdicts: [String: Int] = [:]
                for outcome in peerOutcomes {
                    if let failure = outcome.connectFailure {
                        garbageFromNode.append("peer case \(outcome.index): cannot connect: \(failure)")
                        continue
                    }
                    if case .broken(let why) = peerVerdict(outcome.answer), why != "truncated at the end" {
                        garbageFromNode.append("the peer port answered case \(outcome.index) with undecodable bytes: \(why)")
                    }
                    let verdict = peerVerdict(peerCases[outcome.index])
                    switch verdict {
                    case .wellFramed: peerVerdicts["well framed", default: 0] += 1
                    case .broken: peerVerdicts["broken", default: 0] += 1
                    case .refused: peerVerdicts["refused handshake", default: 0] += 1
                    }
                    if verdict != .wellFramed, let port = outcome.localPort { mustLog.append((port, verdict, outcome.index)) }
                }

                // The client socket.
                let clientStart = ContinuousClock.now
                let clientClosesBefore = a.lines(containing: "closing client connection").count
                let socketPath = a.clientSocketPath
                let clientOutcomes = FuzzRunner(cases: clientCases) { try Socket.unix(socketPath) }
                    .run(workers: 8, timeLimit: .seconds(60), tcp: false)
                let clientTime = ContinuousClock.now - clientStart
                let fuzzEnd = ContinuousClock.now
                var clientBroken = 0
                var errorsAnswered = 0
                for outcome in clientOutcomes {
                    if let failure = outcome.connectFailure {
                        garbageFromNode.append("client case \(outcome.index): cannot connect: \(failure)")
                        continue
                    }
                    if case .broken = clientVerdict(clientCases[outcome.index]) { clientBroken += 1 }
                    var buffer = ByteBuffer(bytes: outcome.answer)
                    do {
                        while let response = try ClientFrameDecoder().nextResponse(from: &buffer) {
                            if case .error = response { errorsAnswered += 1 }
                        }
                        if buffer.readableBytes > 0 { garbageFromNode.append("the client socket answered case \(outcome.index) with a cut frame") }
                    } catch {
                        garbageFromNode.append("the client socket answered case \(outcome.index) with undecodable bytes: \(error)")
                    }
                }

                // a never crashed, and still answers on its client socket.
                for name in cluster.spec.nodes {
                    #expect(cluster[name].isRunning, "\(name) \(cluster[name].checkExit().map(\.description) ?? "")\n\(cluster[name].tail())")
                }
                let session = try WireSession(path: a.clientSocketPath, name: "after-fuzz")
                try session.send(.ping(id: 77))
                let pong = try session.next()
                #expect(pong == .pong(id: 77), "a answered PING with \(String(describing: pong))")
                session.socket.close()
                #expect(garbageFromNode.isEmpty, "\(garbageFromNode.count) problems, e.g. \(garbageFromNode.prefix(5))")
                #expect(peerOutcomes.count >= min(Self.cases, 1000) && clientOutcomes.count >= min(Self.cases, 1000),
                        "only \(peerOutcomes.count) peer and \(clientOutcomes.count) client cases ran in their time")

                // It kept serving its other links: the stream from a through b1 to c went on, and
                // everything published once the fuzzing was over arrived.
                try await Task.sleep(for: .seconds(2))
                let report = try await run.finish(faultAt: fuzzStart)
                run.expectIntact(report, cluster)
                let received = run.stream.received(in: run.subscription.messages)
                let during = received.filter { $0.message.arrival > fuzzStart && $0.message.arrival < fuzzEnd }.count
                let arrivals = received.map(\.message.arrival)
                let longest = zip(arrivals, arrivals.dropFirst()).map { $1 - $0 }.max() ?? .zero
                let afterFuzz = run.stream.firstIndex(sentAtOrAfter: fuzzEnd + .milliseconds(500)) ?? run.stream.count
                #expect(during > 0, "nothing reached c while a was being fuzzed")
                #expect(report.missing.allSatisfy { $0 < afterFuzz }, "lost after the fuzzing ended: \(report.missingRanges)")

                // Every connection the framing or the handshake ruled out was closed with a logged reason.
                let logged = await loggedPorts(a, expecting: Set(mustLog.map(\.port)))
                let unlogged = mustLog.filter { !logged.contains($0.port) }
                #expect(
                    unlogged.isEmpty,
                    "\(unlogged.count) of \(mustLog.count) bad peer connections closed without a log line, e.g. \(unlogged.prefix(3).map { "case \($0.index) from port \($0.port), \($0.verdict): \(peerCases[$0.index].prefix(48).map { String(format: "%02x", $0) }.joined())" })"
                )
                let clientCloses = a.lines(containing: "closing client connection").count - clientClosesBefore
                #expect(clientCloses >= clientBroken, "\(clientBroken) client connections with broken framing, \(clientCloses) logged closes")

                print(
                    """
                    fuzzed a: \(peerOutcomes.count) peer-port cases in \(String(format: "%.1f", peerTime.milliseconds / 1000)) s \
                    (\(peerVerdicts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")); \
                    \(mustLog.count - unlogged.count) closes logged with their address), \
                    \(clientOutcomes.count) client-socket cases in \(String(format: "%.1f", clientTime.milliseconds / 1000)) s \
                    (\(clientBroken) broken framing, \(clientCloses) logged closes, \(errorsAnswered) ERROR answers); \
                    stream: \(report), longest silence \(String(format: "%.0f", longest.milliseconds)) ms
                    """
                )
            }
        }

        /// A peer killed while writing leaves part of a frame: the link ends with that
        /// reason logged, and it is not counted as a malformed frame (not bad input).
        @Test("a peer whose connection ends inside a frame: logged as such, not counted as a malformed frame", .timeLimit(.minutes(2)))
        func connectionEndingInsideAFrame() async throws {
            try await Cluster.withRunning(.diamond) { cluster in
                let a = cluster["a"]
                let peer = try FakePeer(port: a.port, name: "cut-short")
                defer { peer.close() }
                try peer.link()
                #expect(await eventually(timeout: .seconds(10)) { a.peerIsUp("cut-short") }, "\(cluster.logs())")
                var frame = ByteBuffer()
                try PeerFrameEncoder().encode(.message(.goodbye), into: &frame)
                try peer.socket.write(Array(frame.readableBytesView.prefix(frame.readableBytes - 1)))
                peer.close()
                #expect(await eventually(timeout: .seconds(10)) {
                    a.lines(containing: "closing link to cut-short").contains { $0.contains("the connection ended inside a frame") }
                }, "\(cluster.logs())")
                #expect(await eventually(timeout: .seconds(10)) { !a.peerIsUp("cut-short") })
                let stats = try #require(cluster.stats("a"))
                #expect(stats.values["malformed_frames"] == 0)
            }
        }

        /// Ports of 127.0.0.1 named in a's lines about closing or refusing a link; waits up to 5 s
        /// for the lines of `expected` to be written.
        private func loggedPorts(_ node: ArbordProcess, expecting expected: Set<Int>) async -> Set<Int> {
            var ports: Set<Int> = []
            _ = await eventually(timeout: .seconds(5)) {
                ports = []
                for line in node.currentLog.split(separator: "\n")
                where line.contains("closing link to") || line.contains("refusing link from") || line.contains("refused the link") {
                    var rest = line[...]
                    while let range = rest.range(of: "/127.0.0.1:") {
                        let digits = rest[range.upperBound...].prefix { $0.isNumber }
                        if let port = Int(digits) { ports.insert(port) }
                        rest = rest[range.upperBound...]
                    }
                }
                return expected.isSubset(of: ports)
            }
            return ports
        }
    }
}
