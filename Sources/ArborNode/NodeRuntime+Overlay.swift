import ArborCore
import ArborDiscovery
import ArborWire
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// One TCP connection to or from a peer, from its first byte until it closes.
///
/// Confined to the runtime's event loop, like the runtime (hence `@unchecked Sendable`).
final class PeerConnection: @unchecked Sendable {
    let id: OverlayConnection
    let outbox: FrameOutbox<PeerFrame>
    let counters: LinkCounters
    var channel: Channel { outbox.channel }
    /// The peer's handshake, once received and found acceptable.
    var handshake: Handshake?
    /// The address dialled (`nil`: accepted), and whether it was a configured one.
    var dialed: OverlayAddress?
    var configured = false
    /// The peer refused this connection after both ends had taken it: it keeps another
    /// connection to this node (the tie break of ``OverlayLinks``).
    var supersededByPeer = false

    init(id: OverlayConnection, outbox: FrameOutbox<PeerFrame>, counters: LinkCounters) {
        self.id = id
        self.outbox = outbox
        self.counters = counters
    }

    /// How the link came about, as `GET /v1/peers` reports it.
    var origin: PeerOrigin {
        guard dialed != nil else { return .inbound }
        return configured ? .static : .mdns
    }
}

/// What became of a connection whose handshake passed (``NodeRuntime/connectionHandshaken(_:_:)``):
/// whether the overlay admits it as the link (ArborWire's `HandshakeOutcome` is the verdict
/// on the handshake itself).
enum ConnectionAdmission {
    /// The connection carries the link to this peer: message frames may flow.
    case established(NodeID)
    /// The node refused the connection (a reject is on its way, then the close).
    case refused
}

extension NodeRuntime {
    /// The overlay machine's configuration for this node: its id, realm, `--max-links`,
    /// redial delays; redial jitter seeded from the node id.
    static func overlayConfiguration(_ configuration: NodeConfiguration) -> OverlayConfiguration {
        var overlay = OverlayConfiguration(id: configuration.router.id, realm: configuration.realm)
        overlay.maxLinks = configuration.maxLinks
        overlay.redialInitialDelay = configuration.redialInitialDelay
        overlay.redialMaximumDelay = configuration.redialMaximumDelay
        overlay.seed = configuration.router.id.low ^ configuration.router.incarnation
        return overlay
    }

    // MARK: - Feeding the machine

    /// Hands `event` to the overlay machine and carries out its directives.
    func overlayEvent(_ event: OverlayLinks.Event) {
        eventLoop.preconditionInEventLoop()
        let directives = overlay.handle(event, at: clock.now)
        for directive in directives {
            carryOut(directive)
        }
    }

    /// Starts the machine: the configured addresses (`--peer`, topology files), then the
    /// first timer, which dials them.
    func startOverlay() {
        for endpoint in configuration.staticPeers {
            overlayEvent(.configured(OverlayAddress(host: endpoint.host, port: endpoint.port), .commandLine))
        }
        overlayEvent(.timer)
    }

    /// Tells the overlay machine which peers the topology definitions declare a link with,
    /// when a router step changed its graph and with it that set.
    func declareLinks() {
        let graph = router.graph
        guard graph !== declaredFrom else { return }
        declaredFrom = graph
        let peers = graph.declaredNeighbors(of: id)
        guard peers != declaredPeers else { return }
        declaredPeers = peers
        overlayEvent(.declared(peers))
    }

    /// With mDNS discovery, nodes whose records advertise addresses are members too (peer
    /// exchange, ``OverlayMembership``): read after every router step that changed the
    /// database. Without mDNS (`--discovery static` or `none`) only configured addresses
    /// are dialled, as those modes promise.
    func learnMembers() {
        guard configuration.discovery != nil else { return }
        for event in membership.records(of: router.database) {
            overlayEvent(event)
        }
    }

