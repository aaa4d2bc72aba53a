/// Topologies whose interest toward one peer waits for that peer's interest pacing
/// (``RouterConfiguration/interestPacing``), in the order they first waited, each once.
/// What is sent for one when its turn comes is computed then, from the topology's state
/// at that moment: changes made meanwhile are coalesced into that one update.
struct PendingInterest: Sendable {
    private var order: [TopologyName] = []
    private var head = 0
    private var waiting: Set<TopologyName> = []

    var isEmpty: Bool { waiting.isEmpty }
    var count: Int { waiting.count }

    /// Queues `name` behind the others, unless it waits already.
    mutating func append(_ name: TopologyName) {
        if waiting.insert(name).inserted {
            order.append(name)
        }
    }

    /// Takes up to `limit` topologies off the front.
    mutating func takeFirst(_ limit: Int) -> [TopologyName] {
        let end = min(order.count, head + max(0, limit))
        let taken = Array(order[head..<end])
        head = end
        for name in taken {
            waiting.remove(name)
        }
        if head == order.count {
            order.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024, head * 2 >= order.count {
            order.removeFirst(head)
            head = 0
        }
        return taken
    }
}
