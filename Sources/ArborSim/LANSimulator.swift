import ArborCore
import HeapModule

/// A LAN of nodes that each run one ``OverlayLinks`` machine, on a virtual clock.
///
/// Every host hears every other host's announcement (mDNS): a node that starts or restarts
/// is reported to the others after ``LANParameters/announceDelay``; one that leaves
/// gracefully is withdrawn after one latency; one that crashes stays announced (a host
/// crash sends no goodbye and mDNS caches keep it). A dial reaches a live host in one
/// latency and completes its handshake in two; a dead host refuses in one; a partitioned one
/// never answers (the machine's handshake timeout ends the dial). Established links across
/// a partition are declared dead after ``LANParameters/deadAfter``; announcements do not
/// cross it, and after a heal every node's browser catches up with what it missed.
///
/// The machine's directives are carried out exactly as a daemon would; the simulator
/// records, after every event, the largest number of counted links any node held.
public final class LANSimulator {
    public let parameters: LANParameters
    public private(set) var now: Instant = .zero
    public private(set) var ids: [NodeID] = []
    /// The machine of each node; `nil` while it is down (crashed, left, not yet joined).
    public private(set) var machines: [OverlayLinks?] = []
    /// Partition side of each node (all 0 when there is none).
    public private(set) var sides: [Int] = []
    public private(set) var eventsProcessed = 0
    public private(set) var dials = 0
    /// The most counted links any node held at any moment.
    public private(set) var maxDegreeEver = 0
    /// Nodes that exceeded ``LANParameters/maxLinks`` at some moment.
    public private(set) var capViolations = 0
    /// Links established or closed so far, at either end: while it stands still, so do the
    /// links (a checker need not look again).
    public private(set) var linkChanges = 0

    var incarnations: [UInt64] = []
    var generations: [UInt64] = []
    /// What each node announces while its announcement stands (live or crashed).
    var announced: [Int: OverlayPeer] = [:]
    var indexByID: [NodeID: Int] = [:]
    /// Nodes that missed an announcement while partitioned.
    var missedAnnouncements: Set<Int> = []
    var connections: [SimulatedDial] = []
    /// Per node: its connections, by its own name for them.
    var connectionIndex: [[OverlayConnection: Int]] = []
    var nextAccepted: [UInt64] = []
    var queue = Heap<LANEvent>()
    var order: UInt64 = 0
    var wakeRequests: [Instant?] = []
    var generator: SeededGenerator
    var sharedViews: [UInt64: OverlayView] = [:]

    struct SimulatedDial {
        var dialer: Int
        var target: Int
        var dialerConnection: OverlayConnection
        var acceptorConnection: OverlayConnection?
        var dialerOpen = true
        var acceptorOpen = true
    }

    /// `count` live nodes, each starting with the full view (its browser has seen every
    /// announcement); ids drawn from `seed`.
    public init(nodes count: Int, parameters: LANParameters = LANParameters(), seed: UInt64) {
        self.parameters = parameters
        generator = SeededGenerator(seed: seed)
        for _ in 0..<count {
            addNode()
        }
        var view = OverlayView()
        for node in 0..<count {
            announced[node] = peer(node)
            view.insert(peer(node))
        }
        view.buildRingIndex(rings: parameters.configuration(ids[0], seed: 0).rings)
        for node in 0..<count {
            machines[node] = OverlayLinks(parameters.configuration(ids[node], seed: generator.next()), view: view)
            apply(node, .timer)
        }
    }

    private func addNode() {
        let node = ids.count
        var id = NodeID.random(using: &generator)
        while indexByID[id] != nil {
            id = NodeID.random(using: &generator)
        }
        ids.append(id)
        indexByID[id] = node
        machines.append(nil)
        sides.append(0)
        incarnations.append(1)
        generations.append(0)
        connectionIndex.append([:])
        nextAccepted.append(0)
        wakeRequests.append(nil)
    }

    /// Host names are the node's index: `h17` (short strings, hashed without allocating).
    private func host(_ node: Int) -> String { "h\(node)" }

    func peer(_ node: Int) -> OverlayPeer {
        OverlayPeer(id: ids[node], addresses: [OverlayAddress(host: host(node), port: 7000)], realm: "sim", incarnation: incarnations[node])
    }

    public var liveNodes: [Int] { machines.indices.filter { machines[$0] != nil } }

    public func index(of id: NodeID) -> Int? { indexByID[id] }

    // MARK: - Faults

    /// A brand-new node joins: it starts with the view its browser reports at once, and
    /// the others hear of it after the announce delay. Returns its index.
    @discardableResult
    public func join() -> Int {
        addNode()
        let node = ids.count - 1
        start(node)
        return node
    }

