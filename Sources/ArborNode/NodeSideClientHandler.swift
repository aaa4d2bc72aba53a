import ArborCore
import ArborWire
import NIOCore

/// One local application: HELLO first, then requests passed to the runtime. A request
/// that does not decode is answered with an ERROR and the session goes on (its framing is
/// intact); a frame that breaks the framing closes the connection.
///
/// It decodes the connection's bytes itself (a ``FrameStream`` of ``ClientFrameDecoder``), so a request costs no
/// pass through the pipeline. Every response and message for the application goes through
/// its ``FrameOutbox``.
///
/// Bounded work: requests are handled in slices of ``NodeConfiguration/clientRequestsPerTurn``,
/// further slices of a read only for half of ``NodeConfiguration/deferredWorkPerTurn``
/// after its first. Beyond that the handler stops reading from the socket (the application
/// feels backpressure) and takes up the rest a millisecond later, once the event loop has
/// been back to its sockets and timers: peer links, heartbeats and other clients wait a
/// few milliseconds at most behind one client's burst.
///
/// Push-back: while the runtime holds the client back (it publishes to a push-back
/// topology whose local subscriber does not keep up, ``ClientReadControl``), no request is
/// handled and the socket is not read, until the runtime lets it go on.
///
/// Bounded time: HELLO must arrive, and every frame must be complete, within
/// ``NodeConfiguration/frameTimeout`` of the connection (or of the frame's start);
/// otherwise the connection is closed, so a partial frame cannot hold memory for long.
final class NodeSideClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let runtime: NodeRuntime
    private let outbox: FrameOutbox<ClientResponse>
    private var requests: FrameStream<ClientFrameDecoder.NodeRequests>
    private let connection: UInt64
    private var client: ClientID?
    private let reading = ClientReadControl()
    /// Requests were left for a later turn; reading is paused meanwhile.
    private var backlogged = false
    private var resumeTask: Scheduled<Void>?
    /// Closes the connection when HELLO or the frame being received is overdue.
    private let frameDeadline: ConnectionDeadline

    /// `outbox` writes to this handler's channel; frames longer than `maximumFrameLength`
    /// break the framing.
    /// `connection` is the runtime's number for it (``NodeRuntime/admitClientConnection(_:)``).
    init(runtime: NodeRuntime, outbox: FrameOutbox<ClientResponse>, connection: UInt64, maximumFrameLength: Int) {
        self.runtime = runtime
        frameDeadline = ConnectionDeadline(runtime: runtime, logKey: "client-frame-timeout")
        self.outbox = outbox
        self.connection = connection
        requests = FrameStream(ClientFrameDecoder.NodeRequests(maximumFrameLength: maximumFrameLength))
    }

    private var budget: Int { runtime.configuration.clientRequestsPerTurn }
    /// How long one read's further slices of requests may run: half the turn's budget for
    /// deferred work, so that the router's timer, run after the reads, finds the rest.
    private var sliceTime: TimeAmount { .nanoseconds(runtime.configuration.deferredWorkPerTurn.nanoseconds / 2) }
    /// Unacknowledged publications read and not yet handed to the runtime: they go in one
    /// router step, at the end of the read, before any other request, or once they hold
    /// ``publicationBatchBytes`` (so a hold-back starting meanwhile stops reading soon).
    private var publications: [Router.Publication] = []
    private var publicationBytes = 0
    private static let publicationBatchBytes = 64 << 10

    func channelActive(context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        reading.resume = {
            let (handler, context) = bound.value
            guard context.channel.isActive, handler.resumeTask == nil else { return }
            handler.decode(appending: ByteBuffer(), limit: handler.budget, context: context)
        }
        armFrameDeadline(context: context, overdue: "no HELLO")
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        decode(appending: unwrapInboundIn(data), limit: budget, context: context)
    }

    /// Handles the complete requests of what is unread plus `received`, in slices of
    /// `limit`: the first at once, each further one while this call has run for less than
    /// ``sliceTime``; broken framing ends decoding for good and is reported like a pipeline
    /// error. Leaves the rest for a later turn when the time is up, and for when the hold
    /// ends while the client is held back (unless `evenIfHeldBack`).
    ///
    /// The slices follow one another rather than ending the read at `limit`: waiting for a
    /// timer after every `limit` requests left the loop idle while the application was
    /// blocked writing (a publisher's node handled 256 publications a millisecond,
    /// docs/benchmarks.md, issue 12). They are timed per call, not against the turn's
    /// budget (``EventLoopTurns``): a client that always has requests waiting would spend
    /// the budget of every turn while the loop reads its socket, before the router's timer
    /// runs, and the timer, put off turn after turn, would send no heartbeat.
    private func decode(appending received: ByteBuffer, limit: Int, evenIfHeldBack: Bool = false, context: ChannelHandlerContext) {
        guard var bytes = requests.take(appending: received) else { return }
        var handled = 0
        var started: NIODeadline?
        do {
            while evenIfHeldBack || !reading.heldBack {
                if handled == limit {
                    guard bytes.readableBytes > 0 else { break }
                    handOverPublications()
                    let now = NIODeadline.now()
                    if started == nil {
                        started = now
                    } else if let started, now - started >= sliceTime {
                        break
                    }
                    handled = 0
                }
                guard let inbound = try requests.next(from: &bytes) else { break }
                handled += 1
                guard requests.isDecoding else { continue }
                switch inbound {
                case .publication(let publication) where client != nil:
                    publish(publication)
                case .publication(let publication):
                    self.received(.success(.publish(id: 0, topology: publication.topology, topic: publication.topic, payload: publication.payload)), context: context)
                case .request(let request):
                    self.received(request, context: context)
                }
            }
            handOverPublications()
        } catch {
            handOverPublications()
            requests.stop()
            errorCaught(context: context, error: error)
            return
        }
        if reading.heldBack, !evenIfHeldBack {
            // Not reading is this node's doing: a frame left incomplete meanwhile is not
            // overdue (its deadline is armed again when reading resumes).
            _ = requests.keep(bytes)
            frameDeadline.cancel()
            stopReading(context: context)
            return
        }
        if handled == limit, bytes.readableBytes > 0 {
            _ = requests.keep(bytes)
            pause(context: context)
            return
        }
        resume(context: context)
        if let truncation = requests.keep(bytes) {
            errorCaught(context: context, error: truncation)
            return
        }
        if client == nil {
            return  // the HELLO deadline runs from the connection's start
        }
        if requests.pendingBytes == 0 {
            frameDeadline.cancel()
        } else if handled > 0 || !frameDeadline.isArmed {
            armFrameDeadline(context: context, overdue: "a frame was not completed")
        }
    }

    /// Stops reading and takes up the unread requests after the event loop's next turn.
    private func pause(context: ChannelHandlerContext) {
        guard resumeTask == nil else { return }
        stopReading(context: context)
        // A delay, not `execute`: tasks run until none is left before the loop polls its
        // sockets again, and a task due later lets it poll first, unless the turn takes
        // longer than the delay: then the turn's budget (``EventLoopTurns``) puts it off.
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        resumeTask = context.eventLoop.scheduleTask(in: .milliseconds(1)) {
            let (handler, context) = bound.value
            handler.resumeTask = nil
            guard context.channel.isActive else { return }
            guard handler.runtime.turns.mayRunDeferredWork() else {
                handler.pause(context: context)
                return
            }
            handler.decode(appending: ByteBuffer(), limit: handler.budget, context: context)
        }
    }

    private func stopReading(context: ChannelHandlerContext) {
        guard !backlogged else { return }
        backlogged = true
        try? context.channel.syncOptions?.setOption(.autoRead, value: false)
    }

    private func resume(context: ChannelHandlerContext) {
        guard backlogged else { return }
        backlogged = false
        try? context.channel.syncOptions?.setOption(.autoRead, value: true)
    }

    private func armFrameDeadline(context: ChannelHandlerContext, overdue what: String) {
        frameDeadline.arm(context: context) { "closing client connection: \(what) within \($0) ms" }
    }

    private func received(_ request: Result<ClientRequest, MalformedClientRequest>, context: ChannelHandlerContext) {
        switch request {
        case .failure(let malformed):
            handOverPublications()
            runtime.respond(malformed.response, on: outbox)
        case .success(.hello(let id, let versions, let name)) where client == nil:
            guard let version = PeerProtocol.negotiate(ClientProtocol.versions, versions) else {
                let text = "this node speaks client protocol \(ClientProtocol.versions.lowerBound)...\(ClientProtocol.versions.upperBound)"
                let channel = context.channel
                outbox.sendNow(.error(id: id, code: .unsupportedVersion, text: text)).whenComplete { _ in
                    channel.close(promise: nil)
                }
                return
            }
            frameDeadline.cancel()
            runtime.clientIdentified(connection)
            client = runtime.clientConnected(outbox, name: name, reading: reading)
            let welcome = ClientResponse.welcome(
                id: id,
                version: version,
                node: runtime.id,
                nodeName: runtime.configuration.router.name,
                maximumMessageSize: UInt32(runtime.configuration.maximumMessageSize)
            )
            runtime.respond(welcome, on: outbox)
        case .success(let request):
            guard let client else {
                runtime.respond(.error(id: request.id, code: .helloRequired, text: "send HELLO first"), on: outbox)
                return
            }
            handOverPublications()
            runtime.clientRequest(request, from: client)
        }
    }

    /// Queues an unacknowledged publication of the identified client for the read's router step.
    private func publish(_ publication: Router.Publication) {
        publicationBytes += publication.payload.count + publication.topic.bytes.count
        publications.append(publication)
        if publicationBytes >= Self.publicationBatchBytes {
            handOverPublications()
        }
    }

    /// Hands the publications read so far to the runtime, in one router step.
    private func handOverPublications() {
        guard !publications.isEmpty, let client else { return }
        var batch: [Router.Publication] = []
        swap(&batch, &publications)
        publicationBytes = 0
        runtime.clientPublications(batch, from: client)
    }

    func channelInactive(context: ChannelHandlerContext) {
        reading.resume = {}
        resumeTask?.cancel()
        resumeTask = nil
        if backlogged {
            // What the application sent before it closed is still its to have handled
            // (publications above all): the rest of the backlog, at once.
            backlogged = false
            decode(appending: ByteBuffer(), limit: .max, evenIfHeldBack: true, context: context)
        }
        frameDeadline.cancel()
        // Bytes of an incomplete frame at the end of the stream are a truncated frame.
        if let truncation = requests.finish() {
            errorCaught(context: context, error: truncation)
        }
        if let client {
            runtime.clientClosed(client)
        }
        client = nil
        context.fireChannelInactive()
    }

    /// Output drained to half the limit: a subscriber that held back publishers caught up.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let client {
            runtime.clientCaughtUp(client)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        runtime.logger.info("closing client connection: \(error)")
        context.close(promise: nil)
    }
}
