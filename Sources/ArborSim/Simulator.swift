import ArborCore
import Dispatch

/// A deterministic discrete-event simulator of many ``Router``s on a virtual clock.
///
/// Nodes are connected by physical links with a fixed latency; over each link runs a
/// simulated TCP connection (see ``SimulatedConnection``). Faults kill and restart nodes
/// (a crash closes its connections: neighbours hear of it one latency later) and cut or
/// restore links silently (only heartbeats can tell). Every router action is carried out
/// the way a daemon would: frames are scheduled for delivery, wake-ups are honoured,
/// deliveries to local clients are recorded in the ``ledger``.
///
/// All routers share one ``RoutingCache``: pure results computed for one database are
/// reused by every node that holds an identical one. Same seed, same run.
public final class Simulator {
    public let parameters: SimulationParameters
    public let ids: [NodeID]
    public let names: [String]
    /// Physical neighbours of each node.
    public let adjacency: [[Int]]
    /// The same, found by id.
    let neighbors: NeighborTable
    public internal(set) var now: Instant = .zero
    /// The router of each node; `nil` while the node is dead.
    ///
    /// Reading an element copies a whole router (a retain of each of its tables); the
    /// simulator's own paths test ``isAlive(_:)`` and reach a router in place instead
    /// (see ``inspect(_:_:)``), which at 10,000 nodes was a fifth of a run's time.
    public internal(set) var routers: [Router?]
    /// Whether each node's router is running (`routers[node] != nil`, without the copy).
    var alive: [Bool]
    /// Link-state records received, installed and originated by routers since killed.
    private var retiredRecordCounts = RecordCounts()
    public var ledger = Ledger()
    /// Links currently cut.
    public private(set) var cutLinks: Set<LinkKey> = []
    /// Events handled so far.
    public internal(set) var eventsProcessed = 0
    /// When each node's database or routes last changed.
    public internal(set) var lastChange: [Instant]
    public let cache: RoutingCache
    /// Threads that step routers (see ``run(until:)``); 1: one at a time, on the caller's.
    public let threads: Int
    /// Where the parallel engine frees what its windows leave (see ``runWindows(until:)``).
    let discarding = DispatchQueue(label: "arbor-sim.discarding")

    var generator: SeededGenerator
    var incarnations: [UInt64]
    var indexByID: [NodeID: Int] = [:]
    var connections: [LinkKey: SimulatedConnection] = [:]
    /// Costs given by ``setCost(_:_:)``, instead of ``SimulationParameters/linkCost``.
    var linkCosts: [LinkKey: UInt32] = [:]
    var queue = EventQueue<SimulatedEvent>()
    var scheduled: UInt64 = 0
    var wakeRequests: [Instant?]
    /// Per node, its share's index in the window being handled, -1 outside one (see
    /// ``runWindows(until:)``).
    var windowWork: [Int32]
    /// One copy per recent database content, adopted by every router that reaches it.
    var canonicalDatabases = BoundedDatabaseTable(capacity: 4_096)
    /// Per node, the digest of the canonical copy its database is (adopted or offered):
    /// a timer finding it unchanged need not look the table up again.
    var sharedDigests: [DatabaseDigest?]
    /// Per node, when its database last changed: it is offered for sharing only once it
    /// has been still for ``sharingQuiet``.
    var databaseChangedAt: [Instant]
    /// How long a database must stay unchanged before it is offered for sharing.
    let sharingQuiet: Duration = .milliseconds(100)
    /// Local clients of each node, re-attached when the node restarts.
    var clients: [[ClientSpec]]
    /// Records of link-state frames in flight, by batch.
    var recordBatches: [UInt64: [LinkStateRecord]] = [:]
    var nextBatch: UInt64 = 0
    /// Per direction of a link: the link-state frame sent last on it, while it is still in
    /// flight and nothing else was sent after it. A further link-state frame that would
    /// arrive at the same instant joins it (see ``carryOut(_:of:)``).
    var openBatches: [DirectedLink: OpenBatch] = [:]

    struct DirectedLink: Hashable {
        var from: Int
        var to: Int

        /// Hashes for tables with ``wordPairHash(_:_:seed:)`` instead of SipHash.
        func _rawHashValue(seed: Int) -> Int {
            wordPairHash(UInt64(bitPattern: Int64(from)), UInt64(bitPattern: Int64(to)), seed: seed)
        }
    }

