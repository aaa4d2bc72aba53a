import ArborCore
import ArborTestSupport
import ArborWire
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An in-process stand-in for arbord's client socket, built on ArborWire's node-side codec
/// (the one stand-in node of the client tests: where a real `arbord` would do, they use
/// one): a tiny broker that routes PUBLISH to matching subscribers on any of its
/// connections, with a fixed node id and ways to misbehave on request.
///
/// - A topology whose name starts with `refused` is refused (ERROR 5, with the request's
///   id even when it is 0, as a node does).
/// - Topic `!gap` publishes nothing but sends subscribers a GAP for the next two sequences;
///   topic `!kick` makes the node send ERROR 9 (slow consumer) and close that connection.
/// - `replaying` makes it keep what is published instead, and answer a SUBSCRIBE with what
///   it kept (see ``Broker/replay(_:prefix:)``), a GAP and the end of the connection: one
///   program's output, from a publisher run before it, in one go.
/// - `lying` makes it answer as the scenario the client's HELLO names (see
///   ``LyingScenario``): malformed, cut and random frames, for libarbor's robustness test.
/// - `stall` makes it a sink that stops reading for a while after HELLO (see ``SlowSink``).
final class TestNode: Sendable {
    static let nodeID = NodeID(high: 0x0001_0203_0405_0607, low: 0x0809_0a0b_0c0d_0e0f)

    struct Statistics: Sendable {
        var publishes = 0
        var publishedPayloadBytes = 0
        var subscriptions = 0
        var connections = 0
    }

    let directory: TemporaryDirectory
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel
    let broker: Broker

    var socketPath: String { directory.path + "/client.sock" }
    var runDirectory: String { directory.path }
    var statistics: Statistics { broker.statistics }

    /// - Parameter stall: makes a sink instead of a broker: after answering HELLO it stops
    ///   reading for `stall`, then reads `readChunk` bytes at a time; it answers PING,
    ///   counts PUBLISH frames without decoding them and ignores everything else.
    init(replaying: Bool = false, lying: Bool = false, stall: TimeAmount? = nil, readChunk: Int = 16 * 1024) async throws {
        directory = try TemporaryDirectory("client")
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let broker = Broker(replaying: replaying)
        self.broker = broker
        var bootstrap = ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let stall {
                        try channel.pipeline.syncOperations.addHandler(SlowSink(stall: stall, broker: broker))
                        return
                    }
                    let codec = ClientFrameCodec.NodeSide()
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(codec))
                    if lying {
                        try channel.pipeline.syncOperations.addHandler(LyingNodeHandler())
                        return
                    }
                    try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(codec))
                    try channel.pipeline.syncOperations.addHandler(TestNodeHandler(broker: broker))
                }
            }
        if stall != nil {
            bootstrap = bootstrap
                .childChannelOption(.autoRead, value: false)
                .childChannelOption(.maxMessagesPerRead, value: 1)
                .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: readChunk))
        }
        channel = try await bootstrap.bind(unixDomainSocketPath: directory.path + "/client.sock").get()
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// Waits until `condition` holds for the node's statistics, or about `seconds`.
    func wait(seconds: Double = 10, until condition: (Statistics) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(statistics) { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return condition(statistics)
    }
}

/// Routing state shared by the test node's connections.
final class Broker: Sendable {
    private struct Subscriber {
        var channel: any Channel
        var topology: TopologyName
        var prefix: Topic
    }

    private struct State {
        var subscribers: [ObjectIdentifier: [Subscriber]] = [:]
        var sequences: [TopologyName: UInt64] = [:]
        /// What was published, when replaying.
        var kept: [(topology: TopologyName, topic: Topic, payload: [UInt8])] = []
        var statistics = TestNode.Statistics()
    }

    private let state = NIOLockedValueBox(State())
    let replaying: Bool

    init(replaying: Bool) {
        self.replaying = replaying
    }

    /// Keeps a publication for ``replay(_:prefix:)``.
    func keep(topology: TopologyName, topic: Topic, payload: [UInt8]) {
        state.withLockedValue {
            $0.kept.append((topology, topic, payload))
            $0.statistics.publishes += 1
            $0.statistics.publishedPayloadBytes += payload.count
        }
    }

