import ArborCore
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Turns NIO's monotonic clock into the core's instants and back. The origin is the
/// node's start, so instants are small and readable in logs.
struct NodeClock: Sendable {
    let origin: NIODeadline
    /// Wall-clock time at the origin, nanoseconds since the Unix epoch.
    let wallOrigin: Int64

    init() {
        origin = .now()
        wallOrigin = NodeClock.wallNow
    }

    var now: Instant {
        Instant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds - origin.uptimeNanoseconds))
    }

    func deadline(_ instant: Instant) -> NIODeadline {
        origin + .nanoseconds(max(0, instant.nanoseconds))
    }

    /// The wall clock now, nanoseconds since the Unix epoch (for operators' timestamps only;
    /// routing never reads it).
    static var wallNow: Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
