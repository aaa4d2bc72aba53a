import ArborCore
import ArborWire
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection from an application to its Arbor node, over the node's client socket
/// (docs/client-protocol.md).
///
/// ```swift
/// let client = try await ClientConnection.connect(name: "quotes-feed")
/// let quotes = TopologyName("nasdaq.quotes")!
/// try await client.subscribe(quotes, prefix: "AAPL")
/// try await client.publish(quotes, topic: "AAPL", payload: Array("189.5".utf8))
/// for try await event in client.events {
///     if case .message(let message) = event { print(message.topic, message.payload) }
/// }
/// ```
///
/// Every method may be called from any task. Requests go out in the order they were made
/// and the node answers them in that order. The acknowledged ones (``subscribe(_:prefix:)``,
/// ``publish(_:topic:payload:)``...) return when the node said OK and throw
/// ``ArborClientError/refused(_:)`` when it said ERROR. The fast path,
/// ``publishUnacknowledged(_:topic:payload:)``, only queues the message; ``flush()`` then
/// waits until the node handled everything sent before it and reports what it refused.
///
/// Outbound frames are batched: the first request after a write asks the channel's event
/// loop for the next one, and everything queued by then goes out in one write. A publisher
/// faster than the socket is suspended once ``Configuration/outboundBufferLimit`` bytes wait,
/// so it cannot grow memory without bound.
public final class ClientConnection: Sendable {
    /// Tuning; the defaults suit both a fast publisher and a fast subscriber.
    public struct Configuration: Sendable {
        /// Bytes of encoded requests the client queues before a publisher waits; the channel
        /// holds up to about as much again while it writes.
        public var outboundBufferLimit = 512 * 1024
        /// Messages and gap notices waiting for the consumer of ``ClientConnection/events`` before
        /// the client stops reading from the socket.
        public var eventBufferLimit = 16_384
        /// Payload bytes waiting for the consumer before the client stops reading.
        public var eventBufferByteLimit = 16 * 1024 * 1024
        /// Unsolicited errors kept for the consumer of ``ClientConnection/events``; later ones are
        /// only counted (by ``ClientConnection/flush()``) until the consumer catches up.
        public var errorEventLimit = 1024
        /// How long ``ClientConnection/connect(runDirectory:name:configuration:eventLoopGroup:)``
        /// waits for the connection and the node's WELCOME.
        public var connectTimeout: Duration = .seconds(10)
        /// How long ``ClientConnection/close()`` lets queued requests drain before it cuts.
        public var closeTimeout: Duration = .seconds(2)
        /// Longest frame sent or accepted; the protocol's default.
        public var maximumFrameLength = WireLimits.defaultMaximumFrameLength

        public init() {}
    }

    /// The node this client is connected to, as its WELCOME described it.
    public struct NodeInfo: Sendable, Hashable {
        public var id: NodeID
        public var name: String
        /// The protocol version the node chose.
        public var protocolVersion: UInt16
        /// The node's default limit on a payload (a topology may declare another).
        public var maximumMessageSize: Int
    }

    /// Who answered the HELLO.
    public let node: NodeInfo
    /// The socket this client connected to.
    public let socketPath: String
    @usableFromInline
    let core: ClientCore

    private init(node: NodeInfo, socketPath: String, core: ClientCore) {
        self.node = node
        self.socketPath = socketPath
        self.core = core
    }

    deinit {
        core.abandon()
    }

    // MARK: Connecting

    /// The client socket of a run directory: `runDirectory`, else the environment variable
    /// `ARBOR_RUN_DIR`, else `/run/arbor`; then `client.sock` in it.
    public static func socketPath(runDirectory: String? = nil) -> String {
        var directory = runDirectory ?? ""
        if directory.isEmpty, let variable = getenv("ARBOR_RUN_DIR") {
            directory = String(cString: variable)
        }
        if directory.isEmpty { directory = ClientProtocol.defaultRunDirectory }
        while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
        return directory == "/" ? "/" + ClientProtocol.socketName : directory + "/" + ClientProtocol.socketName
    }