    /// Handles what discovery reports, on the event loop: the overlay machine decides
    /// whom to link to.
    func discoveryEvent(_ event: DiscoveryEvent) {
        eventLoop.preconditionInEventLoop()
        switch event {
        case .appeared(let peer):
            discovered[peer.id] = peer
            let addresses = peer.addresses.map { OverlayAddress(host: $0.host, port: $0.port) }
            let announced = OverlayPeer(id: peer.id, addresses: addresses, realm: peer.realm, incarnation: peer.incarnation)
            for event in membership.announced(announced) {
                overlayEvent(event)
            }
        case .vanished(let peer):
            discovered[peer] = nil
            for event in membership.withdrawn(peer) {
                overlayEvent(event)
            }
        case .staticPeerAdded(let peer):
            overlayEvent(.configured(OverlayAddress(host: peer.address.host, port: peer.address.port), .topologyFile))
        case .staticPeerRemoved(let peer):
            overlayEvent(.unconfigured(OverlayAddress(host: peer.address.host, port: peer.address.port)))
        case .state(let state):
            discoveryState = state
        }
    }

    // MARK: - Connections, as the handlers report them

    /// A connection's channel became active (dialled or accepted): it is known from now on.
    /// An accepted one is announced to the machine, which times its handshake.
    func connectionOpened(_ connection: PeerConnection) {
        eventLoop.preconditionInEventLoop()
        if let dial = dialing.removeValue(forKey: connection.id) {
            connection.dialed = dial.address
            connection.configured = dial.peer == nil
        }
        if abandonedDials.remove(connection.id) != nil {
            // The machine gave this dial up while it was connecting.
            connection.channel.close(promise: nil)
            return
        }
        connections[connection.id] = connection
        if case .accepted = connection.id {
            overlayEvent(.accepted(connection.id))
        }
    }

    /// The number for the next accepted connection.
    func nextAcceptedConnection() -> OverlayConnection {
        nextAccepted += 1
        return .accepted(nextAccepted)
    }

    /// The peer's handshake on `connection` passed the wire checks (realm, versions, not
    /// this node). The overlay machine decides whether it becomes the link to that peer.
    func connectionHandshaken(_ connection: OverlayConnection, _ handshake: Handshake) -> ConnectionAdmission {
        eventLoop.preconditionInEventLoop()
        guard let record = connections[connection] else { return .refused }
        if shuttingDown {
            refuse(record, HandshakeReject(reason: .shuttingDown, text: "node \(configuration.router.name) is shutting down"))
            return .refused
        }
        record.handshake = handshake
        if let address = record.dialed, record.configured {
            configuredPeers[address] = handshake.node
            dialErrors[address] = nil
        }
        overlayEvent(.handshaken(connection, peer: handshake.node, incarnation: handshake.incarnation))
        if let link = peers[handshake.node], link.connection === record {
            return .established(handshake.node)
        }
        return .refused
    }

    /// The connection's channel closed (or its dial failed before it opened).
    func connectionClosed(_ connection: OverlayConnection) {
        eventLoop.preconditionInEventLoop()
        guard let record = connections.removeValue(forKey: connection) else {
            if dialing.removeValue(forKey: connection) != nil {
                overlayEvent(.closed(connection))
            }
            return
        }
        if let peer = record.handshake?.node, let link = peers[peer], link.connection === record {
            peers[peer] = nil
            traffic.linkClosed(peer, name: link.name, counters: link.counters)
            if record.supersededByPeer, !shuttingDown {
                awaitReplacement(of: peer)
            } else {
                handle(.peerDown(peer))
            }
        }
        overlayEvent(.closed(connection))
    }

    /// The peer refused an established connection as a duplicate: it keeps the other one
    /// it has with this node (both ends were dialling at once).
    func connectionSuperseded(_ connection: OverlayConnection) {
        eventLoop.preconditionInEventLoop()
        connections[connection]?.supersededByPeer = true
    }

    /// How long a link closed as a duplicate by its peer waits for the other connection
    /// before the router is told the peer is down: the router's own verdict on a silent
    /// peer (``RouterConfiguration/deadAfter``), which it reaches meanwhile anyway.
    var replacementGrace: Duration { configuration.router.deadAfter }

    /// Keeps the router's session with `peer` while the connection the peer kept comes up
    /// (``establish(_:peer:replacing:)`` then carries the session on), and ends it if that
    /// connection is not up within ``replacementGrace``: the two connections sorted out at
    /// start-up then show no peer down and up, nor the loss of a stream that crossed them.
    private func awaitReplacement(of peer: NodeID) {
        awaitedReplacements.removeValue(forKey: peer)?.cancel()
        awaitedReplacements[peer] = eventLoop.scheduleTask(deadline: clock.deadline(clock.now + replacementGrace)) { [self] in
            awaitedReplacements[peer] = nil
            guard peers[peer] == nil else { return }
            handle(.peerDown(peer))
        }
    }

