import ArborCore
import NIOCore

// A record version (each element of a FLUSH or SUMMARY frame):
//
//   origin 16 | incarnation 8 | sequence 8

extension RecordVersion {
    /// Bytes of one encoded version.
    static let encodedSize = 16 + 8 + 8
}

extension ByteBuffer {
    mutating func writeRecordVersions(_ versions: [RecordVersion]) throws(WireError) {
        try writeCount(versions.count, field: "versions", as: UInt16.self, limit: Int(UInt16.max))
        for version in versions {
            writeNodeID(version.origin)
            writeInteger(version.incarnation)
            writeInteger(version.sequence)
        }
    }
}

extension WireReader {
    mutating func recordVersions() throws(WireError) -> [RecordVersion] {
        let count = try count("versions", as: UInt16.self, limit: Int(UInt16.max), minimumElementSize: RecordVersion.encodedSize)
        var versions: [RecordVersion] = []
        versions.reserveCapacity(count)
        for _ in 0..<count {
            let origin = try nodeID("version origin")
            let incarnation = try integer("version incarnation", as: UInt64.self)
            let sequence = try integer("version sequence", as: UInt64.self)
            versions.append(RecordVersion(origin: origin, incarnation: incarnation, sequence: sequence))
        }
        return versions
    }
}

// The origins of a REQUEST frame: count 2 | origin 16...

extension ByteBuffer {
    mutating func writeOrigins(_ origins: [NodeID]) throws(WireError) {
        try writeCount(origins.count, field: "origins", as: UInt16.self, limit: Int(UInt16.max))
        for origin in origins {
            writeNodeID(origin)
        }
    }
}

extension WireReader {
    mutating func origins() throws(WireError) -> [NodeID] {
        let count = try count("origins", as: UInt16.self, limit: Int(UInt16.max), minimumElementSize: 16)
        var origins: [NodeID] = []
        origins.reserveCapacity(count)
        for _ in 0..<count {
            origins.append(try nodeID("origin"))
        }
        return origins
    }
}