    struct OpenBatch {
        var batch: UInt64
        var arrival: Instant
        var epoch: UInt64
    }

    struct ClientSpec {
        var id: ClientID
        var topology: TopologyName
        var prefixes: [Topic]
    }

    /// Nodes named `names` (node `i` is `names[i]`), joined by `links`. Node ids are drawn
    /// from `seed` unless given in `ids`. With `threads` above 1, ``run(until:)`` steps
    /// routers on that many threads; the run is the same.
    public init(
        names: [String],
        links: [LinkKey],
        ids givenIDs: [NodeID]? = nil,
        parameters: SimulationParameters = SimulationParameters(),
        seed: UInt64,
        threads: Int = 1
    ) {
        precondition(threads >= 1, "at least one thread")
        self.parameters = parameters
        self.threads = threads
        generator = SeededGenerator(seed: seed)
        var ids: [NodeID] = []
        for _ in names {
            ids.append(NodeID.random(using: &generator))
        }
        if let givenIDs {
            precondition(givenIDs.count == names.count && Set(givenIDs).count == names.count, "one distinct id per node")
            ids = givenIDs
        }
        self.ids = ids
        self.names = names
        var adjacency = [[Int]](repeating: [], count: names.count)
        for link in Set(links) where link.a != link.b {
            adjacency[link.a].append(link.b)
            adjacency[link.b].append(link.a)
            connections[link] = SimulatedConnection()
        }
        self.adjacency = adjacency.map { $0.sorted() }
        neighbors = NeighborTable(self.adjacency, ids: ids)
        for (index, id) in ids.enumerated() {
            indexByID[id] = index
        }
        routers = Array(repeating: nil, count: names.count)
        alive = Array(repeating: false, count: names.count)
        incarnations = Array(repeating: 1, count: names.count)
        wakeRequests = Array(repeating: nil, count: names.count)
        windowWork = Array(repeating: -1, count: names.count)
        sharedDigests = Array(repeating: nil, count: names.count)
        databaseChangedAt = Array(repeating: .zero, count: names.count)
        lastChange = Array(repeating: .zero, count: names.count)
        clients = Array(repeating: [], count: names.count)
        cache = RoutingCache(capacity: parameters.cacheCapacity)
    }

    /// Live nodes whose database is the shared copy of its content (adopted or offered).
    public var nodesSharingTheirDatabase: Int {
        routers.indices.count { alive[$0] && sharedDigests[$0] == inspect($0) { $0.database.digest } }
    }

    /// Whether `node` is running (not killed, or restarted since).
    public func isAlive(_ node: Int) -> Bool {
        alive[node]
    }

    /// Runs `body` on the router of the live `node` in place, without copying it.
    func inspect<Result>(_ node: Int, _ body: (inout Router) -> Result) -> Result {
        body(&routers[node]!)
    }

    public func index(of id: NodeID) -> Int? {
        indexByID[id]
    }

    public var liveNodes: [Int] {
        alive.indices.filter { alive[$0] }
    }

    // MARK: - Starting

    /// Starts every node with an empty database; links connect after the dial delay and
    /// routers flood from scratch, as a freshly booted overlay would.
    public func startCold(definitions: [Int: [TopologyDefinition]] = [:]) {
        for node in ids.indices {
            routers[node] = makeRouter(node, definitions: definitions[node] ?? [])
            alive[node] = true
            apply(node) { $0.handle(.start, at: now) }
        }
        for link in connections.keys.sorted(by: { ($0.a, $0.b) < ($1.a, $1.b) }) {
            scheduleDial(link)
        }
    }

    /// Starts every node as though the overlay had already converged: each router resumes
    /// with the complete database and its links up. This skips the O(n²) initial flood
    /// that a cold start of thousands of nodes would simulate; ``startCold(definitions:)``
    /// and the property tests cover cold starts.
    public func startWarm(definitions: [Int: [TopologyDefinition]] = [:]) {
        var records: [LinkStateRecord] = []
        for node in ids.indices {
            let links = adjacency[node].map { Link(neighbor: ids[$0], cost: parameters.linkCost) }
            records.append(
                LinkStateRecord(
                    origin: ids[node],
                    name: names[node],
                    incarnation: incarnations[node],
                    sequence: 2,
                    links: links,
                    definitions: definitions[node] ?? []
                )
            )
        }
        let database = LinkStateDatabase(records)
        for node in ids.indices {
            var router = makeRouter(node, definitions: definitions[node] ?? [])
            let peers = adjacency[node].map {
                Router.ResumedPeer(id: ids[$0], name: names[$0], incarnation: incarnations[$0], cost: parameters.linkCost)
            }
            let actions = router.resume(database: database, peers: peers, at: now)
            routers[node] = router
            alive[node] = true
            carryOut(actions, of: node)
        }
        for link in connections.keys {
            connections[link]!.epoch += 1
            connections[link]!.upAtA = true
            connections[link]!.upAtB = true
        }
    }

