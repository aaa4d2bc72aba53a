@testable import ArborControl
import ArborTestSupport
import Foundation
import Testing

/// The human output of the inspection commands against the running triangle (in the
/// serialized ``OverlayTests`` suite: one overlay at a time), the modes of the sockets,
/// and arbord's discovery modes on loopback.
extension OverlayTests {
    /// The whitespace-separated fields of each line of `text`.
    private func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    @Test(.timeLimit(.minutes(2)))
    func humanOutputOfStatusPeersTopologiesTraceAndStats() throws {
        let (overlay, subscriber) = try subscribedOverlay()
        defer { withExtendedLifetime(subscriber) {} }
        let a = overlay["a"].runDirectory
        let b = overlay["b"].runDirectory
        let c = overlay["c"].runDirectory
        // Five AAPL quotes and three MSFT quotes from a: c wants only AAPL.
        let aapl = try arbor("pub", Self.topology, "AAPL", "--count", "5", "--size", "24", "--run-dir", a)
        let msft = try arbor("pub", Self.topology, "MSFT", "--count", "3", "--size", "24", "--run-dir", a)
        #expect(aapl.status == 0 && msft.status == 0, "\(aapl.standardError) \(msft.standardError)")
        #expect(try eventually {
            try overlay.get("c", ControlPath.stats, as: StatsDocument.self).delivered == 5
        })

        let cID = try overlay.get("c", ControlPath.status, as: StatusDocument.self).id
        let status = try arbor("status", "--run-dir", c)
        #expect(status.status == 0)
        #expect(status.standardOutput.hasPrefix("node             c (\(cID))\n"), "\(status.standardOutput)")
        for line in [
            "realm            default (no secret: peer links in the clear)", "peer links on    \(overlay["c"].listen)", "run dir          \(c)",
            "control socket   \(overlay["c"].controlSocket)", "client socket    \(overlay["c"].clientSocket)",
            "discovery        static: running (2 addresses from --peer and topology files)",
            "peers up         2", "nodes known      3", "topologies held  1", "clients          1",
        ] {
            #expect(status.standardOutput.contains(line + "\n"), "status lacks '\(line)':\n\(status.standardOutput)")
        }

        let peers = try arbor("peers", "--run-dir", c)
        #expect(peers.status == 0)
        let peerRows = rows(peers.standardOutput)
        #expect(peerRows.first?.prefix(4) == ["NAME", "STATE", "FOUND", "ADDRESS"], "\(peers.standardOutput)")
        #expect(peerRows.dropFirst().map { Array($0.prefix(4)) } == [
            ["a", "up", "static", overlay["a"].listen], ["b", "up", "static", overlay["b"].listen],
        ], "\(peers.standardOutput)")
        let inbound = rows(try arbor("peers", "--run-dir", a).standardOutput).dropFirst().map { Array($0.prefix(3)) }
        #expect(inbound == [["b", "up", "inbound"], ["c", "up", "inbound"]])

        let topologies = try arbor("topologies", "--run-dir", a)
        #expect(topologies.status == 0)
        #expect(rows(topologies.standardOutput).first?.prefix(2) == ["NAME", "SOURCE"], "\(topologies.standardOutput)")
        #expect(rows(topologies.standardOutput).dropFirst().map { Array($0.prefix(9)) } == [
            ["demo.quotes", "file", "v1", "(here)", "yes", "a", "declared", "(root)", "b"],
        ], "\(topologies.standardOutput)")
        let atC = rows(try arbor("topologies", "--run-dir", c).standardOutput).dropFirst().map { Array($0.prefix(8)) }
        #expect(atC == [["demo.quotes", "file", "v1", "(here)", "yes", "a", "declared", "b"]])

        // From b: c is a certain destination with a known subscriber; a is pruned.
        let trace = try arbor("trace", Self.topology, "AAPL", "--run-dir", b)
        #expect(trace.status == 0)
        #expect(trace.standardOutput.hasPrefix("trace demo.quotes \"AAPL\" from b (root a)\n"), "\(trace.standardOutput)")
        let traceRows = rows(trace.standardOutput)
        #expect(traceRows.contains(["├─", "a", "pruned", "none"]), "\(trace.standardOutput)")
        #expect(traceRows.contains(["└─", "c", "sends", "\"AAPL\"", "\"AAPL\""]), "\(trace.standardOutput)")
        #expect(traceRows.contains(["c", "certain", "yes", "b", "→", "c"]), "\(trace.standardOutput)")
        // From a the path goes on through b to c; nobody wants MSFT.
        let fromA = rows(try arbor("trace", Self.topology, "AAPL", "--run-dir", a).standardOutput)
        #expect(fromA.contains(["c", "possible", "maybe", "a", "→", "b", "→", "c"]))
        let nobody = try arbor("trace", Self.topology, "MSFT", "--run-dir", a)
        #expect(nobody.standardOutput.contains("no destination: nobody this node knows of wants \"MSFT\""), "\(nobody.standardOutput)")

        let statsA = try arbor("stats", "--run-dir", a)
        #expect(statsA.status == 0)
        #expect(statsA.standardOutput.hasPrefix("messages   published 8, received 0, forwarded 5, delivered 0\n"), "\(statsA.standardOutput)")
        #expect(statsA.standardOutput.contains("no_interest 3,"), "\(statsA.standardOutput)")
        let statsC = try arbor("stats", "--run-dir", c)
        #expect(statsC.standardOutput.hasPrefix("messages   published 0, received 5, forwarded 0, delivered 5\n"), "\(statsC.standardOutput)")
        #expect(statsC.standardOutput.contains("local      clients 1, subscriptions 1\n"), "\(statsC.standardOutput)")
        let cRows = rows(statsC.standardOutput)
        #expect(cRows.contains { $0.first == "demo.quotes" && $0.count == 7 && $0[1] == "5" && $0[6] == "5" }, "\(statsC.standardOutput)")
        #expect(cRows.contains { $0.first == "b" && $0.count == 7 && $0[1] == "5" }, "\(statsC.standardOutput)")
        #expect(cRows.contains { $0.first == "a" && $0.count == 7 && $0[1] == "0" }, "\(statsC.standardOutput)")
    }

    @Test(.timeLimit(.minutes(2)))
    func eventsFollowPrintsThePeerDownAndTheRerouteWhenTheRelayIsKilled() throws {
        let (overlay, subscriber) = try subscribedOverlay()
        defer { withExtendedLifetime(subscriber) {} }
        let follower = try FollowedProgram(builtProgram("arbor"), ["events", "--follow", "--run-dir", overlay["c"].runDirectory])
        defer { follower.end() }
        // What the node kept so far comes first: both peers up.
        #expect(follower.waitFor(timeout: .seconds(15)) { $0.contains("peer up      a\n") && $0.contains("peer up      b\n") },
                "\(follower.output)")
        overlay.crash("b")
        let printed = follower.waitFor(timeout: .seconds(15)) {
            $0.contains("peer down    b: ")
                && $0.contains("reroute      demo.quotes: [root a, parent b, children none, engaged b] -> [root a, parent a, children none, engaged a]\n")
        }
        #expect(printed, "\(follower.output)\n\(overlay.logs())")
        #expect(follower.isRunning, "events --follow ended on its own")
    }

    /// control.sock and client.sock are made mode 0660 whatever the umask arbord runs under
    /// (000 would leave a socket 0777, 077 would leave it 0700).
    @Test(.timeLimit(.minutes(2)))
    func controlAndClientSocketsAreMode0660() throws {
        let overlay = try LoopbackOverlay(empty: ())
        try overlay.start("a", peers: [], umask: "000")
        try overlay.start("b", peers: ["a"], umask: "077")
        for name in ["a", "b"] {
            for path in [overlay[name].controlSocket, overlay[name].clientSocket] {
                var info = stat()
                #expect(lstat(path, &info) == 0, "\(path): errno \(errno)")
                #expect(info.st_mode & S_IFMT == S_IFSOCK, "\(path) is not a socket")
                #expect(info.st_mode & 0o7777 == 0o660, "\(path) is mode \(String(info.st_mode & 0o7777, radix: 8))")
            }
        }
    }
}

