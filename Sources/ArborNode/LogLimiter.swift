import ArborCore

/// Limits repeated log lines: per kind of line (a key), at most `burst` lines per
/// `window`; the lines beyond are only counted, and the count is logged once the window
/// ends (by the runtime, at the instant ``admit(_:at:)`` names), so a port scan or a
/// storm of route changes costs a few lines, not one per event.
struct LogLimiter: Sendable {
    enum Verdict: Equatable {
        /// Log the line.
        case log
        /// Do not log it; the first line suppressed in a window asks for the count to be
        /// taken (``takeSuppressed(_:)``) at `report`.
        case suppress(report: Instant?)
    }

    private struct Entry {
        var windowStart: Instant
        var logged: Int
        var suppressed: Int
    }

    let window: Duration
    let burst: Int
    private var entries: [String: Entry] = [:]

    init(window: Duration = .seconds(10), burst: Int = 10) {
        self.window = window
        self.burst = burst
    }

    mutating func admit(_ key: String, at now: Instant) -> Verdict {
        var entry = entries[key] ?? Entry(windowStart: now, logged: 0, suppressed: 0)
        if now - entry.windowStart >= window, entry.suppressed == 0 {
            entry = Entry(windowStart: now, logged: 0, suppressed: 0)
        }
        defer { entries[key] = entry }
        if entry.logged < burst, entry.suppressed == 0 {
            entry.logged += 1
            return .log
        }
        entry.suppressed += 1
        return .suppress(report: entry.suppressed == 1 ? entry.windowStart + window : nil)
    }

    /// The number of lines of `key` suppressed since the last report; starts a new window.
    mutating func takeSuppressed(_ key: String, at now: Instant) -> Int {
        guard let entry = entries[key] else { return 0 }
        entries[key] = Entry(windowStart: now, logged: 0, suppressed: 0)
        return entry.suppressed
    }
}
