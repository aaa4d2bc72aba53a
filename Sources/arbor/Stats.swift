import ArborControl
import ArgumentParser

/// `arbor stats`: the node's counters.
struct Stats: DocumentCommand {
    static let configuration = describing("Show counters: messages, drops by cause, reroutes, traffic per topology and per peer.")
    static let target = ControlPath.stats

    @OptionGroup var node: NodeOptions

    func render(_ stats: StatsDocument) -> String {
        var out = "messages   published \(stats.published), received \(stats.dataReceived), forwarded \(stats.dataForwarded), delivered \(stats.delivered)\n"
        out += "dropped    " + stats.dropped.all.map { "\($0.cause) \($0.count)" }.joined(separator: ", ") + "\n"
        var failover = "failovers \(stats.failovers.count)"
        if let last = stats.failovers.lastMs, let maximum = stats.failovers.maximumMs {
            failover += " (last \(Formatting.milliseconds(last)), longest \(Formatting.milliseconds(maximum)))"
        }
        out += "routing    reroutes \(stats.reroutes), recomputations \(stats.recomputations), \(failover)\n"
        out += "repair     requests \(stats.repair.requests) (retries \(stats.repair.retries)), resent \(stats.repair.resent), repaired \(stats.repair.repaired) (late \(stats.repair.late)), gaps \(stats.repair.gaps) (\(stats.repair.lost) lost)\n"
        out += "links      peers up \(stats.peersUp), records received \(stats.recordsReceived), installed \(stats.recordsInstalled), interest messages sent \(stats.interestMessagesSent)\n"
        out += "errors     protocol \(stats.protocolErrors), malformed frames \(stats.malformedFrames), links refused \(stats.peerLinksRefused) (id not proven \(stats.identitiesNotProven)), realm failures \(stats.realmFailures), unauthentic records \(stats.unauthenticRecords), slow consumers cut \(stats.slowConsumersDropped)\n"
        out += "local      clients \(stats.clients), subscriptions \(stats.subscriptions)\n"
        if !stats.topologies.isEmpty {
            var table = Table(["TOPOLOGY", "MSGS IN", "BYTES IN", "MSGS OUT", "BYTES OUT", "PUBLISHED", "DELIVERED"], rightAligned: [1, 2, 3, 4, 5, 6])
            for topology in stats.topologies {
                table.add([
                    topology.name, String(topology.messagesIn), String(topology.bytesIn), String(topology.messagesOut),
                    String(topology.bytesOut), String(topology.published), String(topology.delivered),
                ])
            }
            out += "\n" + table.render()
        }
        if !stats.peers.isEmpty {
            var table = Table(["PEER", "MSGS IN", "MSGS OUT", "BYTES IN", "BYTES OUT", "FRAMES IN", "FRAMES OUT"], rightAligned: [1, 2, 3, 4, 5, 6])
            for peer in stats.peers {
                table.add([
                    peer.name, String(peer.messagesIn), String(peer.messagesOut), String(peer.bytesIn), String(peer.bytesOut),
                    String(peer.framesIn), String(peer.framesOut),
                ])
            }
            out += "\n" + table.render()
        }
        return out
    }
}
