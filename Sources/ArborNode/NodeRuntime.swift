import ArborCore
import ArborDiscovery
import ArborWire
import Logging
import NIOCore

/// Drives one ``Router`` on one event loop: turns socket events into router events and
/// carries out the router's actions (writes, deliveries, closes, timers). It makes no
/// routing decision of its own.
///
/// Confinement: every method runs on `eventLoop` (asserted); channels of the node are
/// registered on the same loop, so no state here is ever touched concurrently. That is
/// what makes the `@unchecked Sendable` sound.
final class NodeRuntime: @unchecked Sendable {
    let eventLoop: EventLoop
    let configuration: NodeConfiguration
    let logger: Logger
    let clock = NodeClock()
    let localHandshake: Handshake
    private(set) var router: Router
    var peers: [NodeID: PeerLink] = [:]
    private(set) var clients: [ClientID: ClientLink] = [:]
    private(set) var eventLog: NodeEventLog
    private(set) var statistics = NodeStatistics()
    var traffic = TrafficLedger()
    private(set) var publishers = PublisherRegistry()
    private(set) var failovers = FailoverTracker()
    private var eventFollowers = EventFollowers()
    private var followersNotificationScheduled = false
    /// Exports the counters to Prometheus when `--metrics` is given.
    var metrics: NodeMetrics?
    /// Where peer links are accepted and metrics served, once bound (for the status).
    var listenAddress = ""
    var metricsAddress: String?
    /// Computes trees for inspection with the routers' own function (``ControlView``).
    let inspectionCache = RoutingCache()
    /// Which peers to link to, dials, redials, handshake deadlines, duplicate links: the
    /// pure machine whose directives ``overlayEvent(_:)`` carries out.
    var overlay: OverlayLinks
    /// mDNS reports and the addresses in link-state records, merged into the machine's view.
    var membership: OverlayMembership
    var overlayTimer: Scheduled<Void>?
    /// Every open peer connection (dialled or accepted), handshaken or not.
    var connections: [OverlayConnection: PeerConnection] = [:]
    /// Dials whose TCP connection is not open yet: the peer expected (`nil` for a
    /// configured address) and the address.
    var dialing: [OverlayConnection: (peer: NodeID?, address: OverlayAddress)] = [:]
    /// Dials the machine closed while they were still connecting.
    var abandonedDials: Set<OverlayConnection> = []
    var nextAccepted: UInt64 = 0
    /// The graph the declared links were last read from, and what they were.
    var declaredFrom: Graph?
    var declaredPeers: Set<NodeID> = []
    /// Why the last dial of an address failed, until one succeeds (`GET /v1/peers`).
    var dialErrors: [OverlayAddress: String] = [:]
    /// The node each configured address turned out to be.
    var configuredPeers: [OverlayAddress: NodeID] = [:]
    /// Peers discovery currently reports.
    var discovered: [NodeID: DiscoveredPeer] = [:]
    /// The discovery backend's name and last reported state.
    var discoveryBackend = "static"
    var discoveryState: DiscoveryState?
    /// Builds the pipeline of an outgoing peer connection.
    var peerHandlerFactory: (@Sendable (Channel, OverlayConnection) -> EventLoopFuture<Void>)?
    private var nextClientID: ClientID = 1
    private var wakeTask: Scheduled<Void>?
    /// Outboxes that got frames this tick (each with `awaitsFlush` set).
    private var needsFlush: [any FlushableOutbox] = []
    private var flushScheduled = false
    private var pendingRequest: (client: ClientID, rejection: Router.Rejection?)?
    private(set) var shuttingDown = false

    struct PeerLink {
        /// The connection that carries the link.
        var connection: PeerConnection
        /// Every frame to the peer goes through it.
        var outbox: FrameOutbox<PeerFrame> { connection.outbox }
        var channel: Channel { connection.channel }
        var counters: LinkCounters { connection.counters }
        var origin: PeerOrigin { connection.origin }
        var name: String
        var incarnation: UInt64
        var remoteAddress: String
    }

    struct ClientLink {
        /// Every response and message to the application goes through it.
        var outbox: FrameOutbox<ClientResponse>
        var name: String
        var channel: Channel { outbox.channel }
    }

