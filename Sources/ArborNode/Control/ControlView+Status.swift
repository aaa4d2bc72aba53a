import ArborControl
import ArborCore
import ArborDiscovery
import ArborWire

extension ControlView {
    /// `GET /v1/status`.
    func status() -> StatusDocument {
        let configuration = runtime.configuration
        return routerView.status(
            realm: configuration.realm,
            realmSecret: configuration.realmKey != nil,
            startedAt: Timestamp.iso8601(unixNanoseconds: runtime.clock.wallOrigin),
            uptime: runtime.clock.now - Instant.zero,
            listen: runtime.listenAddress,
            runDir: configuration.runDirectory,
            clientSocket: configuration.runDirectory + "/" + ClientProtocol.socketName,
            metrics: runtime.metricsAddress,
            discovery: discoveryBackends(),
            clients: runtime.clients.count
        )
    }

    /// `static` always (the addresses from --peer and topology files), and the mDNS
    /// backend (`avahi`) with its last reported state when the daemon runs it.
    private func discoveryBackends() -> [DiscoveryDocument] {
        let addresses = runtime.configuration.staticPeers.count
        var backends = [
            DiscoveryDocument(
                backend: "static",
                state: "running",
                detail: "\(addresses) address\(addresses == 1 ? "" : "es") from --peer and topology files"
            )
        ]
        guard runtime.discoveryBackend == "avahi" else { return backends }
        let announced = "\(runtime.discovered.count) peer\(runtime.discovered.count == 1 ? "" : "s") announced"
        let state: String
        let detail: String?
        switch runtime.discoveryState {
        case nil, .starting:
            (state, detail) = ("starting", nil)
        case .running(let serviceName):
            (state, detail) = ("running", serviceName.map { "published as \"\($0)\"; " + announced } ?? announced)
        case .waitingForDaemon:
            (state, detail) = ("waiting_for_daemon", "avahi-daemon is not on D-Bus; " + announced)
        case .unavailable(let reason, let retryIn):
            (state, detail) = ("unavailable", "\(reason); next attempt in \(retryIn.nanoseconds / 1_000_000) ms")
        }
        backends.append(DiscoveryDocument(backend: "avahi", state: state, detail: detail))
        return backends
    }
}
