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
        while let next = queue.min, next.time <= deadline {
            if case .dial = eventKinds[Int(next.slot)]! {
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
        var order: [WindowEntry] = []
        var works: [NodeWork] = []
        while let next = queue.min, next.time < bound {
            if case .dial = eventKinds[Int(next.slot)]! {
                bound = next.time
                break
            }
            let event = queue.removeMin()
            let kind = takeKind(of: event)
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
            works[Int(work)].events.append(WindowEvent(time: event.time, kind: kind, records: records))
            order.append(WindowEntry(time: event.time, order: event.order, work: work, index: Int32(works[Int(work)].events.count - 1)))
        }
        for work in works {
            windowWork[work.node] = -1
        }
        step(works, before: bound, inParallel: order.count >= Simulator.smallestParallelWindow)
        replay(order, of: works, before: bound)
    }

    /// Windows of fewer events are stepped on the main thread alone: waking the workers
    /// costs more than it saves (tens of microseconds a window, more on a loaded machine).
    static let smallestParallelWindow = 64

    /// Step 2: every node's events on its router, on up to ``threads`` threads if
    /// `inParallel`, else on the main thread.
    private func step(_ works: [NodeWork], before bound: Instant, inParallel: Bool) {
        routers.withUnsafeMutableBufferPointer { routers in
            wakeRequests.withUnsafeMutableBufferPointer { wakeRequests in
                sharedDigests.withUnsafeMutableBufferPointer { sharedDigests in
                    databaseChangedAt.withUnsafeMutableBufferPointer { databaseChangedAt in
                        lastChange.withUnsafeMutableBufferPointer { lastChange in
                            let nodes = NodeSlots(
                                routers: routers, wakeRequests: wakeRequests, sharedDigests: sharedDigests,
                                databaseChangedAt: databaseChangedAt, lastChange: lastChange
                            )
                            let context = WindowContext(
                                bound: bound, ids: ids, indexByID: indexByID, alive: alive, connections: connections,
                                sharingQuiet: sharingQuiet, nodes: nodes
                            )
                            let workers = inParallel ? min(threads, works.count) : 1
                            if workers < 2 {
                                for work in works {
                                    context.step(work)
                                }
                                return
                            }
                            let next = WorkCounter()
                            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                                while true {
                                    let index = next.take()
                                    guard index < works.count else { return }
                                    context.step(works[index])
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Step 3: what every event did, carried out in the sequential order.
    private func replay(_ order: [WindowEntry], of works: [NodeWork], before bound: Instant) {
        var wakes = Heap<WindowEntry>()
        var position = 0
        while true {
            let entry: WindowEntry
            let isWake: Bool
            if position < order.count, wakes.min.map({ order[position] < $0 }) ?? true {
                entry = order[position]
                position += 1
                isWake = false
            } else if let wake = wakes.popMin() {
                entry = wake
                isWake = true
            } else {
                break
            }
            now = entry.time
            eventsProcessed += 1
            let work = works[Int(entry.work)]
            let outcome = isWake ? work.wakeOutcomes[Int(entry.index)] : work.outcomes[Int(entry.index)]
            let kind: ScheduledEvent.Kind = isWake ? .wake(node: work.node, entry.time) : work.events[Int(entry.index)].kind
            if case .records(let from, let to, _, let batch) = kind {
                let direction = DirectedLink(from: from, to: to)
                if openBatches[direction]?.batch == batch {
                    openBatches[direction] = nil
                }
            }
            guard outcome.handled else { continue }
            if case .closeNotice(let to, let from, _) = kind {
                connections[LinkKey(from, to)]!.setUp(false, at: to, of: LinkKey(from, to))
            }
            if let settled = outcome.offered {
                share(settled, of: work.node)
            }
            carryOut(outcome.actions, of: work.node) { time in
                guard time < bound else {
                    self.schedule(.wake(node: work.node, time), at: time)
                    return
                }
                // Handled by the node's worker already: it takes its place in the order.
                self.scheduled += 1
                wakes.insert(WindowEntry(time: time, order: self.scheduled, work: entry.work, index: Int32(work.wakesCarried)))
                work.wakesCarried += 1
            }
            if case .closeNotice(let to, let from, _) = kind {
                scheduleDial(LinkKey(from, to))
            }
        }
    }
}

/// One event of a window in the sequential order: its time and scheduling order, and where
/// its node's worker kept what it did (`index` into the node's events, or, for a wake-up
/// asked for inside the window, into its wake-ups).
struct WindowEntry: TimeOrdered {
    var time: Instant
    var order: UInt64
    var work: Int32
    var index: Int32
}

/// An event of a window as its node's worker handles it.
struct WindowEvent {
    var time: Instant
    var kind: ScheduledEvent.Kind
    /// A link-state frame's records (taken from ``Simulator/recordBatches``).
    var records: [LinkStateRecord]
}

/// What a node's worker did for one event: whether the event reached the router (the
/// sequential engine's guard held), the actions it returned, and the settled database it
/// offers for sharing.
struct WindowOutcome {
    var handled = false
    var actions: [Router.Action] = []
    var offered: LinkStateDatabase?
}

/// One node's share of a window: its events, and what its worker did.
///
/// `@unchecked Sendable`: exactly one worker takes a work (``WorkCounter`` hands out each
/// index once) and changes it; the main thread reads it only after every worker returned
/// (`concurrentPerform` returns after its last iteration), and changes it only then.
final class NodeWork: @unchecked Sendable {
    let node: Int
    var events: [WindowEvent] = []
    /// One per event of ``events``.
    var outcomes: [WindowOutcome] = []
    /// One per wake-up the node asked for and had inside the window, in the order asked.
    var wakeOutcomes: [WindowOutcome] = []
    /// Wake-ups of ``wakeOutcomes`` whose asking action the main thread carried out.
    var wakesCarried = 0

    init(node: Int) {
        self.node = node
    }
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
/// changes during a window's step 2) and where they write (``NodeSlots``).
///
/// `@unchecked Sendable`: routers, links and records are values whose shared storage is
/// copied before any change (copy on write); ``ScheduledEvent/Kind`` holds such values.
struct WindowContext: @unchecked Sendable {
    let bound: Instant
    let ids: [NodeID]
    let indexByID: [NodeID: Int]
    let alive: [Bool]
    let connections: [LinkKey: SimulatedConnection]
    let sharingQuiet: Duration
    let nodes: NodeSlots

    /// Handles `work`'s events, and the wake-ups they ask for inside the window, in order.
    func step(_ work: NodeWork) {
        var state = NodeStep()
        work.outcomes.reserveCapacity(work.events.count)
        var position = 0
        while true {
            let wake = state.nextWake()
            if position < work.events.count, wake.map({ work.events[position].time <= $0.time }) ?? true {
                let outcome = handle(work.events[position], at: work.node, state: &state)
                position += 1
                work.outcomes.append(outcome)
                note(outcome, of: work, state: &state)
            } else if let wake {
                state.pending.remove(at: wake.position)
                let outcome = wakeUp(work.node, at: wake.time, asked: wake.time)
                work.wakeOutcomes[wake.index] = outcome
                note(outcome, of: work, state: &state)
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
    private func note(_ outcome: WindowOutcome, of work: NodeWork, state: inout NodeStep) {
        let node = work.node
        for action in outcome.actions {
            switch action {
            case .wakeUp(let time):
                nodes.wakeRequests[node] = time
                if time < bound {
                    state.pending.append((time, work.wakeOutcomes.count))
                    work.wakeOutcomes.append(WindowOutcome())
                }
            case .disconnect(let peerID, _):
                guard let peer = indexByID[peerID] else { continue }
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
    /// ``NodeWork/wakeOutcomes`` (the order asked).
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