    private func makeRouter(_ node: Int, definitions: [TopologyDefinition]) -> Router {
        var configuration = RouterConfiguration(id: ids[node], name: names[node], incarnation: incarnations[node])
        parameters.configure(&configuration)
        configuration.definitions = definitions
        return Router(configuration, cache: cache)
    }

    // MARK: - Clients

    /// Attaches local client `client` of `node` to `topology` with `prefixes`
    /// (none: a publisher only). The client is re-attached whenever the node restarts.
    public func attach(_ client: ClientID, at node: Int, topology: TopologyName, prefixes: [Topic]) {
        clients[node].append(ClientSpec(id: client, topology: topology, prefixes: prefixes))
        guard alive[node] else { return }
        apply(node) { $0.handle(.attach(client, topology), at: now) }
        for prefix in prefixes {
            apply(node) { $0.handle(.subscribe(client, topology, prefix), at: now) }
        }
    }

    /// Removes one subscription of a client.
    public func unsubscribe(_ client: ClientID, at node: Int, topology: TopologyName, prefix: Topic) {
        if let position = clients[node].firstIndex(where: { $0.id == client && $0.topology == topology }) {
            clients[node][position].prefixes.removeAll { $0 == prefix }
        }
        guard alive[node] else { return }
        apply(node) { $0.handle(.unsubscribe(client, topology, prefix), at: now) }
    }

    /// Publishes from `client` at `node`; returns the message's identity, or `nil` when the
    /// node is dead.
    @discardableResult
    public func publish(_ client: ClientID, at node: Int, topology: TopologyName, topic: Topic, payload: [UInt8] = []) -> MessageKey? {
        guard alive[node] else { return nil }
        let key = MessageKey(
            origin: ids[node],
            incarnation: incarnations[node],
            topology: topology,
            sequence: inspect(node) { $0.nextSequence[topology] } ?? 1
        )
        ledger.published(key, at: node, time: now)
        apply(node) { $0.handle(.publish(client, topology, topic, payload: payload), at: now) }
        return key
    }

    // MARK: - Faults

    /// Crashes `node`: its connections close and its neighbours hear of it one latency later.
    public func kill(_ node: Int) {
        guard alive[node] else { return }
        retiredRecordCounts.add(inspect(node) { $0.statistics })
        routers[node] = nil
        alive[node] = false
        wakeRequests[node] = nil
        sharedDigests[node] = nil
        for neighbor in adjacency[node] {
            close(LinkKey(node, neighbor), at: node)
        }
    }

    /// Link-state records received, installed and originated by every router so far,
    /// killed ones included: the flooding work of the run.
    public var recordCounts: RecordCounts {
        var counts = retiredRecordCounts
        for node in alive.indices where alive[node] {
            counts.add(inspect(node) { $0.statistics })
        }
        return counts
    }

    /// `node`'s end of `link` closes; the other end hears of it one latency later, or when
    /// a cut path returns. Returns whether that end was up.
    @discardableResult
    func close(_ link: LinkKey, at node: Int) -> Bool {
        guard connections[link]!.isUp(at: node, of: link) else { return false }
        connections[link]!.setUp(false, at: node, of: link)
        connections[link]!.stalled.removeAll()
        if cutLinks.contains(link) {
            connections[link]!.pendingCloseNotice = node
        } else {
            schedule(.closeNotice(to: link.other(node), from: node, epoch: connections[link]!.epoch), at: now + parameters.linkLatency, inFlight: true)
        }
        return true
    }

