import ArborCore
import NIOCore

// A stream span, the body of a peer REPAIR_REQUEST and of a client GAP alike:
//
//   origin 16 | origin incarnation 8 | first 8 | last 8 | topology (length 1 + name)

extension ByteBuffer {
    mutating func writeStreamSpan(_ span: StreamSpan) {
        writeNodeID(span.origin)
        writeInteger(span.originIncarnation)
        writeInteger(span.first)
        writeInteger(span.last)
        writeTopologyName(span.topology)
    }
}

extension WireReader {
    mutating func streamSpan() throws(WireError) -> StreamSpan {
        let origin = try nodeID("origin")
        let incarnation = try integer("origin incarnation", as: UInt64.self)
        let first = try integer("first", as: UInt64.self)
        let last = try integer("last", as: UInt64.self)
        let topology = try topologyName("topology")
        return StreamSpan(topology: topology, origin: origin, originIncarnation: incarnation, first: first, last: last)
    }
}