    /// Starts a node that is down again, with a new incarnation.
    public func restart(_ node: Int) {
        guard machines[node] == nil else { return }
        incarnations[node] += 1
        start(node)
    }

    private func start(_ node: Int) {
        announced[node] = peer(node)
        var view = OverlayView()
        for (other, announcement) in announced {
            if sides[other] == sides[node] {
                view.insert(announcement)
            } else {
                missedAnnouncements.insert(node)
            }
        }
        machines[node] = OverlayLinks(parameters.configuration(ids[node], seed: generator.next()), view: view)
        apply(node, .timer)
        announce(.discovered(peer(node)), from: node, after: parameters.announceDelay)
    }

    /// A graceful stop: connections close, the announcement is withdrawn.
    public func leave(_ node: Int) {
        guard machines[node] != nil else { return }
        stop(node)
        announced[node] = nil
        announce(.vanished(ids[node]), from: node, after: parameters.latency)
    }

    /// A crash: connections are reset, the announcement stays in every cache.
    public func crash(_ node: Int) {
        guard machines[node] != nil else { return }
        stop(node)
    }

    private func stop(_ node: Int) {
        linkChanges += 1
        for index in connectionIndex[node].values.sorted() {
            closeEnd(index, at: node)
        }
        connectionIndex[node] = [:]
        machines[node] = nil
        wakeRequests[node] = nil
        generations[node] += 1
    }

    /// Silently separates `group` from every other node.
    public func partition(_ group: [Int]) {
        for node in group {
            sides[node] = 1
        }
        for index in connections.indices {
            let dial = connections[index]
            guard sides[dial.dialer] != sides[dial.target] else { continue }
            for end in [dial.dialer, dial.target] where isOpen(index, at: end) {
                schedule(.closeNotice(dial: index, to: end), after: parameters.deadAfter)
            }
        }
    }

    /// Ends the partition; every node's browser catches up with what it missed.
    public func heal() {
        for node in sides.indices {
            sides[node] = 0
        }
        for node in missedAnnouncements.sorted() where machines[node] != nil {
            let view = machines[node]!.view
            for announcement in announced.values.sorted(by: { $0.id < $1.id }) where view[announcement.id] != announcement {
                apply(node, .discovered(announcement))
            }
            for id in view.members.keys where index(of: id).map({ announced[$0] == nil }) ?? true {
                apply(node, .vanished(id))
            }
        }
        missedAnnouncements.removeAll()
    }

    private func announce(_ event: OverlayLinks.Event, from node: Int, after delay: Duration) {
        for other in machines.indices where other != node {
            schedule(.discovery(to: other, event, side: sides[node]), after: delay)
        }
    }

    // MARK: - Running

    public func run(until deadline: Instant) {
        while let next = queue.min, next.time <= deadline {
            let event = queue.removeMin()
            now = event.time
            eventsProcessed += 1
            handle(event.kind)
        }
        now = max(now, deadline)
    }

    public func run(for duration: Duration) {
        run(until: now + duration)
    }

    private func handle(_ kind: LANEvent.Kind) {
        switch kind {
        case .discovery(let node, let event, let side):
            guard machines[node] != nil else { return }
            guard sides[node] == side else {
                missedAnnouncements.insert(node)
                return
            }
            apply(node, event)
        case .arrive(let index):
            let dial = connections[index]
            guard dial.dialerOpen else { return }
            guard sides[dial.dialer] == sides[dial.target] else { return }
            guard machines[dial.target] != nil else {
                schedule(.closeNotice(dial: index, to: dial.dialer), after: parameters.latency)
                connections[index].acceptorOpen = false
                return
            }
            nextAccepted[dial.target] += 1
            let accepted = OverlayConnection.accepted(nextAccepted[dial.target])
            connections[index].acceptorConnection = accepted
            connectionIndex[dial.target][accepted] = index
            schedule(.answer(dial: index), after: parameters.latency)
            apply(dial.target, .accepted(accepted))
            if isOpen(index, at: dial.target) {
                apply(dial.target, .handshaken(accepted, peer: ids[dial.dialer], incarnation: incarnations[dial.dialer]))
            }
        case .answer(let index):
            // The target sent its handshake on accepting, before any refusal: it arrives
            // even when the target closed the connection since (the close follows it).
            let dial = connections[index]
            guard dial.dialerOpen, machines[dial.dialer] != nil else { return }
            apply(dial.dialer, .handshaken(dial.dialerConnection, peer: ids[dial.target], incarnation: incarnations[dial.target]))
        case .closeNotice(let index, let node):
            guard isOpen(index, at: node) else { return }
            let connection = connection(index, at: node)
            markClosed(index, at: node)
            apply(node, .closed(connection))
        case .wake(let node, let instant):
            guard machines[node] != nil, wakeRequests[node] == instant else { return }
            wakeRequests[node] = nil
            apply(node, .timer)
        }
    }

