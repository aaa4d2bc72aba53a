/// Sequences `first...last` of one origin's stream (its messages of one incarnation in one
/// topology). One type serves every place a protocol names such a span: what a repair
/// request asks for (``RepairRequest``), what the router reports lost (``StreamGap``), and
/// the GAP a client is told of (ArborWire's `GapNotice`).
public struct StreamSpan: Hashable, Sendable {
    public var topology: TopologyName
    public var origin: NodeID
    public var originIncarnation: UInt64
    public var first: UInt64
    public var last: UInt64

    public init(topology: TopologyName, origin: NodeID, originIncarnation: UInt64, first: UInt64, last: UInt64) {
        self.topology = topology
        self.origin = origin
        self.originIncarnation = originIncarnation
        self.first = first
        self.last = last
    }
}
