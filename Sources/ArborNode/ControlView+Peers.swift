import ArborControl
import ArborCore

extension ControlView {
    /// `GET /v1/peers`: links that are up, by name, then static addresses without a link.
    func peers() -> [PeerDocument] {
        let now = runtime.clock.now
        var documents: [PeerDocument] = []
        let staticallyKnown = Set(runtime.dialers.compactMap(\.knownPeer))
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
                    rttMs: state.roundTrip.map(Self.milliseconds),
                    upSeconds: Self.seconds(now - state.connectedAt),
                    lastHeardMsAgo: Self.milliseconds(now - state.lastHeard),
                    framesIn: link?.counters.framesIn ?? 0,
                    framesOut: link?.counters.framesOut ?? 0,
                    bytesIn: link?.counters.bytesIn ?? 0,
                    bytesOut: link?.counters.bytesOut ?? 0,
                    messagesIn: link?.counters.messagesIn ?? 0,
                    messagesOut: link?.counters.messagesOut ?? 0,
                    lastError: nil
                )
            )
        }
        for dialer in runtime.dialers + runtime.discoveryDialers.values.sorted(by: { $0.endpoint.description < $1.endpoint.description }) {
            if let peer = dialer.knownPeer, router.peers[peer] != nil { continue }
            documents.append(
                PeerDocument(
                    name: dialer.knownPeer.map(name(of:)),
                    id: dialer.knownPeer?.description,
                    state: dialer.stateName,
                    found: dialer.origin.rawValue,
                    address: dialer.endpoint.description,
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
                    lastError: dialer.lastError
                )
            )
        }
        return documents
    }
}
