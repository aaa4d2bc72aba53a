import ArborCore
import NIOCore

// A data message on the wire (frame body of DATA, and each element of REPAIR_DATA):
//
//   origin 16 | origin incarnation 8 | sequence 8 | hops 1 | topology 1+n | topic 2+n | payload 4+n
//
// The fixed fields come first so the hop count sits at a fixed offset (32) of the body.
//
// Copies: decoding copies the topic and the payload once each, out of the receive buffer
// into the arrays `DataMessage` holds; encoding copies them once into the send buffer, in
// one pass with one capacity check. A later zero-copy relay path would need
// `DataMessage.payload` to be a `ByteBuffer` slice of the receive buffer (ArborCore would
// hold an opaque payload type instead of `[UInt8]`), and could then forward the received
// frame bytes as they are, rewriting only the hop byte at offset 32 of the body.

extension DataMessage {
    /// Bytes of the smallest encoded message (one-byte topology name, empty topic and payload).
    static let minimumEncodedSize = 16 + 8 + 8 + 1 + (1 + 1) + 2 + 4

    /// Bytes this message takes encoded, after checking its topic against the protocol limit.
    func wireSize() throws(WireError) -> Int {
        let topicLength = topic.bytes.count
        guard topicLength <= WireLimits.maximumTopicLength else {
            throw .fieldTooLong(field: "topic", length: topicLength, limit: WireLimits.maximumTopicLength)
        }
        return 16 + 8 + 8 + 1 + 1 + topology.rawValue.utf8.count + 2 + topicLength + 4 + payload.count
    }
}

extension RawWriter {
    /// Stores a message whose ``DataMessage/wireSize()`` was checked.
    mutating func dataMessage(_ message: DataMessage) {
        nodeID(message.origin)
        integer(message.originIncarnation)
        integer(message.sequence)
        integer(message.hops)
        topologyName(message.topology)
        topic(message.topic)
        payload(message.payload)
    }
}

extension ByteBuffer {
    mutating func writeDataMessage(_ message: DataMessage) throws(WireError) {
        writeSized(try message.wireSize()) { $0.dataMessage(message) }
    }
}

extension WireReader {
    mutating func dataMessage() throws(WireError) -> DataMessage {
        let origin = try nodeID("origin")
        let incarnation = try integer("origin incarnation", as: UInt64.self)
        let sequence = try integer("sequence", as: UInt64.self)
        let hops = try integer("hops", as: UInt8.self)
        let topology = try topologyName("topology")
        let topic = try topic("topic")
        let payload = try prefixedBytes("payload", length: UInt32.self, limit: Int(UInt32.max))
        return DataMessage(
            topology: topology,
            origin: origin,
            originIncarnation: incarnation,
            sequence: sequence,
            hops: hops,
            topic: topic,
            payload: payload
        )
    }
}
