import ArborCore
import NIOCore

// A link-state record (each element of a LINK_STATE frame):
//
//   origin 16 | incarnation 8 | sequence 8 | name 1+n | links 2 + (neighbour 16 | cost 4)...
//   | definitions 2 + definitions... | addresses 1 + (host 1+n | port 2)...
//   | seal 1 + (digest 32 | public key 32 | signature 64)
//
// The addresses are where the origin accepts peer links (at most
// LinkStateRecord.maximumAddresses; a host is a name or an IP literal, a port 1...65535).
// The seal byte is 0 (no seal) or 1 (a seal follows). Everything before it is what the
// seal's digest covers (`sealedBytes`).

extension LinkStateRecord {
    /// Bytes of the smallest encoded record (empty name, no links, no definitions, no
    /// addresses, no seal).
    static let minimumEncodedSize = 16 + 8 + 8 + 1 + 2 + 2 + 1 + 1

    /// The bytes the origin's seal covers: the record's encoding up to its seal.
    public func sealedBytes() throws(WireError) -> [UInt8] {
        var buffer = ByteBuffer()
        try buffer.writeRecordContent(self)
        return buffer.readBytes(length: buffer.readableBytes) ?? []
    }
}

extension ByteBuffer {
    /// The body of a LINK_STATE frame: count 2 | records...
    mutating func writeLinkStateRecords(_ records: [LinkStateRecord]) throws(WireError) {
        try writeCount(records.count, field: "records", as: UInt16.self, limit: Int(UInt16.max))
        for record in records {
            try writeLinkStateRecord(record)
        }
    }

    mutating func writeLinkStateRecord(_ record: LinkStateRecord) throws(WireError) {
        try writeRecordContent(record)
        try writeSeal(record.seal)
    }

    /// A seal presence byte, then the seal if there is one.
    mutating func writeSeal(_ seal: RecordSeal?) throws(WireError) {
        guard let seal else {
            writeInteger(UInt8(0))
            return
        }
        guard seal.digest.count == RecordSeal.digestLength, seal.publicKey.count == RecordSeal.publicKeyLength,
              seal.signature.count == RecordSeal.signatureLength
        else {
            throw .invalidValue(field: "seal length", value: UInt64(seal.digest.count + seal.publicKey.count + seal.signature.count))
        }
        writeInteger(UInt8(1))
        writeBytes(seal.digest)
        writeBytes(seal.publicKey)
        writeBytes(seal.signature)
    }

    fileprivate mutating func writeRecordContent(_ record: LinkStateRecord) throws(WireError) {
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
    /// The body of a LINK_STATE frame (``ByteBuffer/writeLinkStateRecords(_:)``).
    mutating func linkStateRecords() throws(WireError) -> [LinkStateRecord] {
        try list("records", count: UInt16.self, limit: Int(UInt16.max), minimumElementSize: LinkStateRecord.minimumEncodedSize) {
            (reader) throws(WireError) in try reader.linkStateRecord()
        }
    }

    mutating func linkStateRecord() throws(WireError) -> LinkStateRecord {
        let origin = try nodeID("record origin")
        let incarnation = try integer("record incarnation", as: UInt64.self)
        let sequence = try integer("record sequence", as: UInt64.self)
        let name = try nodeName("node name")
        let links = try list("links", count: UInt16.self, limit: Int(UInt16.max), minimumElementSize: 20) {
            (reader) throws(WireError) in
            let neighbor = try reader.nodeID("link neighbour")
            let cost = try reader.integer("link cost", as: UInt32.self)
            return Link(neighbor: neighbor, cost: cost)
        }
        let definitions = try list(
            "definitions",
            count: UInt16.self,
            limit: Int(UInt16.max),
            minimumElementSize: TopologyDefinition.minimumEncodedSize
        ) { (reader) throws(WireError) in try reader.topologyDefinition() }
        let addresses = try list("addresses", count: UInt8.self, limit: LinkStateRecord.maximumAddresses, minimumElementSize: 4) {
            (reader) throws(WireError) in
            let host = try reader.nodeName("address host")
            let port = try reader.integer("address port", as: UInt16.self)
            guard !host.isEmpty else { throw .invalidValue(field: "address host length", value: 0) }
            guard port != 0 else { throw .invalidValue(field: "address port", value: 0) }
            return OverlayAddress(host: host, port: Int(port))
        }
        return LinkStateRecord(
            origin: origin,
            name: name,
            incarnation: incarnation,
            sequence: sequence,
            links: links,
            definitions: definitions,
            addresses: addresses,
            seal: try seal()
        )
    }

    /// A seal presence byte (0 or 1), then the seal if there is one.
    mutating func seal() throws(WireError) -> RecordSeal? {
        let present = try integer("seal present", as: UInt8.self)
        switch present {
        case 0:
            return nil
        case 1:
            let digest = try bytes("seal digest", length: RecordSeal.digestLength)
            let key = try bytes("seal public key", length: RecordSeal.publicKeyLength)
            let signature = try bytes("seal signature", length: RecordSeal.signatureLength)
            return RecordSeal(digest: digest, publicKey: key, signature: signature)
        default:
            throw .invalidValue(field: "seal present", value: UInt64(present))
        }
    }
}
