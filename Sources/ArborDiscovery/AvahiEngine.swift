import ArborCore
import CAvahiClient
import Logging
import NIOConcurrencyHelpers
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The Avahi side of ``AvahiDiscovery``: owns the threaded poll, the client, the entry group,
/// the browser and the resolvers, and a ``PeerTable``.
///
/// `@unchecked Sendable`, and why that is sound:
/// - The mutable state below the "poll-thread state" mark is touched only on Avahi's poll
///   thread, inside callbacks, which Avahi runs with the threaded poll's lock held; and
///   before the poll thread starts (`begin`) or after it has been joined (`shutdown`) by the
///   single caller of those, when no other thread can touch it. Nothing else reaches it: no
///   other thread ever calls into Avahi, so nobody needs `avahi_threaded_poll_lock`.
/// - The one entry point from other threads, `post`, touches only `mailbox` (a
///   `NIOLockedValueBox`) and writes a byte to a pipe the poll thread watches.
/// - `delivering` is a `NIOLockedValueBox`; everything else is immutable after `init`.
final class AvahiEngine: @unchecked Sendable {
    enum Command: Sendable {
        case update(Advertisement)
    }

    private enum Timer: CaseIterable {
        case connect, register, browse, resolve, refresh, purge
    }

    let localID: NodeID
    private let configuration: AvahiDiscoveryConfiguration
    private let logger: Logger
    private let eventLoop: any EventLoop
    private let onEvent: @Sendable (DiscoveryEvent) -> Void
    /// Cleared by `shutdown` so that events already queued on the loop are dropped.
    private let delivering = NIOLockedValueBox(true)
    private let mailbox = NIOLockedValueBox<[Command]>([])
    private let poll: OpaquePointer
    private let pollAPI: UnsafePointer<AvahiPoll>
    private let wakeRead: Int32
    private let wakeWrite: Int32

    // MARK: poll-thread state (see the type's documentation)

    private var advertisement: Advertisement
    /// The instance name being published: the node name, or an alternative after a collision.
    private var serviceName: String
    private var client: OpaquePointer?
    private var group: OpaquePointer?
    private var groupHasService = false
    private var browser: OpaquePointer?
    private var resolvers: [ServiceInstanceKey: OpaquePointer] = [:]
    private var resolverKeys: [OpaquePointer: ServiceInstanceKey] = [:]
    private var table: PeerTable
    private var backoff: Backoff
    private var timers: [Timer: OpaquePointer] = [:]
    private var wakeWatch: OpaquePointer?
    /// Whether the current outage has been logged at warning level.
    private var outageLogged = false
    /// Whether peers were kept through a reconnection and wait for the new browser.
    private var purgePending = false
    private var reportedState: DiscoveryState?

    init(
        advertisement: Advertisement,
        configuration: AvahiDiscoveryConfiguration,
        logger: Logger,
        eventLoop: any EventLoop,
        onEvent: @escaping @Sendable (DiscoveryEvent) -> Void
    ) throws {
        guard let poll = avahi_threaded_poll_new() else {
            throw DiscoveryError.setupFailed("avahi_threaded_poll_new failed")
        }
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            avahi_threaded_poll_free(poll)
            throw DiscoveryError.setupFailed("pipe failed: errno \(errno)")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        self.localID = advertisement.id
        self.poll = poll
        self.pollAPI = avahi_threaded_poll_get(poll)
        self.wakeRead = fds[0]
        self.wakeWrite = fds[1]
        self.configuration = configuration
        self.logger = logger
        self.eventLoop = eventLoop
        self.onEvent = onEvent
        self.advertisement = advertisement
        self.serviceName = ArborService.instanceName(for: advertisement.name)
        self.table = PeerTable(
            localID: advertisement.id,
            realm: advertisement.realm,
            protocolVersions: advertisement.protocolVersions
        )
        self.backoff = Backoff(
            initial: .nanoseconds(configuration.retryInitial.nanoseconds),
            maximum: .nanoseconds(configuration.retryMaximum.nanoseconds)
        )
    }

