/// When a ``Router`` recomputes its routes, and the pass of topology refreshes that follows
/// each recomputation: a sub-machine of the router that owns this state and reports its
/// next deadline (``nextDeadline``).
///
/// A recomputation waits `recomputeDelay` after the change that asked for it; while changes
/// keep coming (one less than `recomputeHold` after the last recomputation) each further
/// wait doubles, up to `recomputeMaximumDelay` (SPF throttling). A pass of more than
/// A recomputation that took in `recomputeFloodChanges` changed records or more marks a
/// flood: while changes keep coming after it, the waits go on doubling from at least
/// `recomputeMaximumDelay` up to `recomputeFloodMaximumDelay`. A pass of more than
/// `refreshesPerStep` topologies is cut into slices, one per `refreshSliceDelay`; a
/// recomputation waits for the pass under way to end, so that every topology is refreshed
/// at most one pass after a change.
struct RecomputationSchedule: Sendable {
    /// What is due when the router's timer fires.
    enum Due: Equatable {
        case nothing
        case recomputation
        case refreshSlice
    }

    private let configuration: RouterConfiguration
    private(set) var recomputeAt: Instant?
    private var lastRecompute: Instant?
    private var currentDelay: Duration = .zero
    /// Records changed since the last recomputation, and how many that one took in.
    private var changesSinceRecomputation = 0
    private var changesAtLastRecomputation = 0
    /// Topologies still to refresh in the pass under way, from `cursor` on.
    private var pass: [TopologyName] = []
    private var cursor = 0
    private var refreshDueAt: Instant?

    init(_ configuration: RouterConfiguration) {
        self.configuration = configuration
    }

    /// The earliest instant something is due.
    var nextDeadline: Instant? { refreshDueAt ?? recomputeAt }

    /// Asks for a recomputation after the current throttling delay, unless one is due;
    /// `changes` records (installed or dropped) changed since the last request.
    mutating func request(_ now: Instant, changes: Int = 0) {
        changesSinceRecomputation += changes
        guard recomputeAt == nil else { return }
        var delay = configuration.recomputeDelay
        if let last = lastRecompute, now - last < configuration.recomputeHold {
            if changesAtLastRecomputation >= configuration.recomputeFloodChanges {
                delay = min(max(currentDelay * 2, configuration.recomputeMaximumDelay), configuration.recomputeFloodMaximumDelay)
            } else {
                delay = min(max(currentDelay * 2, delay), configuration.recomputeMaximumDelay)
            }
        }
        currentDelay = delay
        recomputeAt = now + delay
    }

    /// What the timer firing at `now` is to do; a recomputation returned is no longer due.
    mutating func due(at now: Instant) -> Due {
        if let due = refreshDueAt, due <= now { return .refreshSlice }
        if let due = recomputeAt, due <= now, refreshDueAt == nil {
            recomputeAt = nil
            return .recomputation
        }
        return .nothing
    }

    /// The router recomputes at `now`.
    mutating func recomputed(_ now: Instant) {
        lastRecompute = now
        changesAtLastRecomputation = changesSinceRecomputation
        changesSinceRecomputation = 0
    }

    /// Starts a pass over `topologies` (in refresh order); returns whether its first slice
    /// is to be done now (else it is due after one slice delay).
    mutating func startPass(_ topologies: [TopologyName], now: Instant) -> Bool {
        pass = topologies
        cursor = 0
        guard pass.count > configuration.refreshesPerStep else { return true }
        // Sorting this many names is a step's worth of work already.
        refreshDueAt = now + configuration.refreshSliceDelay
        return false
    }

    /// Takes the next slice of the pass at `now`, and schedules the one after it while any
    /// topologies are left.
    mutating func nextSlice(_ now: Instant) -> ArraySlice<TopologyName> {
        let start = cursor
        cursor = min(pass.count, cursor + max(1, configuration.refreshesPerStep))
        let slice = pass[start..<cursor]
        if cursor < pass.count {
            refreshDueAt = now + configuration.refreshSliceDelay
        } else {
            pass = []
            cursor = 0
            refreshDueAt = nil
        }
        return slice
    }
}
