import ArborCore
import NIOCore

/// How a node finds the other nodes of its realm.
///
/// A `Discovery` announces this node (if its backend publishes anything) and reports the
/// peers it finds as a stream of ``DiscoveryEvent``s. It never dials anybody: the daemon
/// feeds the events to ArborCore's `OverlayLinks`, which decides whom to link to.
///
/// Threading contract, shared by every backend:
/// - `start`, `update` and `stop` may be called from any thread.
/// - `onEvent` is only ever invoked on the `EventLoop` given to `start`, one event at a
///   time and in order. A backend does its own I/O elsewhere (Avahi's calls block on D-Bus
///   round trips and must never run on the router's event loop) and hops each event onto
///   the loop with `eventLoop.execute`.
/// - After `stop()` returns, `onEvent` is not invoked again (an invocation already running
///   on the loop when `stop()` is called from another thread finishes).
///
/// Backends: ``AvahiDiscovery`` (mDNS/DNS-SD through the system's avahi-daemon) and
/// ``StaticDiscovery`` (fixed addresses from the command line or topology files). A daemon
/// may run both at once; their events do not overlap (mDNS reports node ids, static reports
/// addresses).
public protocol Discovery: AnyObject, Sendable {
    /// Starts announcing `advertisement` and looking for peers.
    ///
    /// Never fails because Avahi or D-Bus is missing: that is reported as
    /// ``DiscoveryState/unavailable(reason:retryIn:)`` and retried. Throws only for misuse
    /// (started twice, an advertisement that cannot be published).
    func start(
        advertising advertisement: Advertisement,
        on eventLoop: any EventLoop,
        onEvent: @escaping @Sendable (DiscoveryEvent) -> Void
    ) throws

    /// Changes what is announced. The node id must not change. A new incarnation, realm or
    /// protocol range updates the TXT record in place; a new name or port re-publishes.
    func update(_ advertisement: Advertisement)

    /// Withdraws the announcement and frees everything. Synchronous and idempotent; may
    /// block briefly (it joins the backend's thread). A stopped discovery cannot be restarted.
    func stop()
}

/// What a backend reports, always on the event loop given to ``Discovery/start(advertising:on:onEvent:)``.
public enum DiscoveryEvent: Hashable, Sendable {
    /// A peer of our realm, with a compatible protocol range, is announced on the LAN. Sent
    /// again (same id) whenever what is known of it changes: addresses, name, incarnation,
    /// protocol range.
    case appeared(DiscoveredPeer)
    /// The last announcement of this peer is gone (withdrawn, expired, or it moved to another
    /// realm or an incompatible protocol). Advice to stop dialing it; it says nothing about an
    /// existing link, whose liveness is the heartbeat's job.
    case vanished(NodeID)
    /// A statically configured peer: known by address only, its id is learnt in the
    /// handshake. The daemon dials it (whatever the ids) and keeps redialing it.
    case staticPeerAdded(StaticPeer)
    /// A statically configured peer was removed from the configuration.
    case staticPeerRemoved(StaticPeer)
    /// The backend's own condition changed.
    case state(DiscoveryState)
}

/// The condition of a discovery backend.
public enum DiscoveryState: Hashable, Sendable {
    /// Started; not yet announced.
    case starting
    /// Announced and looking. `serviceName` is the DNS-SD instance name actually published
    /// (it differs from the node name after a collision); `nil` for backends that publish
    /// nothing.
    case running(serviceName: String?)
    /// Connected to D-Bus, waiting for avahi-daemon to (re)appear on the bus. Peers already
    /// reported stay reported.
    case waitingForDaemon
    /// D-Bus or Avahi cannot be reached; the next attempt is in `retryIn`. Peers already
    /// reported stay reported; static peers keep working.
    case unavailable(reason: String, retryIn: TimeAmount)
}

/// What this node announces.
public struct Advertisement: Hashable, Sendable {
    /// The node's stable id; published as TXT `id` (32 hex digits). Fixed for the life of a
    /// `Discovery`.
    public var id: NodeID
    /// The human name; published as the DNS-SD instance name (at most 63 bytes of UTF-8, cut
    /// at a character boundary; renamed "name #2" and so on if another service has it).
    public var name: String
    /// The realm; TXT `realm`. Nodes only see nodes of their own realm.
    public var realm: String
    /// Bumped by the node at every restart; TXT `inc`.
    public var incarnation: UInt64
    /// The TCP port peers dial; the SRV record's port.
    public var port: Int
    /// The peer protocol versions this node speaks; TXT `proto` as "min-max".
    public var protocolVersions: ProtocolVersionRange

