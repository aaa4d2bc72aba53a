import ArborCore

/// `GET /v1/status`: who this node is and how it is set up.
public struct StatusDocument: Codable, Hashable, Sendable {
    /// The node id, 32 hexadecimal digits.
    public var id: String
    public var name: String
    public var realm: String
    /// Whether the node runs with a realm secret (`--secret-file`): peer links only with
    /// nodes holding the same secret, encrypted and authenticated. The secret is never shown.
    public var realmSecret: Bool
    /// Grows on every start of the node.
    public var incarnation: UInt64
    /// Wall-clock time the daemon started, ISO 8601 in UTC.
    public var startedAt: String
    public var uptimeSeconds: Double
    /// The address peer links are accepted on, HOST:PORT, with the port actually bound.
    public var listen: String
    public var runDir: String
    public var clientSocket: String
    public var controlSocket: String
    /// HOST:PORT of the Prometheus endpoint, `null` when it is off.
    @Nullable public var metrics: String?
    /// Every discovery backend the node runs, with its condition.
    public var discovery: [DiscoveryDocument]
    public var peersUp: Int
    /// Nodes in this node's link-state database (itself included).
    public var nodesKnown: Int
    /// Topologies this node keeps state for.
    public var topologies: Int
    /// Applications connected to the client socket.
    public var clients: Int
}

/// One discovery backend in `/v1/status`.
public struct DiscoveryDocument: Codable, Hashable, Sendable {
    /// `static` (addresses from --peer and topology files) or `mdns` (Avahi).
    public var backend: String
    /// The backend's condition, e.g. `running`, `starting`, `waiting_for_daemon`, `unavailable`.
    public var state: String
    /// Anything more in words (the service name published, why it is unavailable), or `null`.
    @Nullable public var detail: String?

    public init(backend: String, state: String, detail: String?) {
        self.backend = backend
        self.state = state
        self.detail = detail
    }
}

extension RouterView {
    /// `GET /v1/status`: who the router is and what it knows, with what only the node knows:
    /// its realm, when it started (wall clock) and for how long it has run, where it listens,
    /// its run directory and client socket, its metrics endpoint, its discovery backends and
    /// its clients.
    public func status(
        realm: String, realmSecret: Bool, startedAt: String, uptime: Duration, listen: String, runDir: String,
        clientSocket: String, metrics: String?, discovery: [DiscoveryDocument], clients: Int
    ) -> StatusDocument {
        StatusDocument(
            id: router.id.description,
            name: router.name,
            realm: realm,
            realmSecret: realmSecret,
            incarnation: router.configuration.incarnation,
            startedAt: startedAt,
            uptimeSeconds: Timestamp.seconds(uptime),
            listen: listen,
            runDir: runDir,
            clientSocket: clientSocket,
            controlSocket: runDir + "/" + ControlAPI.socketName,
            metrics: metrics,
            discovery: discovery,
            peersUp: router.peers.count,
            nodesKnown: router.database.count,
            topologies: router.topologies.count,
            clients: clients
        )
    }
}
