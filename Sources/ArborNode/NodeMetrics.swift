import ArborControl
import CoreMetrics
import Prometheus

/// The node's Prometheus metrics, kept with swift-metrics handles on a private
/// swift-prometheus registry (nothing global is bootstrapped).
///
/// Counters follow the same numbers as `GET /v1/stats`: before each scrape the runtime
/// passes the current ``StatsDocument`` to ``update(from:)``, which advances every counter
/// by what it grew since the last scrape, so the two never disagree. The failover
/// histogram is recorded as failovers happen. Names and labels are listed in
/// docs/control-api.md.
///
/// Confined to the node's event loop (the registry itself is thread-safe).
final class NodeMetrics: @unchecked Sendable {
    static let failoverLabel = "arbor_failover_seconds"
    /// Failovers are expected well under a second; the buckets resolve that range.
    static let failoverBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
    ]

    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let failover: CoreMetrics.Timer
    private var counters: [SeriesKey: (counter: CoreMetrics.Counter, value: UInt64)] = [:]
    private var gauges: [SeriesKey: CoreMetrics.Gauge] = [:]

    private struct SeriesKey: Hashable {
        var name: String
        var labels: [String]
    }

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.failoverLabel] = Self.failoverBuckets
        self.factory = factory
        failover = CoreMetrics.Timer(label: Self.failoverLabel, factory: factory)
    }

    /// A failover took `duration` (see the router's `FailoverClock`).
    func recordFailover(_ duration: Duration) {
        failover.recordNanoseconds(duration.nanoseconds)
    }

    /// Brings every counter and gauge up to `stats`.
    func update(from stats: StatsDocument) {
        count("arbor_messages_published_total", stats.published)
        count("arbor_messages_received_total", stats.dataReceived)
        count("arbor_messages_forwarded_total", stats.dataForwarded)
        count("arbor_messages_delivered_total", stats.delivered)
        for (cause, value) in stats.dropped.all {
            count("arbor_messages_dropped_total", value, [("cause", cause)])
        }
        count("arbor_reroutes_total", stats.reroutes)
        count("arbor_repair_requests_total", stats.repair.requests)
        count("arbor_repair_retries_total", stats.repair.retries)
        count("arbor_messages_resent_total", stats.repair.resent)
        count("arbor_messages_repaired_total", stats.repair.repaired)
        count("arbor_messages_repaired_late_total", stats.repair.late)
        count("arbor_gaps_total", stats.repair.gaps)
        count("arbor_messages_lost_total", stats.repair.lost)
        count("arbor_route_recomputations_total", stats.recomputations)
        count("arbor_protocol_errors_total", stats.protocolErrors + stats.malformedFrames)
        count("arbor_slow_consumers_dropped_total", stats.slowConsumersDropped)
        count("arbor_identities_not_proven_total", stats.identitiesNotProven)
        count("arbor_realm_failures_total", stats.realmFailures)
        count("arbor_unauthentic_records_total", stats.unauthenticRecords)
        for topology in stats.topologies {
            for (direction, messages, bytes) in [
                ("in", topology.messagesIn, topology.bytesIn), ("out", topology.messagesOut, topology.bytesOut),
            ] {
                let labels = [("topology", topology.name), ("direction", direction)]
                count("arbor_topology_messages_total", messages, labels)
                count("arbor_topology_bytes_total", bytes, labels)
            }
        }
        for peer in stats.peers {
            for (direction, messages, bytes, frames) in [
                ("in", peer.messagesIn, peer.bytesIn, peer.framesIn), ("out", peer.messagesOut, peer.bytesOut, peer.framesOut),
            ] {
                let labels = [("peer", peer.name), ("direction", direction)]
                count("arbor_peer_messages_total", messages, labels)
                count("arbor_peer_bytes_total", bytes, labels)
                count("arbor_peer_frames_total", frames, labels)
            }
        }
        gauge("arbor_peers_up", stats.peersUp)
        gauge("arbor_subscriptions", stats.subscriptions)
        gauge("arbor_clients", stats.clients)
    }

    /// The Prometheus text exposition of every metric.
    func render() -> [UInt8] {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }

    private func count(_ name: String, _ value: UInt64, _ labels: [(String, String)] = []) {
        let key = SeriesKey(name: name, labels: labels.flatMap { [$0.0, $0.1] })
        guard let series = counters[key] else {
            let counter = CoreMetrics.Counter(label: name, dimensions: labels, factory: factory)
            counter.increment(by: Int64(clamping: value))
            counters[key] = (counter, value)
            return
        }
        // A value below the last one (two peers sharing a name) is taken as the new base.
        if value > series.value {
            series.counter.increment(by: Int64(clamping: value - series.value))
        }
        counters[key]!.value = value
    }

    private func gauge(_ name: String, _ value: Int) {
        let key = SeriesKey(name: name, labels: [])
        let gauge = gauges[key] ?? CoreMetrics.Gauge(label: name, dimensions: [], factory: factory)
        gauges[key] = gauge
        gauge.record(value)
    }
}