    /// Connects to the node of a run directory (see ``socketPath(runDirectory:)``) and
    /// introduces this client by `name` (shown in the node's logs; at most 255 UTF-8 bytes).
    ///
    /// Throws ``ArborClientError/nodeNotRunning(socketPath:)`` when no node runs there,
    /// ``ArborClientError/permissionDenied(socketPath:)``,
    /// ``ArborClientError/nodeNotAccepting(socketPath:)`` or
    /// ``ArborClientError/cannotConnect(socketPath:reason:)`` otherwise, and
    /// ``ArborClientError/refused(_:)`` when the node refused the HELLO.
    ///
    /// - Parameter eventLoopGroup: where the connection's I/O runs; by default NIO's
    ///   shared `MultiThreadedEventLoopGroup.singleton`.
    public static func connect(
        runDirectory: String? = nil,
        name: String,
        configuration: Configuration = Configuration(),
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) async throws(ArborClientError) -> ClientConnection {
        try await connect(
            socketPath: socketPath(runDirectory: runDirectory),
            name: name,
            configuration: configuration,
            eventLoopGroup: eventLoopGroup
        )
    }

    /// Connects to the client socket at `socketPath`; otherwise as
    /// ``connect(runDirectory:name:configuration:eventLoopGroup:)``.
    public static func connect(
        socketPath: String,
        name: String,
        configuration: Configuration = Configuration(),
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) async throws(ArborClientError) -> ClientConnection {
        let eventLoop = (eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton).next()
        let core = ClientCore(eventLoop: eventLoop, configuration: configuration, socketPath: socketPath)
        let outboundLimit = configuration.outboundBufferLimit
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(
                .writeBufferWaterMark,
                value: .init(low: Swift.max(outboundLimit / 2, 1), high: Swift.max(outboundLimit, 2))
            )
            .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 65536, maximum: 256 * 1024))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ApplicationSideClientHandler(core: core))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(unixDomainSocketPath: socketPath).get()
        } catch {
            throw connectError(error, socketPath: socketPath)
        }
        core.attach(channel)

        // Cut a node that accepts but never answers.
        let deadline = eventLoop.scheduleTask(in: TimeAmount(configuration.connectTimeout)) {
            core.noteCloseReason(.cannotConnect(socketPath: socketPath, reason: "no WELCOME within \(configuration.connectTimeout)"))
            channel.close(promise: nil)
        }
        let answer: Answer
        do {
            answer = try await core.request(.hello) { .hello(id: $0, versions: ClientProtocol.versions, clientName: name) }
        } catch {
            deadline.cancel()
            await core.close()
            throw error
        }
        deadline.cancel()
        guard case .welcome(let version, let node, let nodeName, let maximumMessageSize) = answer,
            ClientProtocol.versions.contains(version)
        else {
            await core.close()
            throw .protocolViolation("the WELCOME chose a version outside \(ClientProtocol.versions)")
        }
        let info = NodeInfo(id: node, name: nodeName, protocolVersion: version, maximumMessageSize: Int(maximumMessageSize))
        return ClientConnection(node: info, socketPath: socketPath, core: core)
    }

    private static func connectError(_ error: any Error, socketPath: String) -> ArborClientError {
        if let error = error as? IOError {
            switch error.errnoCode {
            case ENOENT: return .nodeNotRunning(socketPath: socketPath)
            case ECONNREFUSED: return .nodeNotAccepting(socketPath: socketPath)
            case EACCES, EPERM: return .permissionDenied(socketPath: socketPath)
            case ENOTDIR: return .cannotConnect(socketPath: socketPath, reason: "a component of the path is not a directory")
            case EAGAIN: return .cannotConnect(socketPath: socketPath, reason: "the node's accept queue is full, try again")
            default: return .cannotConnect(socketPath: socketPath, reason: ApplicationSideClientHandler.describe(error))
            }
        }
        if let error = error as? SocketAddressError, case .unixDomainSocketPathTooLong = error {
            return .cannotConnect(socketPath: socketPath, reason: "the path is too long for a Unix socket (at most 107 bytes)")
        }
        if let error = error as? ChannelError, case .connectTimeout(let amount) = error {
            return .cannotConnect(socketPath: socketPath, reason: "timed out after \(amount)")
        }
        return .cannotConnect(socketPath: socketPath, reason: "\(error)")
    }

    // MARK: Requests

    /// Joins `topology` (created on first use) without subscribing, e.g. to hold it open.
    /// ``subscribe(_:prefix:)`` and the publish methods join implicitly.
    public func attach(_ topology: TopologyName) async throws(ArborClientError) {
        _ = try await core.request(.attach(topology)) { .attach(id: $0, topology: topology) }
    }

    /// Leaves `topology`, dropping this client's subscriptions in it.
    public func detach(_ topology: TopologyName) async throws(ArborClientError) {
        _ = try await core.request(.detach(topology)) { .detach(id: $0, topology: topology) }
    }

    /// Receives, through ``events``, the messages of `topology` whose topic starts with
    /// `prefix` (the empty prefix: all of them), this client's own included.
    public func subscribe(_ topology: TopologyName, prefix: Topic) async throws(ArborClientError) {
        _ = try await core.request(.subscribe(topology, prefix)) {
            .subscribe(id: $0, topology: topology, prefix: prefix)
        }
    }

    /// Drops a subscription made with ``subscribe(_:prefix:)``.
    public func unsubscribe(_ topology: TopologyName, prefix: Topic) async throws(ArborClientError) {
        _ = try await core.request(.unsubscribe(topology, prefix)) {
            .unsubscribe(id: $0, topology: topology, prefix: prefix)
        }
    }

    /// Publishes one message and returns when the node accepted it (one round trip).
    /// Throws ``ArborClientError/refused(_:)`` with the node's reason (`not permitted`,
    /// `message too large`...).
    public func publish(_ topology: TopologyName, topic: Topic, payload: [UInt8]) async throws(ArborClientError) {
        _ = try await core.request(.publish(topology, topic)) {
            .publish(id: $0, topology: topology, topic: topic, payload: payload)
        }
    }

    /// Queues one message without asking for an acknowledgement (request id 0): no round
    /// trip, and usually no suspension. Returns once the message is encoded in the outbound
    /// batch; suspends while that batch is full, until the socket takes it.
    ///
    /// The node reports a refusal anyway: ``flush()`` throws
    /// ``ArborClientError/unacknowledgedRequestsFailed(count:first:)`` and ``events`` carries
    /// an ``ArborEvent/error(_:)``. Throws ``ArborClientError/invalidRequest(_:)`` at once for
    /// a message that cannot be framed (topic over 1024 bytes, frame over the limit), and the
    /// end of the connection.
    @inlinable
    public func publishUnacknowledged(_ topology: TopologyName, topic: Topic, payload: [UInt8]) async throws(ArborClientError) {
        // Inlined into the caller: a message that fits costs no async call.
        while true {
            switch core.enqueueUnacknowledgedPublish(topology: topology, topic: topic, payload: payload) {
            case .queued: return
            case .full: try await core.waitForSpace()
            case .failed(let error): throw error
            }
        }
    }

    /// ``publishUnacknowledged(_:topic:payload:)`` without waiting, for code that must not
    /// suspend (on an event loop, say): `false`, queueing nothing, while the outbound
    /// buffer is full. Throws as ``publishUnacknowledged(_:topic:payload:)`` does.
    @inlinable
    public func tryPublishUnacknowledged(_ topology: TopologyName, topic: Topic, payload: [UInt8]) throws(ArborClientError) -> Bool {
        switch core.enqueueUnacknowledgedPublish(topology: topology, topic: topic, payload: payload) {
        case .queued: return true
        case .full: return false
        case .failed(let error): throw error
        }
    }

    /// A barrier: sends a PING and returns when its PONG arrives, that is after the node
    /// handled every request sent before it. Throws
    /// ``ArborClientError/unacknowledgedRequestsFailed(count:first:)`` when unacknowledged
    /// requests were refused since the previous flush.
    public func flush() async throws(ArborClientError) {
        _ = try await core.request(.ping) { .ping(id: $0) }
    }

    /// The node's messages, gap notices and errors for this client. See ``Events``.
    public var events: Events {
        Events(core: core)
    }

    /// Sends what is queued, then closes the connection; waits at most
    /// ``Configuration/closeTimeout`` for the queue to drain. Pending requests fail with
    /// ``ArborClientError/closed``; ``events`` ends. Call ``flush()`` first to know the node
    /// handled everything. Closing twice does nothing.
    public func close() async {
        await core.close()
    }

    /// Outbound memory figures, for tests.
    var statistics: ClientStatistics {
        core.statistics
    }
}
