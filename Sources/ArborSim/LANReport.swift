/// What a LAN run measured; `arbor-sim --overlay lan` prints it as one JSON object.
public struct LANReport: Encodable, Sendable {
    public struct Changes: Encodable, Sendable {
        public var max: Int
        public var mean: Double
    }

    public var nodes = 0
    public var liveNodes = 0
    public var maxLinks = 0
    public var rings = 0
    public var faultCounts: [String: Int] = [:]
    public var convergenceFailures = 0
    /// The most counted links any node held at any moment of the run.
    public var maxDegreeEver = 0
    public var maxDegreeAtEnd = 0
    /// Times a node held more than `maxLinks` (must be 0).
    public var capViolations = 0
    public var diameterAtStart = 0
    public var diameterAtEnd = 0
    /// Wall time of one exact diameter computation (breadth-first search from every node).
    public var diameterSeconds = 0.0
    /// Wall microseconds for one node to compute its links over the whole view, by a scan
    /// and from a ring index.
    public var ringScanMicroseconds = 0.0
    public var ringIndexMicroseconds = 0.0
    public var startConvergenceMilliseconds = 0.0
    /// Simulated milliseconds from the fault until the checker was satisfied, per kind.
    public var maxConvergenceByFault: [String: Double] = [:]
    /// Links that differ before the fault and after convergence, per kind.
    public var linksChanged: [String: Changes] = [:]
    public var dials = 0
    public var eventsProcessed = 0
    /// Full scans of a view by all live machines (the rest is incremental).
    public var ringScans = 0
    public var simulatedSeconds = 0.0
    public var wallSeconds = 0.0
    public var violations: [String] = []

    enum CodingKeys: String, CodingKey {
        case nodes
        case liveNodes = "live_nodes"
        case maxLinks = "max_links"
        case rings
        case faultCounts = "fault_counts"
        case convergenceFailures = "convergence_failures"
        case maxDegreeEver = "max_degree_ever"
        case maxDegreeAtEnd = "max_degree_at_end"
        case capViolations = "cap_violations"
        case diameterAtStart = "diameter_at_start"
        case diameterAtEnd = "diameter_at_end"
        case diameterSeconds = "diameter_wall_seconds"
        case ringScanMicroseconds = "ring_scan_us"
        case ringIndexMicroseconds = "ring_index_us"
        case startConvergenceMilliseconds = "start_convergence_ms"
        case maxConvergenceByFault = "max_convergence_ms_by_fault"
        case linksChanged = "links_changed_by_fault"
        case dials
        case eventsProcessed = "events"
        case ringScans = "ring_scans"
        case simulatedSeconds = "simulated_seconds"
        case wallSeconds = "wall_seconds"
        case violations
    }

    /// Whether the run found nothing wrong.
    public var passed: Bool {
        convergenceFailures == 0 && capViolations == 0 && maxDegreeEver <= maxLinks
    }
}
