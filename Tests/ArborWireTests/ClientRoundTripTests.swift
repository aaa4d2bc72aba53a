import ArborCore
import ArborWire
import NIOCore
import Testing

@Suite("Client frames round-trip")
struct ClientRoundTripTests {
    @Test("every frame type, 300 random cases each", arguments: ClientFrameType.allCases)
    func roundTrip(type: ClientFrameType) throws {
        var random = RandomValues(seed: 0xC11E + UInt64(type.rawValue))
        let decoder = ClientFrameDecoder()
        for _ in 0..<300 {
            if let request = random.clientRequest(type) {
                var buffer = try encoded(request)
                #expect(buffer.getInteger(at: 4, as: UInt8.self) == type.rawValue)
                #expect(try decoder.nextRequest(from: &buffer) == .success(request))
                #expect(buffer.readableBytes == 0)
            }
            if let response = random.clientResponse(type) {
                var buffer = try encoded(response)
                #expect(buffer.getInteger(at: 4, as: UInt8.self) == type.rawValue)
                #expect(try decoder.nextResponse(from: &buffer) == response)
                #expect(buffer.readableBytes == 0)
            }
        }
    }

    @Test("a request that does not decode keeps the stream usable and names its id")
    func malformedRequestIsAnswered() throws {
        let topology = TopologyName("nasdaq.quotes")!
        var stream = ByteBuffer()
        // ATTACH with id 42 and a topology name in capitals, then an unknown type 0x7e with
        // id 43, then a valid PING.
        stream.writeBytes([0, 0, 0, 16, 0x02, 0, 0, 0, 42, 10])
        stream.writeString("NOT.VALID!")
        stream.writeBytes([0, 0, 0, 5, 0x7e, 0, 0, 0, 43])
        try ClientFrameEncoder().encode(ClientRequest.ping(id: 44), into: &stream)
        try ClientFrameEncoder().encode(ClientRequest.attach(id: 45, topology: topology), into: &stream)
        let decoder = ClientFrameDecoder()

        guard case .failure(let bad) = try decoder.nextRequest(from: &stream) else {
            Issue.record("expected a malformed request")
            return
        }
        #expect(bad.id == 42)
        guard case .error(42, .malformedRequest, let text) = bad.response else {
            Issue.record("unexpected response \(bad.response)")
            return
        }
        #expect(text.contains("invalid topology name"))

        guard case .failure(let unknown) = try decoder.nextRequest(from: &stream) else {
            Issue.record("expected an unknown request")
            return
        }
        #expect(unknown.response == .error(id: 43, code: .unknownRequest, text: "unknown frame type 0x7e"))
        #expect(try decoder.nextRequest(from: &stream) == .success(.ping(id: 44)))
        #expect(try decoder.nextRequest(from: &stream) == .success(.attach(id: 45, topology: topology)))
    }

    @Test("a request type arriving at the application is refused")
    func requestAtApplication() throws {
        var buffer = try encoded(ClientRequest.ping(id: 1))
        #expect(throws: WireError.unexpectedFrame(type: 0x07, expected: "a response or an event")) {
            try ClientFrameDecoder().nextResponse(from: &buffer)
        }
    }
}
