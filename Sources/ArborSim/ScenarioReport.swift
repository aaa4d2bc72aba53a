/// What a scenario run measured; `arbor-sim` prints it as one JSON object.
public struct ScenarioReport: Encodable, Sendable {
    public var nodes = 0
    public var faults = 0
    public var converged = false
    public var invariantViolations = 0
    public var duplicatesDelivered = 0
    public var missedDeliveries = 0
    public var unwantedLinkCrossings = 0
    /// Messages published during a reconvergence that a matching subscriber, in the
    /// publisher's component before the fault and after it, whose node had heard the
    /// publisher's stream before the fault, got neither exactly once nor inside a GAP
    /// reported to it (the repair invariant; part of ``passed``).
    public var lostWithoutGap = 0
    /// The same for subscribers whose node had not heard the stream (nothing of it within
    /// the stream memory: a new publisher, a restarted origin's new stream, topics it
    /// rarely gets): repaired only where the origin's own side of the tree moved; counted,
    /// not part of ``passed`` (docs/architecture.md, "Repair and gaps").
    public var lostFromUnheardStream = 0
    /// Such messages that a GAP covered (0 with repair buffers large enough).
    public var coveredByGap = 0
    /// Such messages checked.
    public var burstDeliveriesChecked = 0
    public var maxReconvergenceMilliseconds = 0.0
    public var maxReconvergenceByFault: [String: Double] = [:]
    public var treeComputeMicrosecondsP50 = 0.0
    public var treeComputeMicrosecondsP99 = 0.0
    /// The same over trees of at least 90% of the overlay's nodes (others are trees of
    /// small partitions or of restarted nodes that are still alone).
    public var fullTreeComputeMicrosecondsP50 = 0.0
    public var fullTreeComputeMicrosecondsP99 = 0.0
    public var wallSeconds = 0.0
    public var convergenceFailures = 0
    public var probesChecked = 0
    public var faultCounts: [String: Int] = [:]
    public var startMode = ""
    public var eventsProcessed = 0
    public var simulatedSeconds = 0.0
    /// The simulator shares one routing cache among all routers: a tree is computed once
    /// per distinct (database, topology policy, root) and reused by every node holding it.
    public var sharedRoutingCache = true
    public var graphBuilds = 0
    /// Link-state records received and installed by all routers (flooding work).
    public var recordsReceived: UInt64 = 0
    public var recordsInstalled: UInt64 = 0
    /// Versions of their own records the routers flooded.
    public var recordsOriginated: UInt64 = 0
    public var treeComputations = 0
    public var treeCacheHits = 0
    public var violations: [String] = []

    enum CodingKeys: String, CodingKey {
        case nodes, faults, converged
        case invariantViolations = "invariant_violations"
        case duplicatesDelivered = "duplicates_delivered"
        case missedDeliveries = "missed_deliveries"
        case unwantedLinkCrossings = "unwanted_link_crossings"
        case lostWithoutGap = "lost_without_gap"
        case lostFromUnheardStream = "lost_from_unheard_stream"
        case coveredByGap = "covered_by_gap"
        case burstDeliveriesChecked = "burst_deliveries_checked"
        case maxReconvergenceMilliseconds = "max_reconvergence_ms"
        case maxReconvergenceByFault = "max_reconvergence_ms_by_fault"
        case treeComputeMicrosecondsP50 = "tree_compute_us_p50"
        case treeComputeMicrosecondsP99 = "tree_compute_us_p99"
        case fullTreeComputeMicrosecondsP50 = "full_overlay_tree_compute_us_p50"
        case fullTreeComputeMicrosecondsP99 = "full_overlay_tree_compute_us_p99"
        case wallSeconds = "wall_seconds"
        case convergenceFailures = "convergence_failures"
        case probesChecked = "probes_checked"
        case faultCounts = "fault_counts"
        case startMode = "start"
        case eventsProcessed = "events"
        case simulatedSeconds = "simulated_seconds"
        case sharedRoutingCache = "shared_routing_cache"
        case graphBuilds = "graph_builds"
        case recordsReceived = "records_received"
        case recordsInstalled = "records_installed"
        case recordsOriginated = "records_originated"
        case treeComputations = "tree_computations"
        case treeCacheHits = "tree_cache_hits"
        case violations
    }

    /// Whether the run found nothing wrong.
    public var passed: Bool {
        converged && invariantViolations == 0 && duplicatesDelivered == 0 && missedDeliveries == 0
            && unwantedLinkCrossings == 0 && lostWithoutGap == 0
    }

    mutating func recordViolations(_ lines: some Sequence<String>) {
        for line in lines where violations.count < 20 {
            violations.append(line)
        }
    }

    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let position = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return sorted[max(0, position)]
    }
}
