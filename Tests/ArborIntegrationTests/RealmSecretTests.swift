import ArborCore
import ArborTestSupport
import ArborTrust
import ArborWire
import Foundation
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension MultiProcess {
    /// Realms with a secret (`arbord --secret-file`, docs/security.md): nodes holding the
    /// same secret link, route and deliver over encrypted links; a peer without it, or with
    /// another, never completes a handshake and learns nothing of the overlay.
    @Suite("Realm secrets (--secret-file)")
    struct RealmSecretTests {
        /// A secret file of mode 0600 in a directory of its own; remove the directory after.
        private static func secretFile(_ text: String) throws -> (path: String, directory: String) {
            let directory = "/tmp/arbor-realm-" + String(UInt32.random(in: .min ... .max), radix: 16)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/secret"
            guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw HarnessError("cannot write \(path)")
            }
            return (path, directory)
        }

        private static let pair = TopologySpec(name: "pair", root: "a", nodes: ["a", "b"], links: [("a", "b", 1)])

        @Test("nodes with the same secret link, route and deliver over encrypted links", .timeLimit(.minutes(2)))
        func sameSecret() async throws {
            let secret = try Self.secretFile("realm secret for the diamond test, 0123456789\n")
            defer { try? FileManager.default.removeItem(atPath: secret.directory) }
            try await Cluster.withRunning(.diamond, nodeArguments: ["--secret-file", secret.path]) { cluster in
                let run = try await StreamRun(cluster, rate: 200)
                defer { run.close() }
                let report = try await run.finish(faultAt: .now)
                run.expectIntact(report, cluster)
                #expect(report.missing.isEmpty, "\(report)")
                for node in cluster.spec.nodes {
                    #expect(cluster.stats(node)?["realm_failures"] == 0, "\(cluster[node].tail())")
                }
                // What a node says first on its port is a realm HELLO, not its handshake.
                #expect(throws: (any Error).self) { try handshake(ofNodeOnPort: cluster["a"].port) }
                print("diamond with a realm secret: \(report)")
            }
        }

        /// Fake peers at a node of a realm with a secret: one without a secret (a plaintext
        /// handshake) gets the node's HELLO and a HANDSHAKE_REJECT, nothing else; one with
        /// another secret gets the HELLO and one record it cannot open (the node's sealed
        /// handshake), then the connection closes. Neither sees a record, a summary or a
        /// node list.
        @Test("a peer without the secret, or with another one, learns nothing", .timeLimit(.minutes(2)))
        func outsidersLearnNothing() async throws {
            let secret = try Self.secretFile("the pair's secret, 32 bytes or more\n")
            defer { try? FileManager.default.removeItem(atPath: secret.directory) }
            try await Cluster.withRunning(Self.pair, nodeArguments: ["--secret-file", secret.path]) { cluster in
                let a = cluster["a"]

                // (1) No secret: a plaintext handshake.
                let plain = try Socket.tcp(port: a.port)
                defer { plain.close() }
                plain.setReadTimeout(.seconds(5))
                let key = NodeKey()
                let handshake = Handshake(node: key.id, incarnation: 1, name: "mallory", realm: "default", extensions: PeerProof.extensions(key: key, nonce: PeerProof.freshNonce()))
                var frame = ByteBuffer()
                try PeerFrameEncoder().encode(.handshake(handshake), into: &frame)
                try plain.write(Array(frame.readableBytesView))
                var answer = ByteBuffer(bytes: plain.readToEnd(limit: 1 << 20))
                #expect(try RealmHandshake.readHello(from: &answer) != nil)
                var decoder = PeerFrameDecoder()
                let reply = try decoder.next(from: &answer)
                #expect(reply == .handshakeReject(HandshakeReject(reason: .authenticationFailed, text: "this node's realm has a secret (--secret-file) and the link is encrypted")))
                #expect(answer.readableBytes == 0, "\(answer.readableBytes) more bytes after the reject")

                // (2) Another secret.
                let guess = try RealmKey(secret: Array("a guess at the secret, 32 bytes at least".utf8))
                let mallory = try RealmPeer(port: a.port, key: guess, name: "mallory")
                defer { mallory.close() }
                let rest = mallory.readRest()
                #expect(rest.readableBytes > 0, "the node sent nothing after its HELLO")
                var opener = mallory.session.opener
                var records = rest
                #expect(throws: RealmError.unauthentic(record: 0)) { try opener.open(from: &records) }
                // Nor is any of it a plaintext peer frame carrying overlay state.
                var plaintext = rest
                var established = PeerFrameDecoder(phase: .established)
                var frames: [PeerFrame] = []
                while let next = (try? established.next(from: &plaintext)) ?? nil {
                    frames.append(next)
                }
                #expect(!frames.contains { if case .message = $0 { true } else { false } }, "\(frames.map(\.type))")

                #expect(await eventually(timeout: .seconds(5)) { (cluster.stats("a")?["realm_failures"] ?? 0) >= 2 }, "\(a.tail())")
                #expect(!a.lines(containing: "the peer has no realm secret").isEmpty, "\(a.tail())")
                #expect(!a.lines(containing: "does not open with this realm's secret").isEmpty, "\(a.tail())")
                // The pair's own link is untouched, and a knows no third node.
                #expect(try cluster.peerIsUp("a", "b"))
                let status = try #require(try ControlAPI.available(on: a)?.get("/v1/status") as? [String: Any])
                #expect((status["nodes_known"] as? NSNumber)?.intValue == 2, "\(status)")
                #expect((status["realm_secret"] as? Bool) == true, "\(status)")
            }
        }

        /// Real arbord processes dialling a node of a realm with a secret: one with another
        /// secret, one with none. Neither ever links, and neither learns any node but
        /// itself; both sides log why. A secret file others can read stops arbord at start.
        @Test("arbord with another secret or none never links; a readable secret file is refused", .timeLimit(.minutes(2)))
        func nodesOutsideTheRealm() async throws {
            let secret = try Self.secretFile("the pair's secret, 32 bytes or more\n")
            let wrong = try Self.secretFile("not the pair's secret, but as long\n")
            defer {
                try? FileManager.default.removeItem(atPath: secret.directory)
                try? FileManager.default.removeItem(atPath: wrong.directory)
            }
            try await Cluster.withRunning(Self.pair, nodeArguments: ["--secret-file", secret.path]) { cluster in
                let a = cluster["a"]
                let ports = Ports.allocate(3)
                let outsiders = [
                    ArbordProcess(name: "m", port: ports[0], directory: cluster.directory + "/m", arguments: ["--peer", a.address, "--secret-file", wrong.path]),
                    ArbordProcess(name: "n", port: ports[1], directory: cluster.directory + "/n", arguments: ["--peer", a.address]),
                ]
                defer {
                    for node in outsiders { node.send(SIGKILL) }
                    for node in outsiders { for _ in 0..<500 where node.pid != nil && node.checkExit() == nil { usleep(10_000) } }
                }
                for node in outsiders { try node.start() }
                for node in outsiders { try await node.waitUntilReady() }
                // Several dial attempts (the redial delay starts at 100 ms).
                #expect(await eventually(timeout: .seconds(10)) { (cluster.stats("a")?["realm_failures"] ?? 0) >= 4 }, "\(a.tail())")
                try await Task.sleep(for: .seconds(1))
                for node in outsiders {
                    let api = try #require(ControlAPI.available(on: node))
                    let peers = try #require(try api.get("/v1/peers") as? [[String: Any]])
                    #expect(!peers.contains { ["up", "established", "connected"].contains(($0["state"] as? String) ?? "") }, "\(node.name): \(peers)")
                    let status = try #require(try api.get("/v1/status") as? [String: Any])
                    #expect((status["nodes_known"] as? NSNumber)?.intValue == 1, "\(node.name) learned of other nodes: \(status)")
                }
                #expect(!outsiders[0].lines(containing: "authentication failed").isEmpty, "\(outsiders[0].tail())")
                #expect(!outsiders[1].lines(containing: "realm has a secret").isEmpty, "\(outsiders[1].tail())")
                let peersOfA = try #require(try ControlAPI.available(on: a)?.get("/v1/peers") as? [[String: Any]])
                #expect(peersOfA.compactMap { $0["name"] as? String } == ["b"], "\(peersOfA)")

                // A secret file readable by others: arbord refuses it and exits 1.
                #expect(chmod(wrong.path, 0o644) == 0)
                let careless = ArbordProcess(name: "o", port: ports[2], directory: cluster.directory + "/o", arguments: ["--secret-file", wrong.path])
                try careless.start()
                let exit = await careless.waitForExit(timeout: .seconds(20))
                if exit == nil { await careless.kill9() }
                #expect(exit == .exited(1), "\(careless.tail())")
                #expect(!careless.lines(containing: "chmod 600").isEmpty, "\(careless.tail())")
            }
        }

        /// Seeded cases (ARBOR_FUZZ_SEED, ARBOR_FUZZ_CASES as BadInputTests, a fifth as many)
        /// of realm HELLOs and records, random and mutated, on the peer port of a in a diamond
        /// with a secret while a stream crosses it: a stays up, the stream loses nothing, and
        /// no answer holds anything but a's HELLO, records no one else can open, or a
        /// HANDSHAKE_REJECT.
        @Test("random and mutated realm openings and records: the node survives and answers nothing of the overlay", .timeLimit(.minutes(4)))
        func fuzzRealmOpenings() async throws {
            let secret = try Self.secretFile("realm secret for the fuzzing test, 0123456789\n")
            defer { try? FileManager.default.removeItem(atPath: secret.directory) }
            try await Cluster.withRunning(.diamond, deadAfter: 30, nodeArguments: ["--secret-file", secret.path]) { cluster in
                let run = try await StreamRun(cluster, rate: 200)
                defer { run.close() }
                let a = cluster["a"]
                var input = FuzzInput(seed: BadInputTests.seed, topology: cluster.spec.name)
                let cases = (0..<max(1, BadInputTests.cases / 5)).map { _ in input.realmCase() }
                let port = a.port
                let start = ContinuousClock.now
                let outcomes = FuzzRunner(cases: cases) { try Socket.tcp(port: port) }.run(workers: 8, timeLimit: .seconds(60), tcp: true)
                try #require(a.isRunning, "a died during the realm cases\n\(a.tail())")
                var overlayFrames: [String] = []
                for outcome in outcomes where outcome.connectFailure == nil {
                    var answer = ByteBuffer(bytes: outcome.answer)
                    guard case .hello(_)? = try? RealmHandshake.readHello(from: &answer) else {
                        overlayFrames.append("case \(outcome.index): the answer does not start with a HELLO")
                        continue
                    }
                    var decoder = PeerFrameDecoder(phase: .established)
                    while let frame = (try? decoder.next(from: &answer)) ?? nil {
                        if case .handshakeReject = frame { continue }
                        overlayFrames.append("case \(outcome.index): a plaintext \(frame.type) frame")
                    }
                }
                #expect(overlayFrames.isEmpty, "\(overlayFrames.prefix(10))")
                let report = try await run.finish(faultAt: start)
                run.expectIntact(report, cluster)
                #expect(report.missing.isEmpty, "\(report)")
                #expect(try cluster.peerIsUp("a", "b1"))
                let failures = cluster.stats("a")?["realm_failures"] ?? 0
                #expect(failures > 0)
                print("realm fuzzing of a: \(outcomes.count) of \(cases.count) cases in \(ContinuousClock.now - start), \(failures) realm failures counted; \(report)")
            }
        }
    }
}
