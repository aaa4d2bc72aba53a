/// The routing state machine of one node: events in, actions out.
///
/// It holds the link-state database, the peers, and per topology the tree position,
/// interest and local members; it decides floods, interest updates, forwarding, liveness
/// and timers. It touches no socket, thread or clock: time arrives with each event, and
/// the shell (a daemon or the simulator) carries out the returned actions in order.
public struct Router {
    public let configuration: RouterConfiguration
    public var id: NodeID { configuration.id }
    public var name: String { configuration.name }

    public internal(set) var database = LinkStateDatabase()
    /// The graph routes were last computed from (recomputed at most once per coalescing delay).
    public internal(set) var graph: Graph
    public internal(set) var peers: [NodeID: PeerState] = [:]
    public internal(set) var topologies: [TopologyName: TopologyState] = [:]
    /// Each local client's topologies and subscription count (per-client limits).
    var holdings = ClientHoldings()
    public internal(set) var statistics = RouterStatistics()
    /// When a route of this node last changed (for convergence measurements).
    public internal(set) var lastRouteChange: Instant = .zero

    let cache: RoutingCache
    var ownRecord: LinkStateRecord
    var duplicates: DuplicateFilter
    /// Recent messages, holes being repaired and what waits for them (``RepairState``).
    var repair: RepairState
    /// Next sequence number of this node's stream per topology; kept when a topology's
    /// state is dropped, so a stream never reuses a number within one incarnation.
    public internal(set) var nextSequence: [TopologyName: UInt64] = [:]
    /// Versions withdrawn by a flush, per origin, and until when they are remembered. An
    /// origin is never both here and in the database.
    var flushed: [NodeID: FlushedRecord] = [:]
    /// No entry of `flushed` is to be forgotten earlier.
    var earliestFlushForget: Instant?
    /// Nodes outside this node's component, and since when.
    var reachability: ReachabilityTracker
    /// When a silent peer is dead.
    let liveness: Liveness
    /// When this node's record is flooded after it changed.
    var origination: OriginationHold
    /// Origins whose records were installed or dropped since `graph` was built, by their
    /// index in `graph`, so that the next build patches it (see
    /// ``Graph/init(_:patching:changedIndices:)``); nil when not known (the database was
    /// replaced, an origin is not in `graph`) or when so many changed that a build from the
    /// database costs less.
    var changedSinceGraph: NodeIndexSet?
    /// Per peer, when frames of records go and which records wait for one.
    var floodPacer: FloodPacer
    /// Per peer, when interest updates go and which topologies wait for their turn.
    var interestPacer: InterestPacer
    /// Parent switches by choice under way, and former children kept engaged meanwhile.
    var switches: ParentSwitches
    /// When routes are recomputed and topologies refreshed after it.
    var recomputation: RecomputationSchedule
    /// When held publications and lingering memberships end.
    var holds: HoldSchedule
    var nextHeartbeat: Instant = .zero
    var requestedWake: Instant?
    var reportedDefinitionConflicts: [TopologyName: [TopologyDefinition]] = [:]
    var reportedNameConflicts: [String: [NodeID]] = [:]
    var started = false
    /// Times failovers from the observations of each event.
    var failoverClock = FailoverClock()
    var actions: [Action] = []

    /// A router with `configuration`; pass one `cache` to many routers to share pure
    /// results among them (the simulator does).
    public init(_ configuration: RouterConfiguration, cache: RoutingCache = RoutingCache()) {
        self.configuration = configuration
        self.cache = cache
        ownRecord = LinkStateRecord(
            origin: configuration.id,
            name: configuration.name,
            incarnation: configuration.incarnation,
            sequence: 1,
            links: [],
            definitions: configuration.definitions
        )
        duplicates = DuplicateFilter(window: configuration.duplicateWindow)
        recomputation = RecomputationSchedule(configuration)
        origination = OriginationHold(configuration)
        switches = ParentSwitches(configuration)
        floodPacer = FloodPacer(configuration)
        interestPacer = InterestPacer(configuration)
        holds = HoldSchedule(configuration)
        reachability = ReachabilityTracker(configuration)
        liveness = Liveness(configuration)
        repair = RepairState(buffer: RepairBuffer(
            maximumBytes: configuration.repairBufferBytes,
            maximumAge: configuration.repairBufferAge,
            streamMemory: configuration.repairStreamMemory
        ))
        if let sealer = configuration.sealer {
            ownRecord.seal = sealer.seal(ownRecord)
        }
        database.apply(ownRecord)
        graph = cache.graph(of: database)
        changedSinceGraph = NodeIndexSet(capacity: graph.count)
    }