extension OverlayTests {
    /// Subscribes to AAPL on `subscriberNode`, waits until `publisherNode` holds that interest
    /// from its neighbour `via`, publishes five AAPL quotes there with `arbor pub`, and
    /// returns whether the subscriber's node delivered all five. An application on the
    /// publisher's node is attached first (to another prefix): a node without members is
    /// not engaged in the tree, and interest only flows along engaged edges.
    private func quotesFlow(
        _ overlay: LoopbackOverlay, from publisherNode: String, via: String, to subscriberNode: String
    ) throws -> Bool {
        let member = try TestSubscriber(socketPath: overlay[publisherNode].clientSocket)
        try member.subscribe(Self.topology, "ZZZZ")
        let subscriber = try TestSubscriber(socketPath: overlay[subscriberNode].clientSocket)
        defer { withExtendedLifetime((member, subscriber)) {} }
        try subscriber.subscribe(Self.topology, "AAPL")
        let told = try eventually {
            let route = try? overlay.get(publisherNode, ControlPath.routes(Self.topology), as: RouteDocument.self)
            return route?.neighbors.first { $0.name == via }?.interestHeld == [topic("AAPL")]
        }
        guard told else { return false }
        let published = try arbor("pub", Self.topology, "AAPL", "--count", "5", "--size", "24",
                                  "--run-dir", overlay[publisherNode].runDirectory)
        guard published.status == 0 else { return false }
        return try eventually {
            try overlay.get(subscriberNode, ControlPath.stats, as: StatsDocument.self).delivered == 5
        }
    }

