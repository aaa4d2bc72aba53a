import ArborCore
import ArborWire
import Logging
import NIOCore

/// One peer link: sends our handshake, checks the peer's, then passes message frames to
/// the runtime. A malformed frame or a refused handshake closes the link with the reason
/// logged; nothing a peer sends can do more than close its own link.
final class PeerChannelHandler: ChannelInboundHandler {
    typealias InboundIn = PeerFrame
    typealias OutboundOut = PeerFrame

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
    private var state = State.awaitingHandshake
    private var handshakeTimer: Scheduled<Void>?

    /// `counters` are the link's, shared with the counting handlers of its pipeline.
    init(runtime: NodeRuntime, dialer: PeerDialer?, counters: LinkCounters) {
        self.runtime = runtime
        self.dialer = dialer
        self.counters = counters
    }

    private var logger: Logger { runtime.logger }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(.handshake(runtime.localHandshake)), promise: nil)
        let channel = context.channel
        let logger = self.logger
        handshakeTimer = context.eventLoop.scheduleTask(in: Self.handshakeTimeout) {
            logger.info("closing connection with \(channel.remoteAddress?.description ?? "unknown address"): no handshake within \(Self.handshakeTimeout)")
            channel.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch (state, frame) {
        case (.established(let peer, _), .message(let message)):
            runtime.peerMessage(message, from: peer)
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

    private func accept(_ handshake: Handshake, context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        switch runtime.localHandshake.evaluate(peer: handshake) {
        case .reject(let reject):
            refuse(reject, peer: handshake, context: context)
        case .accept:
            if let reject = runtime.peerHandshaked(handshake, channel: context.channel, origin: dialer?.origin ?? .inbound, counters: counters) {
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
        context.writeAndFlush(wrapOutboundOut(.handshakeReject(reject))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimer?.cancel()
        if case .established(let peer, _) = state {
            runtime.peerChannelClosed(peer, channel: context.channel)
        }
        state = .closed
        dialer?.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        let who: String
        if case .established(let peer, let name) = state {
            who = "\(name) (\(peer.short)) at \(remote(context))"
        } else {
            who = remote(context)
        }
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

    private func remote(_ context: ChannelHandlerContext) -> String {
        context.channel.remoteAddress?.description ?? "unknown address"
    }
}