    /// Handles one event that happened at `now` and returns what to do, in order.
    public mutating func handle(_ event: Event, at now: Instant) -> [Action] {
        actions.removeAll(keepingCapacity: true)
        switch event {
        case .start:
            started = true
            nextHeartbeat = heartbeatTick(after: now)
            scheduleRecompute(now)
        case .peerUp(let peer, let name, let incarnation, let cost):
            peerUp(peer, name: name, incarnation: incarnation, cost: cost, now: now)
        case .peerDown(let peer):
            peerDown(peer, reason: "link closed", now: now)
        case .peerBacklogged(let peer):
            peerBacklogged(peer, now: now)
        case .linkCost(let peer, let cost):
            linkCostChanged(peer, to: cost, now: now)
        case .message(let message, let peer):
            received(message, from: peer, now: now)
        case .messages(let messages, let peer):
            heard(from: peer, now: now)
            // Consecutive data messages of one topology share their lookups and leave as
            // one action per neighbour (``DataRun``); any other message ends the run (after
            // what it forwards), and may end the link.
            var run: DataRun?
            var linked = peers[peer] != nil
            for message in messages {
                if case .data(let data) = message {
                    if linked { receivedData(data, from: peer, now: now, run: &run) }
                } else {
                    endRun(&run, now: now)
                    received(message, from: peer, now: now, heard: true)
                    linked = peers[peer] != nil
                }
            }
            endRun(&run, now: now)
        case .attach(let client, let topology):
            attach(client, topology, now: now)
        case .subscribe(let client, let topology, let prefix):
            subscribe(client, topology, prefix, now: now)
        case .unsubscribe(let client, let topology, let prefix):
            unsubscribe(client, topology, prefix, now: now)
        case .publish(let client, let topology, let topic, let payload):
            var run: DataRun?
            publish(client, topology, topic, payload, now: now, run: &run)
            endRun(&run, now: now)
        case .publications(let client, let publications):
            var run: DataRun?
            for publication in publications {
                publish(client, publication.topology, publication.topic, publication.payload, now: now, run: &run)
            }
            endRun(&run, now: now)
        case .detach(let client, let topology):
            detach(client, topology, now: now)
        case .loadDefinitions(let definitions):
            let changed = Self.changedNames(from: ownRecord.definitions, to: definitions)
            ownRecord.definitions = definitions
            bumpOwnRecord(now)
            observe(.definitionsReloaded(changed: changed))
        case .advertise(let addresses):
            ownRecord.addresses = Array(addresses.prefix(LinkStateRecord.maximumAddresses))
            bumpOwnRecord(now)
        case .timer:
            timerFired(now)
        case .shutdown:
            for peer in peers.keys.sorted() {
                send(.goodbye, to: peer, now: now)
            }
            started = false
        }
        if !switches.finished.isEmpty {
            // The new way carries every stream: the old parent goes (not mid-event, while
            // data runs hold the topology's engaged neighbours), and the new way is asked
            // for what only the old one carried.
            for name in switches.takeFinished() {
                let spans = switches.finish(name)
                refresh(name, now: now)
                askNewWay(for: spans, now: now)
            }
        }
        floodOwnRecord(now)
        if started {
            requestWakeUp()
        }
        if let duration = failoverClock.eventHandled(at: now, recomputations: statistics.recomputations) {
            statistics.failedOver(in: duration)
        }
        return actions
    }

