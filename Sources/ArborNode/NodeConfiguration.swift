import ArborCore
import ArborDiscovery
import ArborTopology
import ArborTrust
import Logging
import NIOCore

/// Everything a node needs at start; `arbord` fills it from its flags, state directory
/// and topology files.
public struct NodeConfiguration: Sendable {
    /// The routing core's configuration (id, name, incarnation, timers, definitions).
    public var router: RouterConfiguration
    /// The node's key: its id is the key's (`router.id`), proven in every handshake.
    public var key: NodeKey
    public var realm: String
    /// The realm's secret (`--secret-file`): when set, only peers holding the same secret
    /// complete a handshake, and links are encrypted (``RealmChannelHandler``); `nil`, the
    /// zero-config default: links in the clear (docs/security.md).
    public var realmKey: RealmKey?
    /// Address and port peer links are accepted on.
    public var listenHost: String
    public var listenPort: Int
    /// Peers to dial, as host and port (from `--peer` and topology files).
    public var staticPeers: [OverlayAddress]
    /// Directory of `client.sock` and `control.sock` (both mode 0660).
    public var runDirectory: String
    /// Where to serve Prometheus metrics over HTTP (`GET /metrics`); `nil`: not served.
    public var metricsEndpoint: OverlayAddress?
    /// Largest message accepted; frames are limited accordingly.
    public var maximumMessageSize: Int
    /// Per-client output beyond which a client that does not read is cut off.
    public var clientOutputLimit: Int = 8 << 20
    /// Per-link output beyond which a peer that does not read is cut off.
    public var peerOutputLimit: Int = 64 << 20
    /// The kernel send buffer (`SO_SNDBUF`) of each client.sock connection, in bytes; 0
    /// leaves the system's default (`net.core.wmem_default`, 208 KiB on Linux). The kernel
    /// doubles the value and caps it at `net.core.wmem_max`. 1 MiB spared a busy node the
    /// refused writes (`EAGAIN`) to a fast subscriber and some CPU, but did not raise the
    /// chain's throughput (docs/benchmarks.md, issue 12): not the default.
    public var clientSendBuffer: Int = 0
    /// Requests of one client handled in one slice: a read's requests go in slices of this
    /// many for at most half of ``deferredWorkPerTurn``; the rest wait for the next turn,
    /// after the loop has served sockets and timers (see ``NodeSideClientHandler``). Also
    /// the topologies a departed client leaves per turn.
    public var clientRequestsPerTurn: Int = 256
    /// Most messages of one peer handed to the router in one step. A read of a link can
    /// hold thousands (interest for as many topologies); they go in steps of this many
    /// while the event-loop turn is within ``deferredWorkPerTurn``, the rest after the loop
    /// has polled its sockets and run its timers (see ``PeerChannelHandler``).
    public var peerMessagesPerStep: Int = 128
    /// How long work done in slices (clients' backlogs, the router's timers, a departed
    /// client's topologies) may run in one event-loop turn before the rest waits until the
    /// loop has polled its sockets (``EventLoopTurns``): peers' frames are read at least
    /// this often, however much work is queued.
    public var deferredWorkPerTurn: TimeAmount = .milliseconds(5)
    /// A client must send HELLO, and complete every frame, within this long.
    public var frameTimeout: TimeAmount = .seconds(10)
    /// A control or metrics connection must complete each request (head and body) within
    /// this long of connecting or of its previous answer.
    public var httpRequestTimeout: TimeAmount = .seconds(5)
    /// Most client connections open at once (HELLO or not). The node lowers it to keep
    /// ``descriptorReserve`` descriptors of its limit free for peers, the control socket
    /// and files; connections beyond it are told so and closed.
    public var maximumClients: Int = 65_536
    /// File descriptors kept for everything but client connections.
    public var descriptorReserve: Int = 256
    /// Finds peers on the LAN (mDNS through Avahi), if any; static peers are dialled anyway.
    public var discovery: (any Discovery)?
    /// Most overlay links the node chooses itself (links to configured addresses are
    /// extra); see ``OverlayConfiguration/maxLinks``.
    public var maxLinks: Int = 8
    /// The topology files and directories the definitions came from; ``RunningNode/reloadTopologies()``
    /// (SIGHUP, `POST /v1/reload`) reads them again. Empty: nothing to reload.
    public var topologyPaths: [String] = []
    /// The topologies served on Scalability Protocols endpoints (`RUN_DIR/sp/TOPOLOGY`,
    /// opt-in TCP), with their `sp-...` settings: those loaded from files at start.
    public var spEndpoints: [TopologyName: SPSettings] = [:]
    /// First and largest delay between attempts to dial a peer.
    public var redialInitialDelay: Duration = .milliseconds(100)
    public var redialMaximumDelay: Duration = .seconds(5)

    public init(
        router: RouterConfiguration,
        realm: String,
        listenHost: String,
        listenPort: Int,
        staticPeers: [OverlayAddress],
        runDirectory: String,
        maximumMessageSize: Int,
        key: NodeKey
    ) {
        precondition(router.id == key.id, "a node's id is its key's")
        self.router = router
        self.key = key
        self.realm = realm
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.staticPeers = staticPeers
        self.runDirectory = runDirectory
        self.maximumMessageSize = maximumMessageSize
    }
}
