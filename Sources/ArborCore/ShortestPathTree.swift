/// The shortest-path tree of a topology from its root, as every node computes it.
///
/// Dijkstra over the topology's allowed links. Ties are broken by node id: among equally
/// short paths, a node's parent is the candidate with the smallest id. Since the inputs are
/// the same database on every node, every node derives the same tree.
public struct ShortestPathTree: Sendable {
    public let root: Int32
    /// Parent of each node by index; -1 for the root and for nodes the tree does not reach.
    public let parents: [Int32]
    /// Path cost from the root; `UInt64.max` where not reached.
    public let distances: [UInt64]
    /// Children of node `i`: `children[childOffsets[i]..<childOffsets[i+1]]`, ascending.
    public let childOffsets: [Int32]
    public let children: [Int32]

    /// Computes the tree of `topology` rooted at `root`.
    public init(_ topology: TopologyGraph, root: Int32) {
        let graph = topology.graph
        let count = graph.count
        var distances = [UInt64](repeating: .max, count: count)
        var parents = [Int32](repeating: -1, count: count)
        // Entries pack (distance << 24 | index): the heap orders by distance, then by index,
        // so equal-distance nodes settle in id order. Distances stay below 2^40. A node is
        // pushed only with a distance shorter than any before, so the one entry holding its
        // final distance is its first one popped: an entry holding a longer one is stale.
        // Costs are at least 1, so a node settled earlier is never relaxed again (no
        // separate table of settled nodes).
        var heap = PackedMinHeap(capacity: count)
        distances[Int(root)] = 0
        heap.push(UInt64(root))
        ShortestPathTree.settle(&heap, distances: &distances, parents: &parents, offsets: graph.offsets, targets: graph.targets, costs: topology.edgeCosts)
        self.init(root: root, parents: parents, distances: distances)
    }

    /// One step of a walk along an adjacency row: takes `target`, the entry at `index`
    /// (whose cost is returned, and `index` moves past it), when it comes after `last`, the
    /// row's previous target (then `last` becomes `target`); `nil` when the row is not in
    /// ascending order.
    @inline(__always)
    private static func take(_ target: Int32, at index: inout Int, after last: inout Int32, costs: UnsafeBufferPointer<UInt32>) -> UInt32? {
        guard target > last else { return nil }
        last = target
        index += 1
        return costs[index - 1]
    }

    /// Whether the rows at `old` and `new` hold the same targets at the same costs, in
    /// ascending order.
    @inline(__always)
    private static func sameAscendingRow(
        _ oldTargets: UnsafeBufferPointer<Int32>, _ oldCosts: UnsafeBufferPointer<UInt32>, _ old: Range<Int>,
        _ newTargets: UnsafeBufferPointer<Int32>, _ newCosts: UnsafeBufferPointer<UInt32>, _ new: Range<Int>
    ) -> Bool {
        guard old.count == new.count else { return false }
        var last: Int32 = -1
        var j = new.lowerBound
        for i in old {
            let target = newTargets[j]
            guard target == oldTargets[i], target > last, newCosts[j] == oldCosts[i] else { return false }
            last = target
            j += 1
        }
        return true
    }

