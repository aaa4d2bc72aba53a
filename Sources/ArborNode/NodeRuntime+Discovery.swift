import ArborCore
import ArborDiscovery
import NIOCore

extension NodeRuntime {
    /// Handles what discovery reports, on the event loop. Peers found by mDNS are dialled
    /// by the node with the lower id (``DialPolicy``); the other one dials too, but only if
    /// no link came up within ``DialPolicy/fallbackDelay`` (the lower one may not see it).
    /// A vanished peer is no longer dialled; a live link to it stays: liveness is the
    /// heartbeat's job.
    func discoveryEvent(_ event: DiscoveryEvent) {
        eventLoop.preconditionInEventLoop()
        switch event {
        case .appeared(let peer):
            discovered[peer.id] = peer
            guard !shuttingDown, let address = peer.addresses.first else { return }
            let endpoint = PeerEndpoint(host: address.host, port: address.port)
            if let dialer = discoveryDialers[peer.id] {
                guard dialer.endpoint != endpoint else { return }
                dialer.stop()
                discoveryDialers[peer.id] = nil
            }
            if DialPolicy.shouldDial(local: id, remote: peer.id) {
                startDiscoveryDialer(peer.id, endpoint: endpoint)
            } else {
                eventLoop.scheduleTask(in: .nanoseconds(DialPolicy.fallbackDelay.nanoseconds)) { [self] in
                    guard !shuttingDown, !isConnected(peer.id), discoveryDialers[peer.id] == nil,
                        let current = discovered[peer.id], let address = current.addresses.first
                    else { return }
                    logger.info("peer \(current.name) has not dialled in \(DialPolicy.fallbackDelay); dialling it")
                    startDiscoveryDialer(peer.id, endpoint: PeerEndpoint(host: address.host, port: address.port))
                }
            }
        case .vanished(let peer):
            discovered[peer] = nil
            discoveryDialers.removeValue(forKey: peer)?.stop()
        case .state(let state):
            discoveryState = state
        case .staticPeerAdded, .staticPeerRemoved:
            // Static peers are dialled by the node's own static dialers.
            break
        }
    }

    private func startDiscoveryDialer(_ peer: NodeID, endpoint: PeerEndpoint) {
        guard let makeHandlers = peerHandlerFactory else { return }
        let dialer = PeerDialer(endpoint: endpoint, origin: .mdns, runtime: self, makeHandlers: makeHandlers)
        discoveryDialers[peer] = dialer
        dialer.dial()
    }
}
