import ArborCore
import Testing

/// Members from mDNS and from link-state records (peer exchange), merged into the view.
@Suite struct OverlayMembershipTests {
    let me = node(1)

    func address(_ host: String) -> OverlayAddress { OverlayAddress(host: host, port: 7450) }

    func database(_ records: [LinkStateRecord]) -> LinkStateDatabase { LinkStateDatabase(records) }

    func record(_ origin: NodeID, sequence: UInt64 = 1, incarnation: UInt64 = 5, addresses: [String]) -> LinkStateRecord {
        LinkStateRecord(origin: origin, name: "n", incarnation: incarnation, sequence: sequence, links: [], addresses: addresses.map(address))
    }

    @Test func aNodeMDNSNeverReportedJoinsTheViewFromItsRecord() {
        var membership = OverlayMembership(id: me, realm: "lab")
        let events = membership.records(of: database([record(node(7), addresses: ["198.18.0.7"])]))
        #expect(events == [.discovered(OverlayPeer(id: node(7), addresses: [address("198.18.0.7")], realm: "lab", incarnation: 5))])
        // A new sequence of the same record says nothing new to the overlay.
        #expect(membership.records(of: database([record(node(7), sequence: 2, addresses: ["198.18.0.7"])])).isEmpty)
    }

    @Test func ownRecordsAndRecordsWithoutAddressesAreNotMembers() {
        var membership = OverlayMembership(id: me, realm: "lab")
        let events = membership.records(of: database([record(me, addresses: ["198.18.0.1"]), record(node(8), addresses: [])]))
        #expect(events.isEmpty)
    }

    @Test func mdnsAddressesComeFirstAndAPeerVanishesOnlyWhenBothSourcesForgetIt() {
        var membership = OverlayMembership(id: me, realm: "lab")
        let announced = OverlayPeer(id: node(7), addresses: [address("198.18.0.7")], realm: "lab", incarnation: 5)
        // Announced, and named by no record: linked to nobody yet.
        #expect(membership.announced(announced) == [.discovered(announced), .isolated([node(7)])])
        let merged = membership.records(of: database([record(node(7), addresses: ["10.0.0.7", "198.18.0.7"])]))
        #expect(merged == [.discovered(OverlayPeer(id: node(7), addresses: [address("198.18.0.7"), address("10.0.0.7")], realm: "lab", incarnation: 5)), .isolated([])])
        // mDNS withdraws it: still a member by its record, with the record's addresses.
        #expect(membership.withdrawn(node(7)) == [.discovered(OverlayPeer(id: node(7), addresses: [address("10.0.0.7"), address("198.18.0.7")], realm: "lab", incarnation: 5))])
        // The record goes too (flushed, aged out): now it vanishes.
        #expect(membership.records(of: database([])) == [.vanished(node(7))])
    }

    @Test func aRestartSeenInTheRecordFirstCarriesTheNewIncarnation() {
        var membership = OverlayMembership(id: me, realm: "lab")
        _ = membership.announced(OverlayPeer(id: node(7), addresses: [address("198.18.0.7")], realm: "lab", incarnation: 5))
        let events = membership.records(of: database([record(node(7), incarnation: 9, addresses: ["198.18.0.7"])]))
        #expect(events == [.discovered(OverlayPeer(id: node(7), addresses: [address("198.18.0.7")], realm: "lab", incarnation: 9)), .isolated([])])
    }

    @Test func anAnnouncedMemberIsIsolatedUntilAnyRecordNamesIt() {
        var membership = OverlayMembership(id: me, realm: "lab")
        _ = membership.announced(OverlayPeer(id: node(7), addresses: [address("198.18.0.7")], realm: "lab", incarnation: 5))
        // A record without addresses (its origin is linked, just not advertising) counts.
        #expect(membership.records(of: database([record(node(7), addresses: [])])).contains(.isolated([])))
    }
}
