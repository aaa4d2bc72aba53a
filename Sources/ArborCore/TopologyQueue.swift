import DequeModule

/// Topologies waiting for their turn, in the order they first waited, each once: those
/// whose interest toward one peer waits for the peer's pacing
/// (``RouterConfiguration/interestPacing``: what is sent for one is computed when its turn
/// comes, so changes made meanwhile are coalesced into one update), and those whose held
/// publications or lingering ended and wait for a refresh slice. Taking from the front
/// costs nothing for the others, however many wait.
struct TopologyQueue: Sendable {
    private var order: Deque<TopologyName> = []
    private var waiting: Set<TopologyName> = []

    var isEmpty: Bool { waiting.isEmpty }
    var count: Int { waiting.count }

    /// Queues `name` behind the others, unless it waits already.
    mutating func append(_ name: TopologyName) {
        if waiting.insert(name).inserted {
            order.append(name)
        }
    }

    /// Takes the first topology off the front.
    mutating func popFirst() -> TopologyName? {
        takeFirst(1).first
    }

    /// Takes up to `limit` topologies off the front.
    mutating func takeFirst(_ limit: Int) -> [TopologyName] {
        let taken = Array(order.prefix(max(0, limit)))
        order.removeFirst(taken.count)
        for name in taken {
            waiting.remove(name)
        }
        return taken
    }
}
