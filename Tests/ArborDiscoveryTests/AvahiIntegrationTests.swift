import Foundation
import Testing

// AvahiDiscovery against real avahi-daemons: each probe runs in its own network namespace
// with its own D-Bus and Avahi (tools/mdns-fixture). Serialized: there is one fixture LAN.

private func id(_ n: Int) -> String {
    let digits = String(n, radix: 16)
    return String(repeating: "0", count: 32 - digits.count) + digits
}

private func states(_ lines: [ProbeLine]) -> [String] {
    lines.filter { $0.event == "state" }.map { $0.state! }
}

private func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}

private let unavailableWarning = "mDNS discovery unavailable"
private let availableAgain = "mDNS discovery available again"

@Suite(
    "AvahiDiscovery on a real mDNS LAN",
    .serialized,
    .disabled(if: MDNSPaths.skipRequested, "ARBOR_SKIP_MDNS_TESTS=1"),
    .disabled(if: MDNSPaths.unavailable != nil, "needs root, iproute2, dbus-daemon and avahi-daemon (tools/mdns-fixture check)"),
    .timeLimit(.minutes(2))
)
struct AvahiIntegrationTests {
    @Test("peers see each other with the right TXT and address, not themselves; a TXT updated in place is seen at the next refresh; withdrawn and killed probes vanish")
    func discoveryUpdatesAndVanishing() async throws {
        let lan = try MDNSLan(hosts: ["h1", "h2", "h3"])
        defer { lan.tearDown() }
        // Resolutions refreshed every second (the default is 5 minutes): instances are
        // resolved once, not watched, so an in-place change waits for a refresh.
        let refresh = ["--refresh-ms", "1000"]
        let alpha = try lan.probe(on: "h1", id: id(0xa1), name: "alpha", port: 7001, extra: refresh)
        let beta = try lan.probe(on: "h2", id: id(0xb2), name: "beta", port: 7002, inc: 3, extra: refresh)
        let gamma = try lan.probe(on: "h3", id: id(0xc3), name: "gamma", port: 7003, proto: "1-2", extra: refresh)
        let probes = [alpha, beta, gamma]
        let expected: [String: (name: String, address: String, inc: UInt64, proto: String)] = [
            alpha.id: ("alpha", "198.19.0.11:7001", 1, "1-1"),
            beta.id: ("beta", "198.19.0.12:7002", 3, "1-1"),
            gamma.id: ("gamma", "198.19.0.13:7003", 1, "1-2"),
        ]
        for probe in probes {
            let others = Set(probes.map(\.id)).subtracting([probe.id])
            try await probe.waitForPeers(others)
            try await probe.wait("running as its own name") { states($0).contains("running") }
            #expect(probe.events.last { $0.state == "running" }?.serviceName == probe.name)
            for (peerID, peer) in probe.peers {
                let want = try #require(expected[peerID])
                #expect(peer.name == want.name)
                #expect(peer.realm == "lab")
                #expect(peer.inc == want.inc)
                #expect(peer.proto == want.proto)
                #expect(peer.addresses == [want.address])
            }
            #expect(!probe.events.contains { $0.event == "appeared" && $0.id == probe.id }, "a probe reported itself")
            #expect(!probe.events.contains { $0.event == "vanished" })
            let firstAppeared = probe.events.first { $0.event == "appeared" }!.t
            let allSeen = probe.events.filter { $0.event == "appeared" }.map(\.t).max()!
            let running = probe.events.first { $0.state == "running" }!.t
            print("timing \(probe.name): running after \(running) ms, first peer after \(firstAppeared) ms, all peers after \(allSeen) ms (since probe start)")
        }
        // avahi-browse, independently, sees the three services with their TXT keys.
        let browsed = try lan.browse(from: "h1")
        for (peerID, want) in expected {
            #expect(browsed.contains { $0.contains(";\(want.name);") && $0.contains("\"id=\(peerID)\"") && $0.contains("\"realm=lab\"") && $0.contains("\"proto=\(want.proto)\"") && $0.contains("\"inc=\(want.inc)\"") }, "\(browsed)")
        }

        // A new incarnation is published in place: at their next refresh the others see the
        // same id again with it, no vanish.
        let updateStart = ContinuousClock.now
        beta.send("inc 9")
        for probe in [alpha, gamma] {
            try await probe.wait("beta's incarnation 9") { _ in probe.peers[beta.id]?.inc == 9 }
            #expect(!probe.events.contains { $0.event == "vanished" })
        }
        print("timing: TXT update seen by both others after \(ContinuousClock.now - updateStart)")

        // SIGTERM: the probe stops (withdrawing its service) and the others see it vanish.
        let termStart = ContinuousClock.now
        gamma.terminate()
        try await gamma.waitForExit(timeout: .seconds(10))
        #expect(gamma.exitStatus == 0)
        #expect(gamma.events.last?.event == "stopped")
        for probe in [alpha, beta] {
            try await probe.wait("gamma vanished") { _ in probe.peers[gamma.id] == nil }
        }
        print("timing: SIGTERM to vanished at both others: \(ContinuousClock.now - termStart)")

        // SIGKILL: its D-Bus connection closes, avahi-daemon withdraws its service anyway.
        let killStart = ContinuousClock.now
        beta.kill()
        try await alpha.wait("beta vanished after SIGKILL") { _ in alpha.peers[beta.id] == nil }
        print("timing: SIGKILL to vanished: \(ContinuousClock.now - killStart)")
        #expect(alpha.peers.isEmpty)
    }

