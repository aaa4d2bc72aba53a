import ArborCore
import NIOCore

// A link-state record (each element of a LINK_STATE frame):
//
//   origin 16 | incarnation 8 | sequence 8 | name 1+n | links 2 + (neighbour 16 | cost 4)...
//   | definitions 2 + definitions... | addresses 1 + (host 1+n | port 2)...
//
// The addresses are where the origin accepts peer links (at most
// LinkStateRecord.maximumAddresses; a host is a name or an IP literal, a port 1...65535).

extension LinkStateRecord {
    /// Bytes of the smallest encoded record (empty name, no links, no definitions).
    static let minimumEncodedSize = 16 + 8 + 8 + 1 + 2 + 2 + 1
}

extension ByteBuffer {
    mutating func writeLinkStateRecord(_ record: LinkStateRecord) throws(WireError) {
        writeNodeID(record.origin)
        writeInteger(record.incarnation)
        writeInteger(record.sequence)
        try writeNodeName(record.name, field: "node name")
        try writeCount(record.links.count, field: "links", as: UInt16.self, limit: Int(UInt16.max))
        for link in record.links {
            writeNodeID(link.neighbor)
            writeInteger(link.cost)
        }
        try writeCount(record.definitions.count, field: "definitions", as: UInt16.self, limit: Int(UInt16.max))
        for definition in record.definitions {
            try writeTopologyDefinition(definition)
        }
        try writeCount(record.addresses.count, field: "addresses", as: UInt8.self, limit: LinkStateRecord.maximumAddresses)
        for address in record.addresses {
            guard (1...Int(UInt16.max)).contains(address.port) else {
                throw .invalidValue(field: "address port", value: UInt64(clamping: address.port))
            }
            try writeNodeName(address.host, field: "address host")
            writeInteger(UInt16(address.port))
        }
    }
}

extension WireReader {
    mutating func linkStateRecord() throws(WireError) -> LinkStateRecord {
        let origin = try nodeID("record origin")
        let incarnation = try integer("record incarnation", as: UInt64.self)
        let sequence = try integer("record sequence", as: UInt64.self)
        let name = try nodeName("node name")
        let linkCount = try count("links", as: UInt16.self, limit: Int(UInt16.max), minimumElementSize: 20)
        var links: [Link] = []
        links.reserveCapacity(linkCount)
        for _ in 0..<linkCount {
            let neighbor = try nodeID("link neighbour")
            let cost = try integer("link cost", as: UInt32.self)
            links.append(Link(neighbor: neighbor, cost: cost))
        }
        let definitionCount = try count(
            "definitions",
            as: UInt16.self,
            limit: Int(UInt16.max),
            minimumElementSize: TopologyDefinition.minimumEncodedSize
        )
        var definitions: [TopologyDefinition] = []
        definitions.reserveCapacity(definitionCount)
        for _ in 0..<definitionCount {
            definitions.append(try topologyDefinition())
        }
        let addressCount = try count("addresses", as: UInt8.self, limit: LinkStateRecord.maximumAddresses, minimumElementSize: 4)
        var addresses: [OverlayAddress] = []
        addresses.reserveCapacity(addressCount)
        for _ in 0..<addressCount {
            let host = try nodeName("address host")
            let port = try integer("address port", as: UInt16.self)
            guard !host.isEmpty else { throw .invalidValue(field: "address host length", value: 0) }
            guard port != 0 else { throw .invalidValue(field: "address port", value: 0) }
            addresses.append(OverlayAddress(host: host, port: Int(port)))
        }
        return LinkStateRecord(
            origin: origin,
            name: name,
            incarnation: incarnation,
            sequence: sequence,
            links: links,
            definitions: definitions,
            addresses: addresses
        )
    }
}
