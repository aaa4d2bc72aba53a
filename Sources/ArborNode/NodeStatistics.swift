/// Counters the shell keeps beside the router's own.
struct NodeStatistics: Sendable {
    var slowConsumersDropped: UInt64 = 0
    var peerLinksRefused: UInt64 = 0
    var malformedFrames: UInt64 = 0
    /// Records and flushes dropped because their seal did not check (forged, or altered).
    var unauthenticRecords: UInt64 = 0
    /// Links refused because the peer did not prove its node id.
    var identitiesNotProven: UInt64 = 0
    /// Links closed by the realm layer: no secret, another secret, a record that did not open.
    var realmFailures: UInt64 = 0
}