    /// What a subscription to `prefix` in `topology` gets when replaying: every kept
    /// publication it matches, numbered by its place among all kept, then a GAP for the
    /// two sequences after them.
    func replay(_ topology: TopologyName, prefix: Topic) -> [ClientResponse] {
        state.withLockedValue { state in
            var responses: [ClientResponse] = []
            for (index, kept) in state.kept.enumerated() where kept.topology == topology && prefix.isPrefix(of: kept.topic) {
                responses.append(.message(DeliveredMessage(
                    topology: topology, origin: TestNode.nodeID, originIncarnation: 1, sequence: UInt64(index + 1),
                    topic: kept.topic, payload: kept.payload
                )))
            }
            let next = UInt64(state.kept.count + 1)
            responses.append(.gap(GapNotice(topology: topology, origin: TestNode.nodeID, originIncarnation: 1, first: next, last: next + 1)))
            state.statistics.subscriptions += 1
            return responses
        }
    }

    var statistics: TestNode.Statistics { state.withLockedValue { $0.statistics } }

    func countPublishes(_ count: Int) {
        state.withLockedValue { $0.statistics.publishes += count }
    }

    func connected() {
        state.withLockedValue { $0.statistics.connections += 1 }
    }

    func disconnected(_ channel: any Channel) {
        state.withLockedValue { $0.subscribers[ObjectIdentifier(channel)] = nil }
    }

    func subscribe(_ channel: any Channel, topology: TopologyName, prefix: Topic) {
        state.withLockedValue {
            $0.subscribers[ObjectIdentifier(channel), default: []]
                .append(Subscriber(channel: channel, topology: topology, prefix: prefix))
            $0.statistics.subscriptions += 1
        }
    }

    func unsubscribe(_ channel: any Channel, topology: TopologyName, prefix: Topic) {
        state.withLockedValue {
            $0.subscribers[ObjectIdentifier(channel)]?.removeAll { $0.topology == topology && $0.prefix == prefix }
        }
    }

    /// Routes one publication; the channels to send it to and what to send.
    func publish(topology: TopologyName, topic: Topic, payload: [UInt8]) -> [(any Channel, ClientResponse)] {
        state.withLockedValue { state in
            let gap = topic == "!gap"
            if !gap {
                state.statistics.publishes += 1
                state.statistics.publishedPayloadBytes += payload.count
            }
            let sequence = state.sequences[topology, default: 0] + 1
            // A gap stands for two lost messages.
            state.sequences[topology] = gap ? sequence + 1 : sequence
            var out: [(any Channel, ClientResponse)] = []
            for subscriptions in state.subscribers.values {
                // A gap concerns everyone subscribed to the topology: the lost topics are unknown.
                guard let match = subscriptions.first(where: { $0.topology == topology && (gap || $0.prefix.isPrefix(of: topic)) })
                else { continue }
                if gap {
                    let notice = GapNotice(topology: topology, origin: TestNode.nodeID, originIncarnation: 1, first: sequence, last: sequence + 1)
                    out.append((match.channel, .gap(notice)))
                } else {
                    let message = DeliveredMessage(
                        topology: topology,
                        origin: TestNode.nodeID,
                        originIncarnation: 1,
                        sequence: sequence,
                        topic: topic,
                        payload: payload
                    )
                    out.append((match.channel, .message(message)))
                }
            }
            return out
        }
    }
}

/// Answers one connection's requests.
final class TestNodeHandler: ChannelInboundHandler {
    typealias InboundIn = Result<ClientRequest, MalformedClientRequest>
    typealias OutboundOut = ClientResponse

    let broker: Broker

    init(broker: Broker) {
        self.broker = broker
    }

