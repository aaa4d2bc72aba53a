import ArborCore

/// Data traffic the runtime counts as it carries out the router's actions: per topology,
/// and per peer over links that have closed (a live link's counts are in its
/// ``LinkCounters``). Bytes of a message are its topic and payload.
struct TrafficLedger: Sendable {
    /// Counts of one direction.
    struct Flow: Sendable {
        var messages: UInt64 = 0
        var bytes: UInt64 = 0

        mutating func add(bytes count: Int) {
            messages &+= 1
            bytes &+= UInt64(count)
        }

        mutating func add(_ message: DataMessage) {
            add(bytes: message.topic.bytes.count + message.payloadCount)
        }
    }

    struct TopologyTraffic: Sendable {
        var received = Flow()
        var published = Flow()
        var forwarded = Flow()
        var delivered = Flow()

        mutating func add(_ run: Run) {
            received.messages &+= run.counts.received.messages
            received.bytes &+= run.counts.received.bytes
            published.messages &+= run.counts.published.messages
            published.bytes &+= run.counts.published.bytes
            forwarded.messages &+= run.counts.forwarded.messages
            forwarded.bytes &+= run.counts.forwarded.bytes
            delivered.messages &+= run.counts.delivered.messages
            delivered.bytes &+= run.counts.delivered.bytes
        }
    }

    /// Counts of consecutive messages of one topology, gathered without touching the table;
    /// ``TrafficLedger/count(_:)`` folds them in when the topology changes, ``TrafficLedger/add(_:)`` at the end.
    struct Run: Sendable {
        var topology: TopologyName?
        var counts = TopologyTraffic()
    }

    /// Points `run` at `topology`, first folding in what it holds of another topology.
    mutating func count(_ run: inout Run, topology: TopologyName) {
        guard run.topology != topology else { return }
        add(run)
        run = Run(topology: topology)
    }

    /// Totals of a peer's closed links, and its last known name.
    struct PeerTotals: Sendable {
        var name: String
        var counts = LinkCounts()
    }

    private(set) var topologies: [TopologyName: TopologyTraffic] = [:]
    private(set) var closedLinks: [NodeID: PeerTotals] = [:]
    /// Messages not written because the application had stopped reading (what a peer link
    /// that stopped reading loses is not counted: it goes with the link).
    private(set) var slowConsumerDrops: UInt64 = 0

    /// Adds `run` (counts of consecutive messages of one topology) to the topology's counts:
    /// one table lookup per run rather than per message.
    mutating func add(_ run: Run) {
        guard let name = run.topology else { return }
        topologies[name, default: TopologyTraffic()].add(run)
    }

    /// A local application's publication that the router accepted.
    mutating func published(_ topology: TopologyName, bytes: Int) {
        topologies[topology, default: TopologyTraffic()].published.add(bytes: bytes)
    }

    mutating func droppedForSlowConsumer(messages: Int) {
        slowConsumerDrops &+= UInt64(messages)
    }

    /// Folds the counts of a link that closed into its peer's totals.
    mutating func linkClosed(_ peer: NodeID, name: String, counters: LinkCounters) {
        closedLinks[peer, default: PeerTotals(name: name)].name = name
        closedLinks[peer]!.counts.add(counters.counts)
    }
}
