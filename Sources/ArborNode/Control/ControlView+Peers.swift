import ArborControl
import ArborCore

extension ControlView {
    /// `GET /v1/peers`: links that are up, by name, then dials under way and configured
    /// addresses without a link.
    func peers() -> [PeerDocument] {
        let now = runtime.clock.now
        var documents: [PeerDocument] = []
        let staticallyKnown = Set(runtime.configuredPeers.values)
        for (id, state) in router.peers.sorted(by: { ($0.value.name, $0.key) < ($1.value.name, $1.key) }) {
            let link = runtime.peers[id]
            var found = link?.origin ?? .inbound
            if found == .inbound, staticallyKnown.contains(id) {
                found = .static
            }
            documents.append(
                PeerDocument(
                    name: state.name,
                    id: id.description,
                    state: "up",
                    found: found.rawValue,
                    address: link?.remoteAddress ?? "?",
                    incarnation: state.incarnation,
                    cost: state.cost,
                    rttMs: state.roundTrip.map(Timestamp.milliseconds),
                    upSeconds: Timestamp.seconds(now - state.connectedAt),
                    lastHeardMsAgo: Timestamp.milliseconds(now - state.lastHeard),
                    framesIn: link?.counters.counts.framesIn ?? 0,
                    framesOut: link?.counters.counts.framesOut ?? 0,
                    bytesIn: link?.counters.counts.bytesIn ?? 0,
                    bytesOut: link?.counters.counts.bytesOut ?? 0,
                    messagesIn: link?.counters.counts.messagesIn ?? 0,
                    messagesOut: link?.counters.counts.messagesOut ?? 0,
                    lastError: nil,
                    closing: runtime.overlay.isClosing(id)
                )
            )
        }
        var dialed = Set<OverlayAddress>()
        for (connection, dial) in runtime.dialing.sorted(by: { $0.value.address.description < $1.value.address.description }) {
            guard !runtime.abandonedDials.contains(connection) else { continue }
            dialed.insert(dial.address)
            documents.append(unlinked(peer: dial.peer, state: "connecting", found: dial.peer == nil ? .static : .mdns, address: dial.address))
        }
        for endpoint in runtime.configuration.staticPeers {
            let address = OverlayAddress(host: endpoint.host, port: endpoint.port)
            let peer = runtime.configuredPeers[address]
            if dialed.contains(address) || peer.map({ router.peers[$0] != nil || $0 == runtime.id }) == true { continue }
            documents.append(unlinked(peer: peer, state: "retrying", found: .static, address: address))
        }
        return documents
    }

    /// A peer this node dials and has no link to.
    private func unlinked(peer: NodeID?, state: String, found: PeerOrigin, address: OverlayAddress) -> PeerDocument {
        PeerDocument(
            name: peer.map(routerView.name(of:)),
            id: peer?.description,
            state: state,
            found: found.rawValue,
            address: address.description,
            incarnation: nil,
            cost: nil,
            rttMs: nil,
            upSeconds: nil,
            lastHeardMsAgo: nil,
            framesIn: 0,
            framesOut: 0,
            bytesIn: 0,
            bytesOut: 0,
            messagesIn: 0,
            messagesOut: 0,
            lastError: runtime.dialErrors[address]
        )
    }
}
