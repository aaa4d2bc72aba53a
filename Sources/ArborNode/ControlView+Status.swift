import ArborControl
import ArborCore
import ArborWire

extension ControlView {
    /// `GET /v1/status`.
    func status() -> StatusDocument {
        let configuration = runtime.configuration
        let discovery = runtime.discovery.values.sorted { $0.backend < $1.backend }.map {
            DiscoveryDocument(backend: $0.backend, state: $0.state, detail: $0.detail)
        }
        return StatusDocument(
            id: router.id.description,
            name: router.name,
            realm: configuration.realm,
            incarnation: configuration.router.incarnation,
            startedAt: Timestamp.iso8601(unixNanoseconds: runtime.clock.wallOrigin),
            uptimeSeconds: Self.seconds(runtime.clock.now - Instant.zero),
            listen: runtime.listenAddress,
            runDir: configuration.runDirectory,
            clientSocket: configuration.runDirectory + "/" + ClientProtocol.socketName,
            controlSocket: configuration.runDirectory + "/" + ControlAPI.socketName,
            metrics: runtime.metricsAddress,
            discovery: discovery,
            peersUp: router.peers.count,
            nodesKnown: router.database.count,
            topologies: router.topologies.count,
            clients: runtime.clients.count
        )
    }
}
