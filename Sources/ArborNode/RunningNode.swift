import ArborControl
import ArborCore
import ArborDiscovery
import ArborTrust
import ArborWire
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A running router: the peer listener, the overlay's dials, the local client sockets
/// (client.sock, packet.sock and the SP endpoints), the control socket and the optional metrics port, all on one event loop around one ``Router``.
public final class RunningNode: Sendable {
    public let configuration: NodeConfiguration
    private let runtime: NodeRuntime
    private let group: MultiThreadedEventLoopGroup
    private let channels = NIOLockedValueBox<[Channel]>([])
    private let boundPort = NIOLockedValueBox<Int?>(nil)
    private let boundMetricsPort = NIOLockedValueBox<Int?>(nil)
    private let runDirectoryLock = NIOLockedValueBox<DirectoryLock?>(nil)

    public init(configuration: NodeConfiguration, logger: Logger) {
        self.configuration = configuration
        let turns = EventLoopTurns(budget: configuration.deferredWorkPerTurn)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1, metricsDelegate: turns)
        runtime = NodeRuntime(eventLoop: group.next(), turns: turns, configuration: configuration, logger: logger)
    }

    /// The port peer links are accepted on (useful when configured as 0).
    public var listeningPort: Int? { boundPort.withLockedValue { $0 } }

    /// The port metrics are served on, when `--metrics` was given (useful when configured as 0).
    public var metricsPort: Int? { boundMetricsPort.withLockedValue { $0 } }

    public var clientSocketPath: String {
        configuration.runDirectory + "/" + ClientProtocol.socketName
    }

    /// The SOCK_SEQPACKET way in (docs/client-protocol.md, "packet.sock").
    public var packetSocketPath: String {
        configuration.runDirectory + "/" + PacketListener.socketName
    }

    public var controlSocketPath: String {
        configuration.runDirectory + "/" + ControlAPI.socketName
    }


    /// Locks the run directory (``DirectoryLock``: refused while another node holds it),
    /// binds the peer port, the client sockets (client.sock, packet.sock, the SP endpoints)
    /// and the control socket (replacing those a dead node
    /// left) and the metrics port (if any), starts dialling static peers and starts the
    /// router. Throws with a clear message when a directory, address or path cannot be used.
    public func start() async throws {
        let runtime = self.runtime
        let configuration = self.configuration
        let lock: DirectoryLock
        do {
            lock = try DirectoryLock.acquire(configuration.runDirectory, purpose: "run directory")
        } catch {
            throw NodeStartError("\(error) (use --run-dir or ARBOR_RUN_DIR)")
        }
        runDirectoryLock.withLockedValue { $0 = lock }
        let peerOutput = ChannelOptions.Types.WriteBufferWaterMarkOption.Value(
            low: configuration.peerOutputLimit / 2,
            high: configuration.peerOutputLimit
        )
        let frameLimit = WireLimits.maximumFrameLength(forMessageSize: configuration.maximumMessageSize)
        let listener: Channel
        do {
            listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: peerOutput)
                .childChannelInitializer { channel in
                    Self.addPeerHandlers(channel, runtime: runtime, connection: runtime.nextAcceptedConnection(), frameLimit: frameLimit)
                }
                .bind(host: configuration.listenHost, port: configuration.listenPort)
                .get()
        } catch {
            throw NodeStartError("cannot listen for peers on \(configuration.listenHost):\(configuration.listenPort): \(error)")
        }
        boundPort.withLockedValue { $0 = listener.localAddress?.port }
        channels.withLockedValue { $0.append(listener) }
        let listenAddress = OverlayAddress(host: configuration.listenHost, port: listener.localAddress?.port ?? configuration.listenPort)
        try await runtime.eventLoop.submit { runtime.listenAddress = listenAddress.description }.get()

        let socketPath = clientSocketPath
        unlink(socketPath)
        let clientOutput = ChannelOptions.Types.WriteBufferWaterMarkOption.Value(
            low: configuration.clientOutputLimit / 2,
            high: configuration.clientOutputLimit
        )
        let clientLimit = DescriptorLimit.clientConnections(wanted: configuration.maximumClients, reserve: configuration.descriptorReserve)
        try await runtime.eventLoop.submit {
            runtime.clientConnectionLimit = clientLimit.connections
            if clientLimit.connections < configuration.maximumClients {
                runtime.logger.warning("at most \(clientLimit.connections) client connections, not \(configuration.maximumClients): the descriptor limit is \(clientLimit.descriptors) and \(configuration.descriptorReserve) are kept for peers and control (raise ulimit -n / LimitNOFILE)")
            }
        }.get()
        let clientListener: Channel
        do {
            clientListener = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .childChannelOption(.writeBufferWaterMark, value: clientOutput)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard let number = try runtime.acceptClientConnection(channel, tellsRefusal: true) else { return }
                        if configuration.clientSendBuffer > 0 {
                            try channel.syncOptions?.setOption(.socketOption(.so_sndbuf), value: SocketOptionValue(configuration.clientSendBuffer))
                        }
                        let outbox = FrameOutbox(clientChannel: channel, buffers: runtime.outputBuffers, maximumFrameLength: frameLimit)
                        try channel.pipeline.syncOperations.addHandler(
                            NodeSideClientHandler(runtime: runtime, outbox: outbox, connection: number, maximumFrameLength: frameLimit)
                        )
                    }
                }
                .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true)
                .get()
        } catch {
            throw NodeStartError("cannot create the client socket \(socketPath): \(error)")
        }
        guard chmod(socketPath, 0o660) == 0 else {
            throw NodeStartError("cannot set mode 0660 on \(socketPath): errno \(errno)")
        }
        channels.withLockedValue { $0.append(clientListener) }
        let packetListener = try await PacketListener.bind(path: packetSocketPath, group: group, runtime: runtime)
        channels.withLockedValue { $0.append(packetListener) }
        let spListeners = try await SPListener.bind(configuration.spEndpoints, group: group, runtime: runtime)
        channels.withLockedValue { $0.append(contentsOf: spListeners) }
        try await startMetrics()

        let advertised = Self.advertisedAddresses(listenHost: configuration.listenHost, port: listenAddress.port)
        try await runtime.eventLoop.submit {
            runtime.handle(.advertise(advertised))
            runtime.start()
            runtime.peerHandlerFactory = { channel, connection in
                Self.addPeerHandlers(channel, runtime: runtime, connection: connection, frameLimit: frameLimit)
            }
            runtime.startOverlay()
            if let discovery = configuration.discovery {
                runtime.discoveryBackend = "avahi"
                let advertisement = Advertisement(
                    id: configuration.router.id,
                    name: configuration.router.name,
                    realm: configuration.realm,
                    incarnation: configuration.router.incarnation,
                    port: listenAddress.port,
                    protocolVersions: ProtocolVersionRange(min: PeerProtocol.versions.lowerBound, max: PeerProtocol.versions.upperBound)!
                )
                try discovery.start(advertising: advertisement, on: runtime.eventLoop) { event in
                    runtime.discoveryEvent(event)
                }
            }
        }.get()
        // Last: once the control socket answers, the node is up.
        try await startControlSocket()
    }

    /// Where peers can dial this node, for its link-state record: the listen host when it is
    /// a specific address, else every IPv4 and global IPv6 address of the host's interfaces
    /// but loopback (the machine tries them in turn). Empty when none can be read.
    static func advertisedAddresses(listenHost: String, port: Int) -> [OverlayAddress] {
        guard ["0.0.0.0", "::", ""].contains(listenHost) else {
            return [OverlayAddress(host: listenHost, port: port)]
        }
        let devices = (try? System.enumerateDevices()) ?? []
        var hosts: [String] = []
        for device in devices {
            guard let host = device.address?.ipAddress, !hosts.contains(host) else { continue }
            let lower = host.lowercased()
            if lower.hasPrefix("127.") || lower == "::1" || lower.hasPrefix("fe80:") { continue }
            hosts.append(host)
        }
        return hosts.prefix(LinkStateRecord.maximumAddresses).map { OverlayAddress(host: $0, port: port) }
    }

    /// Rereads the topology files (``NodeConfiguration/topologyPaths``) and applies them
    /// when they have no error; what happened, as `POST /v1/reload` answers it.
    public func reloadTopologies() async throws -> ReloadDocument {
        let runtime = self.runtime
        return try await runtime.eventLoop.submit { runtime.reloadTopologies() }.get()
    }

    /// Graceful stop: goodbye to peers (they reroute at once), clients told, listeners
    /// closed, the client socket removed, the event loop shut down.
    public func shutdown() async {
        let runtime = self.runtime
        // Withdraw the announcement first (it blocks briefly on Avahi's thread).
        configuration.discovery?.stop()
        try? await runtime.eventLoop.flatSubmit { runtime.shutdown() }.get()
        for channel in channels.withLockedValue({ $0 }) {
            try? await channel.close()
        }
        unlink(clientSocketPath)
        unlink(packetSocketPath)
        SPListener.remove(configuration.spEndpoints, runDirectory: configuration.runDirectory)
        unlink(controlSocketPath)
        runDirectoryLock.withLockedValue { $0?.release() }
        try? await group.shutdownGracefully()
    }

    /// The control API on RUN_DIR/control.sock, mode 0660 (docs/control-api.md).
    private func startControlSocket() async throws {
        let runtime = self.runtime
        let path = controlSocketPath
        let listener: Channel
        do {
            listener = try await HTTPServer.bootstrap(group: group, limit: ControlAPI.maximumRequestSize, timeout: configuration.httpRequestTimeout) {
                let endpoints = ControlEndpoints(runtime: runtime)
                return { head, answer in endpoints.respond(to: head, answer: answer) }
            }
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
            .get()
        } catch {
            throw NodeStartError("cannot create the control socket \(path): \(error)")
        }
        channels.withLockedValue { $0.append(listener) }
        guard chmod(path, 0o660) == 0 else {
            throw NodeStartError("cannot set mode 0660 on \(path): errno \(errno)")
        }
    }

    /// Prometheus metrics on `GET /metrics`, when configured.
    private func startMetrics() async throws {
        guard let endpoint = configuration.metricsEndpoint else { return }
        let runtime = self.runtime
        let metrics = NodeMetrics()
        try await runtime.eventLoop.submit { runtime.metrics = metrics }.get()
        let listener: Channel
        do {
            listener = try await HTTPServer.bootstrap(group: group, limit: ControlAPI.maximumRequestSize, timeout: configuration.httpRequestTimeout) {
                { head, answer in
                    guard head.uri == "/metrics" || head.uri.hasPrefix("/metrics?") else {
                        answer(.error(.notFound, "no such path: \(head.uri); metrics are at /metrics"))
                        return
                    }
                    metrics.update(from: ControlView(runtime).stats())
                    answer(HTTPAnswer(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render()))
                }
            }
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: endpoint.host, port: endpoint.port)
            .get()
        } catch {
            throw NodeStartError("cannot serve metrics on \(endpoint): \(error)")
        }
        channels.withLockedValue { $0.append(listener) }
        let port = listener.localAddress?.port ?? endpoint.port
        boundMetricsPort.withLockedValue { $0 = port }
        let address = OverlayAddress(host: endpoint.host, port: port).description
        try await runtime.eventLoop.submit { runtime.metricsAddress = address }.get()
    }

    /// Runs `body` on the node's event loop with its runtime (for inspection).
    func withRuntime<T: Sendable>(_ body: @escaping @Sendable (NodeRuntime) -> T) async throws -> T {
        let runtime = self.runtime
        return try await runtime.eventLoop.submit { body(runtime) }.get()
    }

    private static func addPeerHandlers(_ channel: Channel, runtime: NodeRuntime, connection: OverlayConnection, frameLimit: Int) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let counters = LinkCounters()
            let outbox = FrameOutbox(peerChannel: channel, buffers: runtime.outputBuffers, maximumFrameLength: frameLimit, counters: counters)
            // With a realm secret, the realm layer seals and opens everything between the wire
            // (where bytes are counted) and the peer link.
            let realm = runtime.configuration.realmKey.map { [RealmChannelHandler(key: $0) as ChannelHandler] } ?? []
            try channel.pipeline.syncOperations.addHandlers(
                [ByteCountingHandler(counters)] + realm + [
                    PeerChannelHandler(runtime: runtime, connection: connection, counters: counters, outbox: outbox, maximumFrameLength: frameLimit),
                ]
            )
        }
    }
}

/// Why a node could not start, in words for the operator.
public struct NodeStartError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
