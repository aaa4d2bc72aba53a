import ArborCore
import ArborWire
import Logging
import NIOCore

/// One peer link: sends our handshake, checks the peer's, then passes message frames to
/// the runtime. A malformed frame or a refused handshake closes the link with the reason
/// logged; nothing a peer sends can do more than close its own link.
///
/// It decodes the link's bytes itself (``PeerFrameDecoder``), so a frame costs no pass
/// through the pipeline. Messages are handed over in bursts: those decoded from one read of
/// the socket go to the runtime together, in order, when the read completes (or the link
/// closes), so the router takes them in one step. Every frame the link sends goes through
/// its ``FrameOutbox``.
final class PeerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private enum State {
        case awaitingHandshake
        case established(NodeID, name: String)
        case closed
    }

    /// A peer that connects but sends no handshake in this time (a hung process whose
    /// kernel still accepts connections) is dropped.
    static let handshakeTimeout: TimeAmount = .seconds(3)

    private let runtime: NodeRuntime
    private let dialer: PeerDialer?
    private let counters: LinkCounters
    private let outbox: FrameOutbox<PeerFrame>
    private var decoder: PeerFrameDecoder
    private var unread = UnreadBytes()
    private var state = State.awaitingHandshake
    private var handshakeTimer: Scheduled<Void>?
    /// Messages of the current read, not yet handed to the runtime.
    private var arrived: [PeerMessage] = []

    /// `counters` are the link's, shared with the byte counter of its pipeline and with
    /// `outbox`, which writes to this handler's channel; frames longer than
    /// `maximumFrameLength` are refused.
    init(runtime: NodeRuntime, dialer: PeerDialer?, counters: LinkCounters, outbox: FrameOutbox<PeerFrame>, maximumFrameLength: Int) {
        self.runtime = runtime
        self.dialer = dialer
        self.counters = counters
        self.outbox = outbox
        decoder = PeerFrameDecoder(maximumFrameLength: maximumFrameLength)
    }

    private var logger: Logger { runtime.logger }

    func channelActive(context: ChannelHandlerContext) {
        outbox.enqueue(.handshake(runtime.localHandshake))
        outbox.flush()
        let channel = context.channel
        let logger = self.logger
        handshakeTimer = context.eventLoop.scheduleTask(in: Self.handshakeTimeout) {
            logger.info("closing connection with \(channel.remoteAddress?.description ?? "unknown address"): no handshake within \(Self.handshakeTimeout)")
            channel.close(promise: nil)
        }
        context.fireChannelActive()
    }

    /// Decodes every complete frame; a frame that does not decode ends decoding for good
    /// and is reported like a pipeline error.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard var bytes = unread.take(appending: unwrapInboundIn(data)) else { return }
        do {
            while let frame = try decoder.next(from: &bytes) {
                counters.framesIn &+= 1
                if unread.isDecoding {
                    received(frame, context: context)
                }
            }
        } catch {
            unread.stop()
            errorCaught(context: context, error: error)
            return
        }
        if let rest = unread.keep(bytes), let truncation = PeerFrameDecoder.truncation(atEndOf: rest) {
            errorCaught(context: context, error: truncation)
        }
    }

    private func received(_ frame: PeerFrame, context: ChannelHandlerContext) {
        switch (state, frame) {
        case (.established, .message(let message)):
            arrived.append(message)
        case (.awaitingHandshake, .handshake(let handshake)):
            accept(handshake, context: context)
        case (.awaitingHandshake, .handshakeReject(let reject)):
            logger.warning("peer at \(remote(context)) refused the link: \(reject.reason): \(reject.text)")
            dialer?.refused(reject)
            close(context)
        case (.closed, _), (.established, .handshake), (.established, .handshakeReject):
            if case .established = state {
                logger.warning("closing link to \(remote(context)): a second handshake")
                close(context)
            }
        default:
            logger.warning("closing link to \(remote(context)): unexpected \(frame.type) frame")
            close(context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        handOverArrived()
        context.fireChannelReadComplete()
    }

    /// Gives the messages of the current read to the runtime.
    private func handOverArrived() {
        guard !arrived.isEmpty, case .established(let peer, _) = state else { return }
        var messages: [PeerMessage] = []
        swap(&messages, &arrived)
        runtime.peerMessages(messages, from: peer)
    }

    private func accept(_ handshake: Handshake, context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        switch runtime.localHandshake.evaluate(peer: handshake) {
        case .reject(let reject):
            refuse(reject, peer: handshake, context: context)
        case .accept:
            if let reject = runtime.peerHandshaked(handshake, outbox: outbox, origin: dialer?.origin ?? .inbound, counters: counters) {
                refuse(reject, peer: handshake, context: context)
                dialer?.covered(by: handshake.node)
                return
            }
            state = .established(handshake.node, name: handshake.name)
            dialer?.connected(to: handshake.node)
        }
    }

    private func refuse(_ reject: HandshakeReject, peer: Handshake, context: ChannelHandlerContext) {
        if reject.reason != .duplicateConnection {
            logger.warning("refusing link from \(peer.name) at \(remote(context)): \(reject.text)")
            runtime.countRefusedLink()
        }
        if reject.reason == .selfConnection {
            dialer?.refused(reject)
        }
        state = .closed
        let channel = context.channel
        outbox.sendNow(.handshakeReject(reject)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        // Bytes of an incomplete frame at the end of the stream: a peer that died while
        // writing (kill -9) leaves them. That ends the link like any close, it is not a
        // malformed frame: logged with the reason, not counted as one.
        if let rest = unread.finish(), let truncation = PeerFrameDecoder.truncation(atEndOf: rest) {
            logger.info("closing link to \(peerDescription(context)): the connection ended inside a frame (\(truncation))")
        }
        // Messages decoded before the end come before the closing.
        handOverArrived()
        if case .established(let peer, _) = state {
            runtime.peerChannelClosed(peer, channel: context.channel)
        }
        state = .closed
        dialer?.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let who = peerDescription(context)
        if let wire = error as? WireError {
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