    private var userdata: UnsafeMutableRawPointer {
        Unmanaged.passUnretained(self).toOpaque()
    }

    // MARK: - Lifecycle (caller's thread)

    /// Sets up timers and the wake-up watch, schedules the first connection attempt, and
    /// starts the poll thread. Called once, before the poll thread exists.
    func begin() {
        for timer in Timer.allCases {
            timers[timer] = pollAPI.pointee.timeout_new(pollAPI, nil, avahiTimeoutCallback, userdata)
        }
        wakeWatch = pollAPI.pointee.watch_new(pollAPI, wakeRead, AVAHI_WATCH_IN, avahiWakeCallback, userdata)
        setState(.starting)
        arm(.connect, after: .zero)
        if avahi_threaded_poll_start(poll) < 0 {
            logger.error("could not start the Avahi poll thread; mDNS discovery is off")
            setState(.unavailable(reason: "could not start the Avahi poll thread", retryIn: .zero))
        }
    }

    /// Queues a command for the poll thread. Any thread; never blocks on Avahi.
    func post(_ command: Command) {
        mailbox.withLockedValue { $0.append(command) }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // EAGAIN: the pipe is full of wake-ups already
    }

    /// Stops the poll thread, then frees everything. Must not be called on the poll thread
    /// (it is not: user code runs on the event loop only).
    func shutdown() {
        delivering.withLockedValue { $0 = false }
        // Joins the poll thread: from here on this thread alone touches the state.
        avahi_threaded_poll_stop(poll)
        if let client {
            // Frees the group, browser and resolvers too. Closing the D-Bus connection makes
            // avahi-daemon withdraw our service (with goodbye packets).
            avahi_client_free(client)
        }
        forgetClientObjects()
        client = nil
        // Frees the remaining watches and timeouts with the poll.
        avahi_threaded_poll_free(poll)
        close(wakeRead)
        close(wakeWrite)
        logger.debug("mDNS discovery stopped")
    }

    // MARK: - Events out

    private func deliver(_ events: [DiscoveryEvent]) {
        guard !events.isEmpty else { return }
        for event in events {
            switch event {
            case .appeared(let peer):
                logger.info(
                    "peer appeared",
                    metadata: [
                        "peer": "\(peer.name)", "id": "\(peer.id)", "inc": "\(peer.incarnation)",
                        "addresses": "\(peer.addresses.map(\.description).joined(separator: ","))",
                    ])
            case .vanished(let id):
                logger.info("peer vanished", metadata: ["id": "\(id)"])
            default:
                break
            }
        }
        let onEvent = self.onEvent
        let delivering = self.delivering
        eventLoop.execute {
            for event in events {
                guard delivering.withLockedValue({ $0 }) else { return }
                onEvent(event)
            }
        }
    }

    private func setState(_ state: DiscoveryState) {
        guard state != reportedState else { return }
        reportedState = state
        deliver([.state(state)])
    }

    // MARK: - Timers

    private func arm(_ timer: Timer, after delay: TimeAmount) {
        guard let timeout = timers[timer] else { return }
        var tv = timeval()
        let milliseconds = max(0, delay.nanoseconds / 1_000_000)
        avahi_elapse_time(&tv, UInt32(clamping: milliseconds), 0)
        pollAPI.pointee.timeout_update(timeout, &tv)
    }

    private func disarm(_ timer: Timer) {
        guard let timeout = timers[timer] else { return }
        pollAPI.pointee.timeout_update(timeout, nil)
    }

    fileprivate func timeoutFired(_ timeout: OpaquePointer) {
        guard let timer = timers.first(where: { $0.value == timeout })?.key else { return }
        disarm(timer)
        switch timer {
        case .connect:
            connect()
        case .register:
            if let client { ensureRegistered(client) }
        case .browse:
            if let browser {
                avahi_service_browser_free(browser)
                self.browser = nil
            }
            if let client, isConnected(client) { ensureBrowser(client) }
        case .resolve:
            resolveMissing()
        case .refresh:
            refreshResolutions()
        case .purge:
            purge()
        }
    }

