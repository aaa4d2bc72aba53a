@testable import ArborControl
import ArborTestSupport
import Foundation
import Testing

/// The control API, the CLI and the metrics against three real `arbord` processes on
/// loopback (see ``LoopbackOverlay``), with a subscriber to `AAPL` attached to `c`.
/// Serialized: each test starts its own overlay, and two cores are enough for one.
@Suite(.serialized) struct OverlayTests {
    static let topology = LoopbackOverlay.topology

    /// An overlay with c subscribed to AAPL, once a holds that interest from b and still
    /// holds it a second later: on a loaded machine a link of the start (a second connection
    /// between two nodes, closed by the tie break) can end after the first sighting, and
    /// the interest behind it is then sent again.
    func subscribedOverlay() throws -> (LoopbackOverlay, TestSubscriber) {
        let overlay = try LoopbackOverlay()
        let subscriber = try TestSubscriber(socketPath: overlay["c"].clientSocket)
        try subscriber.subscribe(Self.topology, "AAPL")
        func aHoldsIt() throws -> Bool {
            let route = try overlay.get("a", ControlPath.routes(Self.topology), as: RouteDocument.self)
            return route.engaged == ["b"] && route.neighbors.first { $0.name == "b" }?.interestHeld == [topic("AAPL")]
        }
        let converged = try eventually {
            guard try aHoldsIt() else { return false }
            Thread.sleep(forTimeInterval: 1)
            return try aHoldsIt()
        }
        guard converged else { throw OverlayError("a never held b's interest in AAPL\n" + overlay.logs()) }
        return (overlay, subscriber)
    }

    @Test(.timeLimit(.minutes(2)))
    func routesTopologiesPeersAndStatusMatchTheTriangle() throws {
        let (overlay, subscriber) = try subscribedOverlay()
        defer { withExtendedLifetime(subscriber) {} }

        let a = try overlay.get("a", ControlPath.routes(Self.topology), as: RouteDocument.self)
        #expect(a.held && a.root == "a" && a.rootReason == "declared" && a.parent == nil)
        #expect(a.treeNeighbors == ["b"] && a.engaged == ["b"])
        #expect(a.neighbors.map(\.name) == ["b"])
        #expect(a.neighbors[0].role == "child" && a.neighbors[0].interestHeld == [topic("AAPL")] && a.neighbors[0].interestSent == [])
        #expect(a.nextHops == [NextHopDocument(prefix: topic("AAPL"), via: ["b"], local: false)])

        let b = try overlay.get("b", ControlPath.routes(Self.topology), as: RouteDocument.self)
        #expect(b.root == "a" && b.parent == "a" && b.treeNeighbors == ["a", "c"] && b.engaged == ["a", "c"])
        let bNeighbors = Dictionary(uniqueKeysWithValues: b.neighbors.map { ($0.name, $0) })
        #expect(bNeighbors["a"]?.role == "parent" && bNeighbors["a"]?.interestHeld == [] && bNeighbors["a"]?.interestSent == [topic("AAPL")])
        #expect(bNeighbors["c"]?.role == "child" && bNeighbors["c"]?.interestHeld == [topic("AAPL")] && bNeighbors["c"]?.interestSent == [])
        #expect(b.nextHops == [NextHopDocument(prefix: topic("AAPL"), via: ["c"], local: false)])

        let c = try overlay.get("c", ControlPath.routes(Self.topology), as: RouteDocument.self)
        #expect(c.root == "a" && c.parent == "b" && c.treeNeighbors == ["b"] && c.engaged == ["b"])
        #expect(c.localInterest == [topic("AAPL")])
        #expect(c.neighbors.map(\.name) == ["b"] && c.neighbors[0].interestSent == [topic("AAPL")])
        #expect(c.nextHops == [NextHopDocument(prefix: topic("AAPL"), via: [], local: true)])
        #expect(try overlay.get("c", ControlPath.routes, as: [RouteDocument].self) == [c])

        let topologies = try overlay.get("c", ControlPath.topologies, as: [TopologyDocument].self)
        #expect(topologies.count == 1)
        let quotes = try #require(topologies.first)
        #expect(quotes.name == Self.topology && quotes.source == "file" && quotes.version == 1 && quotes.loadedHere)
        #expect(quotes.held && quotes.root == "a" && quotes.rootReason == "declared" && quotes.parent == "b")
        #expect(quotes.members == 1 && quotes.subscribers == 1 && quotes.publishers == 0 && quotes.subscriptions == 1)

        let cPeers = try overlay.get("c", ControlPath.peers, as: [PeerDocument].self)
        #expect(cPeers.map(\.name) == ["a", "b"] && cPeers.allSatisfy { $0.state == "up" && $0.found == "static" })
        #expect(cPeers.allSatisfy { $0.bytesIn > 0 && $0.framesIn > 0 && ($0.cost ?? 0) > 0 })
        let aPeers = try overlay.get("a", ControlPath.peers, as: [PeerDocument].self)
        #expect(aPeers.map(\.name) == ["b", "c"] && aPeers.allSatisfy { $0.found == "inbound" })

        let status = try overlay.get("a", ControlPath.status, as: StatusDocument.self)
        #expect(status.name == "a" && status.realm == "default" && !status.realmSecret && status.peersUp == 2 && status.nodesKnown == 3)
        #expect(status.listen == overlay["a"].listen && status.metrics != nil && status.topologies == 1)
        #expect(status.controlSocket == overlay["a"].controlSocket && status.runDir == overlay["a"].runDirectory)
        #expect(status.discovery == [DiscoveryDocument(backend: "static", state: "running", detail: "0 addresses from --peer and topology files")])
    }

