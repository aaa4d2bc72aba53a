/// What each local client holds on a router: the topologies it is a member of and the
/// number of prefixes it subscribes to over all of them. The router checks the per-client
/// limits against it (``RouterConfiguration/maximumTopologiesPerClient``,
/// ``RouterConfiguration/maximumSubscriptionsPerClient``), and a client's departure visits
/// only its own topologies.
struct ClientHoldings: Sendable {
    private(set) var topologies: [ClientID: Set<TopologyName>] = [:]
    private(set) var subscriptions: [ClientID: Int] = [:]

    func topologyCount(of client: ClientID) -> Int {
        topologies[client]?.count ?? 0
    }

    func subscriptionCount(of client: ClientID) -> Int {
        subscriptions[client] ?? 0
    }

    /// The topologies `client` is a member of, in a fixed order (a deterministic walk; by
    /// hash, ``Router/refreshOrder(_:)``, which costs a few ms for 100,000 names where a
    /// sort of the names took a step of 100 ms and more).
    func sortedTopologies(of client: ClientID) -> [TopologyName] {
        topologies[client].map { Router.refreshOrder($0) } ?? []
    }

    mutating func joined(_ client: ClientID, _ topology: TopologyName) {
        topologies[client, default: []].insert(topology)
    }

    /// `client` left `topology`, dropping `prefixes` subscriptions with it.
    mutating func left(_ client: ClientID, _ topology: TopologyName, prefixes: Int) {
        topologies[client]?.remove(topology)
        if topologies[client]?.isEmpty == true {
            topologies[client] = nil
        }
        changeSubscriptions(of: client, by: -prefixes)
    }

    mutating func changeSubscriptions(of client: ClientID, by change: Int) {
        let count = subscriptionCount(of: client) + change
        subscriptions[client] = count > 0 ? count : nil
    }
}