    private func peersUp(_ overlay: LoopbackOverlay, _ name: String) throws -> [String] {
        try overlay.get(name, ControlPath.peers, as: [PeerDocument].self).filter { $0.state == "up" }.compactMap(\.name)
    }

    /// arbord with no --discovery (so avahi, the default) where no D-Bus is reachable: it
    /// says so once at warning level, keeps retrying (debug lines only), and its --peer
    /// link forms and carries messages.
    @Test(.timeLimit(.minutes(2)))
    func withoutDBusTheDefaultDiscoveryWarnsOnceAndStaticPeersWork() throws {
        let overlay = try LoopbackOverlay(empty: ())
        try overlay.start("a", peers: [])
        let noBus = "unix:path=" + overlay.directory + "/no-such-dbus.sock"
        try overlay.start("b", peers: ["a"], discovery: nil, environment: ["DBUS_SYSTEM_BUS_ADDRESS": noBus])

        #expect(try eventually { try peersUp(overlay, "a") == ["b"] && peersUp(overlay, "b") == ["a"] }, "\(overlay.logs())")
        let status = try overlay.get("b", ControlPath.status, as: StatusDocument.self)
        #expect(status.discovery.first == DiscoveryDocument(backend: "static", state: "running", detail: "1 address from --peer and topology files"))
        let avahi = status.discovery.first { $0.backend == "avahi" }
        #expect(avahi?.state == "unavailable" || avahi?.state == "waiting_for_daemon", "\(status.discovery)")
        #expect(try quotesFlow(overlay, from: "b", via: "a", to: "a"), "\(overlay.logs())")

        // Several retries later, still one warning.
        let retried = eventually { overlay.log("b").components(separatedBy: "mDNS still unavailable").count - 1 >= 2 }
        let log = overlay.log("b")
        #expect(retried, "\(log)")
        let warnings = log.split(separator: "\n").filter { $0.contains("mDNS discovery unavailable") }
        #expect(warnings.count == 1, "\(log)")
        #expect(warnings.first?.contains("warning") == true, "\(warnings)")
        #expect(overlay["b"].process.isRunning)
    }

    /// `--discovery none`: no mDNS, and the --peer address is not dialled either; the node
    /// only accepts links, and a link another node dials carries messages.
    @Test(.timeLimit(.minutes(2)))
    func discoveryNoneDialsNobodyButAcceptsLinks() throws {
        let overlay = try LoopbackOverlay(empty: ())
        try overlay.start("a", peers: [])
        try overlay.start("b", peers: ["a"], discovery: "none")
        let status = try overlay.get("b", ControlPath.status, as: StatusDocument.self)
        #expect(status.discovery == [DiscoveryDocument(backend: "static", state: "running", detail: "0 addresses from --peer and topology files")])
        // Two seconds (static dials start at once and retry every second or so): no link.
        Thread.sleep(forTimeInterval: 2)
        #expect(try overlay.get("b", ControlPath.peers, as: [PeerDocument].self).isEmpty)
        #expect(try overlay.get("a", ControlPath.peers, as: [PeerDocument].self).isEmpty)
        #expect(!overlay.log("b").contains("mDNS"), "\(overlay.log("b"))")

        try overlay.start("c", peers: ["b"])
        #expect(try eventually { try peersUp(overlay, "b") == ["c"] && peersUp(overlay, "c") == ["b"] }, "\(overlay.logs())")
        #expect(try overlay.get("b", ControlPath.peers, as: [PeerDocument].self).map(\.found) == ["inbound"])
        #expect(try quotesFlow(overlay, from: "c", via: "b", to: "b"), "\(overlay.logs())")
        #expect(try overlay.get("a", ControlPath.peers, as: [PeerDocument].self).isEmpty)
    }
}

/// A program whose standard output is collected while it runs (for `--follow`); ended
/// by its PID.
final class FollowedProgram: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()
    private var collected = Data()

    init(_ executable: String, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let handle = pipe.fileHandleForReading
        Thread { [self] in
            while true {
                let chunk = handle.availableData  // blocks; empty at the end of the stream
                if chunk.isEmpty { return }
                lock.withLock { collected.append(chunk) }
            }
        }.start()
    }

    var output: String { lock.withLock { String(decoding: collected, as: UTF8.self) } }
    var isRunning: Bool { process.isRunning }

    /// Polls the output until `condition` holds or `timeout` passes.
    func waitFor(timeout: Duration, _ condition: (String) -> Bool) -> Bool {
        eventually(timeout: timeout) { condition(output) }
    }

    /// SIGTERM, then SIGKILL after 2 s.
    func end() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }
}
