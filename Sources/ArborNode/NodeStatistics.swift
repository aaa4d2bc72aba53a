/// Counters the shell keeps beside the router's own.
struct NodeStatistics: Sendable {
    var slowConsumersDropped: UInt64 = 0
    var peerLinksRefused: UInt64 = 0
    var malformedFrames: UInt64 = 0
}
