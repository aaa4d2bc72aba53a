import NIOCore

/// Long polls of `/v1/events` waiting for an event after their sequence number. Each is
/// answered once: by ``notify(newest:)`` when a newer event is recorded, or by its timer.
///
/// Confined to the node's event loop.
struct EventFollowers {
    private struct Follower {
        var after: UInt64
        var answer: () -> Void
        var timeout: Scheduled<Void>
    }

    private var followers: [UInt64: Follower] = [:]
    private var nextKey: UInt64 = 0

    /// Registers a follower; `answer` runs once, on the event loop. `timeout` schedules the
    /// follower's timer given its key (the timer calls ``remove(_:)`` with it).
    mutating func add(after: UInt64, answer: @escaping () -> Void, timeout: (UInt64) -> Scheduled<Void>) {
        nextKey += 1
        followers[nextKey] = Follower(after: after, answer: answer, timeout: timeout(nextKey))
    }

    /// Removes the follower `key` (its timer fired); returns its answer to run.
    mutating func remove(_ key: UInt64) -> (() -> Void)? {
        followers.removeValue(forKey: key)?.answer
    }

    /// Removes every follower waiting for events up to `newest`; returns their answers.
    mutating func notify(newest: UInt64) -> [() -> Void] {
        var due: [() -> Void] = []
        for (key, follower) in followers where follower.after < newest {
            follower.timeout.cancel()
            due.append(follower.answer)
            followers[key] = nil
        }
        return due
    }
}
