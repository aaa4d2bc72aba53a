import ArborCore

/// Which local applications published to which topology while attached, for the
/// `publishers` count of `GET /v1/topologies` (the router itself does not tell members
/// that publish from members that only subscribe).
struct PublisherRegistry: Sendable {
    private var publishers: [TopologyName: Set<ClientID>] = [:]

    mutating func published(_ client: ClientID, to topology: TopologyName) {
        publishers[topology, default: []].insert(client)
    }

    /// The client left `topology`, or every topology (`nil`).
    mutating func detached(_ client: ClientID, from topology: TopologyName?) {
        let names = topology.map { [$0] } ?? Array(publishers.keys)
        for name in names {
            publishers[name]?.remove(client)
            if publishers[name]?.isEmpty == true {
                publishers[name] = nil
            }
        }
    }

    /// The clients that published to `topology`.
    func clients(in topology: TopologyName) -> Set<ClientID> {
        publishers[topology] ?? []
    }

    /// Whether `client` published to any of `topologies`.
    func published(_ client: ClientID, toAnyOf topologies: some Collection<TopologyName>) -> Bool {
        topologies.contains { publishers[$0]?.contains(client) == true }
    }

    func count(in topology: TopologyName) -> Int {
        publishers[topology]?.count ?? 0
    }
}
