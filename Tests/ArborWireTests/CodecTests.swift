import ArborCore
import ArborWire
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@Suite("NIO codecs")
struct CodecTests {
    @Test("PeerFrameCodec passes ByteToMessageDecoderVerifier")
    func peerVerifier() throws {
        var random = RandomValues(seed: 0xB2D, scale: 3)
        let pairs = try PeerFrameType.allCases.filter { $0 != .handshake }.map { type in
            let frame = random.peerFrame(type)
            return (try encoded(frame), [frame])
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            PeerFrameCodec(phase: .established)
        }
    }

    @Test("ClientFrameCodec passes ByteToMessageDecoderVerifier on both sides")
    func clientVerifier() throws {
        var random = RandomValues(seed: 0xB2E, scale: 3)
        let requests = try ClientFrameType.allCases.compactMap { random.clientRequest($0) }.map { request in
            (try encoded(request), [Result<ClientRequest, MalformedClientRequest>.success(request)])
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: requests) {
            ClientFrameCodec.NodeSide()
        }
        let responses = try ClientFrameType.allCases.compactMap { random.clientResponse($0) }.map { response in
            (try encoded(response), [response])
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: responses) {
            ClientFrameCodec.ApplicationSide()
        }
    }

    @Test("a link: handshake out and in, messages after it, split link state")
    func peerChannel() throws {
        let codec = PeerFrameCodec(maximumFrameLength: 2048)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(codec),
            MessageToByteHandler(codec),
        ])
        var random = RandomValues(seed: 0xE3B, scale: 20)
        let handshake = PeerFrame.handshake(random.handshake())
        let records = (0..<30).map { _ in random.record() }
        try channel.writeOutbound(handshake)
        try channel.writeOutbound(PeerFrame.message(.linkState(records)))
        var received: [PeerFrame] = []
        while let bytes = try channel.readOutbound(as: ByteBuffer.self) {
            try channel.writeInbound(bytes)
            while let frame = try channel.readInbound(as: PeerFrame.self) {
                received.append(frame)
            }
        }
        #expect(received.first == handshake)
        let relayed = received.dropFirst().flatMap { frame -> [LinkStateRecord] in
            guard case .message(.linkState(let part)) = frame else { return [] }
            return part
        }
        #expect(received.count > 2)
        #expect(relayed == records)
        #expect(try channel.finish().isClean)
    }

    @Test("garbage closes the link with a WireError; a stream cut mid-frame is reported")
    func peerChannelErrors() throws {
        let garbage = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameCodec()))
        #expect(throws: WireError.oversized(length: 0x4745_5420, limit: PeerProtocol.handshakeFrameLimit)) {
            try garbage.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
        }
        _ = try? garbage.finish()

        let cut = EmbeddedChannel(handler: ByteToMessageHandler(PeerFrameCodec(phase: .established)))
        var random = RandomValues(seed: 9)
        let whole = try encoded(random.peerFrame(.heartbeat))
        try cut.writeInbound(ByteBuffer(bytes: Array(whole.readableBytesView.prefix(10))))
        #expect(throws: WireError.truncated(field: "frame (stream ended)", needed: 19, available: 10)) {
            try cut.finish()
        }
    }

    @Test("the node side answers a malformed request and keeps going")
    func clientChannel() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            ByteToMessageHandler(ClientFrameCodec.NodeSide()),
            MessageToByteHandler(ClientFrameCodec.NodeSide()),
        ])
        var input = ByteBuffer(bytes: [0, 0, 0, 6, 0x02, 0, 0, 0, 9, 0])  // ATTACH id 9, empty topology
        try ClientFrameEncoder().encode(ClientRequest.ping(id: 10), into: &input)
        try channel.writeInbound(input)
        let first = try channel.readInbound(as: Result<ClientRequest, MalformedClientRequest>.self)
        guard case .failure(let bad) = first else {
            Issue.record("expected a malformed request, got \(String(describing: first))")
            return
        }
        #expect(bad.id == 9)
        #expect(bad.error == .invalidTopologyName(.empty))
        try channel.writeOutbound(bad.response)
        #expect(try channel.readInbound(as: Result<ClientRequest, MalformedClientRequest>.self) == .success(.ping(id: 10)))
        try channel.writeOutbound(ClientResponse.pong(id: 10))

        var output = ByteBuffer()
        while var bytes = try channel.readOutbound(as: ByteBuffer.self) {
            output.writeBuffer(&bytes)
        }
        let decoder = ClientFrameDecoder()
        guard case .error(9, .malformedRequest, _) = try decoder.nextResponse(from: &output) else {
            Issue.record("expected an error for request 9")
            return
        }
        #expect(try decoder.nextResponse(from: &output) == .pong(id: 10))
        #expect(try channel.finish().isClean)
    }
}
