import ArborCore

/// Each node's physical neighbours by id, in one flat table: a router names the peer it
/// sends to by id, and a node has a handful of neighbours, so a scan of its few entries
/// (one or two cache lines) finds the peer's index where a lookup in the id table of the
/// whole overlay would miss the cache.
struct NeighborTable {
    /// Node `n`'s neighbours are at `start[n] ..< start[n + 1]`.
    private let start: [Int32]
    private let ids: [NodeID]
    private let peers: [Int32]

    /// The table of `adjacency` (each node's neighbours' indices), named by `ids`.
    init(_ adjacency: [[Int]], ids nodeIDs: [NodeID]) {
        var start: [Int32] = [0]
        var ids: [NodeID] = []
        var peers: [Int32] = []
        for neighbors in adjacency {
            for peer in neighbors {
                ids.append(nodeIDs[peer])
                peers.append(Int32(peer))
            }
            start.append(Int32(ids.count))
        }
        self.start = start
        self.ids = ids
        self.peers = peers
    }

    /// The index of `node`'s neighbour `id`; `nil` if `id` is not its neighbour.
    func peer(_ id: NodeID, of node: Int) -> Int? {
        var entry = Int(start[node])
        let end = Int(start[node + 1])
        while entry < end {
            if ids[entry] == id { return Int(peers[entry]) }
            entry += 1
        }
        return nil
    }
}