    // MARK: - Carrying out directives

    private func carryOut(_ directive: OverlayLinks.Directive) {
        switch directive {
        case .dial(let connection, let peer, let address):
            guard !shuttingDown else { return }
            dial(connection, peer: peer, address: address)
        case .establish(let connection, let peer, let replacing):
            establish(connection, peer: peer, replacing: replacing)
        case .close(let connection, let reason):
            close(connection, reason: reason)
        case .armTimer(let instant):
            overlayTimer?.cancel()
            guard !shuttingDown else { return }
            overlayTimer = eventLoop.scheduleTask(deadline: clock.deadline(instant)) { [self] in
                overlayTimer = nil
                overlayEvent(.timer)
            }
        }
    }

    private func dial(_ connection: OverlayConnection, peer: NodeID?, address: OverlayAddress) {
        guard let makeHandlers = peerHandlerFactory else { return }
        dialing[connection] = (peer, address)
        let limit = configuration.peerOutputLimit
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.nanoseconds(Self.connectTimeout.nanoseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: .init(low: limit / 2, high: limit))
            .channelInitializer { channel in makeHandlers(channel, connection) }
            .connect(host: address.host, port: address.port)
            .whenFailure { [self] error in
                logger.debug("dialling \(address) failed: \(error)")
                dialErrors[address] = Self.describe(error)
                connectionClosed(connection)
            }
    }

    /// A TCP connect that takes longer than this fails (the handshake has its own timeout).
    static let connectTimeout: Duration = .seconds(3)

    private func establish(_ connection: OverlayConnection, peer: NodeID, replacing: OverlayConnection?) {
        guard let record = connections[connection], let handshake = record.handshake else { return }
        awaitedReplacements.removeValue(forKey: peer)?.cancel()
        // The new link is in place before the old connection closes, so that its closing
        // is not taken for the end of the link.
        let existing = peers[peer]
        peers[peer] = PeerLink(
            connection: record,
            name: handshake.name,
            incarnation: handshake.incarnation,
            remoteAddress: record.channel.remoteAddress.map(Self.hostAndPort) ?? "?"
        )
        if let existing {
            logger.debug("link to \(handshake.name) replaced by a new connection")
            traffic.linkClosed(peer, name: existing.name, counters: existing.counters)
            // Told why, the peer waits for this connection instead of ending the link.
            refuse(existing.connection, HandshakeReject(reason: .duplicateConnection, text: OverlayCloseReason.duplicate.description))
        }
        handle(.peerUp(peer, name: handshake.name, incarnation: handshake.incarnation, cost: nil))
    }

    private func close(_ connection: OverlayConnection, reason: OverlayCloseReason) {
        guard let record = connections[connection] else {
            // A dial still connecting: it is closed when it opens.
            if dialing[connection] != nil { abandonedDials.insert(connection) }
            return
        }
        if let peer = record.handshake?.node, let link = peers[peer], link.connection === record {
            logger.info("closing link to \(link.name) (\(peer.short)): \(reason)")
            peers[peer] = nil
            traffic.linkClosed(peer, name: link.name, counters: link.counters)
            let channel = record.channel
            record.outbox.sendNow(.message(.goodbye)).whenComplete { _ in channel.close(promise: nil) }
            handle(.peerDown(peer))
            return
        }
        let rejection: RejectReason
        switch reason {
        case .duplicate: rejection = .duplicateConnection
        case .selfConnection: rejection = .selfConnection
        case .full: rejection = .linkLimit
        case .handshakeTimeout, .unwanted:
            // A port scan makes thousands of these: limited.
            logLimited(.info, "peer-connection-\(reason)", "closing connection with \(record.channel.remoteAddress?.description ?? "unknown address"): \(reason)")
            record.channel.close(promise: nil)
            return
        }
        refuse(record, HandshakeReject(reason: rejection, text: reason.description))
    }

    /// Sends `reject` on the connection, then closes it.
    private func refuse(_ record: PeerConnection, _ reject: HandshakeReject) {
        let channel = record.channel
        record.outbox.sendNow(.handshakeReject(reject)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    /// A dial failure in a few words ("connection refused"), for `GET /v1/peers`.
    static func describe(_ error: Error) -> String {
        if let connection = error as? NIOConnectionError, let failure = connection.connectionErrors.first {
            return describe(failure.error)
        }
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode)).lowercased()
        }
        return "\(error)"
    }
}