    /// Restarts a dead `node` with a new incarnation and an empty database; its clients
    /// attach again and its links redial.
    public func restart(_ node: Int) {
        guard !alive[node] else { return }
        incarnations[node] += 1
        routers[node] = makeRouter(node, definitions: [])
        alive[node] = true
        apply(node) { $0.handle(.start, at: now) }
        for client in clients[node] {
            apply(node) { $0.handle(.attach(client.id, client.topology), at: now) }
            for prefix in client.prefixes {
                apply(node) { $0.handle(.subscribe(client.id, client.topology, prefix), at: now) }
            }
        }
        for neighbor in adjacency[node] {
            scheduleDial(LinkKey(node, neighbor))
        }
    }

    /// Gives `link` the cost `cost` at both ends (now, and whenever it connects again).
    public func setCost(_ link: LinkKey, _ cost: UInt32) {
        linkCosts[link] = cost
        for (node, peer) in [(link.a, link.b), (link.b, link.a)] where alive[node] && connections[link]!.isUp(at: node, of: link) {
            apply(node) { $0.handle(.linkCost(ids[peer], cost), at: now) }
        }
    }

    /// Gives `node` new topology definitions, as an operator's reload does.
    public func reload(_ node: Int, definitions: [TopologyDefinition]) {
        apply(node) { $0.handle(.loadDefinitions(definitions), at: now) }
    }

    /// Cuts `link` silently: frames stop, nobody is told.
    public func cut(_ link: LinkKey) {
        cutLinks.insert(link)
    }

    /// Restores `link`: held-back frames and close notices flow again; a broken
    /// connection is redialled.
    public func restore(_ link: LinkKey) {
        guard cutLinks.remove(link) != nil else { return }
        let arrival = now + parameters.linkLatency
        if let closer = connections[link]!.pendingCloseNotice {
            connections[link]!.pendingCloseNotice = nil
            schedule(.closeNotice(to: link.other(closer), from: closer, epoch: connections[link]!.epoch), at: arrival, inFlight: true)
        }
        if connections[link]!.upAtA, connections[link]!.upAtB {
            let epoch = connections[link]!.epoch
            for frame in connections[link]!.stalled {
                schedule(.frame(from: frame.from, to: link.other(frame.from), epoch: epoch, frame.message), at: arrival, inFlight: true)
            }
        }
        connections[link]!.stalled.removeAll()
        scheduleDial(link)
    }

    // MARK: - Running

    /// Handles every event due up to `deadline`, then sets the clock to it.
    ///
    /// With ``threads`` above 1, events are handled a window at a time, their routers
    /// stepped on that many threads (see ``runWindows(until:)``): the same run, event for
    /// event, as with one thread.
    public func run(until deadline: Instant) {
        if threads > 1, windowLength > .zero {
            runWindows(until: deadline)
            return
        }
        while let next = queue.next, next.time <= deadline {
            handleNext()
        }
        now = max(now, deadline)
    }

    /// Takes the next event off the queue and handles it.
    func handleNext() {
        let event = queue.removeMin()
        now = event.time
        eventsProcessed += 1
        handle(event.payload)
    }

    public func run(for duration: Duration) {
        run(until: now + duration)
    }

    func handle(_ kind: SimulatedEvent) {
        switch kind {
        case .frame(let from, let to, let epoch, let message):
            let link = LinkKey(from, to)
            guard alive[to], connections[link]!.epoch == epoch, connections[link]!.isUp(at: to, of: link) else { return }
            apply(to) { $0.handle(.message(message, from: ids[from]), at: now) }
        case .records(let from, let to, let epoch, let batch):
            let records = recordBatches.removeValue(forKey: batch)!
            let direction = DirectedLink(from: from, to: to)
            if openBatches[direction]?.batch == batch {
                openBatches[direction] = nil
            }
            let link = LinkKey(from, to)
            guard alive[to], connections[link]!.epoch == epoch, connections[link]!.isUp(at: to, of: link) else { return }
            apply(to) { $0.handle(.message(.linkState(records), from: ids[from]), at: now) }
        case .wake(let node, let time):
            guard alive[node], wakeRequests[node] == time else { return }
            wakeRequests[node] = nil
            apply(node, offeringDatabase: true) { $0.handle(.timer, at: now) }
        case .dial(let link):
            connections[link]!.dialing = false
            guard canConnect(link), !(connections[link]!.upAtA && connections[link]!.upAtB) else { return }
            connections[link]!.epoch += 1
            connections[link]!.upAtA = true
            connections[link]!.upAtB = true
            connections[link]!.stalled.removeAll()
            connections[link]!.pendingCloseNotice = nil
            for (node, peer) in [(link.a, link.b), (link.b, link.a)] {
                let incarnation = incarnations[peer]
                apply(node) {
                    $0.handle(.peerUp(ids[peer], name: names[peer], incarnation: incarnation, cost: linkCosts[link] ?? parameters.linkCost), at: now)
                }
            }
        case .closeNotice(let to, let from, let epoch):
            let link = LinkKey(from, to)
            guard connections[link]!.epoch == epoch, connections[link]!.isUp(at: to, of: link) else { return }
            connections[link]!.setUp(false, at: to, of: link)
            if alive[to] {
                apply(to) { $0.handle(.peerDown(ids[from]), at: now) }
            }
            scheduleDial(link)
        }
    }

