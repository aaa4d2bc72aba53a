import ArborCore
import Dispatch
import HeapModule
import Synchronization

/// The parallel engine: events a window at a time, routers stepped on several threads.
///
/// Every frame takes one link latency and a redial waits at least ``SimulationParameters/redialDelay``,
/// so nothing a node does at time `t` reaches another node before `t + windowLength`. The
/// events of a window `[t, t + windowLength)` (cut short before the next dial, the one
/// event that changes two nodes at once) therefore fall into independent groups, one per
/// node they happen at. A window is handled in three steps:
///
/// 1. The main thread takes the window's events off the queue in order and groups them by
///    node (a link-state frame takes its records from ``recordBatches`` here).
/// 2. Workers step each node's group in order on its own router: the guard the sequential
///    engine would test (the node's end of the connection still up, the wake-up still the
///    one asked for), the router's ``Router/handle(_:at:)``, and the node's own bookkeeping
///    (database change times, sharing digests, last change, wake requests). A wake-up the
///    node asks for inside the window is handled there too, after the node's events that
///    were queued before it at the same time. Nothing outside the node changes: its
///    actions are kept, and what the node itself closed is noted for its later guards.
/// 3. The main thread carries out the kept actions in the order the sequential engine
///    would have handled the events: by time, then by scheduling order, a wake-up asked
///    for inside the window taking its order when the action that asked for it is carried
///    out. Frames, close notices, dials (and the random jitter they draw), the ledger,
///    link-state batching, database sharing and the event count change here, exactly as
///    one thread would change them.
///
/// Routers only share the ``RoutingCache`` (safe between threads; it changes how much is
/// computed, not what), so the run is the sequential run, event for event.
extension Simulator {
    /// The longest stretch of simulated time in which no node can affect another.
    var windowLength: Duration {
        min(parameters.linkLatency, parameters.redialDelay)
    }

    /// ``run(until:)`` a window at a time.
    func runWindows(until deadline: Instant) {
        let end = deadline + .nanoseconds(1)
        while let next = queue.next, next.time <= deadline {
            if case .dial = next.heapPayload {
                handleNext()
            } else {
                runWindow(before: min(next.time + windowLength, end))
            }
        }
        now = max(now, deadline)
    }

    /// Handles the events queued before `limit`, up to the first dial.
    private func runWindow(before limit: Instant) {
        var bound = limit
        var events: [WindowEvent] = []
        var works: [NodeWork] = []
        while let next = queue.next, next.time < bound {
            if case .dial = next.heapPayload {
                bound = next.time
                break
            }
            let event = queue.removeMin()
            let kind = event.payload
            var records: [LinkStateRecord] = []
            let node: Int
            switch kind {
            case .frame(_, let to, _, _): node = to
            case .records(_, let to, _, let batch):
                node = to
                records = recordBatches.removeValue(forKey: batch)!
            case .wake(let waking, _): node = waking
            case .closeNotice(let to, _, _): node = to
            case .dial: preconditionFailure("a dial ends the window")
            }
            var work = windowWork[node]
            if work < 0 {
                work = Int32(works.count)
                windowWork[node] = work
                works.append(NodeWork(node: node))
            }
            works[Int(work)].count += 1
            events.append(WindowEvent(time: event.time, order: event.order, work: work, kind: kind, records: records))
        }
        for work in works {
            windowWork[work.node] = -1
        }
        let byNode = Simulator.groupByNode(events, into: &works)
        var outcomes = [WindowOutcome](repeating: WindowOutcome(), count: events.count)
        var wakeOutcomes = [[WindowOutcome]](repeating: [], count: works.count)
        step(
            WindowEvents(events: events, byNode: byNode, works: works), before: bound,
            outcomes: &outcomes, wakeOutcomes: &wakeOutcomes, inParallel: events.count >= Simulator.smallestParallelWindow
        )
        replay(events, outcomes: outcomes, wakeOutcomes: wakeOutcomes, of: works, before: bound)
        discard(WindowLeftovers(events: events, outcomes: outcomes, wakeOutcomes: wakeOutcomes))
    }

