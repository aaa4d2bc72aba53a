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
    public func encode(_ request: ClientRequest, into buffer: inout ByteBuffer) throws(WireError) {
        if case .publish(_, let topology, let topic, let payload) = request {
            buffer.reserveCapacity(minimumWritableBytes: 16 + topology.rawValue.utf8.count + topic.bytes.count + payload.count)
        }
        try Framing.write(type: request.type.rawValue, into: &buffer, limit: maximumFrameLength) { body throws(WireError) in
            body.writeInteger(request.id)
            switch request {
            case .hello(_, let versions, let clientName):
                body.writeInteger(versions.lowerBound)
                body.writeInteger(versions.upperBound)
                try body.writeNodeName(clientName, field: "client name")
            case .attach(_, let topology), .detach(_, let topology):
                body.writeTopologyName(topology)
            case .subscribe(_, let topology, let prefix), .unsubscribe(_, let topology, let prefix):
                body.writeTopologyName(topology)
                try body.writeTopic(prefix, field: "prefix")
            case .publish(_, let topology, let topic, let payload):
                body.writeTopologyName(topology)
                try body.writeTopic(topic, field: "topic")
                try body.writePrefixedBytes(payload, field: "payload", length: UInt32.self, limit: Int(UInt32.max))
            case .ping:
                break
            }
        }
    }

    /// Appends `response`; throws, leaving `buffer` as it was, when a field is over its limit.
    /// A message is written straight into `buffer` after one capacity check.
    public func encode(_ response: ClientResponse, into buffer: inout ByteBuffer) throws(WireError) {
        if case .message(let message) = response {
            buffer.reserveCapacity(
                minimumWritableBytes: 44 + message.topology.rawValue.utf8.count + message.topic.bytes.count
                    + message.payload.count
            )
        }
        try Framing.write(type: response.type.rawValue, into: &buffer, limit: maximumFrameLength) { body throws(WireError) in
            switch response {
            case .welcome(let id, let version, let node, let nodeName, let maximumMessageSize):
                body.writeInteger(id)
                body.writeInteger(version)
                body.writeNodeID(node)
                body.writeInteger(maximumMessageSize)
                try body.writeNodeName(nodeName, field: "node name")
            case .ok(let id), .pong(let id):
                body.writeInteger(id)
            case .error(let id, let code, let text):
                body.writeInteger(id)
                body.writeInteger(code.rawValue)
                try body.writePrefixedString(text, field: "error text", length: UInt16.self, limit: WireLimits.maximumTextLength)
            case .message(let message):
                body.writeNodeID(message.origin)
                body.writeInteger(message.originIncarnation)
                body.writeInteger(message.sequence)
                body.writeTopologyName(message.topology)
                try body.writeTopic(message.topic, field: "topic")
                try body.writePrefixedBytes(message.payload, field: "payload", length: UInt32.self, limit: Int(UInt32.max))
            case .gap(let gap):
                body.writeNodeID(gap.origin)
                body.writeInteger(gap.originIncarnation)
                body.writeInteger(gap.first)
                body.writeInteger(gap.last)
                body.writeTopologyName(gap.topology)
            }
        }
    }
}
