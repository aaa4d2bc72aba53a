import ArborCore
import NIOCore

/// Turns NIO's monotonic clock into the core's instants and back. The origin is the
/// node's start, so instants are small and readable in logs.
struct NodeClock: Sendable {
    let origin: NIODeadline

    init() {
        origin = .now()
    }

    var now: Instant {
        Instant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds - origin.uptimeNanoseconds))
    }

    func deadline(_ instant: Instant) -> NIODeadline {
        origin + .nanoseconds(max(0, instant.nanoseconds))
    }
}