    /// Runs `body` on the router of `node` and carries out the actions it returns.
    ///
    /// Databases are shared by digest, once they have settled: on a timer event
    /// (`offeringDatabase`) of a router whose database has stayed unchanged for
    /// ``sharingQuiet``, the router adopts the canonical copy of its content, or offers its
    /// own as that copy. A database that is still changing is neither looked up nor offered:
    /// during a flood (a partition's heal: thousands of records installed per node) no
    /// other node would reach it, and a copy held by the table makes its holder's next
    /// record copy a page instead of writing in place. A database that has settled is the
    /// one others reach.
    func apply(_ node: Int, offeringDatabase: Bool = false, _ body: (inout Router) -> [Router.Action]) {
        guard alive[node] else { return }
        let (actions, settled) = Simulator.step(
            &routers[node]!, at: now, offeringDatabase: offeringDatabase, sharingQuiet: sharingQuiet,
            sharedDigest: &sharedDigests[node], databaseChangedAt: &databaseChangedAt[node], lastChange: &lastChange[node], body
        )
        if let settled {
            share(settled, of: node)
        }
        carryOut(actions, of: node)
    }

    /// A router's step and its node's bookkeeping, the same in either engine: when the
    /// node's database last changed, whether it is still the shared copy, when its database
    /// or routes last changed. Returns the actions and, on a timer event
    /// (`offeringDatabase`) of a database unchanged for `sharingQuiet` that is not the
    /// shared copy yet, that database, for ``share(_:of:)`` (the table is the main
    /// thread's); the node counts as sharing it from then on.
    static func step(
        _ router: inout Router, at time: Instant, offeringDatabase: Bool, sharingQuiet: Duration,
        sharedDigest: inout DatabaseDigest?, databaseChangedAt: inout Instant, lastChange: inout Instant,
        _ body: (inout Router) -> [Router.Action]
    ) -> (actions: [Router.Action], settled: LinkStateDatabase?) {
        let digest = router.database.digest
        let routeChange = router.lastRouteChange
        let actions = body(&router)
        let newDigest = router.database.digest
        var settled: LinkStateDatabase?
        if newDigest != digest {
            databaseChangedAt = time
            sharedDigest = nil
        } else if offeringDatabase, sharedDigest != newDigest, time - databaseChangedAt >= sharingQuiet {
            settled = router.database
            sharedDigest = newDigest
        }
        if newDigest != digest || routeChange != router.lastRouteChange {
            lastChange = time
        }
        return (actions, settled)
    }

    /// `node` adopts the canonical copy of `settled`'s content, or offers `settled` as that
    /// copy. A copy is adopted only while the node's database is still that content (in the
    /// parallel engine the node's later events of a window may have changed it since; the
    /// records are the same either way).
    func share(_ settled: LinkStateDatabase, of node: Int) {
        if let shared = canonicalDatabases[settled.digest] {
            if inspect(node, { $0.database.digest }) == settled.digest {
                inspect(node) { $0.adoptIdenticalDatabase(shared) }
            }
        } else {
            canonicalDatabases.insert(settled)
        }
    }

    /// Carries out `actions` of `node`; a wake-up is asked for and scheduled.
    func carryOut(_ actions: [Router.Action], of node: Int) {
        carryOut(actions, of: node) { time in
            wakeRequests[node] = time
            schedule(.wake(node: node, time), at: time)
        }
    }

