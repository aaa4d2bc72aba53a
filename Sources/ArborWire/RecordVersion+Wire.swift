import ArborCore
import NIOCore

// A record version (each element of a SUMMARY frame):
//
//   origin 16 | incarnation 8 | sequence 8
//
// and of a FLUSH frame, where the version is followed by the origin's seal of that
// version's record: seal 1 + (digest 32 | public key 32 | signature 64).

extension RecordVersion {
    /// Bytes of one encoded version without a seal.
    static let encodedSize = 16 + 8 + 8
}

extension ByteBuffer {
    /// Writes `versions`, each followed by its seal when `sealed` (FLUSH), else bare (SUMMARY).
    mutating func writeRecordVersions(_ versions: [RecordVersion], sealed: Bool) throws(WireError) {
        try writeCount(versions.count, field: "versions", as: UInt16.self, limit: Int(UInt16.max))
        for version in versions {
            writeNodeID(version.origin)
            writeInteger(version.incarnation)
            writeInteger(version.sequence)
            if sealed {
                try writeSeal(version.seal)
            }
        }
    }
}

extension WireReader {
    /// Reads versions, each followed by a seal when `sealed` (FLUSH), else bare (SUMMARY).
    mutating func recordVersions(sealed: Bool) throws(WireError) -> [RecordVersion] {
        let size = RecordVersion.encodedSize + (sealed ? 1 : 0)
        return try list("versions", count: UInt16.self, limit: Int(UInt16.max), minimumElementSize: size) {
            (reader) throws(WireError) in
            let origin = try reader.nodeID("version origin")
            let incarnation = try reader.integer("version incarnation", as: UInt64.self)
            let sequence = try reader.integer("version sequence", as: UInt64.self)
            let seal = sealed ? try reader.seal() : nil
            return RecordVersion(origin: origin, incarnation: incarnation, sequence: sequence, seal: seal)
        }
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
        try list("origins", count: UInt16.self, limit: Int(UInt16.max), minimumElementSize: 16) { (reader) throws(WireError) in
            try reader.nodeID("origin")
        }
    }
}
