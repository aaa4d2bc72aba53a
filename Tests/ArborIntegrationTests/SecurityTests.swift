import ArborCore
import ArborTrust
import ArborWire
import Foundation
import Testing

extension MultiProcess {
    /// Attacks on a live diamond with default security flags (no realm secret), by a fake
    /// peer written with ArborWire and ArborTrust: while a stream runs from a through b1 to a
    /// subscriber on c, nothing the attacker sends takes a link, a record, a topology or
    /// traffic, and every node stays up (docs/security.md).
    @Suite("Attacks by a peer without the victim's key")
    struct SecurityTests {
        /// (a) A fake peer handshakes with c's node id and a higher incarnation at b1, c's
        /// parent: once with its own key, once with c's public key (copied from c's own
        /// handshake) and a proof made with its own key. Both are refused as not proven;
        /// the attacker gets the node's handshake (and proof) and nothing of the overlay.
        @Test("(a) impersonating c at b1 is refused; c's link and its subscriber are unaffected", .timeLimit(.minutes(2)))
        func impersonation() async throws {
            try await Target.withRunning(.diamond) { target in
                let cluster = target.cluster
                let (b1, c) = (cluster["b1"], cluster["c"])
                let victim = try handshake(ofNodeOnPort: c.port)
                let victimKey = try #require(victim.extensionValue(HandshakeExtension.publicKeyTag))
                let attackAt = ContinuousClock.now
                var answers: [[PeerFrame]] = []
                for publicKey in [nil, victimKey] {
                    let mallory = try FakePeer(
                        port: b1.port,
                        claiming: victim.node,
                        publicKey: publicKey,
                        name: "c",
                        incarnation: victim.incarnation + 1_000
                    )
                    defer { mallory.close() }
                    var frames: [PeerFrame] = []
                    if let reply = try mallory.prove() { frames.append(reply) }
                    frames += try mallory.drain()
                    answers.append(frames)
                }
                for frames in answers {
                    let reject = frames.compactMap { frame -> HandshakeReject? in
                        if case .handshakeReject(let reject) = frame { return reject }
                        return nil
                    }
                    #expect(reject.map(\.reason) == [.identityNotProven], "answered \(frames.map(\.type))")
                    #expect(!frames.contains { if case .message = $0 { true } else { false } }, "the impersonator got overlay messages: \(frames.map(\.type))")
                }
                #expect(b1.lines(containing: "node id not proven").count >= 2, "\(b1.tail())")
                #expect(try cluster.peerIsUp("b1", "c"))
                #expect(cluster.parent(of: "c") == "b1")
                let report = try await target.finish(attackAt: attackAt)
                #expect(cluster.stats("b1")?["identities_not_proven"] == 2)
                // c's key is readable by its service's user only.
                let attributes = try FileManager.default.attributesOfItem(atPath: c.stateDirectory + "/node-key")
                #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
                print("impersonation of c at b1: \(report)")
            }
        }

        /// (b) A peer with a key of its own links to a, then sends records for c's id (at the
        /// last incarnation and sequence, sealed with its own key; with c's public key and its
        /// own signature) and for b1's id without a seal, and a flush of c's record at the
        /// last version: all dropped and counted, a stays up, the stream goes on.
        @Test("(b) forged records and flushes for other nodes' ids are dropped; the node stays up", .timeLimit(.minutes(2)))
        func forgedRecords() async throws {
            try await Target.withRunning(.diamond) { target in
                let cluster = target.cluster
                let a = cluster["a"]
                let c = try handshake(ofNodeOnPort: cluster["c"].port)
                let b1 = try handshake(ofNodeOnPort: cluster["b1"].port)
                let mallory = try FakePeer(port: a.port, name: "mallory")
                defer { mallory.close() }
                try mallory.link()
                let notary = RecordNotary(key: mallory.key)
                var top = LinkStateRecord(origin: c.node, name: "c", incarnation: .max, sequence: .max, links: [])
                top.seal = notary.seal(top)
                var copiedKey = LinkStateRecord(origin: c.node, name: "c", incarnation: c.incarnation + 1, sequence: 1, links: [])
                copiedKey.seal = notary.seal(copiedKey)
                copiedKey.seal!.publicKey = try #require(c.extensionValue(HandshakeExtension.publicKeyTag))
                let unsealed = LinkStateRecord(origin: b1.node, name: "b1", incarnation: .max, sequence: .max, links: [])
                let flush = RecordVersion(origin: c.node, incarnation: .max, sequence: .max, seal: top.seal)
                let attackAt = ContinuousClock.now
                for _ in 0..<3 {
                    try mallory.send(.message(.linkState([top, copiedKey, unsealed])))
                    try mallory.send(.message(.flush([flush])))
                }
                #expect(await eventually(timeout: .seconds(10)) { (cluster.stats("a")?["unauthentic_records"] ?? 0) >= 12 })
                let report = try await target.finish(attackAt: attackAt)
                for name in cluster.spec.nodes {
                    #expect(cluster[name].isRunning, "\(name)\n\(cluster[name].tail())")
                }
                #expect(cluster.parent(of: "c") == "b1")
                #expect(!a.lines(containing: "without a valid seal").isEmpty)
                print("forged records at a: \(cluster.stats("a")?["unauthentic_records"] ?? 0) dropped; \(report)")
            }
        }

