import ArborCore

/// Checks a ``LANSimulator`` at rest against what the overlay must be, per partition side
/// (the nodes that can reach each other, all of which discovery reports):
///
/// - no node holds more than ``LANParameters/maxLinks`` counted links;
/// - every link is held by both ends;
/// - each node's links are exactly its ring neighbours among the live nodes of its side
///   (``OverlayGraph``): unreachable and departed nodes were routed around, nothing
///   lingers;
/// - the links connect the side.
public struct LANChecker {
    public init() {}

    /// Problems found; empty when the overlay converged.
    public func check(_ simulator: LANSimulator) -> [String] {
        var problems: [String] = []
        let rings = simulator.parameters.configuration(NodeID(high: 0, low: 0), seed: 0).rings
        for side in Self.sides(simulator) {
            let ideal = OverlayGraph.neighbors(of: side.map { simulator.ids[$0] }, rings: rings)
            for node in side {
                let machine = simulator.machines[node]!
                let id = simulator.ids[node]
                if machine.countedLinks > simulator.parameters.maxLinks {
                    problems.append("node \(node): \(machine.countedLinks) links, more than \(simulator.parameters.maxLinks)")
                }
                let linked = Set(machine.linkedPeers.keys)
                for peer in linked {
                    guard let other = simulator.index(of: peer), simulator.machines[other]?.connection(to: id) != nil else {
                        problems.append("node \(node): link to \(peer.short) not held at the other end")
                        continue
                    }
                }
                if linked != ideal[id]! {
                    problems.append("node \(node): \(linked.count) links, \(linked.subtracting(ideal[id]!).count) not ring neighbours, \(ideal[id]!.subtracting(linked).count) ring neighbours missing")
                }
                if problems.count > 20 { return problems }
            }
            if problems.isEmpty, Self.eccentricities(side, simulator, sources: [side[0]]).reached < side.count {
                problems.append("side of node \(side[0]): the links do not connect its \(side.count) nodes")
            }
        }
        return problems
    }

    /// Live nodes grouped by partition side.
    static func sides(_ simulator: LANSimulator) -> [[Int]] {
        var bySide: [Int: [Int]] = [:]
        for node in simulator.liveNodes {
            bySide[simulator.sides[node], default: []].append(node)
        }
        return bySide.keys.sorted().map { bySide[$0]! }
    }

    /// The largest eccentricity over `sources` by breadth-first search over the links
    /// among `group`, and how many nodes the last search reached.
    static func eccentricities(_ group: [Int], _ simulator: LANSimulator, sources: [Int]) -> (maximum: Int, reached: Int) {
        var position = [Int: Int](minimumCapacity: group.count)
        for (offset, node) in group.enumerated() {
            position[node] = offset
        }
        let rows: [[Int]] = group.map { node in
            simulator.machines[node]!.linkedPeers.keys.compactMap { simulator.index(of: $0).flatMap { position[$0] } }
        }
        return OverlayGraph.eccentricities(rows, from: sources.map { position[$0]! })
    }

    /// The diameter of the largest side's overlay (breadth-first search from every node).
    public static func diameter(_ simulator: LANSimulator) -> Int {
        guard let largest = sides(simulator).max(by: { $0.count < $1.count }) else { return 0 }
        return eccentricities(largest, simulator, sources: largest).maximum
    }

    /// Every link as a sorted pair of node ids, as the lower end holds it.
    public static func links(_ simulator: LANSimulator) -> Set<[NodeID]> {
        var result = Set<[NodeID]>()
        for node in simulator.liveNodes {
            let id = simulator.ids[node]
            for peer in simulator.machines[node]!.linkedPeers.keys {
                result.insert(id < peer ? [id, peer] : [peer, id])
            }
        }
        return result
    }
}