    fileprivate func wokenUp() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
        let commands = mailbox.withLockedValue { mailbox in
            defer { mailbox.removeAll() }
            return mailbox
        }
        for command in commands {
            switch command {
            case .update(let advertisement):
                apply(advertisement)
            }
        }
    }

    // MARK: - Client

    private func connect() {
        if client != nil {
            dropClient()
        }
        var error: Int32 = 0
        // The callback may run inside avahi_client_new, before it returns: it takes the
        // client from its argument, so `self.client` is set by then.
        let newClient = avahi_client_new(pollAPI, AVAHI_CLIENT_NO_FAIL, avahiClientCallback, userdata, &error)
        if let newClient {
            client = newClient
            return
        }
        // If a callback ran before the failure, avahi_client_new has already freed the
        // client and everything made on it: forget those pointers, do not free them.
        forgetClientObjects()
        client = nil
        let delay = TimeAmount.nanoseconds(backoff.next().nanoseconds)
        let reason = describe(error)
        becameUnavailable(because: reason)
        setState(.unavailable(reason: reason, retryIn: delay))
        arm(.connect, after: delay)
    }

    /// Frees a failed client and keeps what we know of peers until a new browser confirms it.
    private func dropClient() {
        guard let client else { return }
        avahi_client_free(client)
        self.client = nil
        forgetClientObjects()
        table.markAllStale()
        purgePending = !table.instanceKeys.isEmpty
        disarm(.purge)  // the next browser re-arms it; no purge while none runs
    }

    /// Drops pointers to objects that avahi_client_free has freed (or is about to).
    private func forgetClientObjects() {
        group = nil
        groupHasService = false
        browser = nil
        resolvers.removeAll()
        resolverKeys.removeAll()
    }

    fileprivate func clientStateChanged(_ client: OpaquePointer, _ state: AvahiClientState) {
        self.client = client
        switch state {
        case AVAHI_CLIENT_S_RUNNING:
            becameAvailable()
            ensureBrowser(client)
            ensureRegistered(client)
        case AVAHI_CLIENT_S_REGISTERING, AVAHI_CLIENT_S_COLLISION:
            // The daemon is (re-)establishing its host name: browse now, publish on RUNNING
            // (our records point at the host name, so they wait for it).
            becameAvailable()
            ensureBrowser(client)
            if groupHasService, let group {
                avahi_entry_group_reset(group)
                groupHasService = false
            }
            if case .running? = reportedState { setState(.starting) }
        case AVAHI_CLIENT_CONNECTING:
            becameUnavailable(because: "avahi-daemon is not running")
            setState(.waitingForDaemon)
        case AVAHI_CLIENT_FAILURE:
            let error = avahi_client_errno(client)
            if error == AVAHI_ERR_DISCONNECTED {
                logger.info("disconnected from avahi-daemon (it restarted or D-Bus went away); reconnecting")
            } else {
                logger.warning("Avahi client failed: \(describe(error)); reconnecting")
            }
            // Not freed here, inside its own callback: the connect timer frees it.
            arm(.connect, after: .zero)
        default:
            logger.debug("Avahi client state \(state.rawValue)")
        }
    }

    private func isConnected(_ client: OpaquePointer) -> Bool {
        let state = avahi_client_get_state(client)
        return state == AVAHI_CLIENT_S_RUNNING || state == AVAHI_CLIENT_S_REGISTERING
            || state == AVAHI_CLIENT_S_COLLISION
    }

    private func becameUnavailable(because reason: String) {
        if outageLogged {
            logger.debug("mDNS still unavailable: \(reason)")
        } else {
            outageLogged = true
            logger.warning(
                "mDNS discovery unavailable: \(reason); will keep retrying in the background (static peers still work)"
            )
        }
    }

    private func becameAvailable() {
        backoff.reset()
        if outageLogged {
            outageLogged = false
            logger.info("mDNS discovery available again (avahi-daemon reached)")
        }
    }

    // MARK: - Publishing

    private func ensureRegistered(_ client: OpaquePointer) {
        guard avahi_client_get_state(client) == AVAHI_CLIENT_S_RUNNING else { return }
        if group == nil {
            // Its callback runs inside avahi_entry_group_new (state UNCOMMITED) and takes the
            // group from its argument.
            guard let newGroup = avahi_entry_group_new(client, avahiGroupCallback, userdata) else {
                logger.error("could not create an Avahi entry group: \(describe(avahi_client_errno(client)))")
                arm(.register, after: configuration.operationRetry)
                return
            }
            group = newGroup
        }
        if let group, !groupHasService {
            publish(group)
        }
    }

    private func publish(_ group: OpaquePointer) {
        let txt = ArborService.txtItems(for: advertisement)
        let type = configuration.serviceType
        let port = UInt16(advertisement.port)
        for _ in 0..<32 {
            let name = serviceName
            let added = withStringList(txt) { list in
                avahi_entry_group_add_service_strlst(
                    group, AvahiIfIndex(AVAHI_IF_UNSPEC), AvahiProtocol(AVAHI_PROTO_UNSPEC), AvahiPublishFlags(0),
                    name, type, nil, nil, port, list)
            }
            if added == AVAHI_ERR_COLLISION {
                rename()  // a local service has the name already
                continue
            }
            guard added >= 0 else {
                registrationFailed(group, "adding the service", added)
                return
            }
            groupHasService = true
            let committed = avahi_entry_group_commit(group)
            guard committed >= 0 else {
                registrationFailed(group, "committing the service", committed)
                return
            }
            logger.debug("registering '\(name)'.\(type) on port \(port)")
            return
        }
        registrationFailed(group, "finding a free service name", Int32(AVAHI_ERR_COLLISION))
    }

    private func registrationFailed(_ group: OpaquePointer, _ what: String, _ error: Int32) {
        logger.error("Avahi: \(what) failed: \(describe(error)); retrying")
        avahi_entry_group_reset(group)
        groupHasService = false
        arm(.register, after: configuration.operationRetry)
    }

    private func rename() {
        let old = serviceName
        guard let alternative = avahi_alternative_service_name(old) else { return }
        serviceName = String(cString: alternative)
        avahi_free(alternative)
        logger.notice("service name '\(old)' is taken on the LAN; publishing as '\(serviceName)'")
    }

    fileprivate func groupStateChanged(_ group: OpaquePointer, _ state: AvahiEntryGroupState) {
        switch state {
        case AVAHI_ENTRY_GROUP_ESTABLISHED:
            logger.info("published '\(serviceName)'.\(configuration.serviceType) on port \(advertisement.port)")
            setState(.running(serviceName: serviceName))
        case AVAHI_ENTRY_GROUP_COLLISION:
            rename()
            avahi_entry_group_reset(group)
            groupHasService = false
            publish(group)
        case AVAHI_ENTRY_GROUP_FAILURE:
            let error = avahi_client_errno(avahi_entry_group_get_client(group))
            registrationFailed(group, "registering", error)
        default:
            break  // UNCOMMITED, REGISTERING
        }
    }

    private func apply(_ new: Advertisement) {
        let old = advertisement
        advertisement = new
        if new.realm != old.realm || new.protocolVersions != old.protocolVersions {
            deliver(table.reconfigure(realm: new.realm, protocolVersions: new.protocolVersions))
        }
        guard let group, groupHasService else {
            if new.name != old.name { serviceName = ArborService.instanceName(for: new.name) }
            return  // not published yet: the next publish uses the new values
        }
        if new.name != old.name || new.port != old.port {
            serviceName = ArborService.instanceName(for: new.name)
            avahi_entry_group_reset(group)
            groupHasService = false
            if let client { ensureRegistered(client) }
        } else if ArborService.txtItems(for: new) != ArborService.txtItems(for: old) {
            let name = serviceName
            let type = configuration.serviceType
            let updated = withStringList(ArborService.txtItems(for: new)) { list in
                avahi_entry_group_update_service_txt_strlst(
                    group, AvahiIfIndex(AVAHI_IF_UNSPEC), AvahiProtocol(AVAHI_PROTO_UNSPEC), AvahiPublishFlags(0),
                    name, type, nil, list)
            }
            if updated < 0 {
                logger.warning("updating TXT in place failed: \(describe(updated)); publishing again")
                avahi_entry_group_reset(group)
                groupHasService = false
                if let client { ensureRegistered(client) }
            } else {
                logger.debug("TXT updated in place: \(ArborService.txtItems(for: new))")
            }
        }
    }

    // MARK: - Browsing and resolving

    private func ensureBrowser(_ client: OpaquePointer) {
        guard browser == nil else { return }
        let type = configuration.serviceType
        guard
            let newBrowser = avahi_service_browser_new(
                client, AvahiIfIndex(AVAHI_IF_UNSPEC), AvahiProtocol(AVAHI_PROTO_UNSPEC), type, nil,
                AvahiLookupFlags(0), avahiBrowseCallback, userdata)
        else {
            logger.error("could not browse \(type): \(describe(avahi_client_errno(client))); retrying")
            arm(.browse, after: configuration.operationRetry)
            return
        }
        browser = newBrowser
        if purgePending {
            arm(.purge, after: configuration.stalePurgeDelay)
        }
        armRefresh()
    }

    /// The next pass of ``refreshResolutions()``: ``AvahiDiscoveryConfiguration/refreshInterval``
    /// with ±10% jitter, so that nodes started together do not resolve in step.
    private func armRefresh() {
        let interval = configuration.refreshInterval.nanoseconds
        guard interval > 0 else { return }
        let jitter = interval / 10
        arm(.refresh, after: .nanoseconds(interval + (jitter > 0 ? Int64.random(in: -jitter...jitter) : 0)))
    }

    /// Resolves every known instance once more: how a change made in place (new TXT or
    /// address under the same instance, with no goodbye between) is learnt, at most one
    /// refresh interval late.
    private func refreshResolutions() {
        defer { armRefresh() }
        guard let client, isConnected(client), browser != nil else { return }
        for key in table.instanceKeys where resolvers[key] == nil {
            startResolver(key)
        }
    }

    fileprivate func browsed(
        _ browser: OpaquePointer,
        _ event: AvahiBrowserEvent,
        _ key: ServiceInstanceKey?
    ) {
        guard browser == self.browser else { return }
        switch event {
        case AVAHI_BROWSER_NEW:
            guard let key else { return }
            deliver(table.browsed(key))
            // Resolved once per report: a new instance, or one a new browser reports again
            // after a reconnect (its records may have changed meanwhile).
            if resolvers[key] == nil { startResolver(key) }
        case AVAHI_BROWSER_REMOVE:
            guard let key else { return }
            stopResolver(key)
            deliver(table.removed(key))
        case AVAHI_BROWSER_FAILURE:
            let error = client.map { avahi_client_errno($0) } ?? 0
            logger.warning("browsing failed: \(describe(error)); retrying")
            arm(.browse, after: configuration.operationRetry)
        default:
            // CACHE_EXHAUSTED, ALL_FOR_NOW. Not a cue to purge stale peers: right after a
            // daemon restart "all for now" (a 1 s timeout) can come before the answers to
            // the new daemon's first queries; the purge timer waits longer.
            break
        }
    }

    private func purge() {
        purgePending = false
        disarm(.purge)
        deliver(table.purgeStale())
        let known = Set(table.instanceKeys)
        for key in resolvers.keys where !known.contains(key) {
            stopResolver(key)
        }
    }

    private func startResolver(_ key: ServiceInstanceKey) {
        guard let client else { return }
        let resolver = avahi_service_resolver_new(
            client, key.interface, key.transport, key.name, key.type, key.domain,
            AvahiProtocol(AVAHI_PROTO_UNSPEC), AvahiLookupFlags(0), avahiResolveCallback, userdata)
        guard let resolver else {
            logger.debug("could not resolve \(key): \(describe(avahi_client_errno(client))); retrying")
            arm(.resolve, after: configuration.operationRetry)
            return
        }
        resolvers[key] = resolver
        resolverKeys[resolver] = key
    }

    private func stopResolver(_ key: ServiceInstanceKey) {
        guard let resolver = resolvers.removeValue(forKey: key) else { return }
        resolverKeys.removeValue(forKey: resolver)
        avahi_service_resolver_free(resolver)
    }

    /// Retries the instances that have never resolved (a resolver failed or could not be
    /// made). Resolved ones are not asked again: see ``resolved(_:found:txt:address:)``.
    private func resolveMissing() {
        guard let client, isConnected(client), browser != nil else { return }
        for key in table.unresolvedKeys where resolvers[key] == nil {
            startResolver(key)
        }
    }

    fileprivate func resolved(
        _ resolver: OpaquePointer,
        found: Bool,
        txt: [[UInt8]],
        address: PeerAddress?
    ) {
        guard let key = resolverKeys[resolver] else { return }  // freed meanwhile
        guard found else {
            let error = client.map { avahi_client_errno($0) } ?? 0
            logger.debug("resolving \(key) failed: \(describe(error)); retrying")
            stopResolver(key)  // freeing a resolver inside its own callback is allowed
            arm(.resolve, after: configuration.operationRetry)
            return
        }
        // One answer is enough: a resolver left running keeps its SRV, TXT and address
        // lookups querying the LAN (RFC 6762 continuous querying), and with every node
        // resolving every other that is N^2 standing queries, each parsed by all N daemons
        // (measured in docs/benchmarks.md: 3.5 times the avahi-daemon CPU of one-shot
        // resolution at 24 hosts). What a resolver would still report, a node re-announced
        // with a new address or incarnation, reaches the overlay through link-state records
        // (peer exchange) at once, and to discovery at the next refresh; a withdrawn and
        // re-published service is browsed, and resolved, anew.
        stopResolver(key)  // freeing a resolver inside its own callback is allowed
        let events = table.resolved(key, txt: txt, address: address)
        switch table.verdict(for: key) {
        case .otherRealm(let realm)?:
            logger.debug("ignoring \(key): realm '\(realm)'")
        case .incompatible(let range)?:
            logger.debug("ignoring \(key): protocol \(range) incompatible with \(advertisement.protocolVersions)")
        case .malformed(let why)?:
            logger.debug("ignoring \(key): \(why)")
        default:
            break
        }
        deliver(events)
    }

    // MARK: - Helpers

    private func describe(_ error: Int32) -> String {
        String(cString: avahi_strerror(error))
    }
}