        /// (c) A peer with a key of its own links to a and floods its own (authentic) record
        /// carrying definitions of the diamond topology at version 2^63 and at the file
        /// maximum, with `publishers: [mallory]`: neither is in force anywhere, a's publisher
        /// is still permitted and the stream goes on.
        @Test("(c) a definition with a huge version and publishers [mallory] does not take over", .timeLimit(.minutes(2)))
        func forgedDefinition() async throws {
            try await Target.withRunning(.diamond) { target in
                let cluster = target.cluster
                let a = cluster["a"]
                let aID = try handshake(ofNodeOnPort: a.port).node
                let mallory = try FakePeer(port: a.port, name: "mallory")
                defer { mallory.close() }
                try mallory.link()
                let name = TopologyName(cluster.spec.name)!
                let takeovers = [1 << 63, UInt64(UInt32.max)].map {
                    TopologyDefinition(name: name, version: $0, description: "mine now", publishers: ["mallory"])
                }
                let installedBefore = cluster.stats("a")?["records_installed"] ?? 0
                let attackAt = ContinuousClock.now
                try mallory.send(.message(.linkState([mallory.ownRecord(sequence: 1, links: [Link(neighbor: aID, cost: 1)], definitions: takeovers)])))
                #expect(await eventually(timeout: .seconds(10)) { (cluster.stats("a")?["records_installed"] ?? 0) > installedBefore })
                try await Task.sleep(for: .seconds(1))
                let report = try await target.finish(attackAt: attackAt)
                for node in cluster.spec.nodes {
                    let api = try #require(ControlAPI.available(on: cluster[node]))
                    let topologies = try #require(try api.get("/v1/topologies") as? [[String: Any]])
                    let diamond = topologies.first { ($0["name"] as? String) == cluster.spec.name }
                    #expect((diamond?["version"] as? NSNumber)?.intValue == 1, "\(node): \(String(describing: diamond))")
                    #expect(diamond?["description"] as? String != "mine now")
                }
                #expect(cluster.stats("a")?["unauthentic_records"] == 0)
                print("definition takeover at a: \(report)")
            }
        }

        /// (d) In a topology whose file lists `publishers: [a]`, a linked peer that is not a
        /// publisher sends messages in its own name to c: c drops and counts each one, its
        /// subscriber gets none, a's stream goes on.
        @Test("(d) a non-publisher's messages are dropped and counted", .timeLimit(.minutes(2)))
        func nonPublisher() async throws {
            var spec = TopologySpec.diamond
            spec.publishers = ["a"]
            try await Target.withRunning(spec) { target in
                let (cluster, run) = (target.cluster, target.run)
                let c = cluster["c"]
                let cID = try handshake(ofNodeOnPort: c.port).node
                let mallory = try FakePeer(port: c.port, name: "mallory")
                defer { mallory.close() }
                try mallory.link()
                try mallory.send(.message(.linkState([mallory.ownRecord(sequence: 1, links: [Link(neighbor: cID, cost: 1)])])))
                let before = try #require(cluster.stats("c"))
                let attackAt = ContinuousClock.now
                let count = 50
                for sequence in 1...count {
                    try mallory.send(.message(.data(DataMessage(
                        topology: TopologyName(spec.name)!,
                        origin: mallory.key.id,
                        originIncarnation: 1,
                        sequence: UInt64(sequence),
                        hops: 0,
                        topic: Topic("AAPL"),
                        payload: Array("mallory:\(sequence)".utf8)
                    ))))
                }
                #expect(await eventually(timeout: .seconds(10)) {
                    (cluster.stats("c")?.since(before)["dropped.not_permitted"] ?? 0) >= count
                }, "\(c.tail())")
                let report = try await target.finish(attackAt: attackAt)
                #expect(!run.subscription.messages.contains { $0.payloadText.hasPrefix("mallory:") })
                print("non-publisher at c: \(cluster.stats("c")?.since(before)["dropped.not_permitted"] ?? 0) dropped; \(report)")
            }
        }

        /// A live topology under attack: its nodes, and a 200 msg/s stream from a to a
        /// subscriber on c that must come through whole.
        struct Target {
            let cluster: Cluster
            let run: StreamRun

            static func start(_ spec: TopologySpec) async throws -> Target {
                let cluster = try Cluster(spec)
                do {
                    try await cluster.start()
                    return Target(cluster: cluster, run: try await StreamRun(cluster, rate: 200))
                } catch {
                    cluster.teardown()
                    throw error
                }
            }

            /// Ends the stream and checks it: nothing lost, nothing twice, however the
            /// attack that began at `attackAt` went.
            func finish(attackAt: ContinuousClock.Instant, sourceLocation: SourceLocation = #_sourceLocation) async throws -> StreamReport {
                let report = try await run.finish(faultAt: attackAt)
                run.expectIntact(report, cluster, sourceLocation: sourceLocation)
                #expect(report.missing.isEmpty, "\(report)", sourceLocation: sourceLocation)
                return report
            }

            func close() {
                run.close()
                cluster.teardown()
            }

            /// Runs `body` on `spec`'s topology under attack; closes it after.
            static func withRunning(_ spec: TopologySpec, _ body: (Target) async throws -> Void) async throws {
                let target = try await start(spec)
                defer { target.close() }
                try await body(target)
            }
        }
    }
}
