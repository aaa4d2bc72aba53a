import ArborCore
import NIOCore

// Interest for one topology (body of an INTEREST frame):
//
//   topology 1+n | kind 1 | full: count 4 + prefixes | delta: count 4 + added, count 4 + removed
//   | leave: nothing
//
// A prefix is a 2-byte length and at most 1024 bytes.

private enum InterestKind {
    static let full: UInt8 = 0
    static let delta: UInt8 = 1
    static let leave: UInt8 = 2
}

extension ByteBuffer {
    mutating func writeInterest(_ topology: TopologyName, _ update: InterestUpdate) throws(WireError) {
        writeTopologyName(topology)
        switch update {
        case .full(let set):
            writeInteger(InterestKind.full)
            try writePrefixes(set.prefixes, field: "prefixes")
        case .delta(let added, let removed):
            writeInteger(InterestKind.delta)
            try writePrefixes(added, field: "added prefixes")
            try writePrefixes(removed, field: "removed prefixes")
        case .leave:
            writeInteger(InterestKind.leave)
        }
    }

    private mutating func writePrefixes(_ prefixes: [Topic], field: StaticString) throws(WireError) {
        try writeCount(prefixes.count, field: field, as: UInt32.self, limit: Int(UInt32.max))
        for prefix in prefixes {
            try writeTopic(prefix, field: "prefix")
        }
    }
}

extension WireReader {
    /// A full set is re-aggregated on arrival (``PrefixSet/init(_:)``): a sender that did
    /// not aggregate still means the same matches.
    mutating func interest() throws(WireError) -> PeerMessage {
        let topology = try topologyName("topology")
        let kind = try integer("interest kind", as: UInt8.self)
        switch kind {
        case InterestKind.full:
            return .interest(topology, .full(PrefixSet(try prefixes("prefixes"))))
        case InterestKind.delta:
            let added = try prefixes("added prefixes")
            let removed = try prefixes("removed prefixes")
            return .interest(topology, .delta(added: added, removed: removed))
        case InterestKind.leave:
            return .interest(topology, .leave)
        default:
            throw .invalidValue(field: "interest kind", value: UInt64(kind))
        }
    }

    private mutating func prefixes(_ field: StaticString) throws(WireError) -> [Topic] {
        try list(field, count: UInt32.self, limit: Int(UInt32.max), minimumElementSize: 2) { (reader) throws(WireError) in
            try reader.topic("prefix")
        }
    }
}
