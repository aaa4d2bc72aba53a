/// Counters a router keeps; the shell exports them as metrics.
public struct RouterStatistics: Sendable, Equatable {
    /// Why a message was not passed on.
    public enum DropCause: String, CaseIterable, Sendable {
        /// Already seen (another path delivered it first) or older than the window.
        case duplicate
        case hopLimit = "hop_limit"
        /// Published, but no neighbour or local subscriber wanted it.
        case noInterest = "no_interest"
        case oversize
        /// The origin may not publish to this topology.
        case notPermitted = "not_permitted"
        /// Arrived for a topology this node holds no state for.
        case noRoute = "no_route"
    }

    public var published: UInt64 = 0
    public var dataReceived: UInt64 = 0
    public var dataForwarded: UInt64 = 0
    public var delivered: UInt64 = 0
    public var recordsReceived: UInt64 = 0
    public var recordsInstalled: UInt64 = 0
    /// Versions of this node's own record flooded.
    public var recordsOriginated: UInt64 = 0
    public var routeChanges: UInt64 = 0
    public var recomputations: UInt64 = 0
    public var interestMessagesSent: UInt64 = 0
    /// Interest updates that waited for a peer's interest pacing.
    public var interestUpdatesPaced: UInt64 = 0
    public var protocolErrors: UInt64 = 0
    /// REPAIR_REQUESTs sent (for holes found here, and passed up for a neighbour).
    public var repairRequests: UInt64 = 0
    /// Of those, requests sent again for want of an answer (``Router/repairRetryInterval``).
    public var repairRetries: UInt64 = 0
    /// Messages resent to a neighbour in REPAIR_DATA.
    public var repairResent: UInt64 = 0
    /// Messages that arrived in REPAIR_DATA and were new here.
    public var repaired: UInt64 = 0
    /// Of those, messages delivered to local subscribers after newer messages of their
    /// stream: the answer came after the hold ended (``RouterConfiguration/repairHoldLimit``),
    /// or it brought the span only the old way carried after a parent switch. The only way
    /// a subscriber gets one origin's messages out of order.
    public var repairedLate: UInt64 = 0
    /// Spans reported lost to local subscribers (one per span, however many subscribers).
    public var gapsReported: UInt64 = 0
    /// Sequences in those spans.
    public var messagesLost: UInt64 = 0
    public var dropped: [DropCause: UInt64] = [:]
    /// Peer failures this node detected that were followed by new trees (see
    /// ``FailoverClock``), the time from detection to the new trees of the most recent
    /// one, and the longest.
    public var failovers: UInt64 = 0
    public var lastFailover: Duration?
    public var longestFailover: Duration?

    mutating func drop(_ cause: DropCause) {
        dropped[cause, default: 0] += 1
    }

    mutating func failedOver(in duration: Duration) {
        failovers += 1
        lastFailover = duration
        longestFailover = max(longestFailover ?? duration, duration)
    }
}
