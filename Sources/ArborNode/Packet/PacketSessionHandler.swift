import ArborCore
import ArborWire
import NIOCore

/// One program on packet.sock: its first datagram opens a session (``PacketRequest``),
/// which the handler turns into the client requests of the stream protocol (SUBSCRIBE,
/// or ATTACH for a publisher); then each datagram of a publishing session is one PUBLISH.
/// Messages, gaps and errors reach the program through the runtime's client path like
/// any client's (an outbox, ``PacketWriter`` sending one datagram per response): the same
/// order, no duplicates, the same gaps. No routing happens here.
///
/// A datagram longer than ``datagramLimit`` (at most the buffer a read is given, so it is
/// noticed rather than cut short silently) is answered with an `err` and skipped.
/// Push-back holds a publisher as on client.sock (``ClientReadControl``): its datagrams
/// wait, and the socket is not read, until the hold ends. The opening datagram must
/// arrive within ``NodeConfiguration/frameTimeout``.
final class PacketSessionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// Largest datagram a program may send: a 64 KiB payload plus its topic and a space.
    static let datagramLimit = (64 << 10) + WireLimits.maximumTopicLength + 1
    /// The buffer a read gets: one byte more than the limit shows a datagram over it.
    static var readBufferSize: Int { datagramLimit + 1 }

    private enum Session {
        case subscribing(ClientID)
        case publishing(ClientID, TopologyName, Topic?)
    }

    private let runtime: NodeRuntime
    private let outbox: FrameOutbox<ClientResponse>
    private let connection: UInt64
    private var session: Session?
    private let reading = ClientReadControl()
    /// Datagrams read while the session was held back, handled when the hold ends.
    private var held = CircularBuffer<ByteBuffer>()
    private let openingDeadline: ConnectionDeadline

    init(runtime: NodeRuntime, outbox: FrameOutbox<ClientResponse>, connection: UInt64) {
        self.runtime = runtime
        openingDeadline = ConnectionDeadline(runtime: runtime, logKey: "packet-timeout")
        self.outbox = outbox
        self.connection = connection
    }

    func channelActive(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        reading.resume = {
            let (handler, context) = bound.value
            guard context.channel.isActive else { return }
            handler.handleHeld(context: context)
        }
        openingDeadline.arm(context: context) { "closing packet.sock connection: no request within \($0) ms" }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let datagram = unwrapInboundIn(data)
        if reading.heldBack || !held.isEmpty {
            held.append(datagram)
            try? context.channel.syncOptions?.setOption(.autoRead, value: false)
            return
        }
        handle(datagram, context: context)
    }

    /// Handles the datagrams read during a hold, until the next hold; then reads again.
    private func handleHeld(context: ChannelHandlerContext) {
        while !reading.heldBack, let datagram = held.popFirst() {
            handle(datagram, context: context)
        }
        if held.isEmpty {
            try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }

    private func handle(_ datagram: ByteBuffer, context: ChannelHandlerContext) {
        guard datagram.readableBytes <= Self.datagramLimit else {
            refuse("datagram of over \(Self.datagramLimit) bytes: packet.sock carries payloads of at most 65536 bytes (use client.sock for larger)")
            return
        }
        switch session {
        case nil:
            open(datagram, context: context)
        case .subscribing:
            refuse("this session subscribes: open another connection with 'pub TOPOLOGY [TOPIC]' to publish")
        case .publishing(let client, let topology, let topic):
            var payload = datagram
            if let topic {
                runtime.clientRequest(.publish(id: 0, topology: topology, topic: topic, payload: payload.readBytes(length: payload.readableBytes) ?? []), from: client)
            } else if let (topic, bytes) = PacketRequest.split(datagram) {
                runtime.clientRequest(.publish(id: 0, topology: topology, topic: topic, payload: bytes), from: client)
            } else {
                refuse("a datagram of a 'pub TOPOLOGY' session is 'TOPIC PAYLOAD': a topic of 1 to \(WireLimits.maximumTopicLength) bytes, then a space")
            }
        }
    }

    private func open(_ datagram: ByteBuffer, context: ChannelHandlerContext) {
        openingDeadline.cancel()
        let request: PacketRequest
        do {
            request = try PacketRequest(parsing: datagram.readableBytesView)
        } catch {
            let channel = context.channel
            outbox.sendNow(.error(id: 0, code: .malformedRequest, text: error.description)).whenComplete { _ in
                channel.close(promise: nil)
            }
            return
        }
        runtime.clientIdentified(connection)
        let client = runtime.clientConnected(outbox, name: "packet.sock", reading: reading)
        var accepted = true
        switch request {
        case .subscribe(let topology, let prefixes):
            session = .subscribing(client)
            for prefix in prefixes where accepted {
                accepted = runtime.clientRequest(.subscribe(id: 0, topology: topology, prefix: prefix), from: client)
            }
        case .publish(let topology, let topic):
            session = .publishing(client, topology, topic)
            accepted = runtime.clientRequest(.attach(id: 0, topology: topology), from: client)
        }
        guard accepted else {
            // The runtime queued the `err`. A PONG has no datagram: sending one only
            // flushes the `err` and tells when it has left, so the connection closes after it.
            let channel = context.channel
            outbox.sendNow(.pong(id: 0)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        runtime.respond(.ok(id: 0), on: outbox)
    }

    private func refuse(_ text: String) {
        runtime.respond(.error(id: 0, code: .malformedRequest, text: text), on: outbox)
    }

    func channelInactive(context: ChannelHandlerContext) {
        reading.resume = {}
        openingDeadline.cancel()
        // What the program sent before it closed is still its to have handled.
        while let datagram = held.popFirst() {
            handle(datagram, context: context)
        }
        switch session {
        case .subscribing(let client), .publishing(let client, _, _):
            runtime.clientClosed(client)
        case nil:
            break
        }
        session = nil
        context.fireChannelInactive()
    }

    /// Output sent: a subscriber that held back publishers caught up.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, case .subscribing(let client) = session {
            runtime.clientCaughtUp(client)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        runtime.logger.info("closing packet.sock connection: \(error)")
        context.close(promise: nil)
    }
}
