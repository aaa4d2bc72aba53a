import ArborCore
import NIOCore

// A topology definition inside a link-state record:
//
//   name 1+n | version 8 | present 1 | description 2+n | fallbacks 2 + names
//   | root 1+n (bit 0) | nodes 2 + names (bit 1) | links 2 + rules (bit 2)
//   | publishers 2 + names (bit 3) | max message size 8, signed (bit 4)
//   | admins 2 + node ids 16 each (bit 5)
//   | slow subscribers: push back (bit 6, nothing follows; clear: drop)
//
// `present` says which optional fields follow; its other bits must be zero. Node names are
// 1-byte length + UTF-8; a link rule is two node names and a 4-byte cost.

private enum Present {
    static let root: UInt8 = 1 << 0
    static let nodes: UInt8 = 1 << 1
    static let links: UInt8 = 1 << 2
    static let publishers: UInt8 = 1 << 3
    static let maxMessageSize: UInt8 = 1 << 4
    static let admins: UInt8 = 1 << 5
    static let pushBack: UInt8 = 1 << 6
    static let all: UInt8 = 0b111_1111
}

extension TopologyDefinition {
    /// Bytes of the smallest encoded definition.
    static let minimumEncodedSize = (1 + 1) + 8 + 1 + 2 + 2
}

extension ByteBuffer {
    mutating func writeTopologyDefinition(_ definition: TopologyDefinition) throws(WireError) {
        writeTopologyName(definition.name)
        writeInteger(definition.version)
        var present: UInt8 = 0
        if definition.root != nil { present |= Present.root }
        if definition.nodes != nil { present |= Present.nodes }
        if definition.links != nil { present |= Present.links }
        if definition.publishers != nil { present |= Present.publishers }
        if definition.maxMessageSize != nil { present |= Present.maxMessageSize }
        if definition.admins != nil { present |= Present.admins }
        if definition.slowSubscribers == .pushBack { present |= Present.pushBack }
        writeInteger(present)
        try writePrefixedString(
            definition.description,
            field: "description",
            length: UInt16.self,
            limit: PeerProtocol.maximumDescriptionLength
        )
        try writeNodeNames(definition.fallbacks, field: "fallbacks")
        if let root = definition.root {
            try writeNodeName(root, field: "root")
        }
        if let nodes = definition.nodes {
            try writeNodeNames(nodes, field: "nodes")
        }
        if let links = definition.links {
            try writeCount(links.count, field: "link rules", as: UInt16.self, limit: Int(UInt16.max))
            for rule in links {
                try writeNodeName(rule.a, field: "link rule node")
                try writeNodeName(rule.b, field: "link rule node")
                writeInteger(rule.cost)
            }
        }
        if let publishers = definition.publishers {
            try writeNodeNames(publishers, field: "publishers")
        }
        if let maxMessageSize = definition.maxMessageSize {
            writeInteger(Int64(maxMessageSize))
        }
        if let admins = definition.admins {
            try writeCount(admins.count, field: "admins", as: UInt16.self, limit: Int(UInt16.max))
            admins.forEach { writeNodeID($0) }
        }
    }

    private mutating func writeNodeNames(_ names: [String], field: StaticString) throws(WireError) {
        try writeCount(names.count, field: field, as: UInt16.self, limit: Int(UInt16.max))
        for name in names {
            try writeNodeName(name, field: field)
        }
    }

    mutating func writeNodeName(_ name: String, field: StaticString) throws(WireError) {
        try writePrefixedString(name, field: field, length: UInt8.self, limit: WireLimits.maximumNameLength)
    }
}

extension WireReader {
    mutating func topologyDefinition() throws(WireError) -> TopologyDefinition {
        let name = try topologyName("definition name")
        let version = try integer("definition version", as: UInt64.self)
        let present = try integer("definition fields present", as: UInt8.self)
        guard present & ~Present.all == 0 else {
            throw .invalidValue(field: "definition fields present", value: UInt64(present))
        }
        let description = try string(
            "description",
            length: UInt16.self,
            limit: PeerProtocol.maximumDescriptionLength
        )
        let fallbacks = try nodeNames("fallbacks")
        let root = present & Present.root != 0 ? try nodeName("root") : nil
        let nodes = present & Present.nodes != 0 ? try nodeNames("nodes") : nil
        // A rule takes at least two one-byte lengths and a four-byte cost.
        let links = present & Present.links == 0 ? nil : try list(
            "link rules",
            count: UInt16.self,
            limit: Int(UInt16.max),
            minimumElementSize: 6
        ) { (reader) throws(WireError) in
            let a = try reader.nodeName("link rule node")
            let b = try reader.nodeName("link rule node")
            let cost = try reader.integer("link rule cost", as: UInt32.self)
            return LinkRule(a, b, cost: cost)
        }
        let publishers = present & Present.publishers != 0 ? try nodeNames("publishers") : nil
        let maxMessageSize = present & Present.maxMessageSize != 0
            ? Int(try integer("max message size", as: Int64.self))
            : nil
        let admins = present & Present.admins == 0 ? nil : try list(
            "admins",
            count: UInt16.self,
            limit: Int(UInt16.max),
            minimumElementSize: 16
        ) { (reader) throws(WireError) in try reader.nodeID("admin") }
        return TopologyDefinition(
            name: name,
            version: version,
            description: description,
            root: root,
            fallbacks: fallbacks,
            nodes: nodes,
            links: links,
            publishers: publishers,
            maxMessageSize: maxMessageSize,
            admins: admins,
            slowSubscribers: present & Present.pushBack != 0 ? .pushBack : .drop
        )
    }

    private mutating func nodeNames(_ field: StaticString) throws(WireError) -> [String] {
        try list(field, count: UInt16.self, limit: Int(UInt16.max), minimumElementSize: 1) { (reader) throws(WireError) in
            try reader.nodeName(field)
        }
    }

    mutating func nodeName(_ field: StaticString) throws(WireError) -> String {
        try string(field, length: UInt8.self, limit: WireLimits.maximumNameLength)
    }
}
