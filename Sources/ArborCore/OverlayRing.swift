/// The ring neighbours of one node: on each of `rings` rings, every node sits at a
/// position given by a stable hash of (ring, node id); a node's neighbours on a ring are
/// its successor and predecessor among the eligible members. The union over the rings
/// is the set of links the node wants.
///
/// Every node computes the same positions, so over the same membership two nodes agree on
/// whether they are neighbours: `b` is `a`'s successor on a ring exactly when `a` is
/// `b`'s predecessor. Each ring alone is a cycle through every member (connectivity);
/// `r ≥ 2` independent rings form a random `2r`-regular graph, an expander whose diameter
/// grows as log N.
///
/// Kept incrementally: a member that becomes eligible is compared with the current
/// neighbours (O(rings)); one that stops being eligible costs a scan of the view (O(N ×
/// rings)) only when it was a current neighbour.
struct OverlayRing: Sendable {
    struct Neighbors: Sendable {
        var successor: (id: NodeID, distance: UInt64)?
        var predecessor: (id: NodeID, distance: UInt64)?
    }

    let center: NodeID
    private(set) var perRing: [Neighbors]
    /// Full scans of the view so far (for the simulator's report and the tests).
    private(set) var scans = 0

    init(center: NodeID, rings: Int) {
        self.center = center
        perRing = Array(repeating: Neighbors(), count: rings)
    }

    /// The position of `id` on ring `ring`.
    static func position(of id: NodeID, ring: Int) -> UInt64 {
        var hash = StableHash(seed: 0xA5B3_0000_0000_0000 &+ UInt64(ring))
        hash.combine(id)
        return hash.value
    }

    /// The union of successors and predecessors over every ring.
    var wanted: Set<NodeID> {
        var result = Set<NodeID>()
        for neighbors in perRing {
            if let successor = neighbors.successor { result.insert(successor.id) }
            if let predecessor = neighbors.predecessor { result.insert(predecessor.id) }
        }
        return result
    }

    func isNeighbor(_ id: NodeID) -> Bool {
        perRing.contains { $0.successor?.id == id || $0.predecessor?.id == id }
    }

    /// `id` became eligible: it replaces a neighbour it is closer than.
    mutating func added(_ id: NodeID) {
        guard id != center else { return }
        for ring in perRing.indices {
            let mine = Self.position(of: center, ring: ring)
            let theirs = Self.position(of: id, ring: ring)
            let forward = theirs &- mine
            let backward = mine &- theirs
            if Self.closer(forward, id, than: perRing[ring].successor) {
                perRing[ring].successor = (id, forward)
            }
            if Self.closer(backward, id, than: perRing[ring].predecessor) {
                perRing[ring].predecessor = (id, backward)
            }
        }
    }

    /// `id` stopped being eligible; recomputes from `view` (through `isEligible`) when it
    /// was a neighbour.
    mutating func removed(_ id: NodeID, view: OverlayView, isEligible: (NodeID) -> Bool) {
        guard isNeighbor(id) else { return }
        rebuild(view: view, isEligible: isEligible)
    }

    /// Recomputes every ring from scratch over the eligible members of `view`: from its
    /// ring index when it has one, else by a scan of every member.
    mutating func rebuild(view: OverlayView, isEligible: (NodeID) -> Bool) {
        if let index = view.ringIndex, index.count == perRing.count {
            for ring in perRing.indices {
                perRing[ring] = neighbors(in: index[ring], ring: ring, isEligible: isEligible)
            }
            return
        }
        scans += 1
        let centers = perRing.indices.map { Self.position(of: center, ring: $0) }
        var fresh = Array(repeating: Neighbors(), count: perRing.count)
        for id in view.members.keys where id != center && isEligible(id) {
            for ring in fresh.indices {
                let theirs = Self.position(of: id, ring: ring)
                let forward = theirs &- centers[ring]
                let backward = centers[ring] &- theirs
                if Self.closer(forward, id, than: fresh[ring].successor) {
                    fresh[ring].successor = (id, forward)
                }
                if Self.closer(backward, id, than: fresh[ring].predecessor) {
                    fresh[ring].predecessor = (id, backward)
                }
            }
        }
        perRing = fresh
    }

    /// The nearest eligible members on both sides of the center in one ring's sorted
    /// positions: a binary search, then a walk over the ineligible.
    private func neighbors(in entries: [OverlayView.RingEntry], ring: Int, isEligible: (NodeID) -> Bool) -> Neighbors {
        guard !entries.isEmpty else { return Neighbors() }
        let mine = Self.position(of: center, ring: ring)
        let low = entries.partitionPoint { $0.position < mine }
        var result = Neighbors()
        let count = entries.count
        for step in 0..<count {
            let entry = entries[(low + step) % count]
            if entry.id != center, isEligible(entry.id) {
                result.successor = (entry.id, entry.position &- mine)
                break
            }
        }
        for step in 1...count {
            let entry = entries[((low - step) % count + count) % count]
            if entry.id != center, isEligible(entry.id) {
                result.predecessor = (entry.id, mine &- entry.position)
                break
            }
        }
        return result
    }

    /// A strict total order on candidates: the shorter distance, then the lower id (two
    /// ids at one position are astronomically rare, but every node must break the tie alike).
    private static func closer(_ distance: UInt64, _ id: NodeID, than current: (id: NodeID, distance: UInt64)?) -> Bool {
        guard let current else { return true }
        return (distance, id) < (current.distance, current.id)
    }
}
