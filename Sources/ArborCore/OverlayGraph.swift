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
}
