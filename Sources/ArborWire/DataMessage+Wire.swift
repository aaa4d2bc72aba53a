import ArborCore
import NIOCore

// A data message on the wire (frame body of DATA, and each element of REPAIR_DATA):
//
//   origin 16 | origin incarnation 8 | sequence 8 | hops 1 | topology 1+n | topic 2+n | payload 4+n
//
// The fixed fields come first so the hop count sits at a fixed offset (32) of the body.
//
// Consecutive messages of one stream (one origin, incarnation and topology, consecutive
// sequences, one hop count) go in one DATA_RUN frame instead (docs/peer-protocol.md):
//
//   origin 16 | origin incarnation 8 | first sequence 8 | hops 1 | topology 1+n | count 2 |
//   count x (topic 2+m, or 2 bytes 0xFFFF: the previous message's topic | payload 4+k)
//
// with the hop count at the same offset.
//
// Copies: a DATA or DATA_RUN frame is decoded into messages that share one object,
// ``ReceivedDataFrame``, holding the frame's body (a slice of the receive buffer); only
// topics, which the router matches, are copied out. The messages of a whole frame are
// forwarded by copying the received body with the hop byte at offset 32 rewritten, others
// written from their topics and payloads in that body, and delivered with their payload
// copied straight from it: one copy of the payload per link or client it leaves on.
// Messages of REPAIR_DATA frames (decoded as DATA, then detached from the frame) and
// messages published here hold their payload as an array.

extension DataMessage {
    /// Bytes of the smallest encoded message (one-byte topology name, empty topic and payload).
    static let minimumEncodedSize = 16 + 8 + 8 + 1 + (1 + 1) + 2 + 4
    /// Bytes of the smallest message in a DATA_RUN after the first (its topic repeated, an
    /// empty payload).
    static let minimumRunElementSize = 2 + 4

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
        let frame = ReceivedDataFrame(
            type: PeerFrameType.data.rawValue, body: body, topology: topology, origin: origin, originIncarnation: incarnation,
            firstSequence: sequence, firstTopic: topic, firstPayload: payload
        )
        return DataMessage(frame, index: 0, hops: hops)
    }

    /// The messages of a DATA_RUN frame whose body is `body` (the bytes this reader reads),
    /// with every field checked before any is returned, their payloads left in `body`, and
    /// their hop count. Refused: no message, sequences past `UInt64.max`, a first topic that
    /// repeats nothing, a topic over the limit, a count the bytes cannot back.
    mutating func dataRun(keeping body: ByteBuffer, recent: inout RecentDataFields) throws(WireError) -> (frame: ReceivedDataFrame, hops: UInt8) {
        let origin = try nodeID("origin")
        let incarnation = try integer("origin incarnation", as: UInt64.self)
        let firstSequence = try integer("first sequence", as: UInt64.self)
        let hops = try integer("hops", as: UInt8.self)
        let topology = try topologyName("topology", recent: &recent.topology)
        let count = try self.count(
            "messages", as: UInt16.self, limit: WireLimits.maximumRunCount, minimumElementSize: DataMessage.minimumRunElementSize
        )
        guard count > 0 else { throw .invalidValue(field: "messages", value: 0) }
        guard firstSequence <= UInt64.max - UInt64(count - 1) else {
            throw .invalidValue(field: "first sequence", value: firstSequence)
        }
        // The first topic is a topic: its length can only be one (0xFFFF is over the limit).
        let firstTopic = try topic("topic", recent: &recent.topic)
        let firstPayload = try skipPrefixedBytes("payload", length: UInt32.self, limit: Int(UInt32.max))
        var laterPayloads: [UInt64] = []
        laterPayloads.reserveCapacity(count - 1)
        var laterTopics: [Topic] = []
        var topicsVary = false
        var previous = firstTopic
        for index in 1..<count {
            let topic = try runTopic(repeating: previous, recent: &recent.topic)
            if !topicsVary, topic != firstTopic {
                // The first topic that differs: the ones before it were the first's.
                topicsVary = true
                laterTopics.reserveCapacity(count - 1)
                laterTopics.append(contentsOf: repeatElement(firstTopic, count: index - 1))
            }
            if topicsVary { laterTopics.append(topic) }
            previous = topic
            let payload = try skipPrefixedBytes("payload", length: UInt32.self, limit: Int(UInt32.max))
            laterPayloads.append(UInt64(payload.count) << 32 | UInt64(payload.start))
        }
        let frame = ReceivedDataFrame(
            type: PeerProtocol.dataRunType, body: body, topology: topology, origin: origin, originIncarnation: incarnation,
            firstSequence: firstSequence, firstTopic: firstTopic, firstPayload: firstPayload,
            laterPayloads: laterPayloads, laterTopics: laterTopics
        )
        return (frame, hops)
    }
}
