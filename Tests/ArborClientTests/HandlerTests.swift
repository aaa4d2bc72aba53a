import ArborCore
import ArborWire
import NIOCore
import NIOEmbedded
import Testing

@testable import ArborClient

/// The channel handler on an `EmbeddedChannel`: frames cut anywhere by reads.
@Suite("ApplicationSideClientHandler")
struct HandlerTests {
    /// Encoded MESSAGE frames with payloads of varied sizes, and what they decode to.
    func stream(count: Int) throws -> (ByteBuffer, [DeliveredMessage]) {
        var buffer = ByteBuffer()
        var messages: [DeliveredMessage] = []
        let encoder = ClientFrameEncoder()
        for index in 0..<count {
            let message = DeliveredMessage(
                topology: quotes,
                origin: NodeID(high: 1, low: 2),
                originIncarnation: 3,
                sequence: UInt64(index + 1),
                topic: Topic("T\(index)"),
                payload: [UInt8](repeating: UInt8(index & 0xff), count: (index * 37) % 300)
            )
            try encoder.encode(ClientResponse.message(message), into: &buffer)
            messages.append(message)
        }
        try encoder.encode(ClientResponse.gap(GapNotice(topology: quotes, origin: NodeID(high: 1, low: 2), originIncarnation: 3, first: 9, last: 9)), into: &buffer)
        return (buffer, messages)
    }

    func events(fedIn pieces: [ByteBuffer]) async throws -> [ArborEvent] {
        let channel = EmbeddedChannel()
        let core = ClientCore(eventLoop: channel.eventLoop, configuration: .init(), socketPath: "test")
        try channel.pipeline.syncOperations.addHandler(ApplicationSideClientHandler(core: core))
        core.attach(channel)
        for piece in pieces {
            try channel.writeInbound(piece)
            channel.pipeline.fireChannelReadComplete()
        }
        var events: [ArborEvent] = []
        var batch: [ArborEvent] = []
        while core.statistics.bufferedEvents > 0 {
            _ = try await core.takeEvents(into: &batch)
            events += batch
            batch.removeAll()
        }
        return events
    }

    @Test(arguments: [1, 2, 3, 4, 5, 7, 64, 1000, 100_000])
    func framesSplitAtAnyByteDecodeInOrder(pieceSize: Int) async throws {
        let (buffer, messages) = try stream(count: 200)
        var rest = buffer
        var pieces: [ByteBuffer] = []
        while rest.readableBytes > 0 {
            pieces.append(rest.readSlice(length: Swift.min(pieceSize, rest.readableBytes))!)
        }
        let events = try await events(fedIn: pieces)
        #expect(events.count == 201)
        #expect(events.dropLast() == messages.map { .message($0) }[...])
        guard case .gap = events.last else {
            Issue.record("the gap is missing")
            return
        }
    }

    @Test func randomCutsDecodeInOrder() async throws {
        let (buffer, messages) = try stream(count: 500)
        var generator = SystemRandomNumberGenerator()
        var rest = buffer
        var pieces: [ByteBuffer] = []
        while rest.readableBytes > 0 {
            let size = Int.random(in: 1...600, using: &generator)
            pieces.append(rest.readSlice(length: Swift.min(size, rest.readableBytes))!)
        }
        let events = try await events(fedIn: pieces)
        #expect(events.count == 501)
        #expect(events.prefix(500).elementsEqual(messages.map { .message($0) }))
    }

    @Test func oversizedFrameEndsTheConnectionAsAProtocolViolation() async throws {
        let channel = EmbeddedChannel()
        let core = ClientCore(eventLoop: channel.eventLoop, configuration: .init(), socketPath: "test")
        try channel.pipeline.syncOperations.addHandler(ApplicationSideClientHandler(core: core))
        core.attach(channel)
        var bad = ByteBuffer()
        bad.writeInteger(UInt32(50_000_000))
        bad.writeInteger(UInt8(0x84))
        _ = try? channel.writeInbound(bad)
        var batch: [ArborEvent] = []
        await #expect(throws: ArborClientError.self) { _ = try await core.takeEvents(into: &batch) }
        do {
            _ = try await core.takeEvents(into: &batch)
        } catch {
            guard case .protocolViolation(let what) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(what.contains("50000000"))
        }
    }
}
