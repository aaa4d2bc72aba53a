@testable import ArborControl
import Foundation
import Testing

/// The pieces of the API contract that need no node: time stamps, topic encoding,
/// explicit nulls, escaping, response parsing.
@Suite struct ControlContractTests {
    @Test func timestampsAreISO8601InUTC() {
        #expect(Timestamp.iso8601(unixNanoseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.iso8601(unixNanoseconds: 951_782_400_123_000_000) == "2000-02-29T00:00:00.123Z")
        #expect(Timestamp.iso8601(unixNanoseconds: 1_795_764_647_296_000_000) == "2026-11-27T07:30:47.296Z")
        #expect(Timestamp.iso8601(unixNanoseconds: -1_000_000) == "1969-12-31T23:59:59.999Z")
    }

    @Test func topicsAreTextOrHex() throws {
        let text = try ControlJSON.encode([TopicJSON(Array("AAPL".utf8)), TopicJSON([0xff, 0x00])])
        #expect(String(decoding: text, as: UTF8.self).contains("\"AAPL\""))
        #expect(String(decoding: text, as: UTF8.self).contains("\"hex\" : \"ff00\""))
        let back = try ControlJSON.decode([TopicJSON].self, from: text)
        #expect(back == [TopicJSON(Array("AAPL".utf8)), TopicJSON([0xff, 0x00])])
    }

    @Test func absentValuesAreExplicitNulls() throws {
        let route = RouteStateDocument(root: "a", rootReason: "declared", parent: nil, treeNeighbors: [], engaged: [])
        let json = String(decoding: try ControlJSON.encode(route), as: UTF8.self)
        #expect(json.contains("\"parent\" : null"))
        #expect(try ControlJSON.decode(RouteStateDocument.self, from: Array(json.utf8)) == route)
        #expect(json.hasSuffix("}\n"))
    }

    @Test func percentEncodingRoundTrips() {
        let bytes: [UInt8] = Array("a b/c?d=e&f%".utf8) + [0x00, 0xff]
        let encoded = PercentEncoding.encode(bytes)
        #expect(!encoded.contains(" ") && !encoded.contains("/") && !encoded.contains("&"))
        #expect(PercentEncoding.decode(encoded) == bytes)
        #expect(PercentEncoding.decode("%4") == nil)
        #expect(PercentEncoding.decode("a+b", plusIsSpace: true) == Array("a b".utf8))
        #expect(ControlPath.trace("t", topic: [0xff]) == "/v1/trace/t?topic_hex=ff")
        #expect(ControlPath.trace("t", topic: Array("A B".utf8)) == "/v1/trace/t?topic=A%20B")
    }

    /// The one table of routes: what a client asks for is what the daemon routes, and the
    /// list a request for no endpoint is answered with is the documented one.
    @Test func everyRequestTargetMatchesItsRoute() {
        let targets: [(String, ControlRoute, String?)] = [
            (ControlPath.status, .status, nil), (ControlPath.peers, .peers, nil),
            (ControlPath.topologies, .topologies, nil), (ControlPath.routes, .routes, nil),
            (ControlPath.routes("nasdaq.quotes"), .route, "nasdaq.quotes"),
            (ControlPath.tree("nasdaq.quotes"), .tree, "nasdaq.quotes"),
            (ControlPath.trace("nasdaq.quotes", topic: Array("AAPL".utf8)), .trace, "nasdaq.quotes"),
            (ControlPath.events(after: 7, wait: 25), .events, nil), (ControlPath.stats, .stats, nil),
            (ControlPath.reload, .reload, nil),
        ]
        #expect(Set(targets.map(\.1)) == Set(ControlRoute.allCases))
        for (target, route, topology) in targets {
            let path = target.split(separator: "?")[0].split(separator: "/").map(String.init)
            let matched = ControlRoute.match(path)
            #expect(matched?.route == route && matched?.topology == topology, "\(target)")
        }
        #expect(ControlRoute.match(["v1", "status", "extra"]) == nil)
        #expect(ControlRoute.match(["v1", "trace"]) == nil)
        #expect(ControlRoute.match(["v2", "status"]) == nil)
        #expect(ControlAPI.endpoints == [
            "/v1/status", "/v1/peers", "/v1/topologies", "/v1/routes", "/v1/routes/{topology}",
            "/v1/tree/{topology}", "/v1/trace/{topology}?topic=TOPIC", "/v1/events?after=SEQ&wait=SECONDS",
            "/v1/stats", "POST /v1/reload",
        ])
    }

    @Test func clientNamesThePathItTried() {
        let client = ControlClient(runDirectory: "/nonexistent/arbor-run")
        #expect(throws: ControlClientError.self) { try client.get(ControlPath.status) }
        do {
            _ = try client.get(ControlPath.status)
        } catch {
            #expect(error.description.contains("/nonexistent/arbor-run/control.sock"))
        }
    }
}
