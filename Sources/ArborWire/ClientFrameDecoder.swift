import ArborCore
import NIOCore

/// Reads client protocol frames (docs/client-protocol.md) off a stream of bytes: requests
/// on the node side, responses and events on the application side.
public struct ClientFrameDecoder: Sendable {
    /// Longest frame accepted.
    public var maximumFrameLength: Int

    public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength) {
        self.maximumFrameLength = maximumFrameLength
    }

    /// Takes the next complete request frame off `buffer`; `nil`, consuming nothing, until
    /// it has fully arrived.
    ///
    /// Throws only when the framing itself is broken (a zero or oversized length): then
    /// the connection is unusable. A frame that arrived whole but is not a valid request
    /// (an unknown type included) is returned as a failure, and the stream goes on.
    public func nextRequest(
        from buffer: inout ByteBuffer
    ) throws(WireError) -> Result<ClientRequest, MalformedClientRequest>? {
        var recent = RecentDataFields()
        return try nextRequest(from: &buffer, recent: &recent)
    }

    /// ``nextRequest(from:)`` for one of consecutive requests of a connection: a PUBLISH
    /// whose topology name or topic repeats the bytes of `recent` takes it from there (no
    /// check and no copy again), and `recent` becomes its.
    func nextRequest(
        from buffer: inout ByteBuffer,
        recent: inout RecentDataFields
    ) throws(WireError) -> Result<ClientRequest, MalformedClientRequest>? {
        guard let (type, body) = try Framing.nextFrame(from: &buffer, limit: maximumFrameLength, admit: { _ in })
        else { return nil }
        do throws(WireError) {
            return .success(try body.readFrameBody(type: type) { (reader) throws(WireError) -> ClientRequest in
                try ClientFrameDecoder.request(type: type, reader: &reader, recent: &recent)
            })
        } catch {
            let id = body.getInteger(at: body.readerIndex, as: UInt32.self)
            return .failure(MalformedClientRequest(id: id, type: type, error: error))
        }
    }

    /// Takes the next complete response or event off `buffer`; `nil`, consuming nothing,
    /// until it has fully arrived. After a throw the connection is unusable: close it.
    public func nextResponse(from buffer: inout ByteBuffer) throws(WireError) -> ClientResponse? {
        let next = try Framing.nextFrame(from: &buffer, limit: maximumFrameLength) { type throws(WireError) in
            guard let known = ClientFrameType(rawValue: type) else { throw .unknownFrameType(type) }
            guard known.rawValue & 0x80 != 0 else {
                throw .unexpectedFrame(type: type, expected: "a response or an event")
            }
        }
        guard let (type, body) = next else { return nil }
        return try ClientFrameDecoder.response(type: type, body: body)
    }

    private static func request(type: UInt8, reader: inout WireReader, recent: inout RecentDataFields) throws(WireError) -> ClientRequest {
        guard let known = ClientFrameType(rawValue: type), known.rawValue & 0x80 == 0 else {
            throw .unknownFrameType(type)
        }
        let id = try reader.integer("request id", as: UInt32.self)
        let request: ClientRequest
        switch known {
        case .hello:
            let lowest = try reader.integer("min version", as: UInt16.self)
            let highest = try reader.integer("max version", as: UInt16.self)
            guard lowest <= highest else {
                throw .invalidValue(field: "version range (min above max)", value: UInt64(lowest))
            }
            let name = try reader.nodeName("client name")
            request = .hello(id: id, versions: lowest...highest, clientName: name)
        case .attach:
            request = .attach(id: id, topology: try reader.topologyName("topology"))
        case .detach:
            request = .detach(id: id, topology: try reader.topologyName("topology"))
        case .subscribe:
            let topology = try reader.topologyName("topology")
            request = .subscribe(id: id, topology: topology, prefix: try reader.topic("prefix"))
        case .unsubscribe:
            let topology = try reader.topologyName("topology")
            request = .unsubscribe(id: id, topology: topology, prefix: try reader.topic("prefix"))
        case .publish:
            let publication = try publication(reader: &reader, recent: &recent)
            request = .publish(id: id, topology: publication.topology, topic: publication.topic, payload: publication.payload)
        case .ping:
            request = .ping(id: id)
        case .welcome, .ok, .error, .message, .gap, .pong:
            throw .unknownFrameType(type)
        }
        return request
    }

    /// The fields of a PUBLISH after its request id.
    private static func publication(reader: inout WireReader, recent: inout RecentDataFields) throws(WireError) -> Router.Publication {
        let topology = try reader.topologyName("topology", recent: &recent.topology)
        let topic = try reader.topic("topic", recent: &recent.topic)
        let payload = try reader.prefixedBytes("payload", length: UInt32.self, limit: Int(UInt32.max))
        return Router.Publication(topology: topology, topic: topic, payload: payload)
    }

    /// ``nextRequest(from:recent:)`` with a PUBLISH of request id 0 taken apart: it comes as
    /// the ``Router/Publication`` the router takes, no request value made for it (a
    /// publisher's node reads hundreds of thousands a second). Checked as any request.
    func nextInbound(
        from buffer: inout ByteBuffer,
        recent: inout RecentDataFields
    ) throws(WireError) -> NodeInbound? {
        guard let (type, body) = try Framing.nextFrame(from: &buffer, limit: maximumFrameLength, admit: { _ in })
        else { return nil }
        do throws(WireError) {
            return try body.readFrameBody(type: type) { (reader) throws(WireError) -> NodeInbound in
                guard type == ClientFrameType.publish.rawValue else {
                    return .request(.success(try ClientFrameDecoder.request(type: type, reader: &reader, recent: &recent)))
                }
                let id = try reader.integer("request id", as: UInt32.self)
                let publication = try ClientFrameDecoder.publication(reader: &reader, recent: &recent)
                guard id == 0 else {
                    return .request(.success(.publish(id: id, topology: publication.topology, topic: publication.topic, payload: publication.payload)))
                }
                return .publication(publication)
            }
        } catch {
            let id = body.getInteger(at: body.readerIndex, as: UInt32.self)
            return .request(.failure(MalformedClientRequest(id: id, type: type, error: error)))
        }
    }

    static func response(type: UInt8, body: ByteBuffer) throws(WireError) -> ClientResponse {
        try body.readFrameBody(type: type) { (reader) throws(WireError) -> ClientResponse in
            try response(type: type, reader: &reader)
        }
    }

    private static func response(type: UInt8, reader: inout WireReader) throws(WireError) -> ClientResponse {
        let response: ClientResponse
        switch ClientFrameType(rawValue: type) {
        case .welcome:
            let id = try reader.integer("request id", as: UInt32.self)
            let version = try reader.integer("version", as: UInt16.self)
            let node = try reader.nodeID("node id")
            let maximumMessageSize = try reader.integer("max message size", as: UInt32.self)
            let name = try reader.nodeName("node name")
            response = .welcome(
                id: id,
                version: version,
                node: node,
                nodeName: name,
                maximumMessageSize: maximumMessageSize
            )
        case .ok:
            response = .ok(id: try reader.integer("request id", as: UInt32.self))
        case .pong:
            response = .pong(id: try reader.integer("request id", as: UInt32.self))
        case .error:
            let id = try reader.integer("request id", as: UInt32.self)
            let code = ClientErrorCode(rawValue: try reader.integer("error code", as: UInt16.self))
            let text = try reader.string("error text", length: UInt16.self, limit: WireLimits.maximumTextLength)
            response = .error(id: id, code: code, text: text)
        case .message:
            let origin = try reader.nodeID("origin")
            let incarnation = try reader.integer("origin incarnation", as: UInt64.self)
            let sequence = try reader.integer("sequence", as: UInt64.self)
            let topology = try reader.topologyName("topology")
            let topic = try reader.topic("topic")
            let payload = try reader.prefixedBytes("payload", length: UInt32.self, limit: Int(UInt32.max))
            response = .message(DeliveredMessage(
                topology: topology,
                origin: origin,
                originIncarnation: incarnation,
                sequence: sequence,
                topic: topic,
                payload: payload
            ))
        case .gap:
            response = .gap(try reader.streamSpan())
        case .hello, .attach, .detach, .subscribe, .unsubscribe, .publish, .ping, nil:
            throw .unknownFrameType(type)
        }
        return response
    }
}
