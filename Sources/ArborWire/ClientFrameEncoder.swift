import ArborCore
import NIOCore

/// Writes client protocol frames (docs/client-protocol.md): requests on the application
/// side, responses and events on the node side.
public struct ClientFrameEncoder: Sendable {
    /// Longest frame to produce.
    public var maximumFrameLength: Int

    public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength) {
        self.maximumFrameLength = maximumFrameLength
    }

    /// Appends `request`; throws, leaving `buffer` as it was, when a field is over its limit.
    /// PUBLISH is written in one pass after one capacity check; the others field by field.
    public func encode(_ request: ClientRequest, into buffer: inout ByteBuffer) throws(WireError) {
        let type = request.type.rawValue
        switch request {
        case .publish(let id, let topology, let topic, let payload):
            let size = 4 + 1 + topology.rawValue.utf8.count + (try topicSize(topic)) + 4 + payload.count
            try Framing.writeSized(type: type, bodySize: size, into: &buffer, limit: maximumFrameLength) {
                $0.integer(id)
                $0.topologyName(topology)
                $0.topic(topic)
                $0.payload(payload)
            }
        case .hello(let id, let versions, let clientName):
            try Framing.write(type: type, into: &buffer, limit: maximumFrameLength) { body throws(WireError) in
                body.writeInteger(id)
                body.writeInteger(versions.lowerBound)
                body.writeInteger(versions.upperBound)
                try body.writeNodeName(clientName, field: "client name")
            }
        case .attach(let id, let topology), .detach(let id, let topology):
            try Framing.write(type: type, into: &buffer, limit: maximumFrameLength) { body throws(WireError) in
                body.writeInteger(id)
                body.writeTopologyName(topology)
            }
        case .subscribe(let id, let topology, let prefix), .unsubscribe(let id, let topology, let prefix):
            try Framing.write(type: type, into: &buffer, limit: maximumFrameLength) { body throws(WireError) in
                body.writeInteger(id)
                body.writeTopologyName(topology)
                try body.writeTopic(prefix, field: "prefix")
            }
        case .ping(let id):
            try Framing.write(type: type, into: &buffer, limit: maximumFrameLength) { body throws(WireError) in
                body.writeInteger(id)
            }
        }
    }

    /// Appends the MESSAGE frame of `message`, the bytes that encoding
    /// `.message(DeliveredMessage(message))` appends: a delivered run's messages are
    /// written with this, no response value made per message.
    ///
    /// A message that arrived alone in a DATA frame (``ReceivedDataFrame``) is written from
    /// it: a MESSAGE body is a DATA body without its hop count, so the frame is the received
    /// bytes in two copies, no field encoded again (every field was checked when the DATA
    /// frame was decoded). A message of a DATA_RUN is written field by field, its payload
    /// copied from the received body.
    public func encode(message: DataMessage, into buffer: inout ByteBuffer) throws(WireError) {
        if let received = message.body as? ReceivedDataFrame, received.type == PeerFrameType.data.rawValue {
            try Framing.writeSized(
                type: ClientFrameType.message.rawValue, bodySize: received.body.readableBytes - 1, into: &buffer, limit: maximumFrameLength
            ) { $0.delivered(received) }
            return
        }
        try writeMessage(
            message.origin, message.originIncarnation, message.sequence, message.topology, message.topic,
            payloadCount: message.payloadCount, into: &buffer
        ) { $0.payload(of: message) }
    }

    /// A MESSAGE frame in one pass: the fields, then 4-byte length and the payload, which
    /// `payload` writes.
    private func writeMessage(
        _ origin: NodeID, _ originIncarnation: UInt64, _ sequence: UInt64, _ topology: TopologyName, _ topic: Topic,
        payloadCount: Int, into buffer: inout ByteBuffer, payload: (inout RawWriter) -> Void
    ) throws(WireError) {
        let size = 16 + 8 + 8 + 1 + topology.rawValue.utf8.count + (try topicSize(topic)) + 4 + payloadCount
        try Framing.writeSized(type: ClientFrameType.message.rawValue, bodySize: size, into: &buffer, limit: maximumFrameLength) {
            $0.nodeID(origin)
            $0.integer(originIncarnation)
            $0.integer(sequence)
            $0.topologyName(topology)
            $0.topic(topic)
            payload(&$0)
        }
    }

    /// Appends `response`; throws, leaving `buffer` as it was, when a field is over its limit.
    /// MESSAGE is written in one pass after one capacity check; the others field by field.
    public func encode(_ response: ClientResponse, into buffer: inout ByteBuffer) throws(WireError) {
        let type = response.type.rawValue
        switch response {
        case .message(let message):
            try writeMessage(
                message.origin, message.originIncarnation, message.sequence, message.topology, message.topic,
                payloadCount: message.payloadCount, into: &buffer
            ) {
                if let received = message.received {
                    $0.payload(of: received)
                } else {
                    $0.payload(message.payload)
                }
            }
        case .welcome(let id, let version, let node, let nodeName, let maximumMessageSize):
            try Framing.write(type: type, into: &buffer, limit: maximumFrameLength) { body throws(WireError) in
                body.writeInteger(id)
                body.writeInteger(version)
                body.writeNodeID(node)
                body.writeInteger(maximumMessageSize)
                try body.writeNodeName(nodeName, field: "node name")
            }
        case .ok(let id), .pong(let id):
            try Framing.write(type: type, into: &buffer, limit: maximumFrameLength) { body throws(WireError) in
                body.writeInteger(id)
            }
        case .error(let id, let code, let text):
            try Framing.write(type: type, into: &buffer, limit: maximumFrameLength) { body throws(WireError) in
                body.writeInteger(id)
                body.writeInteger(code.rawValue)
                try body.writePrefixedString(text, field: "error text", length: UInt16.self, limit: WireLimits.maximumTextLength)
            }
        case .gap(let gap):
            try Framing.write(type: type, into: &buffer, limit: maximumFrameLength) { body throws(WireError) in
                body.writeStreamSpan(gap)
            }
        }
    }

    /// Bytes a topic field takes, after checking the topic against the protocol limit.
    private func topicSize(_ topic: Topic) throws(WireError) -> Int {
        guard topic.bytes.count <= WireLimits.maximumTopicLength else {
            throw .fieldTooLong(field: "topic", length: topic.bytes.count, limit: WireLimits.maximumTopicLength)
        }
        return 2 + topic.bytes.count
    }
}

extension RawWriter {
    /// The MESSAGE body of a received DATA body: the body without its hop count.
    mutating func delivered(_ received: ReceivedDataFrame) {
        received.body.withUnsafeReadableBytes { body in
            bytes(UnsafeRawBufferPointer(rebasing: body[..<ReceivedDataFrame.hopsOffset]))
            bytes(UnsafeRawBufferPointer(rebasing: body[(ReceivedDataFrame.hopsOffset + 1)...]))
        }
    }
}