/// Calls `body` with a freshly built AvahiStringList of `items`, then frees it.
private func withStringList<T>(_ items: [String], _ body: (UnsafeMutablePointer<AvahiStringList>?) -> T) -> T {
    var list: UnsafeMutablePointer<AvahiStringList>? = nil
    for item in items.reversed() {  // avahi_string_list_add prepends
        var bytes = Array(item.utf8)
        list = avahi_string_list_add_arbitrary(list, &bytes, bytes.count)
    }
    defer { avahi_string_list_free(list) }
    return body(list)
}

private func stringListItems(_ list: UnsafeMutablePointer<AvahiStringList>?) -> [[UInt8]] {
    var items: [[UInt8]] = []
    var node = list
    while let current = node {
        let size = avahi_string_list_get_size(current)
        if let text = avahi_string_list_get_text(current) {
            items.append(Array(UnsafeBufferPointer(start: text, count: size)))
        }
        node = avahi_string_list_get_next(current)
    }
    return items
}

private func peerAddress(_ address: UnsafePointer<AvahiAddress>, port: UInt16, interface: AvahiIfIndex) -> PeerAddress {
    var buffer = [CChar](repeating: 0, count: Int(AVAHI_ADDRESS_STR_MAX))
    avahi_address_snprint(&buffer, buffer.count, address)
    var host = cString(buffer)
    if address.pointee.proto == AvahiProtocol(AVAHI_PROTO_INET6), host.lowercased().hasPrefix("fe80:"), interface >= 0 {
        var name = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        if if_indextoname(UInt32(interface), &name) != nil {
            host += "%" + cString(name)
        }
    }
    return PeerAddress(host: host, port: Int(port))
}

