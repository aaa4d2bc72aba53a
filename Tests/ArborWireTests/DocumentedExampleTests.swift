import ArborCore
import ArborWire
import Foundation
import NIOCore
import Testing

/// The byte examples in docs/ are what the encoders produce and what the decoders read.
@Suite("Documented examples")
struct DocumentedExampleTests {
    private static let node = NodeID(high: 0x0001_0203_0405_0607, low: 0x0809_0a0b_0c0d_0e0f)
    private static let quotes = TopologyName("nasdaq.quotes")!

    @Test("client protocol examples", arguments: [
        ("HELLO", ClientFrame.request(.hello(id: 1, versions: 1...1, clientName: "c-example"))),
        ("SUBSCRIBE", .request(.subscribe(id: 2, topology: quotes, prefix: "AAPL"))),
        ("PUBLISH", .request(.publish(id: 0, topology: quotes, topic: "AAPL", payload: Array("189.5".utf8)))),
        ("WELCOME", .response(.welcome(id: 1, version: 1, node: node, nodeName: "bank-1", maximumMessageSize: 1 << 20))),
        ("OK", .response(.ok(id: 2))),
        ("MESSAGE", .response(.message(DeliveredMessage(
            topology: quotes,
            origin: node,
            originIncarnation: 1,
            sequence: 42,
            topic: "AAPL",
            payload: Array("189.5".utf8)
        )))),
        ("GAP", .response(.gap(GapNotice(topology: quotes, origin: node, originIncarnation: 1, first: 43, last: 45)))),
    ])
    func client(name: String, frame: ClientFrame) throws {
        let documented = try Self.example(name, in: "client-protocol.md")
        var buffer = ByteBuffer(bytes: documented)
        switch frame {
        case .request(let request):
            #expect(try encoded(request).bytes == documented)
            #expect(try ClientFrameDecoder().nextRequest(from: &buffer) == .success(request))
        case .response(let response):
            #expect(try encoded(response).bytes == documented)
            #expect(try ClientFrameDecoder().nextResponse(from: &buffer) == response)
        }
    }

    @Test("peer protocol DATA example")
    func peerData() throws {
        let documented = try Self.example("peer DATA", in: "peer-protocol.md")
        let frame = PeerFrame.message(.data(DataMessage(
            topology: Self.quotes,
            origin: Self.node,
            originIncarnation: 1,
            sequence: 42,
            hops: 2,
            topic: "AAPL",
            payload: Array("189.5".utf8)
        )))
        #expect(try encoded(frame).bytes == documented)
        var buffer = ByteBuffer(bytes: documented)
        var decoder = PeerFrameDecoder(phase: .established)
        #expect(try decoder.next(from: &buffer) == frame)
    }

    @Test("peer protocol REPAIR_REQUEST example")
    func peerRepairRequest() throws {
        let documented = try Self.example("peer REPAIR_REQUEST", in: "peer-protocol.md")
        let frame = PeerFrame.message(.repairRequest(RepairRequest(
            topology: Self.quotes, origin: Self.node, originIncarnation: 1, first: 43, last: .max
        )))
        #expect(try encoded(frame).bytes == documented)
        var buffer = ByteBuffer(bytes: documented)
        var decoder = PeerFrameDecoder(phase: .established)
        #expect(try decoder.next(from: &buffer) == frame)
    }

    enum ClientFrame: Sendable {
        case request(ClientRequest)
        case response(ClientResponse)
    }

    /// The bytes of the fenced block after `<!-- example: NAME -->` in docs/`file`,
    /// with `#` comments dropped.
    private static func example(_ name: String, in file: String) throws -> [UInt8] {
        let docs = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs")
        let text = try String(contentsOf: docs.appendingPathComponent(file), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let marker = lines.firstIndex(of: "<!-- example: \(name) -->"[...]) else {
            throw ExampleMissing(name: name)
        }
        let block = lines[(marker + 2)...].prefix { !$0.hasPrefix("```") }
        return hexBytes(block.map { $0.split(separator: "#", maxSplits: 1).first.map(String.init) ?? "" }.joined())
    }

    private struct ExampleMissing: Error {
        var name: String
    }
}