    /// Handles `event`, a request of local client `client` (attach, subscribe, unsubscribe,
    /// publish, detach), and returns the verdict on it apart from the rest of what to do:
    /// `nil` when the request was accepted, else why it was refused (then no `.reject` for
    /// `client` is among the actions).
    public mutating func handle(request event: Event, of client: ClientID, at now: Instant) -> (refusal: Rejection?, actions: [Action]) {
        _ = handle(event, at: now)
        var refusal: Rejection?
        actions.removeAll { action in
            guard case .reject(let rejected, let rejection) = action, rejected == client else { return false }
            refusal = rejection
            return true
        }
        return (refusal, actions)
    }

    // MARK: - Plumbing shared by the extensions

    mutating func send(_ message: PeerMessage, to peer: NodeID, now: Instant) {
        guard let index = peers.index(forKey: peer) else { return }
        peers.values[index].lastSent = now
        actions.append(.send(message, to: peer))
    }

    /// Notes sending to `peer` at `now` without sending; returns whether it is linked.
    mutating func stampSent(to peer: NodeID, now: Instant) -> Bool {
        guard let index = peers.index(forKey: peer) else { return false }
        peers.values[index].lastSent = now
        return true
    }

    mutating func observe(_ observation: Observation) {
        failoverClock.observed(observation)
        actions.append(.observe(observation))
    }

    /// Schedules a recomputation after the current throttling delay, unless one is due.
    mutating func scheduleRecompute(_ now: Instant, changes: Int = 0) {
        recomputation.request(now, changes: changes)
    }

    private mutating func timerFired(_ now: Instant) {
        requestedWake = nil
        flushPendingFloods(now)
        flushPendingInterest(now)
        switch recomputation.due(at: now) {
        case .refreshSlice: refreshSlice(now)
        case .recomputation: recompute(now)
        case .nothing: break
        }
        if reachability.checkDue(now) {
            updateGraph(now)
            if reachability.trackedDigest != graph.digest {
                trackReachability(now)
            }
        }
        checkLiveness(now)
        if now >= nextHeartbeat {
            sendHeartbeats(now)
            nextHeartbeat = heartbeatTick(after: now)
        }
        expireRecords(now)
        forgetFlushes(now)
        expireHolds(now)
        expireRepairs(now)
        let expired = switches.expired(at: now)
        for name in expired.unmerged {
            // Some stream never showed on the new way: repair asks anew for every stream.
            repair.connected[name] = nil
        }
        for name in expired.names {
            refresh(name, now: now)
        }
        askNewWay(for: expired.spans, now: now)
    }

    /// The first heartbeat instant after `now` on the grid of ``RouterConfiguration/heartbeatPhase``.
    func heartbeatTick(after now: Instant) -> Instant {
        let interval = max(configuration.heartbeatInterval.nanoseconds, 1)
        let phase = (configuration.heartbeatPhase.nanoseconds % interval + interval) % interval
        let shifted = now.nanoseconds + phase
        return Instant(nanoseconds: (shifted / interval + 1) * interval - phase)
    }

    /// Asks for a wake-up at the earliest deadline, when it is earlier than the last request.
    private mutating func requestWakeUp() {
        var next = nextHeartbeat
        if let due = recomputation.nextDeadline { next = min(next, due) }
        if let due = reachability.nextDeadline { next = min(next, due) }
        if let due = holds.nextDeadline { next = min(next, due) }
        if let due = floodPacer.nextDeadline { next = min(next, due) }
        if let due = interestPacer.nextDeadline { next = min(next, due) }
        if let due = origination.nextDeadline { next = min(next, due) }
        if let due = repair.dueAt { next = min(next, due) }
        if let due = switches.nextDeadline { next = min(next, due) }
        for peer in peers.values {
            next = min(next, liveness.deadline(of: peer))
        }
        // Only an earlier deadline needs a new request: waking early is harmless (the timer
        // re-evaluates and asks again), and not re-arming the timer on every frame keeps a
        // busy link from costing a timer syscall per message.
        if requestedWake == nil || next < requestedWake! {
            requestedWake = next
            actions.append(.wakeUp(at: next))
        }
    }
}
