/// Traffic of one peer link: bytes on the wire (counted by ``ByteCountingHandler`` in the
/// link's pipeline), frames (received ones by ``PeerChannelHandler``, sent ones by the
/// link's ``FrameOutbox``) and data messages (counted by the runtime).
///
/// Confined to the node's event loop, like the channel it counts; hence `@unchecked Sendable`.
final class LinkCounters: @unchecked Sendable {
    var counts = LinkCounts()
}

/// Counts of a peer's traffic: of one link (``LinkCounters``) or, added up, of the links
/// to one peer that closed (``TrafficLedger/PeerTotals``).
struct LinkCounts: Sendable {
    var bytesIn: UInt64 = 0
    var bytesOut: UInt64 = 0
    var framesIn: UInt64 = 0
    var framesOut: UInt64 = 0
    var messagesIn: UInt64 = 0
    var messagesOut: UInt64 = 0

    mutating func add(_ other: LinkCounts) {
        bytesIn &+= other.bytesIn
        bytesOut &+= other.bytesOut
        framesIn &+= other.framesIn
        framesOut &+= other.framesOut
        messagesIn &+= other.messagesIn
        messagesOut &+= other.messagesOut
    }
}