/// The text of a NUL-terminated C character array.
private func cString(_ chars: [CChar]) -> String {
    let bytes = chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

private func instanceKey(
    _ interface: AvahiIfIndex,
    _ transport: AvahiProtocol,
    _ name: UnsafePointer<CChar>?,
    _ type: UnsafePointer<CChar>?,
    _ domain: UnsafePointer<CChar>?
) -> ServiceInstanceKey? {
    guard let name, let type, let domain else { return nil }
    return ServiceInstanceKey(
        interface: interface,
        transport: transport,
        name: String(cString: name),
        type: String(cString: type),
        domain: String(cString: domain)
    )
}

// MARK: - C callbacks
//
// Non-capturing file-scope functions, so they convert to C function pointers; the engine
// arrives as unretained userdata (it outlives the poll thread: `shutdown` joins the thread
// before the engine can go away). They run on Avahi's poll thread with its lock held.

private func engine(_ userdata: UnsafeMutableRawPointer?) -> AvahiEngine {
    Unmanaged<AvahiEngine>.fromOpaque(userdata!).takeUnretainedValue()
}

private func avahiClientCallback(
    _ client: OpaquePointer?,
    _ state: AvahiClientState,
    _ userdata: UnsafeMutableRawPointer?
) {
    guard let client else { return }
    engine(userdata).clientStateChanged(client, state)
}

private func avahiGroupCallback(
    _ group: OpaquePointer?,
    _ state: AvahiEntryGroupState,
    _ userdata: UnsafeMutableRawPointer?
) {
    guard let group else { return }
    engine(userdata).groupStateChanged(group, state)
}

private func avahiBrowseCallback(
    _ browser: OpaquePointer?,
    _ interface: AvahiIfIndex,
    _ transport: AvahiProtocol,
    _ event: AvahiBrowserEvent,
    _ name: UnsafePointer<CChar>?,
    _ type: UnsafePointer<CChar>?,
    _ domain: UnsafePointer<CChar>?,
    _ flags: AvahiLookupResultFlags,
    _ userdata: UnsafeMutableRawPointer?
) {
    guard let browser else { return }
    engine(userdata).browsed(browser, event, instanceKey(interface, transport, name, type, domain))
}

private func avahiResolveCallback(
    _ resolver: OpaquePointer?,
    _ interface: AvahiIfIndex,
    _ transport: AvahiProtocol,
    _ event: AvahiResolverEvent,
    _ name: UnsafePointer<CChar>?,
    _ type: UnsafePointer<CChar>?,
    _ domain: UnsafePointer<CChar>?,
    _ hostName: UnsafePointer<CChar>?,
    _ address: UnsafePointer<AvahiAddress>?,
    _ port: UInt16,
    _ txt: UnsafeMutablePointer<AvahiStringList>?,
    _ flags: AvahiLookupResultFlags,
    _ userdata: UnsafeMutableRawPointer?
) {
    guard let resolver else { return }
    let found = event == AVAHI_RESOLVER_FOUND
    engine(userdata).resolved(
        resolver,
        found: found,
        txt: found ? stringListItems(txt) : [],
        address: found ? address.map { peerAddress($0, port: port, interface: interface) } : nil
    )
}

private func avahiTimeoutCallback(_ timeout: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?) {
    guard let timeout else { return }
    engine(userdata).timeoutFired(timeout)
}

private func avahiWakeCallback(
    _ watch: OpaquePointer?,
    _ fd: Int32,
    _ event: AvahiWatchEvent,
    _ userdata: UnsafeMutableRawPointer?
) {
    engine(userdata).wokenUp()
}
