import ArborControl
import ArborCore

extension ControlView {
    /// `GET /v1/stats`: the router's counters, the runtime's, and traffic per topology and
    /// per peer since the node started.
    func stats() -> StatsDocument {
        let shell = runtime.statistics
        let traffic = runtime.traffic
        var document = routerView.stats()
        document.malformedFrames = shell.malformedFrames
        document.peerLinksRefused = shell.peerLinksRefused
        document.identitiesNotProven = shell.identitiesNotProven
        document.realmFailures = shell.realmFailures
        document.unauthenticRecords = shell.unauthenticRecords
        document.slowConsumersDropped = shell.slowConsumersDropped
        document.dropped.slowConsumer = traffic.slowConsumerDrops
        document.clients = runtime.clients.count
        document.topologies = traffic.topologies.sorted { $0.key < $1.key }.map { name, flows in
            TopologyTrafficDocument(
                name: name.rawValue,
                received: (flows.received.messages, flows.received.bytes),
                published: (flows.published.messages, flows.published.bytes),
                forwarded: (flows.forwarded.messages, flows.forwarded.bytes),
                delivered: (flows.delivered.messages, flows.delivered.bytes)
            )
        }
        var peers = traffic.closedLinks
        for (id, link) in runtime.peers {
            peers[id, default: TrafficLedger.PeerTotals(name: link.name)].name = link.name
            peers[id]!.counts.add(link.counters.counts)
        }
        document.peers = peers.sorted { ($0.value.name, $0.key) < ($1.value.name, $1.key) }.map { id, totals in
            PeerTrafficDocument(
                name: totals.name,
                id: id.description,
                messagesIn: totals.counts.messagesIn,
                messagesOut: totals.counts.messagesOut,
                bytesIn: totals.counts.bytesIn,
                bytesOut: totals.counts.bytesOut,
                framesIn: totals.counts.framesIn,
                framesOut: totals.counts.framesOut
            )
        }
        return document
    }
}
