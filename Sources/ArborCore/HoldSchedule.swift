/// When what a topology holds for a while ends: local publications held for the parent's
/// first interest (``RouterConfiguration/publishHold``) and a membership lingering after
/// the last local member left (``RouterConfiguration/memberLinger``). A sub-machine of
/// ``Router`` that owns this state and reports its next deadline; what is held, and until
/// when, stays in each topology's state (``TopologyState/held``,
/// ``TopologyState/lingerUntil``), which the router checks when the topology's turn comes.
///
/// Every deadline of one kind is the same delay after the moment it was noted, so each kind
/// is a queue in order (``DeadlineQueue``): finding the due ones costs nothing for the
/// topologies whose time has not come (a pass over all of them at every deadline would cost
/// a node of 100,000 topologies a pass per member that left). Topologies whose deadline
/// passed wait their turn in the order their deadlines were noted (no sort: sorting 100,000
/// names at every slice was a step of hundreds of ms); the router takes as many per step as
/// it can afford (a lingering that ends costs a refresh), the rest a `refreshSliceDelay` later.
struct HoldSchedule: Sendable {
    private let sliceDelay: Duration
    private var publications = DeadlineQueue()
    private var lingering = DeadlineQueue()
    /// Topologies whose deadline passed, waiting for their turn.
    private var due = TopologyQueue()
    /// The earliest deadline noted, or the next slice while topologies wait for their turn.
    private(set) var nextDeadline: Instant?

    init(_ configuration: RouterConfiguration) {
        sliceDelay = configuration.refreshSliceDelay
    }

    /// A publication to topology `name` is held until `deadline`.
    mutating func holdsPublication(until deadline: Instant, in name: TopologyName) {
        nextDeadline = min(nextDeadline ?? deadline, deadline)
        publications.append(deadline, for: name)
    }

    /// The membership of topology `name` lingers until `deadline`.
    mutating func lingers(until deadline: Instant, in name: TopologyName) {
        nextDeadline = min(nextDeadline ?? deadline, deadline)
        lingering.append(deadline, for: name)
    }

    /// Whether anything is due at `now`; when it is, the topologies whose deadline passed
    /// join those waiting for their turn (held publications first, each kind in the order
    /// noted), and the router takes them with ``nextTurn()`` then calls ``endStep(at:)``.
    mutating func startStep(at now: Instant) -> Bool {
        guard let earliest = nextDeadline, earliest <= now else { return false }
        for name in publications.takeDue(at: now) {
            due.append(name)
        }
        for name in lingering.takeDue(at: now) {
            due.append(name)
        }
        return true
    }

    /// The next topology whose deadline passed, in turn.
    mutating func nextTurn() -> TopologyName? {
        due.popFirst()
    }

    /// The step that started at `now` is over: the next deadline is a slice later while
    /// topologies still wait for their turn, else the earliest noted.
    mutating func endStep(at now: Instant) {
        var next = due.isEmpty ? nil : now + sliceDelay
        for deadline in [publications.earliest, lingering.earliest].compactMap({ $0 }) {
            next = min(next ?? deadline, deadline)
        }
        nextDeadline = next
    }
}
