import ArborControl
import ArborCore

extension ControlView {
    /// `GET /v1/stats`: the router's counters, the runtime's, and traffic per topology and
    /// per peer since the node started.
    func stats() -> StatsDocument {
        let counters = router.statistics
        let shell = runtime.statistics
        let traffic = runtime.traffic
        let dropped = DropCountsDocument(
            duplicate: counters.dropped[.duplicate, default: 0],
            hopLimit: counters.dropped[.hopLimit, default: 0],
            noInterest: counters.dropped[.noInterest, default: 0],
            oversize: counters.dropped[.oversize, default: 0],
            notPermitted: counters.dropped[.notPermitted, default: 0],
            noRoute: counters.dropped[.noRoute, default: 0],
            slowConsumer: traffic.slowConsumerDrops
        )
        let topologies = traffic.topologies.sorted { $0.key < $1.key }.map { name, flows in
            TopologyTrafficDocument(
                name: name.rawValue,
                messagesIn: flows.received.messages &+ flows.published.messages,
                bytesIn: flows.received.bytes &+ flows.published.bytes,
                messagesOut: flows.forwarded.messages &+ flows.delivered.messages,
                bytesOut: flows.forwarded.bytes &+ flows.delivered.bytes,
                published: flows.published.messages,
                delivered: flows.delivered.messages
            )
        }
        var peers = traffic.closedLinks
        for (id, link) in runtime.peers {
            peers[id, default: TrafficLedger.PeerTotals(name: link.name)].name = link.name
            peers[id]!.counts.add(link.counters.counts)
        }
        let peerDocuments = peers.sorted { ($0.value.name, $0.key) < ($1.value.name, $1.key) }.map { id, totals in
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
        return StatsDocument(
            published: counters.published,
            dataReceived: counters.dataReceived,
            dataForwarded: counters.dataForwarded,
            delivered: counters.delivered,
            dropped: dropped,
            reroutes: counters.routeChanges,
            recomputations: counters.recomputations,
            recordsReceived: counters.recordsReceived,
            recordsInstalled: counters.recordsInstalled,
            interestMessagesSent: counters.interestMessagesSent,
            protocolErrors: counters.protocolErrors,
            malformedFrames: shell.malformedFrames,
            peerLinksRefused: shell.peerLinksRefused,
            identitiesNotProven: shell.identitiesNotProven,
            realmFailures: shell.realmFailures,
            unauthenticRecords: shell.unauthenticRecords,
            slowConsumersDropped: shell.slowConsumersDropped,
            failovers: FailoverDocument(
                count: counters.failovers,
                lastMs: counters.lastFailover.map(Self.milliseconds),
                maximumMs: counters.longestFailover.map(Self.milliseconds)
            ),
            repair: RepairDocument(
                requests: counters.repairRequests,
                retries: counters.repairRetries,
                resent: counters.repairResent,
                repaired: counters.repaired,
                gaps: counters.gapsReported,
                lost: counters.messagesLost
            ),
            peersUp: router.peers.count,
            subscriptions: router.topologies.values.reduce(0) { total, state in
                total + state.members.values.reduce(0) { $0 + $1.distinctCount }
            },
            clients: runtime.clients.count,
            topologies: topologies,
            peers: peerDocuments
        )
    }
}
