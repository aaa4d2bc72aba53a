import ArborCore
import ArborWire
import NIOCore
import NIOPosix

/// Keeps a link to one static peer address: dials, and after a failure or a closed link
/// dials again with capped exponential backoff and jitter. While the peer is reachable
/// through a link it dialled itself (a duplicate of ours was refused), it waits until that
/// link goes down. An address that turns out to be this node is given up.
///
/// Confined to the runtime's event loop, like the runtime.
final class PeerDialer: @unchecked Sendable {
    private enum State {
        case idle
        case connecting
        case connected(NodeID)
        /// Reachable through another link; dial again when that peer goes down.
        case covered(NodeID)
        case waiting
        case stopped
    }

    let endpoint: PeerEndpoint
    /// How the address was found: `.static` (--peer, topology files) or `.mdns`.
    let origin: PeerOrigin
    private unowned let runtime: NodeRuntime
    private let makeHandlers: @Sendable (Channel, PeerDialer) -> EventLoopFuture<Void>
    private var state = State.idle
    private var delay: Duration
    private var retry: Scheduled<Void>?
    private(set) var knownPeer: NodeID?
    /// Why the last attempt failed, until one succeeds.
    private(set) var lastError: String?

    init(
        endpoint: PeerEndpoint,
        origin: PeerOrigin = .static,
        runtime: NodeRuntime,
        makeHandlers: @escaping @Sendable (Channel, PeerDialer) -> EventLoopFuture<Void>
    ) {
        self.endpoint = endpoint
        self.origin = origin
        self.runtime = runtime
        self.makeHandlers = makeHandlers
        delay = runtime.configuration.redialInitialDelay
    }

    /// Dials now.
    func dial() {
        runtime.eventLoop.preconditionInEventLoop()
        switch state {
        case .idle, .waiting: break
        default: return
        }
        state = .connecting
        let bootstrap = ClientBootstrap(group: runtime.eventLoop)
            .connectTimeout(.seconds(3))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: runtime.configuration.peerOutputLimit / 2, high: runtime.configuration.peerOutputLimit))
            .channelInitializer { [makeHandlers] channel in makeHandlers(channel, self) }
        bootstrap.connect(host: endpoint.host, port: endpoint.port).whenFailure { [self] error in
            runtime.logger.debug("dialling \(endpoint) failed: \(error)")
            lastError = Self.describe(error)
            closed()
        }
    }

    /// The dialer's state in a word, for `GET /v1/peers`: `connecting`, `up`, `covered`
    /// (reached over the peer's own link), `retrying`, `idle` or `stopped`.
    var stateName: String {
        switch state {
        case .idle: return "idle"
        case .connecting: return "connecting"
        case .connected: return "up"
        case .covered: return "covered"
        case .waiting: return "retrying"
        case .stopped: return "stopped"
        }
    }

    /// A dial failure in a few words ("connection refused"), for `GET /v1/peers`.
    private static func describe(_ error: Error) -> String {
        if let connection = error as? NIOConnectionError, let failure = connection.connectionErrors.first {
            return describe(failure.error)
        }
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode)).lowercased()
        }
        return "\(error)"
    }

    func connected(to peer: NodeID) {
        knownPeer = peer
        lastError = nil
        state = .connected(peer)
        delay = runtime.configuration.redialInitialDelay
    }

    func covered(by peer: NodeID) {
        knownPeer = peer
        state = .covered(peer)
    }

    func refused(_ reject: HandshakeReject) {
        lastError = "refused: \(reject.text)"
        if reject.reason == .selfConnection {
            runtime.logger.info("not dialling \(endpoint) again: it is this node")
            state = .stopped
        }
    }

    /// Our connection closed (or never opened): dial again later unless the peer is
    /// reachable through another link.
    func closed() {
        switch state {
        case .stopped, .waiting:
            return
        case .covered(let peer) where runtime.isConnected(peer):
            return
        default:
            if let knownPeer, runtime.isConnected(knownPeer) {
                state = .covered(knownPeer)
                return
            }
            scheduleRetry()
        }
    }

    func peerWentDown(_ peer: NodeID) {
        guard case .covered(let covering) = state, covering == peer else { return }
        state = .waiting
        scheduleRetry(after: runtime.configuration.redialInitialDelay)
    }

    func stop() {
        retry?.cancel()
        state = .stopped
    }

    private func scheduleRetry(after fixed: Duration? = nil) {
        state = .waiting
        let base = fixed ?? delay
        if fixed == nil {
            delay = min(delay * 2, runtime.configuration.redialMaximumDelay)
        }
        // ±25% jitter so that nodes that lost each other do not redial in lockstep.
        let nanoseconds = base.nanoseconds
        let jittered = nanoseconds + Int64.random(in: -(nanoseconds / 4)...(nanoseconds / 4))
        retry = runtime.eventLoop.scheduleTask(in: .nanoseconds(jittered)) { [self] in
            retry = nil
            dial()
        }
    }
}
