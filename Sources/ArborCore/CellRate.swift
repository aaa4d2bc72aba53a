/// One lane of the generic cell rate algorithm (GCRA), the schedule behind flood pacing
/// (``FloodPacer``) and interest pacing (``InterestPacer``): sends go at once while fewer
/// than `burst` went in the last `burst` intervals of `pacing`; beyond that each waits for
/// its turn. The lane holds only its theoretical arrival time (TAT); the pacing and burst
/// are the owner's, passed to each call, so that one configuration serves every lane.
struct CellRate: Sendable {
    /// The theoretical time of the next send: `pacing` past the previous one's, or now.
    private(set) var schedule: Instant

    init(schedule: Instant = .zero) {
        self.schedule = schedule
    }

    /// How many sends the schedule allows at `now`: `burst` when it is not ahead of `now`,
    /// fewer the further ahead it is, 0 once it is `burst - 1` intervals ahead or more.
    func allowance(at now: Instant, pacing: Duration, burst: Int) -> Int {
        let interval = max(1, pacing.nanoseconds)
        let ahead = schedule.nanoseconds - now.nanoseconds
        if ahead <= 0 { return burst }
        let slack = Int64(burst - 1) * interval - ahead
        return slack < 0 ? 0 : Int(slack / interval) + 1
    }

    /// The earliest instant at which `count` sends are allowed at once.
    func turn(for count: Int, pacing: Duration, burst: Int) -> Instant {
        schedule - pacing * (burst - count)
    }

    /// Counts `count` sends at `now`.
    mutating func spend(_ count: Int, at now: Instant, pacing: Duration) {
        schedule = max(schedule, now) + pacing * count
    }
}
