import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension MultiProcess {
    /// Live reload of topology files (SIGHUP, `POST /v1/reload`) on the diamond of four real
    /// `arbord` processes: a changed definition moves the tree on every node without
    /// dropping a link or a client; a broken file changes nothing and says where it is broken.
    ///
    /// Serialized with every multi-process suite (see ``MultiProcess``).
    @Suite("Reloading topology files")
    struct ReloadTests {
        @Test("root a -> c in the file, SIGHUP: every node's tree moves to root c; no link or client dropped", .timeLimit(.minutes(2)))
        func changedRootMovesTheTree() async throws {
            try await DiamondFlow.withRunning { cluster, flow in
                let (subscription, publisher) = (flow.subscription, flow.publisher)
                #expect(cluster.parent(of: "a") == "(root)")
                #expect(cluster.parent(of: "c") == "b1")
                let linksBefore = try peerDowns(cluster)

                try rewrite(cluster.topologyFile, replacing: "    root: a\n", with: "    root: c\n    version: 2\n")
                for name in cluster.spec.nodes {
                    cluster[name].send(SIGHUP)
                }
                // The tree turns around: c is the root, b1 its child, a hangs off b1, on every node.
                try await cluster.waitForParent(of: "c", toBe: "(root)")
                try await cluster.waitForParent(of: "b1", toBe: "c")
                try await cluster.waitForParent(of: "a", toBe: "b1")
                try await cluster.waitForParent(of: "b2", toBe: "c")
                for name in cluster.spec.nodes {
                    let reloaded = try events(cluster, name).filter { ($0["type"] as? String) == "definitions_reloaded" }
                    #expect(reloaded.contains { ($0["reason"] as? String) == "changed: diamond" }, "\(name): \(reloaded)\n\(cluster[name].tail(10))")
                    #expect(!cluster[name].lines(containing: "topology files reloaded: changed diamond").isEmpty, "\(cluster[name].tail(10))")
                }

                // Nothing dropped: no peer went down anywhere, and the subscriber that was
                // connected before still gets what the publisher connected before sends.
                let received = subscription.messages.count
                try publisher.publish(topic: "AAPL", payload: Array("after-reload".utf8))
                try publisher.sync(timeout: .seconds(10))
                let arrived = await eventually(timeout: .seconds(10)) {
                    subscription.messages.dropFirst(received).contains { $0.payloadText == "after-reload" }
                }
                #expect(arrived, "the message published after the reload did not arrive\n\(cluster.logs())")
                #expect(try peerDowns(cluster) == linksBefore, "links went down during the reload\n\(cluster.logs())")
                #expect(publisher.problems.isEmpty && subscription.problems.isEmpty, "\(publisher.problems) \(subscription.problems)")
            }
        }

        @Test("a broken file: POST /v1/reload and SIGHUP refuse it with file:line:col, the tree and definition stay", .timeLimit(.minutes(2)))
        func brokenFileChangesNothing() async throws {
            try await Cluster.withRunning(.diamond) { cluster in
                try await cluster.waitForParent(of: "c", toBe: "b1")

                // Line 5 of the generated file is "    root: a": a key no topology has, under it.
                try rewrite(cluster.topologyFile, replacing: "    root: a\n", with: "    root: c\n    version: 2\n    rooot: c\n")
                let api = try #require(ControlAPI.available(on: cluster["a"]))
                let answer = try #require(try api.post("/v1/reload") as? [String: Any])
                #expect(answer["reloaded"] as? Bool == false)
                let errors = answer["errors"] as? [String] ?? []
                #expect(errors.count == 1 && errors.allSatisfy { $0.hasPrefix(cluster.topologyFile + ":7:5: error: unknown key 'rooot'") }, "\(errors)")
                cluster["b1"].send(SIGHUP)
                let logged = await eventually(timeout: .seconds(10)) {
                    !cluster["b1"].lines(containing: "topology files not reloaded: 1 error(s)").isEmpty
                }
                #expect(logged, "\(cluster["b1"].tail(10))")
                #expect(!cluster["b1"].lines(containing: ":7:5: error: unknown key 'rooot'").isEmpty, "\(cluster["b1"].tail(10))")
                let refused = try events(cluster, "a").filter { ($0["type"] as? String) == "reload_refused" }
                #expect(refused.count == 1 && (refused.first?["reason"] as? String)?.contains(":7:5: error: unknown key 'rooot'") == true, "\(refused)")

                // Nothing changed: a is still the root everywhere, at version 1.
                try await Task.sleep(for: .milliseconds(500))
                #expect(cluster.parent(of: "a") == "(root)")
                #expect(cluster.parent(of: "c") == "b1")
                let topologies = try #require(try api.get("/v1/topologies") as? [[String: Any]])
                let diamond = topologies.first { ($0["name"] as? String) == "diamond" }
                #expect(diamond?["version"] as? Int == 1, "\(topologies)")
            }
        }

        /// The file with its first `old` replaced by `new`.
        private func rewrite(_ path: String, replacing old: String, with new: String) throws {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let range = try #require(text.range(of: old), "no \(old.debugDescription) in \(text)")
            try text.replacingCharacters(in: range, with: new).write(toFile: path, atomically: true, encoding: .utf8)
        }

        private func events(_ cluster: Cluster, _ node: String) throws -> [[String: Any]] {
            let api = try #require(ControlAPI.available(on: cluster[node]))
            let document = try #require(try api.get("/v1/events") as? [String: Any])
            return document["events"] as? [[String: Any]] ?? []
        }

        /// How many peer_down events each node has recorded.
        private func peerDowns(_ cluster: Cluster) throws -> [String: Int] {
            var counts: [String: Int] = [:]
            for name in cluster.spec.nodes {
                counts[name] = try events(cluster, name).filter { ($0["type"] as? String) == "peer_down" }.count
            }
            return counts
        }
    }
}
