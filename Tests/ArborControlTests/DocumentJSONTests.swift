@testable import ArborControl
import ArborTestSupport
import Foundation
import Testing

/// Pins the bytes of every control API document (docs/control-api.md is a contract): keys,
/// explicit nulls, key order and layout. The expected bytes are in
/// Tests/Fixtures/control-documents.txt, one `== name` section a document.
@Suite struct DocumentJSONTests {
    @Test func everyDocumentEncodesToThePinnedBytes() throws {
        let pinned = try String(contentsOf: repositoryRoot.appending(path: "Tests/Fixtures/control-documents.txt"), encoding: .utf8)
        var written = ""
        for sample in DocumentSamples.all {
            written += "== \(sample.name)\n" + String(decoding: try sample.encoded(), as: UTF8.self)
        }
        #expect(written == pinned)
    }

    @Test(arguments: DocumentSamples.all.map(\.name))
    func everyDocumentDecodesToWhatWasEncoded(_ name: String) throws {
        let sample = try #require(DocumentSamples.all.first { $0.name == name })
        #expect(try sample.roundTrips())
    }
}

/// A sample document: its name in the fixture, its encoding, and whether decoding that
/// encoding gives the document back.
struct Sample: Sendable {
    let name: String
    let encoded: @Sendable () throws -> [UInt8]
    let roundTrips: @Sendable () throws -> Bool

    init<Document: Codable & Equatable & Sendable>(_ name: String, _ document: Document) {
        self.name = name
        encoded = { try ControlJSON.encode(document) }
        roundTrips = { try ControlJSON.decode(Document.self, from: ControlJSON.encode(document)) == document }
    }
}

/// One document of each shape the control API answers with, every optional once present
/// and once absent, so that a change of a key, a null or an order shows.
enum DocumentSamples {
    static let topic = TopicJSON(Array("AAPL".utf8))
    static let binary = TopicJSON([0xff, 0x00])
    static let routeState = RouteStateDocument(root: "a", rootReason: "declared", parent: nil, treeNeighbors: ["b"], engaged: ["b"])

    static let all: [Sample] = [
        Sample("status", StatusDocument(
            id: "00112233445566778899aabbccddeeff", name: "a", realm: "lab", realmSecret: true, incarnation: 3,
            startedAt: "2026-12-03T05:00:00.000Z", uptimeSeconds: 1.5, listen: "127.0.0.1:7100", runDir: "/run/arbor",
            clientSocket: "/run/arbor/client.sock", controlSocket: "/run/arbor/control.sock", metrics: nil,
            discovery: [DiscoveryDocument(backend: "static", state: "running", detail: nil), DiscoveryDocument(backend: "mdns", state: "unavailable", detail: "no avahi")],
            peersUp: 2, nodesKnown: 4, topologies: 1, clients: 5
        )),
        Sample("peers", [
            PeerDocument(
                name: "b", id: "ff", state: "up", found: "static", address: "127.0.0.1:7101", incarnation: 1, cost: 2,
                rttMs: 0.25, upSeconds: 10, lastHeardMsAgo: 3, framesIn: 1, framesOut: 2, bytesIn: 3, bytesOut: 4,
                messagesIn: 5, messagesOut: 6, lastError: nil, closing: true
            ),
            PeerDocument(
                name: nil, id: nil, state: "dialing", found: "mdns", address: "127.0.0.1:7102", incarnation: nil, cost: nil,
                rttMs: nil, upSeconds: nil, lastHeardMsAgo: nil, framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0,
                messagesIn: 0, messagesOut: 0, lastError: "refused"
            ),
        ]),
        Sample("topologies", [
            TopologyDocument(
                name: "t", source: "file", version: 2, description: "quotes", loadedHere: true, held: true, root: "a",
                rootReason: "declared", parent: "b", members: 1, subscribers: 2, publishers: 3, subscriptions: 4, engaged: ["b"]
            ),
            TopologyDocument(
                name: "u", source: "peer", version: nil, description: nil, loadedHere: false, held: false, root: nil,
                rootReason: nil, parent: nil, members: 0, subscribers: 0, publishers: 0, subscriptions: 0, engaged: []
            ),
        ]),
        Sample("route", RouteDocument(
            topology: "t", held: true, root: "a", rootReason: "declared", parent: nil, treeNeighbors: ["b"], engaged: ["b"],
            localInterest: [topic, binary],
            neighbors: [
                RouteNeighborDocument(name: "b", id: "ff", role: "child", linkUp: true, engaged: true, interestHeld: [topic], interestSent: nil),
            ],
            nextHops: [NextHopDocument(prefix: topic, via: ["b"], local: false)]
        )),
        Sample("tree", TreeDocument(
            topology: "t", computedBy: "a", root: "a", rootReason: nil,
            nodes: [TreeNodeDocument(name: "a", id: "00", parent: nil, cost: 0, depth: 0, children: ["b"])],
            links: [TreeLinkDocument(nodes: ["a", "b"], cost: 1, state: "tree")], unreachable: ["c"]
        )),
        Sample("trace", TraceDocument(
            topology: "t", topic: binary, from: "a", held: true, root: nil, localSubscribers: 1,
            hops: [TraceHopDocument(from: "a", to: "b", state: "sends", interest: [topic], matched: nil)],
            destinations: [TraceDestinationDocument(node: "b", path: ["a", "b"], reach: "certain", subscriber: "maybe")],
            note: "n"
        )),
        Sample("events", EventsDocument(
            events: [
                EventDocument(seq: 1, time: "2026-12-03T05:00:00.000Z", instantMs: 1.5, type: "peer_up", peer: "b", peerId: "ff"),
                EventDocument(seq: 2, time: "2026-12-03T05:00:01.000Z", instantMs: 2, type: "route_changed", topology: "t", before: nil, after: routeState),
                EventDocument(seq: 3, time: "2026-12-03T05:00:02.000Z", instantMs: 3, type: "reload_refused", reason: "t.yaml:1:1: bad"),
            ],
            next: 3, missed: 0
        )),
        Sample("stats", StatsDocument(
            published: 1, dataReceived: 2, dataForwarded: 3, delivered: 4,
            dropped: DropCountsDocument(duplicate: 5, hopLimit: 6, noInterest: 7, oversize: 8, notPermitted: 9, noRoute: 10, slowConsumer: 11),
            reroutes: 12, recomputations: 13, recordsReceived: 14, recordsInstalled: 15, interestMessagesSent: 16,
            protocolErrors: 17, malformedFrames: 18, peerLinksRefused: 19, identitiesNotProven: 20, realmFailures: 21,
            unauthenticRecords: 22, slowConsumersDropped: 23,
            failovers: FailoverDocument(count: 1, lastMs: 2.5, maximumMs: nil),
            repair: RepairDocument(requests: 1, retries: 6, resent: 2, repaired: 3, late: 7, gaps: 4, lost: 5),
            peersUp: 24, subscriptions: 25, clients: 26,
            topologies: [TopologyTrafficDocument(name: "t", messagesIn: 1, bytesIn: 2, messagesOut: 3, bytesOut: 4, published: 5, delivered: 6)],
            peers: [PeerTrafficDocument(name: "b", id: "ff", messagesIn: 1, messagesOut: 2, bytesIn: 3, bytesOut: 4, framesIn: 5, framesOut: 6)]
        )),
        Sample("reload", ReloadDocument(reloaded: false, files: ["t.yaml"], definitions: ["t"], changed: [], errors: ["t.yaml:1:1: bad"], warnings: [])),
        Sample("error", ErrorDocument("no such topology")),
    ]
}
