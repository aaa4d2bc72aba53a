/// The overlay every node of a converged LAN keeps, computed at once for a whole
/// membership: node → its ring neighbours (successor and predecessor on each ring), the
/// same sets ``OverlayLinks`` wants when its view is `members`. O(rings × N log N): for
/// checkers, planners and measurements, not for the link machine (which is incremental).
public enum OverlayGraph {
    public static func neighbors(of members: [NodeID], rings: Int) -> [NodeID: Set<NodeID>] {
        var result = [NodeID: Set<NodeID>](minimumCapacity: members.count)
        for member in members {
            result[member] = []
        }
        guard members.count > 1 else { return result }
        for ring in 0..<rings {
            let order = members.map { (position: OverlayRing.position(of: $0, ring: ring), id: $0) }
                .sorted { ($0.position, $0.id) < ($1.position, $1.id) }
            for index in order.indices {
                let next = order[(index + 1) % order.count].id
                result[order[index].id]!.insert(next)
                result[next]!.insert(order[index].id)
            }
        }
        return result
    }

    /// Breadth-first searches over `rows` (node → neighbours, by index) from each of
    /// `sources`: the largest distance found, and how many nodes the last search reached
    /// (fewer than `rows.count`: the graph is not connected). The diameter is the maximum
    /// over every node as a source.
    public static func eccentricities(_ rows: [[Int]], from sources: some Sequence<Int>) -> (maximum: Int, reached: Int) {
        var distance = [Int](repeating: -1, count: rows.count)
        var queue = [Int](repeating: 0, count: rows.count)
        var maximum = 0
        var reached = 0
        for start in sources {
            for index in distance.indices { distance[index] = -1 }
            distance[start] = 0
            queue[0] = start
            var head = 0
            var tail = 1
            while head < tail {
                let node = queue[head]
                head += 1
                for next in rows[node] where distance[next] < 0 {
                    distance[next] = distance[node] + 1
                    maximum = max(maximum, distance[next])
                    queue[tail] = next
                    tail += 1
                }
            }
            reached = tail
        }
        return (maximum, reached)
    }
}
