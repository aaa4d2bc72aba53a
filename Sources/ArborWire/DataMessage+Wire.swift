import ArborCore
import NIOCore

// A data message on the wire (frame body of DATA, and each element of REPAIR_DATA):
//
//   origin 16 | origin incarnation 8 | sequence 8 | hops 1 | topology 1+n | topic 2+n | payload 4+n
//
// The fixed fields come first so the hop count sits at a fixed offset (32) of the body.
//
// Copies: a DATA frame is decoded with its payload left in the receive buffer (the message's
// encoded form, ``ReceivedDataMessage``, a slice of it); only the topic, which the router
// matches, is copied out. A message that still holds that form is forwarded by copying the
// received body with the hop byte at offset 32 rewritten, and delivered with its payload
// copied straight from it: one copy of the payload per link or client it leaves on. Messages
// of REPAIR_DATA frames (decoded as DATA, then detached from the frame) and messages published
// here hold their payload as an array.

extension DataMessage {
    /// Bytes of the smallest encoded message (one-byte topology name, empty topic and payload).
    static let minimumEncodedSize = 16 + 8 + 8 + 1 + (1 + 1) + 2 + 4

    /// Bytes this message takes encoded, after checking its topic against the protocol limit.
    func wireSize() throws(WireError) -> Int {
        let topicLength = topic.bytes.count
        guard topicLength <= WireLimits.maximumTopicLength else {
            throw .fieldTooLong(field: "topic", length: topicLength, limit: WireLimits.maximumTopicLength)
        }
        return 16 + 8 + 8 + 1 + 1 + topology.rawValue.utf8.count + 2 + topicLength + 4 + payloadCount
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
        payload(of: message)
    }
}

extension ByteBuffer {
    mutating func writeDataMessage(_ message: DataMessage) throws(WireError) {
        writeSized(try message.wireSize()) { $0.dataMessage(message) }
    }
}

/// The topology name and topic of the last DATA frame (or client PUBLISH) a decoder read:
/// consecutive frames of one stream repeat them.
struct RecentDataFields: Sendable {
    var topology: TopologyName?
    var topic: Topic?
}

extension WireReader {
    /// The message of a DATA frame whose body is `body` (the bytes this reader reads), with
    /// every field checked, its payload left in `body`.
    mutating func dataMessage(keeping body: ByteBuffer) throws(WireError) -> DataMessage {
        var recent = RecentDataFields()
        return try dataMessage(keeping: body, recent: &recent)
    }

    /// ``dataMessage(keeping:)`` for one of consecutive messages (DATA frames, or the
    /// messages of one REPAIR_DATA frame, which take theirs ``DataMessage/detached``): a
    /// topology name or topic whose bytes are those of `recent` is taken from it (no check
    /// and no copy again), and `recent` becomes this message's.
    mutating func dataMessage(keeping body: ByteBuffer, recent: inout RecentDataFields) throws(WireError) -> DataMessage {
        let origin = try nodeID("origin")
        let incarnation = try integer("origin incarnation", as: UInt64.self)
        let sequence = try integer("sequence", as: UInt64.self)
        let hops = try integer("hops", as: UInt8.self)
        let topology = try topologyName("topology", recent: &recent.topology)
        let topic = try topic("topic", recent: &recent.topic)
        let payload = try skipPrefixedBytes("payload", length: UInt32.self, limit: Int(UInt32.max))
        return DataMessage(
            topology: topology,
            origin: origin,
            originIncarnation: incarnation,
            sequence: sequence,
            hops: hops,
            topic: topic,
            encoded: ReceivedDataMessage(body: body, payloadOffset: payload.start, payloadCount: payload.count)
        )
    }
}
