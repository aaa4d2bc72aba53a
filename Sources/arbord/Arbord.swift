import ArborCore
import ArborDiscovery
import ArborNode
import ArborTopology
import ArborTrust
import ArborWire
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// The Arbor router daemon.
@main
struct Arbord: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbord",
        abstract: "The Arbor publish/subscribe router daemon.",
        discussion: """
            Links up with peers over TCP, builds a tree per topology, and serves local \
            applications on RUN_DIR/client.sock, RUN_DIR/packet.sock (SOCK_SEQPACKET, text \
            requests) and, for each topology of a file, ipc://RUN_DIR/sp/TOPOLOGY (nanomsg/nng \
            PUB and SUB sockets). SIGTERM or SIGINT stops it gracefully; \
            SIGHUP rereads the topology files (as `arbor reload` does). Under systemd \
            (arbord.service, Type=notify) it reports readiness through $NOTIFY_SOCKET and, \
            when $JOURNAL_STREAM names its standard error, logs without timestamps and with \
            syslog priorities.
            """
    )

    @Option(help: "Node name (default: the host name).")
    var name: String?

    @Option(help: "Address and port to accept peer links on (port 0: any free port, shown by arbor status).")
    var listen = "0.0.0.0:\(PeerProtocol.defaultPort)"

    @Option(name: .customLong("peer"), help: "A peer to dial, HOST:PORT (repeatable).")
    var peers: [String] = []

    @Option(help: "How to find peers: avahi (mDNS on the LAN, plus static peers), static (only --peer and topology-file addresses) or none (accept links only).")
    var discovery = DiscoveryMode.avahi

    enum DiscoveryMode: String, ExpressibleByArgument, CaseIterable {
        case avahi, `static`, none
    }

    @Option(help: "A topology file or a directory of them (repeatable).")
    var topologies: [String] = []

    @Option(help: "Directory of client.sock and control.sock, locked while the node runs (default: $ARBOR_RUN_DIR or /run/arbor).")
    var runDir: String?

    @Option(help: ArgumentHelp("Serve Prometheus metrics on GET /metrics at HOST:PORT (default: off; port 0: any free port).", valueName: "host:port"))
    var metrics: String?

    @Option(help: "Directory keeping the node id, locked while the node runs (default: $ARBOR_STATE_DIR or /var/lib/arbor).")
    var stateDir: String?

    @Option(help: "Only nodes of the same realm link up.")
    var realm = "default"

    @Option(help: ArgumentHelp("The realm's secret: only nodes holding the same secret link up, and links are encrypted. A file of at least 32 random bytes (text or binary; a final newline does not count), readable by this service only (mode 0600 or 0400). Default: none, links in the clear.", valueName: "path"))
    var secretFile: String?

    @Option(help: "Heartbeat interval on idle links, in milliseconds.")
    var heartbeatMs = 100

    @Option(help: "Missed heartbeats after which a silent peer is declared dead.")
    var deadAfter = 3

    @Option(help: "Link cost grows by one per this many milliseconds of measured round-trip time, by at most 100 (0: link costs stay fixed). The default ignores a LAN's sub-millisecond differences and a busy host's scheduling noise, and still prefers a 20 ms path to a 100 ms one.")
    var rttCostUnitMs = 5.0

    @Option(help: "Most overlay links this node chooses itself (3...1000; links to --peer and topology-file addresses are extra).")
    var maxLinks = 8

    @Option(help: "Largest message accepted, in bytes.")
    var maxMessageSize = WireLimits.defaultMaximumMessageSize

    @Option(help: "Most topologies this node keeps state for, its own clients' and its neighbours' together.")
    var maxTopologies = 100_000

    @Option(help: "Most topologies one client connection may be a member of (attached, subscribed or publishing); more is refused with error 11.")
    var maxClientTopologies = 1_000

    @Option(help: "Most subscriptions (prefixes) one client connection may hold over all its topologies; more is refused with error 11.")
    var maxClientSubscriptions = 10_000

    @Option(help: "Most client connections at once; lowered to fit the descriptor limit with 256 kept for peers and control. More are told so and closed.")
    var maxClients = 65_536

    @Option(help: "Bytes of messages a client may leave unread before it is cut off as a slow consumer (a push-back topology holds its publishers back at this mark and cuts off at four times it).")
    var clientOutputLimit = 8 << 20

    @Option(help: "Kernel send buffer (SO_SNDBUF) of each client.sock connection in bytes (the kernel doubles it, capped by net.core.wmem_max); 0: the system's default (208 KiB on Linux).")
    var clientSendBuffer = 0

    @Option(help: "Bytes of output a peer link may leave unwritten (its peer not reading) before the link is closed as slow.")
    var peerOutputLimit = 64 << 20

    @Option(help: "Bytes of recently published messages kept to resend what a reroute dropped (payload and topic + 96 each; 0: no resending, losses are still reported as GAPs).")
    var repairBufferBytes = 16 << 20

    @Option(help: "Milliseconds published messages are kept for repair.")
    var repairBufferMs = 5_000

    @Option(help: "A hole in a stream not repaired within this many milliseconds is reported to the subscribers as a GAP.")
    var repairTimeoutMs = 1_000

    @Option(help: "A client must send HELLO, and complete each frame, within this many milliseconds.")
    var frameTimeoutMs = 10_000

    @Option(help: "A control or metrics connection must complete each request within this many milliseconds.")
    var httpTimeoutMs = 5_000

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        try require(heartbeatMs, in: 1...60_000, "--heartbeat-ms")
        try require(deadAfter, in: 1...100, "--dead-after")
        try require(maxLinks, in: 3...1000, "--max-links")
        try require(rttCostUnitMs, in: 0...60_000, "--rtt-cost-unit-ms")
        try require(maxTopologies, in: 1...10_000_000, "--max-topologies")
        try require(maxClientTopologies, in: 1...1_000_000, "--max-client-topologies")
        try require(maxClientSubscriptions, in: 1...10_000_000, "--max-client-subscriptions")
        try require(maxClients, in: 1...10_000_000, "--max-clients")
        try require(repairBufferBytes, in: 0...(1 << 34), "--repair-buffer-bytes")
        try require(repairBufferMs, in: 1...600_000, "--repair-buffer-ms")
        try require(repairTimeoutMs, in: 1...600_000, "--repair-timeout-ms")
        try require(frameTimeoutMs, in: 100...3_600_000, "--frame-timeout-ms")
        try require(httpTimeoutMs, in: 100...3_600_000, "--http-timeout-ms")
        try require(maxMessageSize, in: 1...(64 << 20), "--max-message-size")
        try require(clientOutputLimit, in: (64 << 10)...(4 << 30), "--client-output-limit")
        try require(peerOutputLimit, in: (1 << 20)...(4 << 30), "--peer-output-limit")
        try require(clientSendBuffer, in: 0...(1 << 30), "--client-send-buffer")
        guard OverlayAddress(parsing: listen, defaultPort: Int(PeerProtocol.defaultPort), allowingPortZero: true) != nil else {
            throw ValidationError("--listen \(listen): expected HOST:PORT")
        }
        for peer in peers where OverlayAddress(parsing: peer, defaultPort: Int(PeerProtocol.defaultPort)) == nil {
            throw ValidationError("--peer \(peer): expected HOST:PORT")
        }
        if let metrics, !metrics.contains(":") || OverlayAddress(parsing: metrics, defaultPort: 0, allowingPortZero: true) == nil {
            throw ValidationError("--metrics \(metrics): expected HOST:PORT, like 127.0.0.1:9464")
        }
    }

    /// Throws the error that names `option` and its range unless `value` lies in `range`.
    private func require<Value: Comparable>(_ value: Value, in range: ClosedRange<Value>, _ option: String) throws {
        guard range.contains(value) else {
            throw ValidationError("\(option) must be \(range.lowerBound)...\(range.upperBound)")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel)!
        let nodeName = name ?? ProcessInfo.processInfo.hostName
        let journal = JournalLogHandler.isJournal(environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { label in
            if journal {
                return JournalLogHandler(logLevel: level, label: label)
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        // Until the node serves, a SIGHUP must not end the process (its default action).
        signal(SIGHUP, SIG_IGN)
        var logger = Logger(label: "arbord")
        logger[metadataKey: "node"] = "\(nodeName)"

        let environment = ProcessInfo.processInfo.environment
        let runDirectory = runDir ?? environment["ARBOR_RUN_DIR"] ?? ClientProtocol.defaultRunDirectory
        let stateDirectory = stateDir ?? environment["ARBOR_STATE_DIR"] ?? "/var/lib/arbor"
        let identity: NodeIdentity
        do {
            // Held until the process exits: no other arbord uses this node's identity.
            _ = try DirectoryLock.acquire(stateDirectory, purpose: "state directory", mode: 0o700)
            identity = try NodeIdentity.load(stateDirectory: stateDirectory)
        } catch let error as DirectoryLockError {
            logger.critical("\(error) (use --state-dir or ARBOR_STATE_DIR)")
            throw ExitCode(1)
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
        // Read before anything listens: a secret that is refused stops the node.
        var realmKey: RealmKey?
        if let secretFile {
            do {
                realmKey = try RealmKey.load(path: secretFile)
                logger.info("realm \(realm) has a secret (\(secretFile)): peer links are encrypted, only nodes holding it link up")
            } catch {
                logger.critical("\(error)")
                throw ExitCode(1)
            }
        }
        if let old = identity.replacedID {
            logger.notice("node id is now \(identity.id), derived from \(stateDirectory)/node-key (was \(old), a random id of a version before node keys)")
        }

        var definitions: [TopologyDefinition] = []
        var spEndpoints: [TopologyName: SPSettings] = [:]
        var staticPeers = peers.compactMap { OverlayAddress(parsing: $0, defaultPort: Int(PeerProtocol.defaultPort)) }
        if !topologies.isEmpty {
            let loaded = TopologyFile.load(paths: topologies)
            for diagnostic in loaded.diagnostics {
                logger.log(level: diagnostic.severity == .error ? .error : .warning, "\(diagnostic)")
            }
            if loaded.hasErrors {
                logger.critical("topology files have \(loaded.errorCount) error(s); run `arbor check` on them")
                throw ExitCode(1)
            }
            definitions = loaded.definitions
            spEndpoints = loaded.spSettings
            for (node, addresses) in loaded.staticAddresses.sorted(by: { $0.key < $1.key }) where node != nodeName {
                staticPeers += addresses.map { OverlayAddress(host: $0.host, port: Int($0.port)) }
            }
        }

        var router = RouterConfiguration(id: identity.id, name: nodeName, incarnation: identity.incarnation)
        router.heartbeatInterval = .milliseconds(heartbeatMs)
        router.missedHeartbeats = deadAfter
        router.maximumMessageSize = maxMessageSize
        router.roundTripCostUnit = rttCostUnitMs > 0 ? .nanoseconds(Int64(rttCostUnitMs * 1e6)) : nil
        router.definitions = definitions
        router.sealer = RecordNotary(key: identity.key)
        router.maximumTopologies = maxTopologies
        router.maximumTopologiesPerClient = maxClientTopologies
        router.maximumSubscriptionsPerClient = maxClientSubscriptions
        router.repairBufferBytes = repairBufferBytes
        router.repairBufferAge = .milliseconds(repairBufferMs)
        router.repairTimeout = .milliseconds(repairTimeoutMs)
        let listenEndpoint = OverlayAddress(parsing: listen, defaultPort: Int(PeerProtocol.defaultPort), allowingPortZero: true)!
        var seen = Set<OverlayAddress>()
        if discovery == .none {
            staticPeers = []
        }
        var configuration = NodeConfiguration(
            router: router,
            realm: realm,
            listenHost: listenEndpoint.host,
            listenPort: listenEndpoint.port,
            staticPeers: staticPeers.filter { seen.insert($0).inserted },
            runDirectory: runDirectory,
            maximumMessageSize: maxMessageSize,
            key: identity.key
        )
        configuration.maxLinks = maxLinks
        configuration.topologyPaths = topologies
        configuration.spEndpoints = spEndpoints
        configuration.realmKey = realmKey
        configuration.maximumClients = maxClients
        configuration.clientOutputLimit = clientOutputLimit
        configuration.peerOutputLimit = peerOutputLimit
        configuration.clientSendBuffer = clientSendBuffer
        configuration.frameTimeout = .milliseconds(Int64(frameTimeoutMs))
        configuration.httpRequestTimeout = .milliseconds(Int64(httpTimeoutMs))
        configuration.metricsEndpoint = metrics.flatMap { OverlayAddress(parsing: $0, defaultPort: 0, allowingPortZero: true) }
        if discovery == .avahi {
            configuration.discovery = AvahiDiscovery(logger: logger)
        }
        let node = RunningNode(configuration: configuration, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: NodeService(node: node, logger: logger, notifier: SystemdNotifier(environment: environment)))],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch let error as NodeStartError {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
    }
}