    @Test("other realms and incompatible protocol ranges are ignored; a second node on the same host is seen")
    func realmsAndProtocolRanges() async throws {
        let lan = try MDNSLan(hosts: ["h1", "h2", "h3"])
        defer { lan.tearDown() }
        let lab = try lan.probe(on: "h1", id: id(0x11), name: "lab-v1")
        let neighbour = try lan.probe(on: "h1", id: id(0x14), name: "lab-v1to2", port: 7004, proto: "1-2")
        let other = try lan.probe(on: "h2", id: id(0x12), name: "other-realm", realm: "other")
        let future = try lan.probe(on: "h3", id: id(0x13), name: "lab-v2to3", proto: "2-3")

        try await lab.waitForPeers([neighbour.id])
        try await neighbour.waitForPeers([lab.id, future.id])
        try await future.waitForPeers([neighbour.id])
        // Every service is on the LAN and resolvable, so the others were resolved and judged.
        let deadline = ContinuousClock.now + .seconds(10)
        var browsed: [String] = []
        repeat {
            browsed = try lan.browse(from: "h2")
            if Set(browsed.map { $0.split(separator: ";")[3] }).count >= 4 { break }
            try await Task.sleep(for: .milliseconds(200))
        } while ContinuousClock.now < deadline
        #expect(Set(browsed.map { $0.split(separator: ";")[3] }).count == 4, "\(browsed)")
        try await Task.sleep(for: .seconds(1))

        #expect(Set(lab.peers.keys) == [neighbour.id])
        #expect(Set(neighbour.peers.keys) == [lab.id, future.id])
        #expect(Set(future.peers.keys) == [neighbour.id])
        #expect(other.peers.isEmpty)
        #expect(!other.events.contains { $0.event == "appeared" })
        #expect(neighbour.peers[lab.id]?.addresses == ["198.19.0.11:7000"])
        #expect(lab.peers[neighbour.id]?.addresses == ["198.19.0.11:7004"])
        #expect(other.log.contains("realm 'lab'"))  // debug log says why they were ignored
    }

    @Test("one node on two LANs is one peer with both addresses; losing one LAN is an update, not a vanish")
    func twoInterfaces() async throws {
        let lan = try MDNSLan(hosts: ["h1", "h2"], dual: true)
        defer { lan.tearDown() }
        let left = try lan.probe(on: "h1", id: id(0x51), name: "left")
        let right = try lan.probe(on: "h2", id: id(0x52), name: "right")
        try await left.wait("right on both interfaces") { _ in
            left.peers[right.id]?.addresses == ["198.19.0.12:7000", "198.19.0.140:7000"]
        }
        try await right.wait("left on both interfaces") { _ in
            right.peers[left.id]?.addresses == ["198.19.0.11:7000", "198.19.0.139:7000"]
        }
        #expect(left.peers.count == 1 && right.peers.count == 1)

        try lan.fixture("link-down", "h1", "eth1")
        try await left.wait("right's eth1 address dropped") { _ in
            left.peers[right.id]?.addresses == ["198.19.0.12:7000"]
        }
        #expect(!left.events.contains { $0.event == "vanished" }, "\(left.dump())")

        right.terminate()
        try await left.wait("right vanished") { _ in left.peers[right.id] == nil }
        #expect(left.events.filter { $0.event == "vanished" }.count == 1)
    }