    /// The window's events grouped by node, each node's in order: indices into `events`, the
    /// events of `works[w]` at `works[w].start ..< works[w].start + works[w].count`.
    private static func groupByNode(_ events: [WindowEvent], into works: inout [NodeWork]) -> [Int32] {
        var start: Int32 = 0
        for index in works.indices {
            works[index].start = start
            start += works[index].count
        }
        var next = works.map(\.start)
        var byNode = [Int32](repeating: 0, count: events.count)
        for (index, event) in events.enumerated() {
            let work = Int(event.work)
            byNode[Int(next[work])] = Int32(index)
            next[work] += 1
        }
        return byNode
    }

    /// Releases what a handled window leaves (events, actions, offered databases: one object
    /// release for each of hundreds of thousands in a flood) on ``discarding``, not on the
    /// main thread: that thread is the run's critical path, while the workers' cores idle
    /// through its replay. Nothing reads them after ``replay(_:outcomes:wakeOutcomes:of:before:)``,
    /// and no ArborCore type has a `deinit`, so when they are freed changes nothing in the run.
    private func discard(_ leftovers: consuming WindowLeftovers) {
        discarding.async { [leftovers] in
            withExtendedLifetime(leftovers) {}
        }
    }

    /// Windows of fewer events are stepped on the main thread alone: waking the workers
    /// costs more than it saves (tens of microseconds a window, more on a loaded machine).
    static let smallestParallelWindow = 64