    @Test(.timeLimit(.minutes(2)))
    func treeAndTraceFollowTheTree() throws {
        let (overlay, subscriber) = try subscribedOverlay()
        defer { withExtendedLifetime(subscriber) {} }

        let tree = try overlay.get("c", ControlPath.tree(Self.topology), as: TreeDocument.self)
        #expect(tree.root == "a" && tree.rootReason == "declared" && tree.computedBy == "c")
        #expect(tree.nodes.map(\.name) == ["a", "b", "c"])
        #expect(tree.nodes.map(\.parent) == [nil, "a", "b"] && tree.nodes.map(\.cost) == [0, 1, 2])
        #expect(tree.links == [
            TreeLinkDocument(nodes: ["a", "b"], cost: 1, state: "tree"),
            TreeLinkDocument(nodes: ["a", "c"], cost: 5, state: "unused"),
            TreeLinkDocument(nodes: ["b", "c"], cost: 1, state: "tree"),
        ])
        #expect(try overlay.get("a", ControlPath.tree(Self.topology), as: TreeDocument.self).nodes == tree.nodes)

        // From a: the first hop to b is certain; beyond b only b knows.
        let fromA = try overlay.get("a", ControlPath.trace(Self.topology, topic: Array("AAPL.O".utf8)), as: TraceDocument.self)
        #expect(fromA.hops == [
            TraceHopDocument(from: "a", to: "b", state: "sends", interest: [topic("AAPL")], matched: [topic("AAPL")]),
            TraceHopDocument(from: "b", to: "c", state: "unknown", interest: nil, matched: nil),
        ])
        #expect(fromA.destinations == [
            TraceDestinationDocument(node: "b", path: ["a", "b"], reach: "certain", subscriber: "maybe"),
            TraceDestinationDocument(node: "c", path: ["a", "b", "c"], reach: "possible", subscriber: "maybe"),
        ])
        // From b: c is a leaf that wants AAPL, so a subscriber there is known; a wants nothing.
        let fromB = try overlay.get("b", ControlPath.trace(Self.topology, topic: Array("AAPL".utf8)), as: TraceDocument.self)
        #expect(fromB.hops == [
            TraceHopDocument(from: "b", to: "a", state: "pruned", interest: [], matched: []),
            TraceHopDocument(from: "b", to: "c", state: "sends", interest: [topic("AAPL")], matched: [topic("AAPL")]),
        ])
        #expect(fromB.destinations == [TraceDestinationDocument(node: "c", path: ["b", "c"], reach: "certain", subscriber: "yes")])
        // At c the subscriber is local; other topics go nowhere.
        let atC = try overlay.get("c", ControlPath.trace(Self.topology, topic: Array("AAPL".utf8)), as: TraceDocument.self)
        #expect(atC.localSubscribers == 1 && atC.destinations.map(\.node) == ["c"])
        let msft = try overlay.get("a", ControlPath.trace(Self.topology, topic: Array("MSFT".utf8)), as: TraceDocument.self)
        #expect(msft.hops.map(\.state) == ["pruned"] && msft.destinations.isEmpty)
        // topic_hex names the same topic.
        let hex = try overlay.get("a", "/v1/trace/\(Self.topology)?topic_hex=4141504c2e4f", as: TraceDocument.self)
        #expect(hex == fromA)
    }

    @Test(.timeLimit(.minutes(2)))
    func killingTheRelayIsRecordedAsAReroute() throws {
        let (overlay, subscriber) = try subscribedOverlay()
        defer { withExtendedLifetime(subscriber) {} }
        let before = try overlay.get("c", ControlPath.events(after: 0), as: EventsDocument.self)

        // A long poll on c, waiting for the next event.
        let poll = LockedData()
        let client = overlay["c"].client
        let started = ContinuousClock.now
        let poller = Thread {
            let response = try? client.get(ControlPath.events(after: before.next, wait: 20), timeout: .seconds(30))
            poll.set(Data(response?.body ?? []))
        }
        poller.start()
        Thread.sleep(forTimeInterval: 0.2)

        overlay.crash("b")
        let regrafted = try eventually {
            try overlay.get("c", ControlPath.routes(Self.topology), as: RouteDocument.self).parent == "a"
        }
        #expect(regrafted, Comment(rawValue: overlay.logs()))
        #expect(eventually { poll.isSet })
        let polled = try ControlJSON.decode(EventsDocument.self, from: [UInt8](poll.value))
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(polled.events.first?.seq == before.next + 1)
        #expect(polled.events.contains { $0.type == "peer_down" && $0.peer == "b" })

        let events = try overlay.get("c", ControlPath.events(after: 0), as: EventsDocument.self).events
        let down = try #require(events.first { $0.type == "peer_down" && $0.peer == "b" })
        let reroute = try #require(events.first { $0.type == "route_changed" && $0.before?.parent == "b" })
        #expect(reroute.topology == Self.topology && reroute.after?.parent == "a" && reroute.after?.root == "a")
        #expect(reroute.before?.engaged == ["b"] && reroute.after?.engaged == ["a"])
        #expect(down.seq < reroute.seq && down.instantMs <= reroute.instantMs)
        #expect(reroute.time.hasSuffix("Z") && reroute.time.count == 24)

        let c = try overlay.get("c", ControlPath.routes(Self.topology), as: RouteDocument.self)
        #expect(c.treeNeighbors == ["a"] && c.engaged == ["a"])
        let stats = try overlay.get("c", ControlPath.stats, as: StatsDocument.self)
        #expect(stats.failovers.count >= 1 && stats.reroutes >= 2 && stats.peersUp == 1)
        #expect((stats.failovers.lastMs ?? .infinity) < 1000)

        // The CLI shows the same events.
        let cli = try arbor("events", "--run-dir", overlay["c"].runDirectory)
        #expect(cli.status == 0 && cli.standardOutput.contains("peer down    b"))
        #expect(cli.standardOutput.contains("reroute      demo.quotes: [root a, parent b, children none, engaged b] -> [root a, parent a, children none, engaged a]"))
    }

    /// Every inspection command's `--json` against `curl` on the same path. Most documents
    /// do not change between the two reads of an idle overlay and must be the same bytes.
    /// Those of `status`, `peers` and `stats` carry values that move on their own between
    /// two reads (uptime, RTT, time since last heard, and the frame, byte, record and
    /// recomputation counters that heartbeats and periodic refreshes drive): for them the
    /// values of exactly those keys are masked in both texts, and everything else (every
    /// other key and value, their order and the formatting) must still be the same bytes.
    @Test(.timeLimit(.minutes(2)))
    func curlAndTheCLIGiveTheSameDocument() throws {
        let curl = try #require(which("curl"), "curl is needed (apt curl)")
        let (overlay, subscriber) = try subscribedOverlay()
        defer { withExtendedLifetime(subscriber) {} }
        let cases: [(String, [String], String)] = [
            ("a", ["status"], "/v1/status"),
            ("c", ["status"], "/v1/status"),
            ("a", ["peers"], "/v1/peers"),
            ("c", ["peers"], "/v1/peers"),
            ("a", ["topologies"], "/v1/topologies"),
            ("c", ["topologies"], "/v1/topologies"),
            ("a", ["routes"], "/v1/routes"),
            ("c", ["routes"], "/v1/routes"),
            ("c", ["routes", Self.topology], "/v1/routes/\(Self.topology)"),
            ("a", ["tree", Self.topology], "/v1/tree/\(Self.topology)"),
            ("c", ["tree", Self.topology], "/v1/tree/\(Self.topology)"),
            ("a", ["trace", Self.topology, "AAPL"], "/v1/trace/\(Self.topology)?topic=AAPL"),
            ("c", ["trace", Self.topology, "AAPL.O"], "/v1/trace/\(Self.topology)?topic=AAPL.O"),
            ("c", ["events"], "/v1/events?after=0"),
            ("c", ["events", "--after", "2"], "/v1/events?after=2"),
            ("a", ["stats"], "/v1/stats"),
            ("c", ["stats"], "/v1/stats"),
        ]
        for (name, command, path) in cases {
            let node = overlay[name]
            let fromCurl = try run(curl, ["-sS", "--fail", "--unix-socket", node.controlSocket, "http://localhost" + path])
            let fromCLI = try run(builtProgram("arbor"), command + ["--json", "--run-dir", node.runDirectory])
            #expect(fromCurl.status == 0 && fromCLI.status == 0, "\(name): \(command) \(fromCLI.standardError)")
            // A peer link's cost follows its measured RTT, so it moves like rtt_ms (seen on a busy machine).
            let also: [String] = command[0] == "peers" ? ["cost"] : []
            let (curlText, curlMasked) = Self.maskingVolatileValues(fromCurl.standardOutput, also: also)
            let (cliText, cliMasked) = Self.maskingVolatileValues(fromCLI.standardOutput, also: also)
            let volatile = ["status", "peers", "stats"].contains(command[0])
            #expect(volatile || curlMasked == 0, "\(name): \(path) has values that move but is not masked")
            #expect(
                !cliText.isEmpty && curlText == cliText && curlMasked == cliMasked,
                "\(name): arbor \(command.joined(separator: " ")) --json differs from curl \(path)\n\(fromCLI.standardOutput)\n\(fromCurl.standardOutput)"
            )
            // Both are the JSON document of that endpoint.
            #expect((try? JSONSerialization.jsonObject(with: fromCLI.output)) != nil)
        }
        // The events compared are not trivial: c's peers came up and it joined the tree.
        let events = try overlay.get("c", ControlPath.events(after: 0), as: EventsDocument.self).events
        #expect(events.count > 2 && events.contains { $0.type == "route_changed" })
        // And the human form of routes on c names its parent.
        let routes = try arbor("routes", Self.topology, "--run-dir", overlay["c"].runDirectory)
        #expect(routes.status == 0 && routes.standardOutput.hasPrefix("demo.quotes: root a (declared), parent b\n"))
    }

    /// Keys (of /v1/status, /v1/peers, /v1/stats) whose values change between two reads of
    /// an idle node.
    static let volatileKeys = [
        "uptime_seconds", "rtt_ms", "up_seconds", "last_heard_ms_ago", "frames_in", "frames_out", "bytes_in",
        "bytes_out", "records_received", "records_installed", "recomputations",
    ]

    /// `text` with the value of every volatile key (and of the keys in `also`) replaced by `_`,
    /// and how many were.
    static func maskingVolatileValues(_ text: String, also: [String] = []) -> (String, Int) {
        var count = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            for key in volatileKeys + also {
                let marker = "\"\(key)\" : "
                guard let range = line.range(of: marker) else { continue }
                count += 1
                let comma = line.hasSuffix(",") ? "," : ""
                return String(line[..<range.upperBound]) + "_" + comma
            }
            return String(line)
        }
        return (lines.joined(separator: "\n"), count)
    }

    @Test(.timeLimit(.minutes(2)))
    func metricsAreValidPrometheusText() throws {
        let curl = try #require(which("curl"), "curl is needed (apt curl)")
        let python = try #require(which("python3"), "python3 is needed")
        let (overlay, subscriber) = try subscribedOverlay()
        defer { withExtendedLifetime(subscriber) {} }
        let address = try #require(overlay["a"].metrics)
        let scraped = try run(curl, ["-sS", "--fail", "http://\(address)/metrics"])
        #expect(scraped.status == 0)

        let parser = """
            import json, sys
            try:
                from prometheus_client.parser import text_string_to_metric_families
            except ImportError:
                sys.exit("the Python package prometheus-client is needed: pip install prometheus-client")
            samples = {}
            for family in text_string_to_metric_families(sys.stdin.read()):
                for sample in family.samples:
                    key = sample.name + json.dumps(sample.labels, sort_keys=True)
                    samples[key] = {"type": family.type, "value": sample.value}
            print(json.dumps(samples))
            """
        let parsed = try run(python, ["-c", parser], input: scraped.output)
        #expect(parsed.status == 0, "\(parsed.standardError)")
        let samples = try JSONDecoder().decode([String: Sample].self, from: parsed.output)
        func value(_ name: String, _ labels: String = "{}") -> Double? {
            samples[name + labels]?.value
        }
        #expect(value("arbor_peers_up") == 2)
        #expect(value("arbor_subscriptions") == 0)
        #expect(value("arbor_messages_published_total") == 0)
        for cause in ["duplicate", "hop_limit", "no_interest", "oversize", "not_permitted", "no_route", "slow_consumer"] {
            #expect(value("arbor_messages_dropped_total", "{\"cause\": \"\(cause)\"}") == 0, "drop cause \(cause)")
        }
        #expect(value("arbor_failover_seconds_count") == 0 && samples["arbor_failover_seconds_count{}"]?.type == "histogram")
        #expect((value("arbor_peer_bytes_total", "{\"direction\": \"in\", \"peer\": \"b\"}") ?? 0) > 0)
        #expect(samples.keys.allSatisfy { $0.hasPrefix("arbor_") })

        // A failure a detects itself shows in the histogram.
        overlay.crash("b")
        #expect(try eventually {
            try overlay.get("a", ControlPath.stats, as: StatsDocument.self).failovers.count >= 1
        })
        let after = try run(curl, ["-sS", "--fail", "http://\(address)/metrics"])
        #expect(after.standardOutput.contains("arbor_failover_seconds_count 1"))
        let notFound = try run(curl, ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "http://\(address)/other"])
        #expect(notFound.standardOutput == "404")
    }

    private struct Sample: Decodable {
        let type: String
        let value: Double
    }

    @Test(.timeLimit(.minutes(2)))
    func badRequestsGetJSONErrorsAndTheNodeGoesOn() throws {
        let overlay = try LoopbackOverlay()
        let socket = overlay["a"].controlSocket
        let big = String(repeating: "x", count: 70 * 1024)
        let cases: [(String, [UInt8], Int)] = [
            ("unknown path", request("GET /v1/nothing"), 404),
            ("unversioned path", request("GET /status"), 404),
            ("wrong method", request("POST /v1/status", body: "{}"), 405),
            ("DELETE", request("DELETE /v1/routes"), 405),
            ("GET of the reload", request("GET /v1/reload"), 405),
            ("oversized target", request("GET /v1/status?" + big), 413),
            ("oversized header", request("GET /v1/status", headers: ["X-Big: " + big]), 413),
            ("oversized body", request("POST /v1/status", body: big), 413),
            ("malformed request line", Array("NOT HTTP AT ALL\r\n\r\n".utf8), 400),
            ("malformed escape", request("GET /v1/trace/demo.quotes?topic=%G1"), 400),
            ("invalid topology name", request("GET /v1/routes/Not_A_Name"), 400),
            ("unknown topology", request("GET /v1/routes/no.such"), 404),
            ("trace without topic", request("GET /v1/trace/demo.quotes"), 400),
            ("bad topic_hex", request("GET /v1/trace/demo.quotes?topic_hex=abc"), 400),
            ("unknown parameter", request("GET /v1/stats?verbose=1"), 400),
            ("bad after", request("GET /v1/events?after=-1"), 400),
        ]
        for (what, bytes, expected) in cases {
            let stream = try UnixStream(path: socket)
            stream.write(bytes)
            let answer = stream.readToEnd()
            let text = String(decoding: answer, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 \(expected) "), "\(what): \(text.prefix(200))")
            let body = answer.split(separator: UInt8(ascii: "{"), maxSplits: 1).dropFirst().first.map { [UInt8(ascii: "{")] + $0 } ?? []
            let error = try? ControlJSON.decode(ErrorDocument.self, from: body)
            #expect(error?.error.isEmpty == false, "\(what): no JSON error in \(text.prefix(300))")
        }
        #expect(overlay["a"].process.isRunning)
        #expect(try overlay.get("a", ControlPath.status, as: StatusDocument.self).peersUp == 2)
    }

    /// An HTTP/1.1 request that closes the connection after the answer.
    private func request(_ line: String, headers: [String] = [], body: String = "") -> [UInt8] {
        var text = line + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for header in headers {
            text += header + "\r\n"
        }
        if !body.isEmpty {
            text += "Content-Length: \(body.utf8.count)\r\n"
        }
        return Array((text + "\r\n" + body).utf8)
    }

    @Test(.timeLimit(.minutes(2)))
    func treeAndTraceRenderWithGraphviz() throws {
        let dot = try #require(which("dot"), "Graphviz is needed (apt graphviz)")
        let (overlay, subscriber) = try subscribedOverlay()
        defer { withExtendedLifetime(subscriber) {} }
        let runDirectory = overlay["a"].runDirectory
        for command in [["tree", Self.topology], ["trace", Self.topology, "AAPL"]] {
            let graph = try run(builtProgram("arbor"), command + ["--dot", "--run-dir", runDirectory])
            #expect(graph.status == 0 && graph.standardOutput.hasPrefix("graph "))
            let svg = try run(dot, ["-Tsvg"], input: graph.output)
            #expect(svg.status == 0 && svg.standardOutput.contains("<svg"), "\(svg.standardError)")
        }
        let human = try arbor("tree", Self.topology, "--run-dir", runDirectory)
        #expect(human.standardOutput.contains("└─ b") && human.standardOutput.contains("└─ c") && human.standardOutput.contains("← this node"))
    }

    @Test(.timeLimit(.minutes(2)))
    func aMissingNodeIsOneLineNamingThePath() throws {
        let directory = NSTemporaryDirectory() + "arbor-no-node-\(getpid())"
        for command in [["status"], ["routes"], ["tree", "x"], ["events", "--follow"]] {
            let output = try run(builtProgram("arbor"), command + ["--run-dir", directory])
            #expect(output.status == 2)
            #expect(output.standardOutput.isEmpty)
            let lines = output.standardError.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(directory + "/control.sock"), "\(output.standardError)")
        }
        let environment = try run("/usr/bin/env", ["ARBOR_RUN_DIR=\(directory)", builtProgram("arbor"), "stats"])
        #expect(environment.status == 2 && environment.standardError.contains(directory + "/control.sock"))
    }
}

func topic(_ text: String) -> TopicJSON {
    TopicJSON(Array(text.utf8))
}