    func channelActive(context: ChannelHandlerContext) {
        broker.connected()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        broker.disconnected(context.channel)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request: ClientRequest
        switch unwrapInboundIn(data) {
        case .success(let decoded): request = decoded
        case .failure(let malformed):
            context.writeAndFlush(wrapOutboundOut(malformed.response), promise: nil)
            return
        }
        func ok(_ id: UInt32) {
            if id != 0 { context.write(wrapOutboundOut(.ok(id: id)), promise: nil) }
        }
        func refuse(_ id: UInt32, _ topology: TopologyName, _ text: String? = nil) -> Bool {
            guard topology.rawValue.hasPrefix("refused") else { return false }
            context.write(wrapOutboundOut(.error(id: id, code: .notPermitted, text: text ?? "not permitted in \(topology)")), promise: nil)
            return true
        }
        switch request {
        case .hello(let id, _, _):
            context.write(
                wrapOutboundOut(.welcome(id: id, version: 1, node: TestNode.nodeID, nodeName: "test-node", maximumMessageSize: 1 << 20)),
                promise: nil
            )
        case .attach(let id, let topology), .detach(let id, let topology):
            if !refuse(id, topology) { ok(id) }
        case .subscribe(let id, let topology, let prefix):
            if broker.replaying, !refuse(id, topology) {
                ok(id)
                for response in broker.replay(topology, prefix: prefix) {
                    context.write(wrapOutboundOut(response), promise: nil)
                }
                context.flush()
                context.close(promise: nil)
                return
            }
            if !refuse(id, topology) {
                broker.subscribe(context.channel, topology: topology, prefix: prefix)
                ok(id)
            }
        case .unsubscribe(let id, let topology, let prefix):
            broker.unsubscribe(context.channel, topology: topology, prefix: prefix)
            ok(id)
        case .publish(let id, let topology, let topic, let payload):
            if refuse(id, topology, "this node may not publish to \(topology)") { break }
            if broker.replaying {
                broker.keep(topology: topology, topic: topic, payload: payload)
                ok(id)
                break
            }
            if topic == "!kick" {
                context.writeAndFlush(wrapOutboundOut(.error(id: 0, code: .slowConsumer, text: "slow consumer")), promise: nil)
                context.close(promise: nil)
                return
            }
            for (channel, response) in broker.publish(topology: topology, topic: topic, payload: payload) {
                if channel === context.channel {
                    context.write(wrapOutboundOut(response), promise: nil)
                } else {
                    channel.writeAndFlush(response, promise: nil)
                }
            }
            ok(id)
        case .ping(let id):
            context.write(wrapOutboundOut(.pong(id: id)), promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// A node that stops reading for a while: with autoRead off and a small fixed receive
/// buffer, it answers HELLO, reads nothing for `stall`, then reads on. Takes frames apart
/// by their length only (a full decode would make the test measure the debug build's
/// decoder); answers HELLO and PING.
final class SlowSink: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let stall: TimeAmount
    let broker: Broker
    private var cumulation = ByteBuffer()
    private let encoder = ClientFrameEncoder()
    private var greeted = false
    private var stalled = false

    init(stall: TimeAmount, broker: Broker) {
        self.stall = stall
        self.broker = broker
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        context.read()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        cumulation.writeBuffer(&incoming)
        var publishes = 0
        while let length = cumulation.getInteger(at: cumulation.readerIndex, as: UInt32.self),
            cumulation.readableBytes >= 4 + Int(length)
        {
            let type = cumulation.getInteger(at: cumulation.readerIndex + 4, as: UInt8.self)
            let id = cumulation.getInteger(at: cumulation.readerIndex + 5, as: UInt32.self) ?? 0
            var answer = ByteBuffer()
            switch ClientFrameType(rawValue: type ?? 0) {
            case .publish: publishes += 1
            case .hello:
                greeted = true
                try? encoder.encode(
                    ClientResponse.welcome(id: id, version: 1, node: TestNode.nodeID, nodeName: "slow-node", maximumMessageSize: 1 << 20),
                    into: &answer
                )
            case .ping: try? encoder.encode(ClientResponse.pong(id: id), into: &answer)
            default: break
            }
            if answer.readableBytes > 0 {
                // Counted before the PONG goes out: the client checks after it.
                broker.countPublishes(publishes)
                publishes = 0
                context.writeAndFlush(wrapOutboundOut(answer), promise: nil)
            }
            cumulation.moveReaderIndex(forwardBy: 4 + Int(length))
        }
        cumulation.discardReadBytes()
        broker.countPublishes(publishes)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
        guard greeted, !stalled else {
            context.read()
            return
        }
        stalled = true
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: stall) {
            loopBound.value.read()
        }
    }
}