    /// Step 2: every node's events on its router, on up to ``threads`` threads if
    /// `inParallel`, else on the main thread; what each event did goes to `outcomes` (by
    /// event) and `wakeOutcomes` (by work).
    private func step(
        _ window: WindowEvents, before bound: Instant, outcomes: inout [WindowOutcome],
        wakeOutcomes: inout [[WindowOutcome]], inParallel: Bool
    ) {
        routers.withUnsafeMutableBufferPointer { routers in
            wakeRequests.withUnsafeMutableBufferPointer { wakeRequests in
                sharedDigests.withUnsafeMutableBufferPointer { sharedDigests in
                    databaseChangedAt.withUnsafeMutableBufferPointer { databaseChangedAt in
                        lastChange.withUnsafeMutableBufferPointer { lastChange in
                            outcomes.withUnsafeMutableBufferPointer { outcomes in
                                wakeOutcomes.withUnsafeMutableBufferPointer { wakeOutcomes in
                                    let nodes = NodeSlots(
                                        routers: routers, wakeRequests: wakeRequests, sharedDigests: sharedDigests,
                                        databaseChangedAt: databaseChangedAt, lastChange: lastChange
                                    )
                                    let context = WindowContext(
                                        bound: bound, ids: ids, neighbors: neighbors, alive: alive, connections: connections,
                                        sharingQuiet: sharingQuiet, nodes: nodes, window: window,
                                        outcomes: WindowOutcomes(events: outcomes, wakes: wakeOutcomes)
                                    )
                                    let works = window.works.count
                                    let workers = inParallel ? min(threads, works) : 1
                                    if workers < 2 {
                                        for work in 0..<works {
                                            context.step(work)
                                        }
                                        return
                                    }
                                    let next = WorkCounter()
                                    DispatchQueue.concurrentPerform(iterations: workers) { _ in
                                        while true {
                                            let work = next.take()
                                            guard work < works else { return }
                                            context.step(work)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Step 3: what every event did, carried out in the sequential order. Events and
    /// outcomes are read in place (a copy would retain and release each message).
    private func replay(
        _ events: [WindowEvent], outcomes: [WindowOutcome], wakeOutcomes: [[WindowOutcome]], of works: [NodeWork],
        before bound: Instant
    ) {
        var wakes = Heap<WindowWake>()
        var wakesCarried = [Int32](repeating: 0, count: works.count)
        var position = 0
        while true {
            let work: Int32
            let event: Int?
            let wake: WindowWake?
            if position < events.count, wakes.min.map({ (events[position].time, events[position].order) < ($0.time, $0.order) }) ?? true {
                event = position
                wake = nil
                now = events[position].time
                work = events[position].work
                position += 1
            } else if let next = wakes.popMin() {
                event = nil
                wake = next
                now = next.time
                work = next.work
            } else {
                break
            }
            eventsProcessed += 1
            let node = works[Int(work)].node
            if let event, case .records(let from, let to, _, let batch) = events[event].kind {
                let direction = DirectedLink(from: from, to: to)
                if openBatches[direction]?.batch == batch {
                    openBatches[direction] = nil
                }
            }
            let handled = wake.map { wakeOutcomes[Int(work)][Int($0.index)].handled } ?? outcomes[event!].handled
            guard handled else { continue }
            var closed: LinkKey?
            if let event, case .closeNotice(let to, let from, _) = events[event].kind {
                closed = LinkKey(from, to)
                connections[closed!]!.setUp(false, at: to, of: closed!)
            }
            if let settled = wake.map({ wakeOutcomes[Int(work)][Int($0.index)].offered }) ?? outcomes[event!].offered {
                share(settled, of: node)
            }
            let actions = wake.map { wakeOutcomes[Int(work)][Int($0.index)].actions } ?? outcomes[event!].actions
            carryOut(actions, of: node) { time in
                guard time < bound else {
                    schedule(.wake(node: node, time), at: time)
                    return
                }
                // Handled by the node's worker already: it takes its place in the order.
                scheduled += 1
                wakes.insert(WindowWake(time: time, order: scheduled, work: work, index: wakesCarried[Int(work)]))
                wakesCarried[Int(work)] += 1
            }
            if let closed {
                scheduleDial(closed)
            }
        }
    }
}

/// An event of a window: its time and scheduling order, its node's share (an index into
/// the window's works), and what it is (a link-state frame with its records, taken from
/// ``Simulator/recordBatches``).
struct WindowEvent {
    var time: Instant
    var order: UInt64
    var work: Int32
    var kind: SimulatedEvent
    var records: [LinkStateRecord]
}

/// A wake-up a node asked for and had inside the window, in the sequential order: its
/// time and scheduling order, and where its node's worker kept what it did (`index` into
/// the work's wake-up outcomes).
struct WindowWake: TimeOrdered {
    var time: Instant
    var order: UInt64
    var work: Int32
    var index: Int32
}

/// What a node's worker did for one event: whether the event reached the router (the
/// sequential engine's guard held), the actions it returned, and the settled database it
/// offers for sharing.
struct WindowOutcome {
    var handled = false
    var actions: [Router.Action] = []
    var offered: LinkStateDatabase?
}

/// One node's share of a window: the node, and where its events are in the window's
/// grouping by node (``WindowEvents/byNode``).
struct NodeWork {
    let node: Int
    var start: Int32 = 0
    var count: Int32 = 0

    init(node: Int) {
        self.node = node
    }
}

/// A window's events as its workers read them: in the sequential order, grouped by node,
/// and each node's share.
struct WindowEvents {
    let events: [WindowEvent]
    /// Indices into ``events``, each node's share together and in order (see ``NodeWork``).
    let byNode: [Int32]
    let works: [NodeWork]
}

/// Where the workers write what the window's events did: by event, and by work for the
/// wake-ups asked for inside the window (in the order asked).
///
/// `@unchecked Sendable`: the buffers are the window's own arrays, held by
/// `withUnsafeMutableBufferPointer` while the workers run; a worker writes only the
/// elements of the events and the work it took, and no two works share an event.
struct WindowOutcomes: @unchecked Sendable {
    let events: UnsafeMutableBufferPointer<WindowOutcome>
    let wakes: UnsafeMutableBufferPointer<[WindowOutcome]>
}

/// What a handled window leaves to free (see ``Simulator/discard(_:)``).
///
/// `@unchecked Sendable`: handed whole to the queue that frees it; nothing else holds it.
struct WindowLeftovers: @unchecked Sendable {
    let events: [WindowEvent]
    let outcomes: [WindowOutcome]
    let wakeOutcomes: [[WindowOutcome]]
}

/// Hands out work indices, each once.
final class WorkCounter: Sendable {
    private let next = Atomic<Int>(0)

    func take() -> Int {
        next.wrappingAdd(1, ordering: .relaxed).oldValue
    }
}

/// The per-node state a worker changes, in place.
///
/// `@unchecked Sendable`: the buffers are the simulator's own arrays, held by
/// `withUnsafeMutableBufferPointer` while the workers run; a worker touches only the
/// elements of the node whose work it took, and no two works are of one node.
struct NodeSlots: @unchecked Sendable {
    let routers: UnsafeMutableBufferPointer<Router?>
    let wakeRequests: UnsafeMutableBufferPointer<Instant?>
    let sharedDigests: UnsafeMutableBufferPointer<DatabaseDigest?>
    let databaseChangedAt: UnsafeMutableBufferPointer<Instant>
    let lastChange: UnsafeMutableBufferPointer<Instant>
}

/// What the workers of one window read (copies of the simulator's tables, which nothing
/// changes during a window's step 2, and the window's events) and where they write
/// (``NodeSlots``, ``WindowOutcomes``).
///
/// `@unchecked Sendable`: routers, links and records are values whose shared storage is
/// copied before any change (copy on write); ``SimulatedEvent`` holds such values.
struct WindowContext: @unchecked Sendable {
    let bound: Instant
    let ids: [NodeID]
    let neighbors: NeighborTable
    let alive: [Bool]
    let connections: [LinkKey: SimulatedConnection]
    let sharingQuiet: Duration
    let nodes: NodeSlots
    let window: WindowEvents
    let outcomes: WindowOutcomes

    /// Handles the events of work `index`, and the wake-ups they ask for inside the
    /// window, in order.
    func step(_ index: Int) {
        let work = window.works[index]
        var state = NodeStep()
        var position = 0
        while true {
            let wake = state.nextWake()
            let event = position < work.count ? Int(window.byNode[Int(work.start) + position]) : nil
            if let event, wake.map({ window.events[event].time <= $0.time }) ?? true {
                let outcome = handle(window.events[event], at: work.node, state: &state)
                position += 1
                outcomes.events[event] = outcome
                note(outcome, of: index, state: &state)
            } else if let wake {
                state.pending.remove(at: wake.position)
                let outcome = wakeUp(work.node, at: wake.time, asked: wake.time)
                outcomes.wakes[index][wake.index] = outcome
                note(outcome, of: index, state: &state)
            } else {
                break
            }
        }
    }
    /// One queued event at `node`, guarded as the sequential engine guards it.
    private func handle(_ event: WindowEvent, at node: Int, state: inout NodeStep) -> WindowOutcome {
        let time = event.time
        switch event.kind {
        case .frame(let from, _, let epoch, let message):
            guard alive[node], state.isUp(LinkKey(from, node), at: node, epoch: epoch, in: connections) else { break }
            return apply(node, at: time) { $0.handle(.message(message, from: ids[from]), at: time) }
        case .records(let from, _, let epoch, _):
            guard alive[node], state.isUp(LinkKey(from, node), at: node, epoch: epoch, in: connections) else { break }
            return apply(node, at: time) { $0.handle(.message(.linkState(event.records), from: ids[from]), at: time) }
        case .wake(_, let asked):
            return wakeUp(node, at: time, asked: asked)
        case .closeNotice(_, let from, let epoch):
            let link = LinkKey(from, node)
            guard state.isUp(link, at: node, epoch: epoch, in: connections) else { break }
            state.closed.append(link)
            var outcome = apply(node, at: time) { $0.handle(.peerDown(ids[from]), at: time) }
            outcome.handled = true
            return outcome
        case .dial:
            preconditionFailure("a dial ends the window")
        }
        return WindowOutcome()
    }

    /// What of `outcome`'s actions the node's later events depend on: the wake-ups it asked
    /// for (the last one asked for stands) and the links it closed.
    private func note(_ outcome: WindowOutcome, of work: Int, state: inout NodeStep) {
        let node = window.works[work].node
        for action in outcome.actions {
            switch action {
            case .wakeUp(let time):
                nodes.wakeRequests[node] = time
                if time < bound {
                    state.pending.append((time, outcomes.wakes[work].count))
                    outcomes.wakes[work].append(WindowOutcome())
                }
            case .disconnect(let peerID, _):
                guard let peer = neighbors.peer(peerID, of: node) else { continue }
                let link = LinkKey(node, peer)
                if state.isUp(link, at: node, epoch: nil, in: connections) {
                    state.closed.append(link)
                }
            default:
                break
            }
        }
    }

    /// A wake-up event at `node`: handled if it is still the one asked for.
    private func wakeUp(_ node: Int, at time: Instant, asked: Instant) -> WindowOutcome {
        guard alive[node], nodes.wakeRequests[node] == asked else { return WindowOutcome() }
        nodes.wakeRequests[node] = nil
        return apply(node, at: time, offeringDatabase: true) { $0.handle(.timer, at: time) }
    }

    /// ``Simulator/apply(_:offeringDatabase:_:)`` on a worker: the router's step and the
    /// node's bookkeeping (``Simulator/step(_:at:offeringDatabase:sharingQuiet:sharedDigest:databaseChangedAt:lastChange:_:)``,
    /// in place: reading a router out of the buffer would copy it); a settled database is
    /// returned to share, not shared.
    private func apply(_ node: Int, at time: Instant, offeringDatabase: Bool = false, _ body: (inout Router) -> [Router.Action]) -> WindowOutcome {
        guard alive[node] else { return WindowOutcome() }
        let (actions, settled) = Simulator.step(
            &nodes.routers[node]!, at: time, offeringDatabase: offeringDatabase, sharingQuiet: sharingQuiet,
            sharedDigest: &nodes.sharedDigests[node], databaseChangedAt: &nodes.databaseChangedAt[node],
            lastChange: &nodes.lastChange[node], body
        )
        return WindowOutcome(handled: true, actions: actions, offered: settled)
    }
}

/// A worker's state while it steps one node's share of a window.
struct NodeStep {
    /// Links whose end at the node closed in this window (the connection table it reads is
    /// the window's start).
    var closed: [LinkKey] = []
    /// Wake-ups inside the window not handled yet: their time and their index in
    /// the work's wake-up outcomes (``WindowOutcomes/wakes``, the order asked).
    var pending: [(time: Instant, index: Int)] = []

    /// Whether the node's end of `link` is up (on connection `epoch`, if given).
    func isUp(_ link: LinkKey, at node: Int, epoch: UInt64?, in connections: [LinkKey: SimulatedConnection]) -> Bool {
        let connection = connections[link]!
        return (epoch.map { connection.epoch == $0 } ?? true) && connection.isUp(at: node, of: link) && !closed.contains(link)
    }

    /// The earliest pending wake-up, the first asked among equal times.
    func nextWake() -> (position: Int, time: Instant, index: Int)? {
        guard let position = pending.indices.min(by: { (pending[$0].time, pending[$0].index) < (pending[$1].time, pending[$1].index) })
        else { return nil }
        return (position, pending[position].time, pending[position].index)
    }
}
