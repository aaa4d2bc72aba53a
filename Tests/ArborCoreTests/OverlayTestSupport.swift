import ArborCore
import ArborTestSupport

/// Helpers shared by the overlay tests.
enum Overlay {
    static let realm = "lab"

    static func address(_ id: NodeID) -> OverlayAddress {
        OverlayAddress(host: "h\(id.low)", port: 7000)
    }

    static func peer(_ id: NodeID, realm: String = realm, incarnation: UInt64 = 1) -> OverlayPeer {
        OverlayPeer(id: id, addresses: [address(id)], realm: realm, incarnation: incarnation)
    }

    /// Dials at once on discovery (`settleDelay` zero), so that each test sees the rule it
    /// is about; OverlaySettleTests covers the settling with its defaults.
    static func configuration(_ id: NodeID, maxLinks: Int = 8) -> OverlayConfiguration {
        var configuration = OverlayConfiguration(id: id, realm: realm)
        configuration.maxLinks = maxLinks
        configuration.seed = id.low
        configuration.settleDelay = .zero
        return configuration
    }

    /// `count` distinct ids drawn from `seed`.
    static func ids(_ count: Int, seed: UInt64) -> [NodeID] {
        var random = SplitMix64(seed: seed)
        var result = Set<NodeID>()
        while result.count < count {
            let high = random.next()
            result.insert(NodeID(high: high, low: random.state))
        }
        return result.sorted()
    }

    /// The overlay graph every node computes from one shared view: node `i`'s wanted peers,
    /// as indices.
    static func graph(_ ids: [NodeID], maxLinks: Int = 8) -> [Set<Int>] {
        let view = OverlayView(ids.map { peer($0) })
        let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        return ids.map { id in
            Set(OverlayLinks(configuration(id, maxLinks: maxLinks), view: view).wantedPeers.map { index[$0]! })
        }
    }

    /// Eccentricity-based diameter (BFS from every node); `nil` when disconnected.
    static func diameter(_ adjacency: [Set<Int>]) -> Int? {
        let rows = adjacency.map { Array($0) }
        var diameter = 0
        for start in rows.indices {
            let (maximum, reached) = OverlayGraph.eccentricities(rows, from: [start])
            if reached < rows.count { return nil }
            diameter = max(diameter, maximum)
        }
        return diameter
    }

    /// Undirected edges of a symmetric adjacency.
    static func edges(_ adjacency: [Set<Int>], ids: [NodeID]) -> Set<[NodeID]> {
        var result = Set<[NodeID]>()
        for (node, neighbors) in adjacency.enumerated() {
            for neighbor in neighbors {
                result.insert([ids[node], ids[neighbor]].sorted())
            }
        }
        return result
    }
}
