import NIOConcurrencyHelpers
import NIOCore

/// Discovery from a fixed list of addresses: `--peer host:port` flags, or the addresses a
/// topology file gives its nodes.
///
/// Static peers are known by address, not by id, so they are reported as
/// ``DiscoveryEvent/staticPeerAdded(_:)``, never as ``DiscoveryEvent/appeared(_:)``: the
/// daemon dials the address (whatever the ids, since the other side may not list us), learns
/// the peer's id in the handshake, and from then on treats it like any other peer — a second
/// connection to the same id (say it was also found by mDNS) is settled by ArborCore's
/// `OverlayLinks` (the link dialled by the lower node id stays). An address that turns out to be
/// ourselves is dropped after the handshake. Nothing is published.
///
/// On start it reports ``DiscoveryState/running(serviceName:)`` with a `nil` name and then
/// one `staticPeerAdded` per distinct address, in the given order; ``setPeers(_:)`` reports
/// the differences later (reloaded configuration).
public final class StaticDiscovery: Discovery {
    private struct Sink {
        var eventLoop: any EventLoop
        var onEvent: @Sendable (DiscoveryEvent) -> Void
    }

    private struct State {
        var peers: [StaticPeer]
        var sink: Sink?
        var stopped = false
    }

    /// Shared with the closures queued on the event loop, which check `stopped` under the
    /// same lock before delivering.
    private let state: NIOLockedValueBox<State>

    public init(peers: [StaticPeer]) {
        self.state = NIOLockedValueBox(State(peers: StaticDiscovery.distinct(peers)))
    }

    /// The configured peers, de-duplicated by address.
    public var peers: [StaticPeer] {
        state.withLockedValue { $0.peers }
    }

    public func start(
        advertising advertisement: Advertisement,
        on eventLoop: any EventLoop,
        onEvent: @escaping @Sendable (DiscoveryEvent) -> Void
    ) throws {
        let peers: [StaticPeer] = try state.withLockedValue { state in
            guard state.sink == nil, !state.stopped else { throw DiscoveryError.alreadyStarted }
            state.sink = Sink(eventLoop: eventLoop, onEvent: onEvent)
            return state.peers
        }
        deliver([.state(.running(serviceName: nil))] + peers.map(DiscoveryEvent.staticPeerAdded))
    }

    /// Static peers do not depend on what we advertise.
    public func update(_ advertisement: Advertisement) {}

    /// Replaces the list; reports removed peers, then added ones.
    public func setPeers(_ newPeers: [StaticPeer]) {
        let events: [DiscoveryEvent] = state.withLockedValue { state in
            let new = StaticDiscovery.distinct(newPeers)
            let oldAddresses = Set(state.peers.map(\.address))
            let newAddresses = Set(new.map(\.address))
            let removed = state.peers.filter { !newAddresses.contains($0.address) }
            let added = new.filter { !oldAddresses.contains($0.address) }
            state.peers = new
            return removed.map(DiscoveryEvent.staticPeerRemoved) + added.map(DiscoveryEvent.staticPeerAdded)
        }
        deliver(events)
    }

    public func stop() {
        state.withLockedValue { state in
            state.stopped = true
            state.sink = nil
        }
    }

    private func deliver(_ events: [DiscoveryEvent]) {
        guard !events.isEmpty, let sink = state.withLockedValue({ $0.sink }) else { return }
        let state = self.state
        sink.eventLoop.execute {
            for event in events {
                guard !state.withLockedValue({ $0.stopped }) else { return }
                sink.onEvent(event)
            }
        }
    }

    private static func distinct(_ peers: [StaticPeer]) -> [StaticPeer] {
        var seen = Set<PeerAddress>()
        return peers.filter { seen.insert($0.address).inserted }
    }
}
