import ArborCore

/// The ground truth the simulator knows and routers must discover: which nodes are alive,
/// which links work, and the components they form.
struct PhysicalView {
    /// Live neighbours over working links, per node (empty for dead nodes).
    let neighbors: [[Int]]
    /// Component label per live node (the smallest index in it); -1 for dead nodes.
    let components: [Int]

    init(_ simulator: Simulator) {
        var neighbors = [[Int]](repeating: [], count: simulator.ids.count)
        for node in simulator.ids.indices where simulator.isAlive(node) {
            neighbors[node] = simulator.adjacency[node].filter {
                simulator.isAlive($0) && !simulator.cutLinks.contains(LinkKey(node, $0))
            }
        }
        var components = [Int](repeating: -1, count: neighbors.count)
        for start in neighbors.indices where simulator.isAlive(start) && components[start] < 0 {
            components[start] = start
            var stack = [start]
            while let node = stack.popLast() {
                for next in neighbors[node] where components[next] < 0 {
                    components[next] = start
                    stack.append(next)
                }
            }
        }
        self.neighbors = neighbors
        self.components = components
    }

    /// Live nodes grouped by component.
    var groups: [[Int]] {
        var byLabel: [Int: [Int]] = [:]
        for (node, label) in components.enumerated() where label >= 0 {
            byLabel[label, default: []].append(node)
        }
        return byLabel.keys.sorted().map { byLabel[$0]! }
    }
}
