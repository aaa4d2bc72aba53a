import ArborCore
import ArborTrust
import ArborWire
import Logging
import NIOCore

/// One peer link: sends our handshake, checks the peer's, proves our node id and checks
/// the peer's proof (``PeerProof``), then passes message frames to the runtime. A malformed
/// frame, a refused handshake or a proof that does not check closes the link with the
/// reason logged; nothing a peer sends can do more than close its own link, and a peer
/// that does not prove its id learns nothing but this node's handshake.
///
/// It decodes the link's bytes itself (a ``FrameStream`` of ``PeerFrameDecoder``), so a frame costs no pass
/// through the pipeline. Messages are handed over in bursts: those decoded from one read of
/// the socket go to the runtime together, in order, when the read completes (or the link
/// closes), so the router takes them in one step, of at most
/// ``NodeConfiguration/peerMessagesPerStep`` messages: while the event-loop turn is over
/// its budget (``EventLoopTurns``) the rest waits, and the link is not read, until the loop
/// has polled its sockets and run its timers, so a burst on one link (interest for
/// thousands of topologies) cannot keep the node from reading its other links and sending
/// its heartbeats. Every frame the link sends goes through its ``FrameOutbox``.
final class PeerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private enum State {
        case awaitingHandshake
        /// The peer's handshake passed its checks; our proof is sent, its proof awaited.
        case awaitingProof(Handshake)
        case established(NodeID, name: String)
        case closed
    }

    private let runtime: NodeRuntime
    /// The overlay machine's name for this connection.
    private let connection: OverlayConnection
    private let counters: LinkCounters
    private let outbox: FrameOutbox<PeerFrame>
    private var frames: FrameStream<PeerFrameDecoder>
    private var state = State.awaitingHandshake
    /// The handshake sent on this connection: the node's, with a nonce of its own.
    private let ownHandshake: Handshake
    /// Messages of the current read, not yet handed to the runtime, in the steps they
    /// will be handed over in (each of at most `messagesPerStep`, or to the end of the
    /// DATA_RUN frame that reached it; the last one filling).
    private var arrived: [[PeerMessage]] = []
    /// A step's array, emptied after the runtime took its messages, for the next step.
    private var spareStep: [PeerMessage] = []
    /// ``NodeConfiguration/peerMessagesPerStep``.
    private let messagesPerStep: Int
    /// The realm link's channel binding, which both PROOFs sign (``RealmLinkEstablished``);
    /// empty without a realm secret.
    private var channelBinding: [UInt8] = []
    /// Set while messages wait for a later turn (reading is paused meanwhile).
    private var handOverTask: Scheduled<Void>?
    private var readingPaused = false

    /// `counters` are the link's, shared with the byte counter of its pipeline and with
    /// `outbox`, which writes to this handler's channel; frames longer than
    /// `maximumFrameLength` are refused. A connection without a handshake in time is
    /// closed by the overlay machine (``OverlayConfiguration/handshakeTimeout``).
    init(runtime: NodeRuntime, connection: OverlayConnection, counters: LinkCounters, outbox: FrameOutbox<PeerFrame>, maximumFrameLength: Int) {
        self.runtime = runtime
        self.connection = connection
        self.counters = counters
        self.outbox = outbox
        messagesPerStep = max(1, runtime.configuration.peerMessagesPerStep)
        frames = FrameStream(PeerFrameDecoder(maximumFrameLength: maximumFrameLength))
        var handshake = runtime.localHandshake
        handshake.extensions += PeerProof.extensions(key: runtime.configuration.key, nonce: PeerProof.freshNonce())
        ownHandshake = handshake
    }

    private var logger: Logger { runtime.logger }

    func channelActive(context: ChannelHandlerContext) {
        outbox.enqueue(.handshake(ownHandshake))
        outbox.flush()
        runtime.connectionOpened(PeerConnection(id: connection, outbox: outbox, counters: counters))
        context.fireChannelActive()
    }

    /// Decodes every complete frame; a frame that does not decode ends decoding for good
    /// and is reported like a pipeline error.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard var bytes = frames.take(appending: unwrapInboundIn(data)) else { return }
        // Counted once per read.
        var count: UInt64 = 0
        defer { counters.counts.framesIn &+= count }
        do {
            while let frame = try frames.next(from: &bytes) {
                // A DATA_RUN's later messages come without a frame of their own.
                if case .message(.data(let message)) = frame, message.index > 0 {} else { count &+= 1 }
                if frames.isDecoding {
                    received(frame, context: context)
                }
            }
        } catch {
            frames.stop()
            errorCaught(context: context, error: error)
            return
        }
        if let truncation = frames.keep(bytes) {
            errorCaught(context: context, error: truncation)
        }
    }

    private func received(_ frame: PeerFrame, context: ChannelHandlerContext) {
        // The busy case first, without copying the state.
        if case .message(let message) = frame, case .established = state {
            // A step ends at a frame: the messages of a DATA_RUN (all but the first with an
            // index above 0) go to the router together, so that a neighbour that wants them
            // all gets the received frame.
            if arrived.isEmpty
                || (arrived[arrived.count - 1].count >= messagesPerStep && !Self.continuesFrame(message))
            {
                var step: [PeerMessage] = []
                swap(&step, &spareStep)
                step.reserveCapacity(messagesPerStep)
                arrived.append(step)
            }
            arrived[arrived.count - 1].append(message)
            return
        }
        switch (state, frame) {
        case (.established, .message):
            break  // handled above
        case (.awaitingHandshake, .handshake(let handshake)):
            check(handshake, context: context)
        case (.awaitingProof(let handshake), .proof(let proof)):
            accept(handshake, proof: proof, context: context)
        case (.awaitingHandshake, .handshakeReject(let reject)), (.awaitingProof, .handshakeReject(let reject)):
            let level: Logger.Level = [.duplicateConnection, .linkLimit].contains(reject.reason) ? .debug : .warning
            logger.log(level: level, "peer at \(remote(context)) refused the link: \(reject.reason): \(reject.text)")
            close(context)
        case (.established, .handshakeReject(let reject)):
            // Both ends send their handshake at once: the peer may refuse the connection
            // (a duplicate that lost the tie break, or no free link) after this end took it.
            let level: Logger.Level = [.duplicateConnection, .linkLimit].contains(reject.reason) ? .info : .warning
            logger.log(level: level, "closing link to \(peerDescription(context)): the peer refused it: \(reject.reason): \(reject.text)")
            if reject.reason == .duplicateConnection {
                runtime.connectionSuperseded(connection)
            }
            close(context)
        case (.closed, _), (.established, .handshake), (.established, .proof):
            if case .established = state {
                logger.warning("closing link to \(remote(context)): a second handshake or proof")
                close(context)
            }
        default:
            logger.warning("closing link to \(remote(context)): unexpected \(frame.type) frame")
            close(context)
        }
    }

    /// Whether `message` is a later message of the DATA_RUN frame before it.
    @inline(__always)
    private static func continuesFrame(_ message: PeerMessage) -> Bool {
        if case .data(let data) = message { return data.index > 0 }
        return false
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if handOverTask == nil {
            handOverArrived(context: context)
        }
        context.fireChannelReadComplete()
    }

    /// Gives the messages read so far to the runtime, in steps of at most
    /// ``NodeConfiguration/peerMessagesPerStep``, as long as the turn's budget allows;
    /// what is left waits for a later turn, with reading paused (`context` `nil`: all of
    /// them now, the link is closing).
    private func handOverArrived(context: ChannelHandlerContext?) {
        guard !arrived.isEmpty, case .established(let peer, _) = state else { return }
        while !arrived.isEmpty {
            // The last step goes at once; the turn's budget is checked before the others.
            if arrived.count > 1, let context, !runtime.turns.mayRunDeferredWork() {
                continueLater(context: context)
                return
            }
            var step = arrived.removeFirst()
            runtime.peerMessages(step, from: peer)
            // The runtime keeps no step: its array is this handler's again (no allocation).
            step.removeAll(keepingCapacity: true)
            spareStep = step
            guard case .established = state else { return }
        }
        if let context, readingPaused {
            readingPaused = false
            try? context.channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }

    /// Pauses reading and hands the waiting messages over a millisecond later, after the
    /// loop has polled its sockets.
    private func continueLater(context: ChannelHandlerContext) {
        if !readingPaused {
            readingPaused = true
            try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        handOverTask = context.eventLoop.scheduleTask(in: .milliseconds(1)) {
            let (handler, context) = bound.value
            handler.handOverTask = nil
            guard context.channel.isActive else { return }
            handler.handOverArrived(context: context)
        }
    }

    /// Checks the peer's handshake (realm, version, a key that owns its node id) and sends
    /// this side's proof; a handshake that fails gets a reject and nothing more.
    private func check(_ handshake: Handshake, context: ChannelHandlerContext) {
        if case .reject(let reject) = runtime.localHandshake.evaluate(peer: handshake), reject.reason != .selfConnection {
            refuse(reject, peer: handshake, context: context)
            return
        }
        if let problem = PeerProof.problem(with: handshake) {
            refuseUnproven(problem, peer: handshake, context: context)
            return
        }
        guard let proof = PeerProof.prove(ownHandshake, to: handshake, with: runtime.configuration.key, binding: channelBinding) else {
            refuse(HandshakeReject(reason: .protocolError, text: "cannot prove this node's handshake"), peer: handshake, context: context)
            return
        }
        outbox.enqueue(.proof(proof))
        outbox.flush()
        state = .awaitingProof(handshake)
    }

    /// Checks the peer's proof; what passes goes to the overlay machine, which decides
    /// whether this connection becomes the link (a connection to this node itself too, so
    /// that the machine stops dialling that address).
    private func accept(_ handshake: Handshake, proof: HandshakeProof, context: ChannelHandlerContext) {
        guard PeerProof.check(proof, of: handshake, to: ownHandshake, binding: channelBinding) else {
            refuseUnproven("its proof does not check with the key of node id \(handshake.node)", peer: handshake, context: context)
            return
        }
        switch runtime.connectionHandshaken(connection, handshake) {
        case .established(let peer):
            state = .established(peer, name: handshake.name)
            if handshake.extensionValue(HandshakeExtension.dataRunsTag) != nil {
                outbox.writeDataRuns(maximumFrameLength: frames.decoder.maximumFrameLength, counters: counters)
            }
        case .refused:
            state = .closed
        }
    }

    private func refuseUnproven(_ problem: String, peer: Handshake, context: ChannelHandlerContext) {
        runtime.countUnprovenIdentity()
        refuse(HandshakeReject(reason: .identityNotProven, text: "node id not proven: \(problem)"), peer: peer, context: context)
    }

    private func refuse(_ reject: HandshakeReject, peer: Handshake, context: ChannelHandlerContext) {
        logger.warning("refusing link from \(peer.name) at \(remote(context)): \(reject.text)")
        runtime.countRefusedLink()
        state = .closed
        let channel = context.channel
        outbox.sendNow(.handshakeReject(reject)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// A link whose output reached its limit (the high water mark) is reported to the
    /// runtime, whose router decides what becomes of it.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable, case .established(let peer, _) = state {
            runtime.peerBacklogged(peer, on: connection)
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Bytes of an incomplete frame at the end of the stream: a peer that died while
        // writing (kill -9) leaves them. That ends the link like any close, it is not a
        // malformed frame: logged with the reason, not counted as one.
        if let truncation = frames.finish() {
            logger.info("closing link to \(peerDescription(context)): the connection ended inside a frame (\(truncation))")
        }
        // Messages decoded before the end come before the closing.
        handOverTask?.cancel()
        handOverTask = nil
        handOverArrived(context: nil)
        state = .closed
        runtime.connectionClosed(connection)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let established = event as? RealmLinkEstablished {
            channelBinding = established.binding
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let who = peerDescription(context)
        if let realm = error as? RealmError {
            if case .truncated = realm {
                logger.info("closing link to \(who): \(realm)")
            } else {
                // Limited: a misconfigured or hostile peer redials without end.
                runtime.logLimited(.warning, "realm failure", "closing link to \(who): \(realm)")
                runtime.countRealmFailure()
            }
        } else if error as? WireError == .realmSecretRequired {
            runtime.logLimited(.warning, "realm failure", "refusing link from \(who): \(WireError.realmSecretRequired)")
            runtime.countRealmFailure()
            frames.stop()
            state = .closed
            let reject = HandshakeReject(reason: .authenticationFailed, text: "this node has no realm secret; yours has one")
            let channel = context.channel
            outbox.sendNow(.handshakeReject(reject)).whenComplete { _ in
                channel.close(promise: nil)
            }
            return
        } else if let wire = error as? WireError {
            logger.warning("closing link to \(who): malformed frame: \(wire)")
            runtime.countMalformedFrame()
        } else {
            logger.info("closing link to \(who): \(error)")
        }
        close(context)
    }

    /// Closes the link; `channelInactive` then reports it to the runtime.
    private func close(_ context: ChannelHandlerContext) {
        context.close(promise: nil)
    }

    /// The peer's name, id and address once it has handshaken, else its address.
    private func peerDescription(_ context: ChannelHandlerContext) -> String {
        if case .established(let peer, let name) = state {
            return "\(name) (\(peer.short)) at \(remote(context))"
        }
        return remote(context)
    }

    private func remote(_ context: ChannelHandlerContext) -> String {
        context.channel.remoteAddress?.description ?? "unknown address"
    }
}
