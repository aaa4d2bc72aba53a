import ArborCore
import ArborTopology
import ArborWire
import NIOCore

/// One nanomsg or nng socket on an SP endpoint of one topology (``SPListener``).
///
/// Both ends send the 8-byte SP header first; arbord waits for the peer's and answers with
/// the other half of PUB/SUB. A SUB peer becomes a subscriber of the topology's
/// ``SPSettings/prefixes`` and receives each message as topic, separator, payload. A PUB
/// peer's messages are published: the topic ends at the first separator (no separator:
/// all topic, empty payload). Everything goes through the runtime's client path, as a
/// client.sock application's requests would: the same order and no duplicates; a gap
/// cannot be told to an SP socket, so the lost messages are simply missing.
///
/// Bad input (another header or protocol, a bad message type, a message over the limit)
/// closes the connection. The header, and every message once begun, must arrive within
/// ``NodeConfiguration/frameTimeout``, so a partial message cannot hold memory for long.
final class SPSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Role {
        case subscriber(ClientID)
        case publisher(ClientID)
    }

    private let runtime: NodeRuntime
    private let topology: TopologyName
    private let settings: SPSettings
    private let transport: SPFraming.Transport
    private let connection: UInt64
    private let outbox: FrameOutbox<ClientResponse>
    private let decoder: SPMessageDecoder
    private var role: Role?
    private var unread: ByteBuffer?
    private let reading = ClientReadControl()
    /// Closes the connection when the header or the message being received is overdue.
    private let deadline: ConnectionDeadline

    init(runtime: NodeRuntime, topology: TopologyName, settings: SPSettings, transport: SPFraming.Transport, connection: UInt64, outbox: FrameOutbox<ClientResponse>) {
        self.runtime = runtime
        deadline = ConnectionDeadline(runtime: runtime, logKey: "sp-timeout")
        self.topology = topology
        self.settings = settings
        self.transport = transport
        self.connection = connection
        self.outbox = outbox
        let limit = runtime.configuration.maximumMessageSize + WireLimits.maximumTopicLength + settings.separator.count
        decoder = SPMessageDecoder(transport: transport, maximumLength: limit)
    }

    /// The outbox of an SP connection: messages as SP messages, other responses (errors
    /// the runtime reports) logged, since SP has no way to carry them.
    static func outbox(channel: Channel, runtime: NodeRuntime, topology: TopologyName, settings: SPSettings, transport: SPFraming.Transport) -> FrameOutbox<ClientResponse> {
        FrameOutbox(channel: channel, buffers: runtime.outputBuffers) { response, buffer in
            switch response {
            case .message(let message):
                SPFraming.writeMessage(message.topic.bytes, settings.separator, message.payload, transport: transport, into: &buffer)
            case .error(_, let code, let text):
                runtime.logLimited(.info, "sp-error", "SP socket on \(topology): \(code): \(text)")
            case .welcome, .ok, .gap, .pong:
                break
            }
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        reading.resume = {
            let (handler, context) = bound.value
            guard context.channel.isActive else { return }
            try? context.channel.syncOptions?.setOption(.autoRead, value: true)
            handler.decode(context: context)
        }
        armDeadline(context: context, overdue: "no SP header")
        context.fireChannelActive()
    }

    private func armDeadline(context: ChannelHandlerContext, overdue what: String) {
        deadline.arm(context: context) { [topology] in "closing SP connection on \(topology): \(what) within \($0) ms" }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if unread == nil {
            unread = bytes
        } else {
            unread!.writeBuffer(&bytes)
        }
        decode(context: context)
    }

    private func decode(context: ChannelHandlerContext) {
        guard var bytes = unread else { return }
        unread = nil
        var handled = false
        defer {
            if bytes.readableBytes > 0, context.channel.isActive {
                unread = bytes
                if reading.heldBack {
                    // Not reading is this node's doing: what waits is not overdue.
                    deadline.cancel()
                } else if role != nil, handled || !deadline.isArmed {
                    armDeadline(context: context, overdue: "an SP message was not completed")
                }
            } else if role != nil {
                deadline.cancel()
            }
        }
        if role == nil {
            guard let header = bytes.readBytes(length: SPFraming.headerLength) else { return }
            do {
                try start(peer: SPFraming.protocolID(ofHeader: header), context: context)
            } catch {
                fail(error, context: context)
                bytes.clear()
                return
            }
        }
        do {
            while let message = try decoder.next(from: &bytes) {
                handled = true
                guard case .publisher(let client) = role else { continue }  // a SUB sends nothing to publish
                publish(message, from: client)
                if reading.heldBack {
                    try? context.channel.syncOptions?.setOption(.autoRead, value: false)
                    return
                }
            }
        } catch {
            fail(error, context: context)
            bytes.clear()
        }
        bytes.discardReadBytes()
    }

    private func start(peer: UInt16, context: ChannelHandlerContext) {
        deadline.cancel()
        var header = context.channel.allocator.buffer(capacity: SPFraming.headerLength)
        header.writeBytes(SPFraming.header(peer == SPFraming.sub ? SPFraming.pub : SPFraming.sub))
        context.writeAndFlush(wrapOutboundOut(header), promise: nil)
        runtime.clientIdentified(connection)
        if peer == SPFraming.sub {
            let client = runtime.clientConnected(outbox, name: "SP SUB on \(topology)", reading: reading)
            role = .subscriber(client)
            if settings.prefixes.isEmpty {
                runtime.logLimited(.warning, "sp-no-prefixes", "an SP subscriber connected to \(topology), whose topology file sets no sp-prefixes: it receives nothing (docs/topology-format.md)")
            }
            for prefix in settings.prefixes {
                runtime.clientRequest(.subscribe(id: 0, topology: topology, prefix: prefix), from: client)
            }
        } else {
            let client = runtime.clientConnected(outbox, name: "SP PUB on \(topology)", reading: reading)
            role = .publisher(client)
            runtime.clientRequest(.attach(id: 0, topology: topology), from: client)
        }
    }

    /// Publishes one SP message: the topic up to the first separator, the payload after it.
    private func publish(_ message: ByteBuffer, from client: ClientID) {
        let body = message.readableBytesView
        let separator = settings.separator
        var topicEnd = body.endIndex
        var payloadStart = body.endIndex
        if let found = body.firstRange(of: separator) {
            topicEnd = found.lowerBound
            payloadStart = found.upperBound
        }
        let topic = Array(body[body.startIndex..<topicEnd])
        guard topic.count <= WireLimits.maximumTopicLength else {
            runtime.logLimited(.info, "sp-topic", "dropped an SP message on \(topology): its topic is over \(WireLimits.maximumTopicLength) bytes (no sp-separator in reach)")
            return
        }
        runtime.clientRequest(.publish(id: 0, topology: topology, topic: Topic(topic), payload: Array(body[payloadStart...])), from: client)
    }

    private func fail(_ error: Error, context: ChannelHandlerContext) {
        runtime.logLimited(.info, "sp-bad-input", "closing SP connection on \(topology): \(error)")
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        reading.resume = {}
        deadline.cancel()
        switch role {
        case .subscriber(let client), .publisher(let client):
            runtime.clientClosed(client)
        case nil:
            break
        }
        role = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, case .subscriber(let client) = role {
            runtime.clientCaughtUp(client)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        runtime.logger.info("closing SP connection on \(topology): \(error)")
        context.close(promise: nil)
    }
}