    public init(
        id: NodeID,
        name: String,
        realm: String,
        incarnation: UInt64,
        port: Int,
        protocolVersions: ProtocolVersionRange
    ) {
        self.id = id
        self.name = name
        self.realm = realm
        self.incarnation = incarnation
        self.port = port
        self.protocolVersions = protocolVersions
    }
}

/// A peer found on the LAN by mDNS/DNS-SD, merged over every interface and address family it
/// was seen on.
public struct DiscoveredPeer: Hashable, Sendable {
    public var id: NodeID
    /// The DNS-SD instance name it is published under (its node name, unless renamed).
    public var name: String
    public var realm: String
    public var incarnation: UInt64
    public var protocolVersions: ProtocolVersionRange
    /// Every address it was resolved to, de-duplicated, IPv4 before IPv6, then in text order.
    /// IPv6 link-local addresses carry their zone (`fe80::1%eth0`).
    public var addresses: [PeerAddress]
}

/// A peer configured by address: `--peer host:port` or a topology file. Its node id is
/// unknown until the handshake.
public struct StaticPeer: Hashable, Sendable, CustomStringConvertible {
    public var address: PeerAddress
    /// Where it came from, for logs (a node name from a topology file, "--peer"); not an id.
    public var label: String?

    public init(address: PeerAddress, label: String? = nil) {
        self.address = address
        self.label = label
    }

    public var description: String {
        label.map { "\($0) (\(address))" } ?? address.description
    }
}

/// A host (name or numeric address) and a TCP port: the core's ``OverlayAddress``, which
/// discovery reports peers at and the overlay machine dials.
public typealias PeerAddress = OverlayAddress

/// An inclusive range of peer protocol versions, published as "min-max".
public struct ProtocolVersionRange: Hashable, Sendable, CustomStringConvertible {
    public let min: UInt16
    public let max: UInt16

    /// `nil` when `min > max`.
    public init?(min: UInt16, max: UInt16) {
        guard min <= max else { return nil }
        self.min = min
        self.max = max
    }

    /// A single version.
    public init(exactly version: UInt16) {
        self.min = version
        self.max = version
    }

    /// Parses "min-max" or a single "version".
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard let version = UInt16(parts[0]) else { return nil }
            self.init(exactly: version)
        case 2:
            guard let low = UInt16(parts[0]), let high = UInt16(parts[1]) else { return nil }
            self.init(min: low, max: high)
        default:
            return nil
        }
    }

    public var description: String { "\(min)-\(max)" }

    /// The highest version both ranges contain, which two nodes speak on their link; `nil`
    /// when they have none in common (such a peer is ignored by discovery).
    public func highestCommonVersion(with other: ProtocolVersionRange) -> UInt16? {
        let high = Swift.min(max, other.max)
        return high >= Swift.max(min, other.min) ? high : nil
    }

    public func isCompatible(with other: ProtocolVersionRange) -> Bool {
        highestCommonVersion(with: other) != nil
    }
}

/// Misuse of a ``Discovery``.
public enum DiscoveryError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `start` was called on a discovery that was already started (or stopped).
    case alreadyStarted
    /// The advertisement cannot be published; the reason says which field.
    case invalidAdvertisement(String)
    /// The backend could not set up its own machinery (not: Avahi is absent, which is retried).
    case setupFailed(String)

    public var description: String {
        switch self {
        case .alreadyStarted: return "discovery already started"
        case .invalidAdvertisement(let reason): return "invalid advertisement: \(reason)"
        case .setupFailed(let reason): return "discovery setup failed: \(reason)"
        }
    }
}

extension Discovery {
    /// Starts the discovery and returns its events as an `AsyncStream`, for consumers that
    /// prefer `for await` to a callback. The events are still produced on `eventLoop`, in
    /// order; the stream buffers them without bound (they are few). The stream does not finish
    /// by itself: call `stop()` when done and stop iterating.
    public func events(
        advertising advertisement: Advertisement,
        on eventLoop: any EventLoop
    ) throws -> AsyncStream<DiscoveryEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: DiscoveryEvent.self)
        try start(advertising: advertisement, on: eventLoop) { event in
            continuation.yield(event)
        }
        return stream
    }
}