    /// Carries out `actions` of `node`, a wake-up by `wake` (the parallel engine's, for
    /// wake-ups the node's worker already handled).
    func carryOut(_ actions: [Router.Action], of node: Int, wake: (Instant) -> Void) {
        let arrival = now + parameters.linkLatency
        for action in actions {
            switch action {
            case .send(let message, let peerID):
                send(message, from: node, to: peerID, arrival: arrival)
            case .forward(let messages, let peerID):
                for message in messages {
                    send(.data(message), from: node, to: peerID, arrival: arrival)
                }
            case .deliver(let messages, let client):
                for message in messages {
                    ledger.delivered(message, to: client, at: node, time: now)
                }
            case .gap(let gap, let client):
                ledger.gapped(gap, to: client)
            case .reject(let client, let rejection):
                ledger.rejected(client, rejection)
            case .disconnect(let peerID, _):
                guard let peer = neighbors.peer(peerID, of: node) else { continue }
                let link = LinkKey(node, peer)
                if close(link, at: node) {
                    scheduleDial(link)
                }
            case .wakeUp(let time):
                wake(time)
            case .observe:
                break
            }
        }
    }

    /// Sends `message` from `node` to `peerID` over their link, if it is up: held while
    /// the link is cut, otherwise arriving one link latency later.
    private func send(_ message: PeerMessage, from node: Int, to peerID: NodeID, arrival: Instant) {
        guard let peer = neighbors.peer(peerID, of: node) else { return }
        let link = LinkKey(node, peer)
        guard let connection = connections[link], connection.upAtA, connection.upAtB else { return }
        if case .data(let data) = message {
            ledger.crossed(data, from: node, to: peer)
        }
        let direction = DirectedLink(from: node, to: peer)
        let epoch = connection.epoch
        if cutLinks.contains(link) {
            openBatches[direction] = nil
            connections[link]!.stalled.append((node, message))
        } else if case .linkState(let records) = message {
            // Link-state frames sent on one link for the same instant of arrival,
            // with nothing between them, arrive as one: the receiver handles the
            // same records in the same order as it would from the separate frames
            // of one read. Every link has the same latency, so a flood moves in
            // waves and this turns one frame per record batch into one per wave.
            if let open = openBatches[direction], open.arrival == arrival, open.epoch == epoch {
                recordBatches[open.batch]!.append(contentsOf: records)
            } else {
                nextBatch += 1
                recordBatches[nextBatch] = records
                openBatches[direction] = OpenBatch(batch: nextBatch, arrival: arrival, epoch: epoch)
                schedule(.records(from: node, to: peer, epoch: epoch, batch: nextBatch), at: arrival, inFlight: true)
            }
        } else {
            openBatches[direction] = nil
            schedule(.frame(from: node, to: peer, epoch: epoch, message), at: arrival, inFlight: true)
        }
    }

    private func canConnect(_ link: LinkKey) -> Bool {
        alive[link.a] && alive[link.b] && !cutLinks.contains(link)
    }

    func scheduleDial(_ link: LinkKey) {
        let connection = connections[link]!
        guard canConnect(link), !(connection.upAtA && connection.upAtB), !connection.dialing else { return }
        connections[link]!.dialing = true
        let jitter = Int64.random(in: 0...max(0, parameters.redialJitter.nanoseconds), using: &generator)
        schedule(.dial(link), at: now + parameters.redialDelay + .nanoseconds(jitter))
    }

    /// Queues `kind` for `time`; `inFlight`: it arrives one link latency from now (see
    /// ``EventQueue``).
    func schedule(_ kind: SimulatedEvent, at time: Instant, inFlight: Bool = false) {
        scheduled += 1
        queue.insert(kind, at: time, order: scheduled, inOrder: inFlight)
    }
}

/// Link-state records handled by routers: the flooding work of a run.
public struct RecordCounts: Sendable {
    public var received: UInt64 = 0
    public var installed: UInt64 = 0
    /// Versions of their own records the routers flooded.
    public var originated: UInt64 = 0

    mutating func add(_ statistics: RouterStatistics) {
        received += statistics.recordsReceived
        installed += statistics.recordsInstalled
        originated += statistics.recordsOriginated
    }
}

/// What a pending event of the simulation does. Events are taken by time, then by the
/// order they were scheduled in (``EventQueue``), so frames on a link arrive in the order
/// they were sent.
enum SimulatedEvent {
    case frame(from: Int, to: Int, epoch: UInt64, PeerMessage)
    /// A link-state frame whose records are in ``Simulator/recordBatches``.
    case records(from: Int, to: Int, epoch: UInt64, batch: UInt64)
    case wake(node: Int, Instant)
    case dial(LinkKey)
    case closeNotice(to: Int, from: Int, epoch: UInt64)
}
