import ArborCore
import ArborDiscovery
import ArborTrust
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
    /// Tells work done in slices when to yield to the sockets.
    let turns: EventLoopTurns
    let configuration: NodeConfiguration
    let logger: Logger
    let clock = NodeClock()
    let localHandshake: Handshake
    private(set) var router: Router
    var peers: [NodeID: PeerLink] = [:]
    /// Peers whose link the peer closed as a duplicate (it keeps another connection to
    /// this node, being established): the router learns of the link's end only if that
    /// connection is not up within ``replacementGrace``.
    var awaitedReplacements: [NodeID: Scheduled<Void>] = [:]
    private(set) var clients: [ClientID: ClientLink] = [:]
    private(set) var eventLog: NodeEventLog
    private(set) var statistics = NodeStatistics()
    var traffic = TrafficLedger()
    /// Checks the seal of every record and flush before the router sees it.
    private var verifier = RecordVerifier()
    private(set) var publishers = PublisherRegistry()
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
    /// The turn in which the router's wake was first put off for want of budget, until it runs.
    private var wakePutOff: UInt64?
    /// Outboxes that got frames this tick (each with `awaitsFlush` set).
    private var needsFlush: [any FlushableOutbox] = []
    /// The buffers every outbox of this loop encodes into, reused once written.
    let outputBuffers = OutputBuffers()
    private var flushScheduled = false
    private(set) var shuttingDown = false
    /// Repeated log lines, limited (``logLimited(_:_:_:)``).
    private var logLimiter = LogLimiter()
    /// Client connections open (HELLO or not), and the most that may be.
    private(set) var clientConnections = 0
    var clientConnectionLimit: Int
    /// Client connections refused at the limit since it was last reached.
    private(set) var clientConnectionsRefused: UInt64 = 0
    /// Client connections that have not said HELLO, oldest first (numbers no longer in
    /// `unidentifiedNumbers` are skipped when met), for eviction at the limit.
    private var unidentifiedClients = CircularBuffer<(number: UInt64, channel: Channel)>()
    private var unidentifiedNumbers: Set<UInt64> = []
    private var nextConnectionNumber: UInt64 = 0
    /// Local subscribers of push-back topologies with their output limit waiting, per
    /// topology: while a topology has one, its local publishers are held back.
    private var slowSubscribers: [TopologyName: Set<ClientID>] = [:]

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
        /// Holds back the reading of its requests (push-back topologies).
        var reading: ClientReadControl
        var channel: Channel { outbox.channel }
    }

    init(eventLoop: EventLoop, turns: EventLoopTurns, configuration: NodeConfiguration, logger: Logger) {
        self.eventLoop = eventLoop
        self.turns = turns
        self.configuration = configuration
        self.logger = logger
        var routerConfiguration = configuration.router
        // Heartbeats on the wall clock's grid, in step with the other nodes' (see
        // RouterConfiguration.heartbeatPhase); instants count from `clock.origin`.
        routerConfiguration.heartbeatPhase = .nanoseconds(clock.wallOrigin % max(1, configuration.router.heartbeatInterval.nanoseconds))
        // A peer found silent is judged again after the sockets were read: a turn with
        // twice its budget of deferred work behind it yields to them (EventLoopTurns).
        routerConfiguration.livenessRecheck = .nanoseconds(2 * configuration.deferredWorkPerTurn.nanoseconds)
        // Slices of refreshes small enough to stay within that budget on a loaded host
        // (a refresh took up to 0.4 ms there, docs/benchmarks.md).
        routerConfiguration.refreshesPerStep = min(routerConfiguration.refreshesPerStep, 100)
        router = Router(routerConfiguration)
        overlay = OverlayLinks(Self.overlayConfiguration(configuration))
        membership = OverlayMembership(id: configuration.router.id, realm: configuration.realm)
        eventLog = NodeEventLog(capacity: 1_000)
        clientConnectionLimit = configuration.maximumClients
        localHandshake = Handshake(
            node: configuration.router.id,
            incarnation: configuration.router.incarnation,
            maximumFrameLength: UInt32(WireLimits.maximumFrameLength(forMessageSize: configuration.maximumMessageSize)),
            name: configuration.router.name,
            realm: configuration.realm,
            addresses: [],
            extensions: [HandshakeExtension(tag: HandshakeExtension.dataRunsTag, value: [])]
        )
        turns.slowTurn = { [unowned self] wall, usage, tasks in
            logLimited(.warning, "slow-turn", "an event-loop turn took \(wall.nanoseconds / 1_000_000) ms (\(usage.cpu.nanoseconds / 1_000_000) ms of CPU, \(usage.voluntarySwitches) waits, \(usage.involuntarySwitches) preemptions, \(tasks) tasks): the sockets waited meanwhile")
        }
    }

    var id: NodeID { configuration.router.id }

    // MARK: - Driving the router

    /// Hands `event` to the router and carries out what it returns.
    func handle(_ event: Router.Event) {
        _ = step(event, requestOf: nil)
    }

    /// Hands `event` to the router and carries out what it returns; for a request of a
    /// local client (`client` not `nil`), returns the router's refusal of it, if any.
    private func step(_ event: Router.Event, requestOf client: ClientID?) -> Router.Rejection? {
        eventLoop.preconditionInEventLoop()
        let now = clock.now
        let failovers = router.statistics.failovers
        var refusal: Router.Rejection?
        let actions: [Router.Action]
        if let client {
            (refusal, actions) = router.handle(request: event, of: client, at: now)
        } else {
            actions = router.handle(event, at: now)
        }
        if router.statistics.failovers > failovers, let duration = router.statistics.lastFailover {
            metrics?.recordFailover(duration)
        }
        perform(actions)
        let took = clock.now - now
        if took > configuration.router.heartbeatInterval {
            logLimited(.warning, "slow-step", "one router step took \(Int(took.milliseconds)) ms (\(actions.count) actions, \(router.topologies.count) topologies): heartbeats wait meanwhile")
        }
        declareLinks()
        learnMembers()
        return refusal
    }

    private func perform(_ actions: [Router.Action]) {
        // Data counted in runs of one topology, and the link of the last send reused: a
        // step of many messages to the same peer looks neither up once per message.
        var run = TrafficLedger.Run()
        defer { traffic.add(run) }
        var lastLink: (peer: NodeID, link: PeerLink)?
        /// The link to `peer`, if it is up. (Whether it takes more output is the router's
        /// call: a link over its limit is reported to it, ``peerBacklogged(_:on:)``.)
        func peerLink(_ peer: NodeID) -> PeerLink? {
            if let lastLink, lastLink.peer == peer {
                return lastLink.link
            }
            let found = peers[peer]
            lastLink = found.map { (peer: peer, link: $0) }
            return found
        }
        for action in actions {
            switch action {
            case .send(let message, let peer):
                guard let link = peerLink(peer) else { continue }
                if case .data(let data) = message {
                    link.counters.counts.messagesOut &+= 1
                    traffic.count(&run, topology: data.topology)
                    run.counts.forwarded.add(data)
                }
                link.outbox.enqueue(.message(message))
                markForFlush(link.outbox)
            case .forward(let messages, let peer):
                guard let first = messages.first, let link = peerLink(peer) else { continue }
                // Counted here, once per run (the frames, DATA or DATA_RUN, by the outbox).
                link.counters.counts.messagesOut &+= UInt64(messages.count)
                // A run's messages are of one topology.
                traffic.count(&run, topology: first.topology)
                for message in messages {
                    run.counts.forwarded.add(message)
                }
                link.outbox.enqueue(messages: messages)
                markForFlush(link.outbox)
            case .deliver(let messages, let client):
                // The messages of one action are of one topology (a run's, or one).
                guard let first = messages.first, let link = clients[client] else { continue }
                if !link.channel.isWritable {
                    if router.slowSubscriberPolicy(of: first.topology) == .pushBack,
                        link.outbox.unwrittenBytes < configuration.clientOutputLimit * 4
                    {
                        holdBackPublishers(of: first.topology, for: client)
                    } else {
                        // These messages, and those still waiting for the application.
                        traffic.droppedForSlowConsumer(messages: messages.count + link.outbox.unwrittenCount)
                        dropSlowClient(client)
                        lastLink = nil
                        continue
                    }
                }
                traffic.count(&run, topology: first.topology)
                for message in messages {
                    run.counts.delivered.add(message)
                }
                link.outbox.enqueue(messages: messages)
                markForFlush(link.outbox)
            case .gap(let gap, let client):
                guard let link = clients[client] else { continue }
                respond(.gap(gap), on: link.outbox)
            case .reject(let client, let rejection):
                if let link = clients[client] {
                    respond(.error(id: 0, code: rejection.code, text: rejection.description), on: link.outbox)
                }
            case .disconnect(let peer, let reason):
                if let link = peers[peer] {
                    let level: Logger.Level = reason == .goodbye ? .info : .warning
                    let limit = reason == .outputBacklog ? ": \(configuration.peerOutputLimit) bytes" : ""
                    logger.log(level: level, "closing link to \(link.name) (\(peer.short)): \(reason)\(limit)")
                }
                dropPeer(peer, reason: reason.description)
                lastLink = nil
            case .wakeUp(let instant):
                armWake(at: clock.deadline(instant))
            case .observe(let observation):
                record(observation)
            }
        }
    }

    /// Wakes the router at `deadline`, or once the loop has polled its sockets if the turn
    /// is over its budget then (``EventLoopTurns``): its timers run refresh slices and
    /// paced floods, and judge the peers' liveness, which must not happen before their
    /// frames were read. Put off once, the wake runs after the next poll whatever the
    /// budget: busy links' reads spend the budget of every turn before the loop's tasks
    /// run, and a wake put off turn after turn sent no heartbeats, so that the peers
    /// declared this node dead (docs/benchmarks.md, issue 12, branch relay3).
    private func armWake(at deadline: NIODeadline) {
        wakeTask?.cancel()
        wakeTask = eventLoop.scheduleTask(deadline: deadline) { [self] in
            wakeTask = nil
            let polledSincePutOff = wakePutOff.map { $0 != turns.completedTurns } ?? false
            guard polledSincePutOff || turns.mayRunDeferredWork() else {
                if wakePutOff == nil { wakePutOff = turns.completedTurns }
                armWake(at: .now() + .milliseconds(1))
                return
            }
            wakePutOff = nil
            handle(.timer)
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

    func record(_ observation: Router.Observation) {
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
            logLimited(.info, "route", "route of \(topology): \(RouteDescription(before, router: router)) -> \(RouteDescription(after, router: router))")
        case .definitionConflict(let topology, let definitions):
            logger.warning("topology \(topology) has \(definitions.count) different definitions at version \(definitions[0].version); using one deterministically: give the file a higher version")
        case .nameConflict(let name, let claimants):
            logger.warning("node name \(name) is claimed by \(claimants.map(\.short).joined(separator: ", ")): give each node its own name")
        case .recordExpired(let node, let name):
            logger.info("forgot node \(name) (\(node.short)): unreachable for the grace period")
        case .definitionsReloaded(let changed):
            logger.notice("topology files reloaded: \(changed.isEmpty ? "no definition changed" : "changed " + changed.map(\.rawValue).joined(separator: ", "))")
        case .definitionsRefused(let errors):
            for error in errors {
                logger.error("\(error)")
            }
            logger.error("topology files not reloaded: \(errors.count) error(s); the definitions in force are kept")
        }
    }

    /// Logs `message` unless lines of kind `key` are over their rate (``LogLimiter``);
    /// how many were left out is logged when the window ends.
    func logLimited(_ level: Logger.Level, _ key: String, _ message: @autoclosure () -> String) {
        eventLoop.preconditionInEventLoop()
        guard logger.logLevel <= level else { return }
        switch logLimiter.admit(key, at: clock.now) {
        case .log:
            logger.log(level: level, "\(message())")
        case .suppress(let report):
            guard let report else { return }
            let sample = message()
            eventLoop.scheduleTask(deadline: clock.deadline(report)) { [self] in
                let count = logLimiter.takeSuppressed(key, at: clock.now)
                let seconds = Int(logLimiter.window.milliseconds / 1000)
                logger.log(level: level, "\(count) more line(s) like this one in the last \(seconds) s were not logged: \(sample)")
            }
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
        return OverlayAddress(host: host, port: port).description
    }

    // MARK: - Peers

    /// Messages that arrived together on the link to `peer`, in order: one router step.
    /// Records and flushes whose seal does not check are dropped first (logged, counted):
    /// the router only ever sees what their origins signed.
    func peerMessages(_ messages: [PeerMessage], from peer: NodeID) {
        if let link = peers[peer] {
            // Counted in locals, the runtime's and the link's counts touched once per run.
            var run = TrafficLedger.Run()
            var count: UInt64 = 0
            for case .data(let data) in messages {
                count &+= 1
                if run.topology != data.topology {
                    traffic.count(&run, topology: data.topology)
                }
                run.counts.received.add(data)
            }
            link.counters.counts.messagesIn &+= count
            traffic.add(run)
        }
        handle(.messages(authentic(messages, from: peer), from: peer))
    }

    /// `messages` without the records and flushes that are not authentic.
    private func authentic(_ messages: [PeerMessage], from peer: NodeID) -> [PeerMessage] {
        // A read of data only (the busy case) goes to the router as it came, not copied
        // message by message.
        let sealed = messages.contains { message in
            switch message {
            case .linkState, .flush: true
            default: false
            }
        }
        guard sealed else { return messages }
        var kept: [PeerMessage] = []
        kept.reserveCapacity(messages.count)
        var dropped: [RecordVersion] = []
        for message in messages {
            switch message {
            case .linkState(let records):
                var valid: [LinkStateRecord] = []
                for record in records {
                    if cannotBeInstalled(record) || verifier.isAuthentic(record) {
                        valid.append(record)
                    } else {
                        dropped.append(record.version)
                    }
                }
                if !valid.isEmpty { kept.append(.linkState(valid)) }
            case .flush(let versions):
                var valid: [RecordVersion] = []
                for version in versions {
                    if verifier.isAuthentic(flush: version) { valid.append(version) } else { dropped.append(version) }
                }
                if !valid.isEmpty { kept.append(.flush(valid)) }
            default:
                kept.append(message)
            }
        }
        if !dropped.isEmpty {
            statistics.unauthenticRecords += UInt64(dropped.count)
            let name = peers[peer]?.name ?? peer.short
            let first = dropped[0]
            logger.warning("dropped \(dropped.count) record(s) or flush(es) from \(name) without a valid seal of their origin (first: \(first.origin.short) incarnation \(first.incarnation) sequence \(first.sequence))")
        }
        return kept
    }

    /// Whether the router holds `record`'s version of another origin already, or a newer
    /// one: then it cannot install it, only learn that the sender holds that version (which
    /// matters to that link's flood pacing alone), so its seal need not be checked. During
    /// a start or a heal most copies that arrive are such: the same version over several
    /// links, or one already superseded.
    private func cannotBeInstalled(_ record: LinkStateRecord) -> Bool {
        guard record.origin != router.id, let held = router.database[record.origin] else { return false }
        return !record.isNewer(than: held)
    }

    /// The channel of `connection`, the link to `peer`, holds more output than the peer
    /// output limit (it turned unwritable: the limit is its high water mark). The router
    /// decides what becomes of the link, in a step of its own after the one under way (a
    /// channel turns unwritable while that step's frames are written).
    func peerBacklogged(_ peer: NodeID, on connection: OverlayConnection) {
        eventLoop.preconditionInEventLoop()
        eventLoop.execute { [self] in
            guard let link = peers[peer], link.connection.id == connection, !link.channel.isWritable else { return }
            handle(.peerBacklogged(peer))
        }
    }

    /// Seals checked so far (not answered from the verifier's memory).
    var sealsVerified: UInt64 { verifier.verifications }

    private func dropPeer(_ peer: NodeID, reason: String) {
        awaitedReplacements.removeValue(forKey: peer)?.cancel()
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

    func countUnprovenIdentity() {
        statistics.identitiesNotProven += 1
    }

    func countRealmFailure() {
        statistics.realmFailures += 1
    }

    func isConnected(_ peer: NodeID) -> Bool {
        peers[peer] != nil
    }

    // MARK: - Clients

    /// A client connection was accepted: returns its number if it may stay, `nil` if not.
    ///
    /// At the connection limit, the oldest connection that has not said HELLO yet makes
    /// room (it is closed): idle or half-open connections cannot lock applications out.
    /// Only when every connection has said HELLO is the new one refused. The first refusal
    /// after the limit was last reached is logged as a warning, further ones and evictions
    /// at a limited rate.
    func admitClientConnection(_ channel: Channel) -> UInt64? {
        eventLoop.preconditionInEventLoop()
        if clientConnections >= clientConnectionLimit {
            guard let oldest = oldestUnidentifiedClient() else {
                clientConnectionsRefused &+= 1
                if clientConnectionsRefused == 1 {
                    logger.warning("client connection limit reached: \(clientConnectionLimit) clients are connected; refusing new client connections (arbord --max-clients)")
                } else {
                    logLimited(.warning, "client-limit", "refused a client connection: \(clientConnectionLimit) clients are connected")
                }
                return nil
            }
            logLimited(.warning, "client-evicted", "client connection limit (\(clientConnectionLimit)) reached: closed the oldest connection that has not said HELLO to make room")
            oldest.close(promise: nil)
        }
        clientConnections += 1
        nextConnectionNumber += 1
        unidentifiedClients.append((nextConnectionNumber, channel))
        unidentifiedNumbers.insert(nextConnectionNumber)
        return nextConnectionNumber
    }

    /// The connection numbered `number` said HELLO: it is no longer evicted first.
    func clientIdentified(_ number: UInt64) {
        unidentifiedNumbers.remove(number)
    }

    private func oldestUnidentifiedClient() -> Channel? {
        while let (number, channel) = unidentifiedClients.popFirst() {
            if unidentifiedNumbers.remove(number) != nil, channel.isActive {
                return channel
            }
        }
        return nil
    }

    func clientConnectionClosed(_ number: UInt64) {
        eventLoop.preconditionInEventLoop()
        clientConnections -= 1
        unidentifiedNumbers.remove(number)
        if unidentifiedNumbers.isEmpty {
            unidentifiedClients.removeAll()
        }
        if clientConnectionsRefused > 0, clientConnections < clientConnectionLimit * 9 / 10 {
            logger.notice("client connections below the limit again (\(clientConnections) of \(clientConnectionLimit)); \(clientConnectionsRefused) were refused meanwhile")
            clientConnectionsRefused = 0
        }
    }

    func clientConnected(_ outbox: FrameOutbox<ClientResponse>, name: String, reading: ClientReadControl) -> ClientID {
        eventLoop.preconditionInEventLoop()
        let client = nextClientID
        nextClientID += 1
        clients[client] = ClientLink(outbox: outbox, name: name, reading: reading)
        return client
    }

    /// A subscriber of push-back topology `topology` has its output limit waiting: the
    /// topology's other local publishers are held back (their requests not read) until
    /// it catches up (``clientCaughtUp(_:)``) or leaves.
    private func holdBackPublishers(of topology: TopologyName, for subscriber: ClientID) {
        if slowSubscribers[topology, default: []].insert(subscriber).inserted {
            logLimited(.info, "push-back", "holding back the publishers of \(topology): subscriber \(clients[subscriber]?.name ?? "?") does not keep up (slow-subscribers: push-back)")
        }
        for publisher in publishers.clients(in: topology) where publisher != subscriber {
            clients[publisher]?.reading.heldBack = true
        }
    }

    /// `client` has read what waited for it down to half its output limit, or left: the
    /// publishers it held back go on, unless another slow subscriber holds them.
    func clientCaughtUp(_ client: ClientID) {
        eventLoop.preconditionInEventLoop()
        var released: [TopologyName] = []
        for (topology, subscribers) in slowSubscribers where subscribers.contains(client) {
            slowSubscribers[topology]!.remove(client)
            if slowSubscribers[topology]!.isEmpty {
                slowSubscribers[topology] = nil
                released.append(topology)
            }
        }
        for topology in released {
            for publisher in publishers.clients(in: topology) {
                guard let link = clients[publisher], link.reading.heldBack,
                    !publishers.published(publisher, toAnyOf: slowSubscribers.keys)
                else { continue }
                link.reading.heldBack = false
                // Later in this turn, not inside the router step under way.
                let reading = link.reading
                eventLoop.execute { reading.resume() }
            }
        }
    }

    /// A request of an attached client. Answers OK (unless the id is 0) or ERROR; returns
    /// whether it was carried out (false: an ERROR was sent, or the client is gone).
    @discardableResult
    func clientRequest(_ request: ClientRequest, from client: ClientID) -> Bool {
        eventLoop.preconditionInEventLoop()
        guard let link = clients[client] else { return false }
        let event: Router.Event
        switch request {
        case .hello:
            respond(.error(id: request.id, code: .malformedRequest, text: "HELLO was already sent"), on: link.outbox)
            return false
        case .ping(let id):
            respond(.pong(id: id), on: link.outbox)
            return true
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
            return false
        }
        if let rejection = step(event, requestOf: client) {
            respond(.error(id: request.id, code: rejection.code, text: rejection.description), on: link.outbox)
            return false
        }
        if case .publish(_, let topology, let topic, let payload) = request {
            publishers.published(client, to: topology)
            traffic.published(topology, bytes: topic.bytes.count + payload.count)
        }
        if request.id != 0 {
            respond(.ok(id: request.id), on: link.outbox)
        }
        return true
    }

    /// Unacknowledged publications (request id 0) of an attached client that arrived
    /// together: one router step for all of them, as ``clientRequest(_:from:)`` would take
    /// each. A refusal is answered with an ERROR of id 0, as for one publication; in a batch
    /// with refusals the published bytes counted are the accepted share of the batch's.
    func clientPublications(_ publications: [Router.Publication], from client: ClientID) {
        eventLoop.preconditionInEventLoop()
        guard let link = clients[client], !publications.isEmpty else { return }
        if shuttingDown {
            for _ in publications {
                respond(.error(id: 0, code: .shuttingDown, text: "node is shutting down"), on: link.outbox)
            }
            return
        }
        let before = router.statistics.published
        handle(.publications(client, publications))
        let accepted = Int(router.statistics.published - before)
        guard accepted > 0 else { return }
        var run = TrafficLedger.Run()
        for publication in publications {
            if run.topology != publication.topology {
                publishers.published(client, to: publication.topology)
            }
            traffic.count(&run, topology: publication.topology)
            run.counts.published.add(bytes: publication.topic.bytes.count + publication.payload.count)
        }
        if accepted < publications.count {
            run.counts.published.messages = run.counts.published.messages * UInt64(accepted) / UInt64(publications.count)
            run.counts.published.bytes = run.counts.published.bytes * UInt64(accepted) / UInt64(publications.count)
        }
        traffic.add(run)
    }

    func respond(_ response: ClientResponse, on outbox: FrameOutbox<ClientResponse>) {
        outbox.enqueue(response)
        markForFlush(outbox)
    }

    func clientClosed(_ client: ClientID) {
        eventLoop.preconditionInEventLoop()
        guard clients.removeValue(forKey: client) != nil else { return }
        clientCaughtUp(client)
        publishers.detached(client, from: nil)
        detachAll(client)
    }

    /// Takes a departed client out of its topologies, at most
    /// ``NodeConfiguration/clientRequestsPerTurn`` of them per event-loop turn: a client
    /// in 100,000 topologies would otherwise cost one router step of 100,000 refreshes,
    /// and heartbeats would wait behind it.
    private func detachAll(_ client: ClientID) {
        detach(client, from: router.topologies(of: client)[...])
    }

    private func detach(_ client: ClientID, from names: ArraySlice<TopologyName>) {
        let batch = configuration.clientRequestsPerTurn
        guard names.count > batch, !shuttingDown else {
            handle(.detach(client, nil))
            return
        }
        for name in names.prefix(batch) {
            handle(.detach(client, name))
        }
        continueDetaching(client, from: names.dropFirst(batch))
    }

    /// Detaches the next batch a millisecond later, once the loop polled its sockets if
    /// its turn is over budget (a delay, not `execute`, which would run before the poll).
    private func continueDetaching(_ client: ClientID, from names: ArraySlice<TopologyName>) {
        eventLoop.scheduleTask(in: .milliseconds(1)) { [self] in
            guard turns.mayRunDeferredWork() else {
                continueDetaching(client, from: names)
                return
            }
            detach(client, from: names)
        }
    }

    private func dropSlowClient(_ client: ClientID) {
        guard let link = clients.removeValue(forKey: client) else { return }
        clientCaughtUp(client)
        statistics.slowConsumersDropped += 1
        logger.warning("dropping client \(link.name): it does not read its messages (over \(configuration.clientOutputLimit) bytes queued)")
        let text = "slow consumer: over \(configuration.clientOutputLimit) bytes of messages were waiting"
        link.outbox.sendNow(.error(id: 0, code: .slowConsumer, text: text)).whenComplete { _ in
            link.channel.close(promise: nil)
        }
        publishers.detached(client, from: nil)
        detachAll(client)
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
        case .clientLimit: return .limitReached
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