    /// Dijkstra from the entries in `heap` on: pops each node at its final distance and
    /// offers its neighbours a path through it. Entries pack (distance << 24 | index).
    private static func settle(
        _ heap: inout PackedMinHeap, distances: inout [UInt64], parents: inout [Int32], offsets: [Int32], targets: [Int32], costs: [UInt32]
    ) {
        let indexMask: UInt64 = (1 << 24) - 1
        offsets.withUnsafeBufferPointer { offsets in
            targets.withUnsafeBufferPointer { targets in
                costs.withUnsafeBufferPointer { costs in
                    distances.withUnsafeMutableBufferPointer { distances in
                        parents.withUnsafeMutableBufferPointer { parents in
                            while let entry = heap.pop() {
                                let node = Int(entry & indexMask)
                                let base = entry >> 24
                                if base != distances[node] { continue }
                                for edge in Int(offsets[node])..<Int(offsets[node + 1]) {
                                    let cost = costs[edge]
                                    if cost == 0 { continue }
                                    let next = Int(targets[edge])
                                    let candidate = base + UInt64(cost)
                                    if candidate < distances[next] {
                                        distances[next] = candidate
                                        parents[next] = Int32(node)
                                        heap.push(candidate << 24 | UInt64(next))
                                    } else if candidate == distances[next], Int32(node) < parents[next] {
                                        parents[next] = Int32(node)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// A tree of the given parents and distances, with its children in compressed rows
    /// (by counting sort on the parent).
    private init(root: Int32, parents: [Int32], distances: [UInt64]) {
        let count = parents.count
        var childOffsets = [Int32](repeating: 0, count: count + 1)
        for parent in parents where parent >= 0 {
            childOffsets[Int(parent) + 1] += 1
        }
        for index in 0..<count {
            childOffsets[index + 1] += childOffsets[index]
        }
        var fill = childOffsets
        var children = [Int32](repeating: 0, count: Int(childOffsets[count]))
        for (node, parent) in parents.enumerated() where parent >= 0 {
            children[Int(fill[Int(parent)])] = Int32(node)
            fill[Int(parent)] += 1
        }
        self.root = root
        self.parents = parents
        self.distances = distances
        self.childOffsets = childOffsets
        self.children = children
    }

    /// The tree of `new` from the same root, derived from this tree of `old` instead of
    /// by Dijkstra over the whole of `new`; `nil` when the two do not number the same
    /// nodes, or a row is out of ascending order (compute the tree afresh then).
    ///
    /// The edges whose cost differs (0: absent) decide. A removed or dearer tree edge cuts
    /// the subtree below it: its nodes lose their distance and parent, and each is offered
    /// its best path through a neighbour outside the cut. An added or cheaper edge `u -> t`
    /// is offered to `t` when it gives a shorter path, or one as short through a smaller
    /// parent. Dijkstra then runs from the nodes so offered only, and a node keeps the
    /// smallest-id parent among equally short paths as ``init(_:root:)`` does, so the
    /// result is the tree ``init(_:root:)`` computes for `new`. When no changed edge
    /// matters, this tree is returned as it is (`unchanged`).
    ///
    /// Relies on the adjacency of a ``Graph`` being symmetric (a link appears at both ends).
    public func derived(over old: TopologyGraph, for new: TopologyGraph) -> (tree: ShortestPathTree, unchanged: Bool)? {
        let before = old.graph
        let after = new.graph
        let count = parents.count
        guard before.count == after.count, before.count == count, before.ids == after.ids else { return nil }
        var cut: [Int32] = []
        var offered: [(from: Int32, to: Int32, cost: UInt32)] = []
        let sorted = before.offsets.withUnsafeBufferPointer { oldOffsets in
            before.targets.withUnsafeBufferPointer { oldTargets in
                old.edgeCosts.withUnsafeBufferPointer { oldCosts in
                    after.offsets.withUnsafeBufferPointer { newOffsets in
                        after.targets.withUnsafeBufferPointer { newTargets in
                            new.edgeCosts.withUnsafeBufferPointer { newCosts in
                                self.parents.withUnsafeBufferPointer { parents in
                                    self.distances.withUnsafeBufferPointer { distances in
                                        for node in 0..<count {
                                            var i = Int(oldOffsets[node])
                                            let oldEnd = Int(oldOffsets[node + 1])
                                            var j = Int(newOffsets[node])
                                            let newEnd = Int(newOffsets[node + 1])
                                            // Most rows are the same in both graphs: an
                                            // equal ascending row changes no edge, as the
                                            // walk below would find, at a fraction of it.
                                            if ShortestPathTree.sameAscendingRow(
                                                oldTargets, oldCosts, i..<oldEnd, newTargets, newCosts, j..<newEnd
                                            ) {
                                                continue
                                            }
                                            var lastOld: Int32 = -1
                                            var lastNew: Int32 = -1
                                            while i < oldEnd || j < newEnd {
                                                let oldTarget = i < oldEnd ? oldTargets[i] : .max
                                                let newTarget = j < newEnd ? newTargets[j] : .max
                                                var target: Int32 = 0
                                                var oldCost: UInt32 = 0
                                                var newCost: UInt32 = 0
                                                if oldTarget <= newTarget {
                                                    guard let cost = ShortestPathTree.take(oldTarget, at: &i, after: &lastOld, costs: oldCosts) else { return false }
                                                    oldCost = cost
                                                    target = oldTarget
                                                }
                                                if newTarget <= oldTarget {
                                                    guard let cost = ShortestPathTree.take(newTarget, at: &j, after: &lastNew, costs: newCosts) else { return false }
                                                    newCost = cost
                                                    target = newTarget
                                                }
                                                if oldCost == newCost { continue }
                                                let t = Int(target)
                                                if newCost == 0 || (oldCost != 0 && newCost > oldCost) {
                                                    if parents[t] == Int32(node) { cut.append(target) }
                                                } else if distances[node] != .max {
                                                    let candidate = distances[node] + UInt64(newCost)
                                                    if candidate < distances[t] || (candidate == distances[t] && Int32(node) < parents[t]) {
                                                        offered.append((Int32(node), target, newCost))
                                                    }
                                                }
                                            }
                                        }
                                        return true
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard sorted else { return nil }
        if cut.isEmpty && offered.isEmpty {
            return (self, true)
        }
        var distances = self.distances
        var parents = self.parents
        var heap = PackedMinHeap(capacity: 64)
        // The cut subtrees, by the old children.
        var invalid = [Bool](repeating: false, count: count)
        var cutNodes: [Int32] = []
        var stack = cut
        while let node = stack.popLast() {
            guard !invalid[Int(node)] else { continue }
            invalid[Int(node)] = true
            cutNodes.append(node)
            distances[Int(node)] = .max
            parents[Int(node)] = -1
            stack.append(contentsOf: children(of: node))
        }
        let offsets = after.offsets
        let targets = after.targets
        let costs = new.edgeCosts
        // Each cut node's best path through a neighbour outside the cut.
        for node in cutNodes {
            for edge in Int(offsets[Int(node)])..<Int(offsets[Int(node) + 1]) {
                let neighbor = targets[edge]
                guard !invalid[Int(neighbor)], distances[Int(neighbor)] != .max else { continue }
                let back = Graph.position(of: node, in: targets, from: Int(offsets[Int(neighbor)]), to: Int(offsets[Int(neighbor) + 1]))
                guard let back, costs[back] != 0 else { continue }
                let candidate = distances[Int(neighbor)] + UInt64(costs[back])
                if candidate < distances[Int(node)] || (candidate == distances[Int(node)] && neighbor < parents[Int(node)]) {
                    distances[Int(node)] = candidate
                    parents[Int(node)] = neighbor
                }
            }
            if distances[Int(node)] != .max {
                heap.push(distances[Int(node)] << 24 | UInt64(node))
            }
        }
        for (from, to, cost) in offered where !invalid[Int(from)] {
            let candidate = distances[Int(from)] + UInt64(cost)
            if candidate < distances[Int(to)] {
                distances[Int(to)] = candidate
                parents[Int(to)] = from
                heap.push(candidate << 24 | UInt64(to))
            } else if candidate == distances[Int(to)], from < parents[Int(to)] {
                parents[Int(to)] = from
            }
        }
        ShortestPathTree.settle(&heap, distances: &distances, parents: &parents, offsets: offsets, targets: targets, costs: costs)
        return (ShortestPathTree(root: root, parents: parents, distances: distances), false)
    }

    public func parent(of node: Int32) -> Int32? {
        let parent = parents[Int(node)]
        return parent >= 0 ? parent : nil
    }

    public func children(of node: Int32) -> ArraySlice<Int32> {
        children[Int(childOffsets[Int(node)])..<Int(childOffsets[Int(node) + 1])]
    }

    /// Whether the tree reaches `node`.
    public func contains(_ node: Int32) -> Bool {
        node == root || parents[Int(node)] >= 0
    }

    /// Tree neighbours of `node`: its parent (if any) and its children.
    public func neighbors(of node: Int32) -> [Int32] {
        var result = Array(children(of: node))
        if let parent = parent(of: node) {
            result.append(parent)
        }
        return result
    }

    /// Nodes from `node` up to the root, both included.
    public func pathToRoot(from node: Int32) -> [Int32] {
        var path = [node]
        var current = node
        while let parent = parent(of: current) {
            path.append(parent)
            current = parent
        }
        return path
    }
}