    @Test("a name taken on the LAN or on the same host is published under an alternative name")
    func nameCollision() async throws {
        let lan = try MDNSLan(hosts: ["h1", "h2"])
        defer { lan.tearDown() }
        let first = try lan.probe(on: "h1", id: id(0x21), name: "twin")
        try await first.wait("running") { states($0).contains("running") }
        let second = try lan.probe(on: "h2", id: id(0x22), name: "twin")
        let third = try lan.probe(on: "h1", id: id(0x23), name: "twin")
        let probes = [first, second, third]
        for probe in probes {
            try await probe.waitForPeers(Set(probes.map(\.id)).subtracting([probe.id]), timeout: .seconds(20))
        }
        // Which of two same-named services avahi renames is its choice (sometimes the one
        // already established); what holds is: all names distinct, one of them "twin", and
        // eventually everyone sees everyone's actual name. Peers are told apart by id.
        func published(_ probe: Probe) -> String? { probe.events.last { $0.state == "running" }?.serviceName }
        try await first.wait("everyone seeing everyone's published name", timeout: .seconds(20)) { _ in
            probes.allSatisfy { observer in
                probes.allSatisfy { other in
                    other === observer || (published(other) != nil && observer.peers[other.id]?.name == published(other))
                }
            }
        }
        let names = probes.map(published)
        #expect(Set(names.compactMap { $0 }).count == 3, "\(names)")
        #expect(names.contains("twin"), "\(names)")
        #expect(names.allSatisfy { $0 == "twin" || ($0?.hasPrefix("twin #") ?? false) }, "\(names)")
        print("collision: published names \(names.map { $0 ?? "-" })")
        #expect(probes.contains { $0.log.contains("is taken") })
    }

    @Test("avahi-daemon restarting: the probe reconnects, browses and publishes again; the others see it come back")
    func avahiRestart() async throws {
        let lan = try MDNSLan(hosts: ["h1", "h2"])
        defer { lan.tearDown() }
        let steady = try lan.probe(on: "h1", id: id(0x31), name: "steady")
        let restarted = try lan.probe(on: "h2", id: id(0x32), name: "restarted")
        try await steady.waitForPeers([restarted.id])
        try await restarted.waitForPeers([steady.id])
        try await restarted.wait("running") { states($0).contains("running") }
        let runningBefore = states(restarted.events).filter { $0 == "running" }.count

        let start = ContinuousClock.now
        try lan.fixture("restart-avahi", "h2")
        try await steady.wait("restarted vanished and came back", timeout: .seconds(20)) { lines in
            guard let gone = lines.lastIndex(where: { $0.event == "vanished" && $0.id == restarted.id }) else { return false }
            return lines[gone...].contains { $0.event == "appeared" && $0.id == restarted.id }
        }
        print("timing: restart-avahi to the other side seeing the node again: \(ContinuousClock.now - start)")
        try await restarted.wait("running again", timeout: .seconds(20)) { states($0).filter { $0 == "running" }.count > runningBefore }
        #expect(states(restarted.events).contains("waitingForDaemon"))
        // It kept its peer through the restart (no vanish), and still has it.
        try await restarted.waitForPeers([steady.id])
        #expect(!restarted.events.contains { $0.event == "vanished" }, "\(restarted.dump())")
        #expect(restarted.log.contains("disconnected from avahi-daemon"))
        #expect(occurrences(of: unavailableWarning, in: restarted.log) == 1)
        #expect(occurrences(of: availableAgain, in: restarted.log) == 1)
        #expect(restarted.isRunning)
    }

    @Test("no D-Bus at start: one warning, retries with backoff, then finds the others once D-Bus and Avahi arrive")
    func noDBusAtStart() async throws {
        let lan = try MDNSLan(hosts: ["h1", "h2"], bare: ["h2"])
        defer { lan.tearDown() }
        let present = try lan.probe(on: "h1", id: id(0x41), name: "present")
        let late = try lan.probe(
            on: "h2", id: id(0x42), name: "late", extra: ["--retry-initial-ms", "100", "--retry-max-ms", "400"])
        try await late.wait("several failed attempts", timeout: .seconds(10)) { _ in
            occurrences(of: "mDNS still unavailable", in: late.log) >= 4  // debug log of each retry
        }
        #expect(late.events.first { $0.state == "unavailable" }?.reason?.contains("Daemon not running") ?? false,
                "\(late.dump())")
        #expect(occurrences(of: unavailableWarning, in: late.log) == 1, "\(late.log)")
        #expect(late.log.contains("warning"))
        #expect(late.peers.isEmpty)

        try lan.fixture("start-dbus", "h2")
        try await late.wait("waiting for avahi-daemon on the bus", timeout: .seconds(5)) { states($0).contains("waitingForDaemon") }
        let start = ContinuousClock.now
        try lan.fixture("start-avahi", "h2")
        try await late.waitForPeers([present.id], timeout: .seconds(20))
        try await present.waitForPeers([late.id], timeout: .seconds(20))
        print("timing: avahi-daemon start to both sides seeing each other: \(ContinuousClock.now - start)")
        #expect(occurrences(of: unavailableWarning, in: late.log) == 1, "\(late.log)")
        #expect(occurrences(of: availableAgain, in: late.log) == 1)
    }
}