    private func isOpen(_ index: Int, at node: Int) -> Bool {
        let dial = connections[index]
        if node == dial.dialer { return dial.dialerOpen }
        return dial.acceptorOpen && dial.acceptorConnection != nil
    }

    private func connection(_ index: Int, at node: Int) -> OverlayConnection {
        node == connections[index].dialer ? connections[index].dialerConnection : connections[index].acceptorConnection!
    }

    private func markClosed(_ index: Int, at node: Int) {
        if node == connections[index].dialer {
            connections[index].dialerOpen = false
        } else {
            connections[index].acceptorOpen = false
        }
        connectionIndex[node][connection(index, at: node)] = nil
    }

    /// `node` closes its end; the other end hears of it one latency later (or, across a
    /// partition, when its heartbeats give up).
    private func closeEnd(_ index: Int, at node: Int) {
        guard isOpen(index, at: node) else { return }
        markClosed(index, at: node)
        let dial = connections[index]
        let other = node == dial.dialer ? dial.target : dial.dialer
        guard isOpen(index, at: other) else { return }
        let delay = sides[node] == sides[other] ? parameters.latency : parameters.deadAfter
        schedule(.closeNotice(dial: index, to: other), after: delay)
    }

    private func apply(_ node: Int, _ event: OverlayLinks.Event) {
        guard machines[node] != nil else { return }
        if case .closed = event {
            linkChanges += 1
        }
        let directives = machines[node]!.handle(event, at: now)
        let degree = machines[node]!.countedLinks
        maxDegreeEver = max(maxDegreeEver, degree)
        if degree > parameters.maxLinks {
            capViolations += 1
        }
        for directive in directives {
            switch directive {
            case .dial(let connection, _, let address):
                dials += 1
                let target = Int(address.host.dropFirst())!
                let index = connections.count
                connections.append(SimulatedDial(dialer: node, target: target, dialerConnection: connection))
                connectionIndex[node][connection] = index
                schedule(.arrive(dial: index), after: parameters.latency)
            case .establish(_, _, let replacing):
                linkChanges += 1
                if let replacing, let index = connectionIndex[node][replacing] {
                    closeEnd(index, at: node)
                }
            case .close(let connection, _):
                linkChanges += 1
                if let index = connectionIndex[node][connection] {
                    closeEnd(index, at: node)
                }
            case .armTimer(let instant):
                wakeRequests[node] = instant
                schedule(.wake(node: node, instant), at: instant)
            }
        }
    }

    private func schedule(_ kind: LANEvent.Kind, after delay: Duration) {
        schedule(kind, at: now + delay)
    }

    private func schedule(_ kind: LANEvent.Kind, at time: Instant) {
        order += 1
        queue.insert(LANEvent(time: time, order: order, kind: kind))
    }

    // MARK: - Sharing

    /// Lets nodes whose views are equal share one copy (a view is a persistent tree; after
    /// an announcement reached everybody, 10,000 nodes hold 10,000 equal views), with a
    /// ring index, so a node that loses a neighbour finds the next without a scan.
    public func shareViews() {
        if sharedViews.count > 64 {
            sharedViews.removeAll()
        }
        for node in machines.indices where machines[node] != nil {
            let digest = machines[node]!.view.digest
            if let shared = sharedViews[digest], shared.count == machines[node]!.view.count {
                machines[node]!.adoptIdenticalView(shared)
            } else {
                var view = machines[node]!.view
                view.buildRingIndex(rings: parameters.configuration(ids[node], seed: 0).rings)
                sharedViews[digest] = view
                machines[node]!.adoptIdenticalView(view)
            }
        }
    }
}

/// One pending event of a LAN simulation, ordered by time, then by scheduling order.
struct LANEvent: TimeOrdered {
    enum Kind {
        /// An mDNS report, dropped if `side` (the announcer's) is not the receiver's.
        case discovery(to: Int, OverlayLinks.Event, side: Int)
        /// A dial reaches its target.
        case arrive(dial: Int)
        /// The target's handshake reaches the dialer.
        case answer(dial: Int)
        /// The other end closed (or heartbeats gave up).
        case closeNotice(dial: Int, to: Int)
        case wake(node: Int, Instant)
    }

    var time: Instant
    var order: UInt64
    var kind: Kind
}
