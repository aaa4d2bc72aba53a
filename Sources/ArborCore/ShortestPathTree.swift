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
        let indexMask: UInt64 = (1 << 24) - 1
        graph.offsets.withUnsafeBufferPointer { offsets in
            graph.targets.withUnsafeBufferPointer { targets in
                topology.edgeCosts.withUnsafeBufferPointer { costs in
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
        // Children in compressed rows, by counting sort on the parent.
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

    /// Whether this tree, computed over `old`, is also the tree of `new` from the same
    /// root, so that `new` needs no Dijkstra of its own. Both must number the same nodes.
    ///
    /// True when every edge whose cost differs (0: absent) leaves the tree alone: a removed
    /// or dearer edge is not a tree edge, and an added or cheaper edge `u -> t` offers `t`
    /// no path shorter than its distance, nor one as short through a smaller parent than
    /// its own. Then the old distances still bound every edge of `new` (none can shrink),
    /// every tree edge is still there at its cost, and each node's parent is still the
    /// smallest-id node of equal distance, as ``init(_:root:)`` chooses it: the same tree.
    /// Rows out of ascending order give false (the edges are not compared then).
    public func stillHolds(over old: TopologyGraph, in new: TopologyGraph) -> Bool {
        let before = old.graph
        let after = new.graph
        guard before.count == after.count, before.count == parents.count, before.ids == after.ids else { return false }
        return before.offsets.withUnsafeBufferPointer { oldOffsets in
            before.targets.withUnsafeBufferPointer { oldTargets in
                old.edgeCosts.withUnsafeBufferPointer { oldCosts in
                    after.offsets.withUnsafeBufferPointer { newOffsets in
                        after.targets.withUnsafeBufferPointer { newTargets in
                            new.edgeCosts.withUnsafeBufferPointer { newCosts in
                                parents.withUnsafeBufferPointer { parents in
                                    distances.withUnsafeBufferPointer { distances in
                                        for node in 0..<parents.count {
                                            var i = Int(oldOffsets[node])
                                            let oldEnd = Int(oldOffsets[node + 1])
                                            var j = Int(newOffsets[node])
                                            let newEnd = Int(newOffsets[node + 1])
                                            var lastOld: Int32 = -1
                                            var lastNew: Int32 = -1
                                            while i < oldEnd || j < newEnd {
                                                let oldTarget = i < oldEnd ? oldTargets[i] : .max
                                                let newTarget = j < newEnd ? newTargets[j] : .max
                                                var target: Int32 = 0
                                                var oldCost: UInt32 = 0
                                                var newCost: UInt32 = 0
                                                if oldTarget <= newTarget {
                                                    guard oldTarget > lastOld else { return false }
                                                    lastOld = oldTarget
                                                    oldCost = oldCosts[i]
                                                    i += 1
                                                    target = oldTarget
                                                }
                                                if newTarget <= oldTarget {
                                                    guard newTarget > lastNew else { return false }
                                                    lastNew = newTarget
                                                    newCost = newCosts[j]
                                                    j += 1
                                                    target = newTarget
                                                }
                                                if oldCost == newCost { continue }
                                                let t = Int(target)
                                                if newCost == 0 || (oldCost != 0 && newCost > oldCost) {
                                                    if parents[t] == Int32(node) { return false }
                                                } else if distances[node] != .max {
                                                    let candidate = distances[node] + UInt64(newCost)
                                                    if candidate < distances[t] { return false }
                                                    if candidate == distances[t], Int32(node) < parents[t] { return false }
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
