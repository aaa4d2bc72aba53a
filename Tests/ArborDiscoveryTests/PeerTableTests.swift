import ArborCore
import Testing

@testable import ArborDiscovery

private let me = NodeID(hex: "00000000000000000000000000000001")!
private let alice = NodeID(hex: "0000000000000000000000000000000a")!
private let bob = NodeID(hex: "0000000000000000000000000000000b")!
private let v1 = ProtocolVersionRange(exactly: 1)

private func txt(_ id: NodeID, realm: String = "lab", proto: String = "1-1", inc: UInt64 = 1) -> [[UInt8]] {
    ["id=\(id)", "realm=\(realm)", "proto=\(proto)", "inc=\(inc)"].map { Array($0.utf8) }
}

private func key(_ name: String, interface: Int32 = 2, transport: Int32 = 0) -> ServiceInstanceKey {
    ServiceInstanceKey(interface: interface, transport: transport, name: name, type: "_arbor._tcp", domain: "local")
}

private func address(_ host: String) -> PeerAddress { PeerAddress(host: host, port: 7000) }

private func appeared(_ events: [DiscoveryEvent]) -> [DiscoveredPeer] {
    events.compactMap { if case .appeared(let peer) = $0 { return peer } else { return nil } }
}

@Suite("PeerTable: browse and resolve results in, peer events out")
struct PeerTableTests {
    @Test func resolvedPeerAppearsWithTXTAndAddress() {
        var table = PeerTable(localID: me, realm: "lab", protocolVersions: v1)
        #expect(table.browsed(key("alice")).isEmpty)
        let events = table.resolved(key("alice"), txt: txt(alice, inc: 7), address: address("198.19.0.11"))
        #expect(
            events == [
                .appeared(
                    DiscoveredPeer(
                        id: alice, name: "alice", realm: "lab", incarnation: 7, protocolVersions: v1,
                        addresses: [address("198.19.0.11")]))
            ])
    }

    @Test func ownServiceIsIgnoredByIDWhateverItsName() {
        var table = PeerTable(localID: me, realm: "lab", protocolVersions: v1)
        _ = table.browsed(key("renamed #2"))
        #expect(table.resolved(key("renamed #2"), txt: txt(me), address: address("198.19.0.11")).isEmpty)
        #expect(table.verdict(for: key("renamed #2")) == .own)
        #expect(table.peers.isEmpty)
    }

    @Test func otherRealmsAndIncompatibleVersionsAndMalformedRecordsAreIgnored() {
        var table = PeerTable(localID: me, realm: "lab", protocolVersions: v1)
        #expect(table.resolved(key("a"), txt: txt(alice, realm: "prod"), address: nil).isEmpty)
        #expect(table.verdict(for: key("a")) == .otherRealm("prod"))
        #expect(table.resolved(key("b"), txt: txt(bob, proto: "2-3"), address: nil).isEmpty)
        #expect(table.verdict(for: key("b")) == .incompatible(ProtocolVersionRange(min: 2, max: 3)!))
        #expect(table.resolved(key("c"), txt: [Array("id=zz".utf8)], address: nil).isEmpty)
        #expect(table.verdict(for: key("c")) == .malformed(.invalid("id", "zz")))
        #expect(table.peers.isEmpty)
    }

    @Test func overlappingVersionRangesAreCompatible() {
        var table = PeerTable(localID: me, realm: "lab", protocolVersions: ProtocolVersionRange(min: 1, max: 3)!)
        #expect(appeared(table.resolved(key("a"), txt: txt(alice, proto: "3-5"), address: nil)).count == 1)
    }

    @Test func oneNodeOnSeveralInterfacesAndFamiliesIsOnePeerVanishingWithItsLastInstance() {
        var table = PeerTable(localID: me, realm: "lab", protocolVersions: v1)
        let eth0v4 = key("alice", interface: 2, transport: 0)
        let eth1v4 = key("alice", interface: 3, transport: 0)
        let eth0v6 = key("alice", interface: 2, transport: 1)
        #expect(appeared(table.resolved(eth0v4, txt: txt(alice), address: address("198.19.0.11"))).count == 1)
        let second = appeared(table.resolved(eth1v4, txt: txt(alice), address: address("198.19.0.140")))
        #expect(second.map(\.addresses) == [[address("198.19.0.11"), address("198.19.0.140")]])
        // Same address again through IPv6 transport: nothing new to say.
        #expect(table.resolved(eth0v6, txt: txt(alice), address: address("198.19.0.11")).isEmpty)
        let v6 = table.resolved(eth0v6, txt: txt(alice), address: address("fe80::1%eth0"))
        #expect(appeared(v6).first?.addresses.last == address("fe80::1%eth0"))
        #expect(table.peers.count == 1)

        #expect(appeared(table.removed(eth1v4)).first?.addresses == [address("198.19.0.11"), address("fe80::1%eth0")])
        #expect(appeared(table.removed(eth0v6)).first?.addresses == [address("198.19.0.11")])
        #expect(table.removed(eth0v4) == [.vanished(alice)])
        #expect(table.removed(eth0v4).isEmpty)
    }

    @Test func changedTXTIsReportedAgainAndNewestIncarnationWins() {
        var table = PeerTable(localID: me, realm: "lab", protocolVersions: v1)
        _ = table.resolved(key("alice"), txt: txt(alice, inc: 1), address: address("198.19.0.11"))
        let bumped = appeared(table.resolved(key("alice"), txt: txt(alice, inc: 2), address: address("198.19.0.11")))
        #expect(bumped.map(\.incarnation) == [2])
        // An old cached instance of the same node under another name does not win.
        _ = table.resolved(key("alice-old"), txt: txt(alice, inc: 1), address: address("198.19.0.99"))
        #expect(table.peers[alice]?.incarnation == 2)
        #expect(table.peers[alice]?.addresses == [address("198.19.0.11")])
    }

    @Test func aPeerMovingToAnotherRealmVanishes() {
        var table = PeerTable(localID: me, realm: "lab", protocolVersions: v1)
        _ = table.resolved(key("alice"), txt: txt(alice), address: nil)
        #expect(table.resolved(key("alice"), txt: txt(alice, realm: "other"), address: nil) == [.vanished(alice)])
    }

    @Test func reconfiguringOurRealmRejudgesEveryone() {
        var table = PeerTable(localID: me, realm: "lab", protocolVersions: v1)
        _ = table.resolved(key("alice"), txt: txt(alice), address: nil)
        _ = table.resolved(key("bob"), txt: txt(bob, realm: "other"), address: nil)
        let events = table.reconfigure(realm: "other", protocolVersions: v1)
        #expect(events.count == 2)
        #expect(events.contains(.vanished(alice)))
        #expect(appeared(events).map(\.id) == [bob])
    }

    @Test func staleInstancesSurviveAReconnectionUntilTheNewBrowserHasSpoken() {
        var table = PeerTable(localID: me, realm: "lab", protocolVersions: v1)
        _ = table.resolved(key("alice"), txt: txt(alice), address: address("198.19.0.11"))
        _ = table.resolved(key("bob"), txt: txt(bob), address: address("198.19.0.12"))
        table.markAllStale()
        #expect(table.peers.count == 2)
        _ = table.browsed(key("alice"))  // the new browser finds alice again
        #expect(table.purgeStale() == [.vanished(bob)])
        #expect(Array(table.peers.keys) == [alice])
        #expect(table.purgeStale().isEmpty)
    }
}