    init(eventLoop: EventLoop, configuration: NodeConfiguration, logger: Logger) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.logger = logger
        var routerConfiguration = configuration.router
        // Heartbeats on the wall clock's grid, in step with the other nodes' (see
        // RouterConfiguration.heartbeatPhase); instants count from `clock.origin`.
        routerConfiguration.heartbeatPhase = .nanoseconds(clock.wallOrigin % max(1, configuration.router.heartbeatInterval.nanoseconds))
        router = Router(routerConfiguration)
        overlay = OverlayLinks(Self.overlayConfiguration(configuration))
        membership = OverlayMembership(id: configuration.router.id, realm: configuration.realm)
        eventLog = NodeEventLog(capacity: 1_000)
        localHandshake = Handshake(
            node: configuration.router.id,
            incarnation: configuration.router.incarnation,
            maximumFrameLength: UInt32(WireLimits.maximumFrameLength(forMessageSize: configuration.maximumMessageSize)),
            name: configuration.router.name,
            realm: configuration.realm,
            addresses: []
        )
    }

    var id: NodeID { configuration.router.id }

    // MARK: - Driving the router

    /// Hands `event` to the router and carries out what it returns.
    func handle(_ event: Router.Event) {
        eventLoop.preconditionInEventLoop()
        let now = clock.now
        let actions = router.handle(event, at: now)
        perform(actions)
        declareLinks()
        learnMembers()
        var peerFailed = false
        var routeChanged = false
        for case .observe(let observation) in actions {
            switch observation {
            case .peerDown: peerFailed = true
            case .routeChanged: routeChanged = true
            default: break
            }
        }
        let recomputations = router.statistics.recomputations
        if let duration = failovers.eventHandled(at: now, peerFailed: peerFailed, routeChanged: routeChanged, recomputations: recomputations) {
            metrics?.recordFailover(duration)
        }
    }

    private func perform(_ actions: [Router.Action]) {
        for action in actions {
            switch action {
            case .send(let message, let peer):
                guard let link = peers[peer] else { continue }
                // Unwritable means over the high water mark, set to the output limit.
                if !link.channel.isWritable {
                    logger.warning("closing link to \(link.name): it has not read \(configuration.peerOutputLimit) bytes of output")
                    if case .data = message {
                        traffic.droppedForSlowConsumer()
                    }
                    dropPeer(peer, reason: "slow peer")
                    continue
                }
                if case .data(let data) = message {
                    link.counters.messagesOut &+= 1
                    traffic.forwarded(data)
                }
                link.outbox.enqueue(.message(message))
                markForFlush(link.outbox)
            case .deliver(let message, let client):
                guard let link = clients[client] else { continue }
                if !link.channel.isWritable {
                    traffic.droppedForSlowConsumer()
                    dropSlowClient(client)
                    continue
                }
                traffic.delivered(message)
                link.outbox.enqueue(.message(DeliveredMessage(message)))
                markForFlush(link.outbox)
            case .reject(let client, let rejection):
                if pendingRequest?.client == client {
                    pendingRequest?.rejection = rejection
                } else if let link = clients[client] {
                    respond(.error(id: 0, code: rejection.code, text: rejection.description), on: link.outbox)
                }
            case .disconnect(let peer, let reason):
                if let link = peers[peer] {
                    let level: Logger.Level = reason == .goodbye ? .info : .warning
                    logger.log(level: level, "closing link to \(link.name) (\(peer.short)): \(reason)")
                }
                dropPeer(peer, reason: reason.description)
            case .wakeUp(let instant):
                wakeTask?.cancel()
                wakeTask = eventLoop.scheduleTask(deadline: clock.deadline(instant)) { [self] in
                    wakeTask = nil
                    handle(.timer)
                }
            case .observe(let observation):
                record(observation)
            }
        }
    }

    private func markForFlush(_ outbox: some FlushableOutbox) {
        guard !outbox.awaitsFlush else { return }
        outbox.awaitsFlush = true
        needsFlush.append(outbox)
        guard !flushScheduled else { return }
        flushScheduled = true
        // One flush per channel per event-loop tick: a burst of frames read in one go
        // leaves in one write.
        eventLoop.execute { [self] in
            flushScheduled = false
            var outboxes: [any FlushableOutbox] = []
            swap(&outboxes, &needsFlush)
            for outbox in outboxes {
                outbox.awaitsFlush = false
                outbox.flush()
            }
        }
    }

    private func record(_ observation: Router.Observation) {
        eventLog.append(observation, at: clock.now, wallClock: NodeClock.wallNow)
        if !followersNotificationScheduled {
            // Answer waiting followers on the next tick, so one answer holds every event
            // of this router step (a reroute often changes several topologies at once).
            followersNotificationScheduled = true
            eventLoop.execute { [self] in
                followersNotificationScheduled = false
                for answer in eventFollowers.notify(newest: eventLog.newest) {
                    answer()
                }
            }
        }
        switch observation {
        case .peerUp(let peer, let name):
            logger.info("peer \(name) (\(peer.short)) up")
        case .peerDown(let peer, let name, let reason):
            logger.info("peer \(name) (\(peer.short)) down: \(reason)")
        case .routeChanged(let topology, let before, let after):
            logger.info("route of \(topology): \(RouteDescription(before, router: router)) -> \(RouteDescription(after, router: router))")
        case .definitionConflict(let topology, let definitions):
            logger.warning("topology \(topology) has \(definitions.count) different definitions at version \(definitions[0].version); using one deterministically: give the file a higher version")
        case .nameConflict(let name, let claimants):
            logger.warning("node name \(name) is claimed by \(claimants.map(\.short).joined(separator: ", ")): give each node its own name")
        case .recordExpired(let node, let name):
            logger.info("forgot node \(name) (\(node.short)): unreachable for the grace period")
        }
    }

    // MARK: - Inspection

    /// Calls `answer` on the event loop once an event newer than `after` is recorded, or
    /// after `wait` at the latest (long polls of `/v1/events`).
    func followEvents(after: UInt64, wait: TimeAmount, answer: @escaping () -> Void) {
        eventLoop.preconditionInEventLoop()
        if eventLog.newest > after {
            answer()
            return
        }
        eventFollowers.add(after: after, answer: answer) { key in
            eventLoop.scheduleTask(in: wait) { [self] in
                eventFollowers.remove(key)?()
            }
        }
    }

    /// `host:port` of a socket address (`[v6]:port` for IPv6), without NIO's decorations.
    static func hostAndPort(_ address: SocketAddress) -> String {
        guard let host = address.ipAddress, let port = address.port else { return address.description }
        return PeerEndpoint(host: host, port: port).description
    }

    // MARK: - Peers

    /// Messages that arrived together on the link to `peer`, in order: one router step.
    func peerMessages(_ messages: [PeerMessage], from peer: NodeID) {
        if let link = peers[peer] {
            for case .data(let data) in messages {
                link.counters.messagesIn &+= 1
                traffic.received(data)
            }
        }
        handle(.messages(messages, from: peer))
    }

    private func dropPeer(_ peer: NodeID, reason: String) {
        guard let link = peers.removeValue(forKey: peer) else { return }
        traffic.linkClosed(peer, name: link.name, counters: link.counters)
        link.channel.close(promise: nil)
        handle(.peerDown(peer))
    }

    func countMalformedFrame() {
        statistics.malformedFrames += 1
    }

    func countRefusedLink() {
        statistics.peerLinksRefused += 1
    }

    func isConnected(_ peer: NodeID) -> Bool {
        peers[peer] != nil
    }

    // MARK: - Clients

    func clientConnected(_ outbox: FrameOutbox<ClientResponse>, name: String) -> ClientID {
        eventLoop.preconditionInEventLoop()
        let client = nextClientID
        nextClientID += 1
        clients[client] = ClientLink(outbox: outbox, name: name)
        return client
    }

    /// A request of an attached client. Answers OK (unless the id is 0) or ERROR.
    func clientRequest(_ request: ClientRequest, from client: ClientID) {
        eventLoop.preconditionInEventLoop()
        guard let link = clients[client] else { return }
        let event: Router.Event
        switch request {
        case .hello:
            respond(.error(id: request.id, code: .malformedRequest, text: "HELLO was already sent"), on: link.outbox)
            return
        case .ping(let id):
            respond(.pong(id: id), on: link.outbox)
            return
        case .attach(_, let topology):
            event = .attach(client, topology)
        case .detach(_, let topology):
            publishers.detached(client, from: topology)
            event = .detach(client, topology)
        case .subscribe(_, let topology, let prefix):
            event = .subscribe(client, topology, prefix)
        case .unsubscribe(_, let topology, let prefix):
            event = .unsubscribe(client, topology, prefix)
        case .publish(_, let topology, let topic, let payload):
            event = .publish(client, topology, topic, payload: payload)
        }
        if shuttingDown {
            respond(.error(id: request.id, code: .shuttingDown, text: "node is shutting down"), on: link.outbox)
            return
        }
        pendingRequest = (client, nil)
        handle(event)
        let rejection = pendingRequest?.rejection
        pendingRequest = nil
        if let rejection {
            respond(.error(id: request.id, code: rejection.code, text: rejection.description), on: link.outbox)
            return
        }
        if case .publish(_, let topology, let topic, let payload) = request {
            publishers.published(client, to: topology)
            traffic.published(topology, bytes: topic.bytes.count + payload.count)
        }
        if request.id != 0 {
            respond(.ok(id: request.id), on: link.outbox)
        }
    }

    func respond(_ response: ClientResponse, on outbox: FrameOutbox<ClientResponse>) {
        outbox.enqueue(response)
        markForFlush(outbox)
    }

    func clientClosed(_ client: ClientID) {
        eventLoop.preconditionInEventLoop()
        guard clients.removeValue(forKey: client) != nil else { return }
        publishers.detached(client, from: nil)
        handle(.detach(client, nil))
    }

    private func dropSlowClient(_ client: ClientID) {
        guard let link = clients.removeValue(forKey: client) else { return }
        statistics.slowConsumersDropped += 1
        logger.warning("dropping client \(link.name): it does not read its messages (over \(configuration.clientOutputLimit) bytes queued)")
        let text = "slow consumer: over \(configuration.clientOutputLimit) bytes of messages were waiting"
        link.outbox.sendNow(.error(id: 0, code: .slowConsumer, text: text)).whenComplete { _ in
            link.channel.close(promise: nil)
        }
        publishers.detached(client, from: nil)
        handle(.detach(client, nil))
    }

    // MARK: - Lifecycle

    func start() {
        handle(.start)
    }

    /// Says goodbye to every peer (so they reroute at once), tells clients, and returns a
    /// future that completes when every channel has flushed and closed.
    func shutdown() -> EventLoopFuture<Void> {
        eventLoop.preconditionInEventLoop()
        shuttingDown = true
        overlayTimer?.cancel()
        handle(.shutdown)
        wakeTask?.cancel()
        var closing: [EventLoopFuture<Void>] = []
        for link in peers.values {
            closing.append(link.outbox.sendNow(.message(.goodbye)).flatMap { link.channel.close() }.recover { _ in })
        }
        for link in clients.values {
            let goodbye = ClientResponse.error(id: 0, code: .shuttingDown, text: "node is shutting down")
            closing.append(link.outbox.sendNow(goodbye).flatMap { link.channel.close() }.recover { _ in })
        }
        peers.removeAll()
        clients.removeAll()
        return EventLoopFuture.andAllComplete(closing, on: eventLoop)
    }
}

extension Router.Rejection {
    /// The client protocol's error code for this rejection.
    var code: ClientErrorCode {
        switch self {
        case .notPermittedPublisher: return .notPermitted
        case .messageTooLarge: return .messageTooLarge
        case .notInTopology: return .notInTopology
        case .tooManyTopologies: return .tooManyTopologies
        }
    }
}

/// A route summary in words, with node names where known, for logs.
struct RouteDescription: CustomStringConvertible {
    let summary: RouteSummary?
    let names: [NodeID: String]

    init(_ summary: RouteSummary?, router: Router) {
        self.summary = summary
        var names: [NodeID: String] = [:]
        if let summary {
            for node in [summary.root] + summary.treeNeighbors {
                if let index = router.graph.index(of: node) {
                    names[node] = router.graph.names[Int(index)]
                }
            }
        }
        self.names = names
    }

    var description: String {
        guard let summary else { return "none" }
        let parent = summary.parent.map { names[$0] ?? $0.short } ?? "(root)"
        return "root \(names[summary.root] ?? summary.root.short), parent \(parent), engaged \(summary.engaged.map { names[$0] ?? $0.short })"
    }
}
