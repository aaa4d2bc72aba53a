import ArborCore
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Settings of ``AvahiDiscovery``. The defaults suit a daemon; tests shorten the retries.
public struct AvahiDiscoveryConfiguration: Sendable {
    /// The DNS-SD service type published and browsed.
    public var serviceType: String = ArborService.type
    /// First delay before retrying when D-Bus or avahi-daemon cannot be reached; doubles
    /// after every failed attempt up to ``retryMaximum``.
    public var retryInitial: TimeAmount = .milliseconds(250)
    public var retryMaximum: TimeAmount = .seconds(10)
    /// Delay before retrying a failed resolve, browse or registration.
    public var operationRetry: TimeAmount = .seconds(2)
    /// After reconnecting to avahi-daemon, how long the new browser has to report again the
    /// peers known before; those it has not reported by then vanish.
    public var stalePurgeDelay: TimeAmount = .seconds(5)
    /// How often every known instance is resolved again (one answer each), ±10%. Instances
    /// are resolved once when browsed, not watched: a change made in place (new TXT or
    /// address under the same instance name, with no goodbye between) is seen at the next
    /// refresh. Zero: never. arbord never changes its advertisement in place, and a node
    /// that restarts re-publishes (browsed anew) or is learnt from link state at once.
    public var refreshInterval: TimeAmount = .seconds(300)

    public init() {}
}

/// Discovery by mDNS/DNS-SD through the system's avahi-daemon (libavahi-client over D-Bus).
///
/// It publishes `_arbor._tcp` (see ``ArborService``) and browses and resolves the same type,
/// reporting peers of its realm with a compatible protocol range, merged per node id over
/// interfaces and address families (``PeerTable``). Each reported instance is resolved once
/// (the resolver is freed after its answer, or retried after a failure), and again every
/// ``AvahiDiscoveryConfiguration/refreshInterval``: standing resolvers would keep querying
/// the LAN for every peer.
///
/// Resilience:
/// - avahi-daemon restarting: the client fails with `AVAHI_ERR_DISCONNECTED`; it is freed
///   and a new one is made at once with `AVAHI_CLIENT_NO_FAIL`, which waits on the bus for
///   the daemon (`AVAHI_CLIENT_CONNECTING`, reported as ``DiscoveryState/waitingForDaemon``)
///   and, when the daemon is back (`S_REGISTERING`, then `S_RUNNING`), browses again and
///   registers again. Peers already reported stay reported meanwhile; those the new browser
///   does not find again within ``AvahiDiscoveryConfiguration/stalePurgeDelay`` vanish.
/// - D-Bus absent (or avahi-daemon unreachable for another reason): `avahi_client_new` fails
///   (`AVAHI_ERR_NO_DAEMON`); it is retried with capped exponential backoff
///   (``AvahiDiscoveryConfiguration/retryInitial`` to ``AvahiDiscoveryConfiguration/retryMaximum``).
///   The first failure of an outage is logged once at warning level, saying discovery will
///   be retried; later attempts log at debug; recovery logs at info.
/// - Name collision: the entry group enters `AVAHI_ENTRY_GROUP_COLLISION` (or adding the
///   service fails with `AVAHI_ERR_COLLISION`); the service is re-added under
///   `avahi_alternative_service_name` ("name #2"). Peers know each other by TXT `id`, so a
///   rename changes nothing else.
///
/// Threading: all Avahi objects live on an `AvahiThreadedPoll` thread, because every
/// libavahi-client call is a blocking D-Bus round trip that must not stall the router's
/// event loop. Callbacks run there and hop every event onto the event loop given to
/// ``start(advertising:on:onEvent:)`` with `eventLoop.execute`. ``update(_:)`` does not
/// take Avahi's lock: it posts to a mailbox the poll thread drains. ``stop()`` stops the
/// poll thread (joining it) before freeing the client, so no callback can run during or
/// after the frees.
public final class AvahiDiscovery: Discovery {
    public let configuration: AvahiDiscoveryConfiguration
    private let logger: Logger
    private let lifecycle = NIOLockedValueBox<Lifecycle>(.idle)

    private enum Lifecycle {
        case idle
        case running(AvahiEngine)
        case stopped
    }

    public init(configuration: AvahiDiscoveryConfiguration = .init(), logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "discovery"] = "avahi"
        self.logger = logger
    }

    deinit {
        stop()
    }

    public func start(
        advertising advertisement: Advertisement,
        on eventLoop: any EventLoop,
        onEvent: @escaping @Sendable (DiscoveryEvent) -> Void
    ) throws {
        try ArborService.validate(advertisement)
        try lifecycle.withLockedValue { state in
            guard case .idle = state else { throw DiscoveryError.alreadyStarted }
            let engine = try AvahiEngine(
                advertisement: advertisement,
                configuration: configuration,
                logger: logger,
                eventLoop: eventLoop,
                onEvent: onEvent
            )
            engine.begin()
            state = .running(engine)
        }
    }

    public func update(_ advertisement: Advertisement) {
        lifecycle.withLockedValue { state in
            guard case .running(let engine) = state else { return }
            precondition(advertisement.id == engine.localID, "Discovery.update must not change the node id")
            do {
                try ArborService.validate(advertisement)
            } catch {
                logger.error("ignoring advertisement update: \(error)")
                return
            }
            // Posting under the lock serialises it with stop(), which closes the mailbox.
            engine.post(.update(advertisement))
        }
    }

    public func stop() {
        let engine: AvahiEngine? = lifecycle.withLockedValue { state in
            defer { state = .stopped }
            if case .running(let engine) = state { return engine }
            return nil
        }
        engine?.shutdown()
    }
}