@Suite("TXT record, names, ranges, addresses, backoff, dial rule")
struct ServiceRecordTests {
    @Test func txtRoundTrip() throws {
        let ad = Advertisement(
            id: alice, name: "h1", realm: "lab", incarnation: 42, port: 7000,
            protocolVersions: ProtocolVersionRange(min: 1, max: 2)!)
        let items = ArborService.txtItems(for: ad)
        #expect(items == ["id=0000000000000000000000000000000a", "realm=lab", "proto=1-2", "inc=42"])
        let record = try ArborService.decode(txt: items.map { Array($0.utf8) }).get()
        #expect(record == ServiceRecord(id: alice, realm: "lab", protocolVersions: ad.protocolVersions, incarnation: 42))
    }

    @Test func txtDecodingIgnoresUnknownKeysAndKeepsFirstDuplicate() throws {
        let items = ["flag", "future=1", "ID=0000000000000000000000000000000b", "id=0000000000000000000000000000000a",
                     "realm=", "proto=1", "inc=0"].map { Array($0.utf8) }
        let record = try ArborService.decode(txt: items).get()
        #expect(record.id == bob)
        #expect(record.realm == "")
        #expect(record.protocolVersions == ProtocolVersionRange(exactly: 1))
    }

    @Test func txtDecodingRejectsMissingOrBadFields() {
        let good = ["id=0000000000000000000000000000000a", "realm=lab", "proto=1-1", "inc=1"]
        for (index, key) in ["id", "realm", "proto", "inc"].enumerated() {
            var items = good
            items.remove(at: index)
            #expect(throws: MalformedRecord.missing(key)) { try ArborService.decode(txt: items.map { Array($0.utf8) }).get() }
        }
        #expect(throws: MalformedRecord.invalid("proto", "3-1")) {
            try ArborService.decode(txt: ["id=0000000000000000000000000000000a", "realm=x", "proto=3-1", "inc=1"].map { Array($0.utf8) }).get()
        }
        #expect(throws: MalformedRecord.invalid("inc", "-1")) {
            try ArborService.decode(txt: ["id=0000000000000000000000000000000a", "realm=x", "proto=1", "inc=-1"].map { Array($0.utf8) }).get()
        }
    }

    @Test func instanceNamesAreCutAtACharacterBoundary() {
        #expect(ArborService.instanceName(for: "h1") == "h1")
        #expect(ArborService.instanceName(for: "") == "arbor")
        let long = String(repeating: "é", count: 40)  // 80 bytes
        let cut = ArborService.instanceName(for: long)
        #expect(cut.utf8.count == 62)
        #expect(cut == String(repeating: "é", count: 31))
    }

    @Test func advertisementsAreValidated() {
        let ad = Advertisement(id: alice, name: "h1", realm: "lab", incarnation: 1, port: 0, protocolVersions: v1)
        #expect(throws: DiscoveryError.self) { try ArborService.validate(ad) }
        var longRealm = ad
        longRealm.port = 7000
        longRealm.realm = String(repeating: "r", count: 300)
        #expect(throws: DiscoveryError.self) { try ArborService.validate(longRealm) }
    }

    @Test func versionRanges() {
        #expect(ProtocolVersionRange(parsing: "1-1") == ProtocolVersionRange(exactly: 1))
        #expect(ProtocolVersionRange(parsing: "2-1") == nil)
        #expect(ProtocolVersionRange(parsing: "1-2-3") == nil)
        #expect(ProtocolVersionRange(parsing: "x") == nil)
        let a = ProtocolVersionRange(min: 1, max: 3)!
        #expect(a.highestCommonVersion(with: ProtocolVersionRange(min: 2, max: 5)!) == 3)
        #expect(a.highestCommonVersion(with: ProtocolVersionRange(min: 4, max: 5)!) == nil)
        #expect(a.description == "1-3")
    }

    @Test func peerAddressParsing() {
        #expect(PeerAddress(parsing: "198.19.0.11:7000") == PeerAddress(host: "198.19.0.11", port: 7000))
        #expect(PeerAddress(parsing: "h2.local", defaultPort: 7001) == PeerAddress(host: "h2.local", port: 7001))
        #expect(PeerAddress(parsing: "h2.local") == nil)
        #expect(PeerAddress(parsing: "[fe80::1%eth0]:7000") == PeerAddress(host: "fe80::1%eth0", port: 7000))
        #expect(PeerAddress(parsing: "fe80::1", defaultPort: 9) == PeerAddress(host: "fe80::1", port: 9))
        #expect(PeerAddress(parsing: "host:0") == nil)
        #expect(PeerAddress(parsing: "host:x") == nil)
        #expect(PeerAddress(parsing: ":7000") == nil)
        #expect(PeerAddress(parsing: "host:65536") == nil)
        #expect(PeerAddress(parsing: "[fe80::1]x") == nil)
        #expect(PeerAddress(parsing: "[fe80::1") == nil)
        // An address to listen on may ask the system for a port; a default port is no port.
        #expect(PeerAddress(parsing: "198.18.0.1:0", allowingPortZero: true) == PeerAddress(host: "198.18.0.1", port: 0))
        #expect(PeerAddress(parsing: "[::]", defaultPort: 7450, allowingPortZero: true) == PeerAddress(host: "::", port: 7450))
        #expect(PeerAddress(parsing: "host:x", defaultPort: 7450) == nil)
        #expect(PeerAddress(host: "fe80::1", port: 7000).description == "[fe80::1]:7000")
        let sorted = [PeerAddress(host: "fe80::1", port: 1), PeerAddress(host: "198.19.0.12", port: 1),
                      PeerAddress(host: "198.19.0.11", port: 1)].sorted()
        #expect(sorted.map(\.host) == ["198.19.0.11", "198.19.0.12", "fe80::1"])
    }
}
