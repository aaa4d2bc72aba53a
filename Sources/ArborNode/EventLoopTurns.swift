#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// Watches the turns of the node's event loop so that work done in slices yields to the
/// sockets: ``mayRunDeferredWork()`` is false once the current turn has run deferred work
/// for ``budget``, and a slice that finds it false is put off until after the next poll.
///
/// Why a delay alone is not enough: in one turn NIO runs every scheduled task that is
/// due, including those that fell due while the turn was running, and polls the sockets
/// only when none is left. Slices a millisecond apart (a client's backlog of requests, the
/// router's refreshes of thousands of topologies, a departed client's topologies) thus
/// ran back to back for as long as any of them was due, while the peers' frames,
/// heartbeats among them, waited unread and the peers were declared dead. A slice put off
/// by a millisecond when the turn is over budget lets the turn end: NIO polls the sockets
/// before the next turn runs it.
///
/// It is the event loop group's metrics delegate (called at the end of every turn, on the
/// loop's thread) and is read by tasks on that same thread: the group has one thread, so
/// nothing here is touched concurrently, which makes `@unchecked Sendable` sound.
final class EventLoopTurns: NIOEventLoopMetricsDelegate, @unchecked Sendable {
    /// How long deferred work may run in one turn before it yields to the sockets.
    let budget: TimeAmount
    private var completed: UInt64 = 0
    private var seen: UInt64 = .max
    private var firstDeferredWork = NIODeadline.uptimeNanoseconds(0)
    /// Slices put off to a later turn so far (for the statistics).
    private(set) var yields: UInt64 = 0
    /// Turns completed so far: a slice put off in one turn knows, when it comes up again,
    /// whether the loop has polled its sockets since (the number changed).
    var completedTurns: UInt64 { completed }

    init(budget: TimeAmount) {
        self.budget = budget
    }

    /// Turns longer than this are reported to ``slowTurn``.
    var slowTurnThreshold: TimeAmount = .milliseconds(100)
    /// Called (on the loop) after a turn that ran longer than ``slowTurnThreshold`` with its
    /// wall time and what the loop's thread did meanwhile: a turn with little CPU was a
    /// thread kept off the CPU (blocked: voluntary switches; preempted: involuntary), not
    /// work.
    var slowTurn: ((_ wall: TimeAmount, _ usage: ThreadUsage, _ tasks: Int) -> Void)?
    private var usageAtLastTurnEnd: ThreadUsage?

    /// Linux's RUSAGE_THREAD, which Glibc's module leaves out (it is a GNU extension).
    static let rusageThread = __rusage_who_t(1)

    /// What the loop's thread used, from getrusage(RUSAGE_THREAD).
    struct ThreadUsage {
        var cpu: TimeAmount
        var voluntarySwitches: Int
        var involuntarySwitches: Int

        static func - (a: ThreadUsage, b: ThreadUsage) -> ThreadUsage {
            ThreadUsage(cpu: a.cpu - b.cpu, voluntarySwitches: a.voluntarySwitches - b.voluntarySwitches, involuntarySwitches: a.involuntarySwitches - b.involuntarySwitches)
        }

        static func now() -> ThreadUsage {
            var usage = rusage()
            getrusage(EventLoopTurns.rusageThread, &usage)
            let micros = (Int64(usage.ru_utime.tv_sec) + Int64(usage.ru_stime.tv_sec)) * 1_000_000
                + Int64(usage.ru_utime.tv_usec) + Int64(usage.ru_stime.tv_usec)
            return ThreadUsage(cpu: .microseconds(micros), voluntarySwitches: usage.ru_nvcsw, involuntarySwitches: usage.ru_nivcsw)
        }
    }

    func processedTick(info: NIOEventLoopTickInfo) {
        completed &+= 1
        let usage = ThreadUsage.now()
        defer { usageAtLastTurnEnd = usage }
        let wall = info.endTime - info.startTime
        if wall > slowTurnThreshold, let before = usageAtLastTurnEnd, let slowTurn {
            slowTurn(wall, usage - before, info.numberOfTasks)
        }
    }

    /// Whether a slice of deferred work may run now: the first one in a turn always may,
    /// further ones while the turn has run deferred work for less than ``budget``. Counts
    /// a yield when it may not.
    func mayRunDeferredWork() -> Bool {
        let now = NIODeadline.now()
        if completed != seen {
            seen = completed
            firstDeferredWork = now
            return true
        }
        if now - firstDeferredWork < budget {
            return true
        }
        yields &+= 1
        return false
    }
}
