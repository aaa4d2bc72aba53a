import ArborCore
import NIOCore

/// Writes peer frames (docs/peer-protocol.md).
public struct PeerFrameEncoder: Sendable {
    /// Longest frame to produce: the `maximumFrameLength` the peer announced in its
    /// handshake (before that, ``WireLimits/defaultMaximumFrameLength``).
    public var maximumFrameLength: Int

    public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength) {
        self.maximumFrameLength = maximumFrameLength
    }

    /// Appends `frame` to `buffer`.
    ///
    /// Throws, leaving `buffer` as it was, when a field is over its protocol limit or the
    /// frame would be longer than ``maximumFrameLength``: the peer would refuse it, so it is
    /// never sent. A DATA frame is written in one pass after one capacity check (a message
    /// that holds its received bytes, ``ReceivedDataMessage``, as those bytes with the hop
    /// count rewritten); the others field by field.
    public func encode(_ frame: PeerFrame, into buffer: inout ByteBuffer) throws(WireError) {
        switch frame {
        case .message(.data(let message)):
            try encode(data: message, into: &buffer)
        case .handshake(let handshake):
            try write(frame, into: &buffer) { body throws(WireError) in try body.writeHandshake(handshake) }
        case .handshakeReject(let reject):
            try write(frame, into: &buffer) { body throws(WireError) in try body.writeHandshakeReject(reject) }
        case .proof(let proof):
            try write(frame, into: &buffer) { body throws(WireError) in try body.writeHandshakeProof(proof) }
        case .message(.linkState(let records)):
            try write(frame, into: &buffer) { body throws(WireError) in try body.writeLinkStateRecords(records) }
        case .message(.flush(let versions)):
            try write(frame, into: &buffer) { body throws(WireError) in try body.writeRecordVersions(versions, sealed: true) }
        case .message(.summary(let versions)):
            try write(frame, into: &buffer) { body throws(WireError) in try body.writeRecordVersions(versions, sealed: false) }
        case .message(.request(let origins)):
            try write(frame, into: &buffer) { body throws(WireError) in try body.writeOrigins(origins) }
        case .message(.interest(let topology, let update)):
            try write(frame, into: &buffer) { body throws(WireError) in try body.writeInterest(topology, update) }
        case .message(.heartbeat(let heartbeat)):
            try write(frame, into: &buffer) { body throws(WireError) in
                body.writeInteger(heartbeat.timestamp)
                body.writeInteger(heartbeat.echo)
                body.writeInteger(heartbeat.echoDelay)
            }
        case .message(.goodbye):
            try write(frame, into: &buffer) { _ throws(WireError) in }
        case .message(.repairRequest(let request)):
            try write(frame, into: &buffer) { body throws(WireError) in body.writeStreamSpan(request) }
        case .message(.repairData(let messages)):
            try write(frame, into: &buffer) { body throws(WireError) in
                try body.writeCount(messages.count, field: "messages", as: UInt32.self, limit: Int(UInt32.max))
                for message in messages {
                    try body.writeDataMessage(message)
                }
            }
        case .message(.repairEnd(let end)):
            try write(frame, into: &buffer) { body throws(WireError) in
                body.writeNodeID(end.origin)
                body.writeInteger(end.originIncarnation)
                body.writeInteger(end.first)
                body.writeInteger(end.last)
                body.writeInteger(end.kept)
                body.writeTopologyName(end.topology)
            }
        }
    }

    /// Appends the DATA frame of `message`, as ``encode(_:into:)`` appends
    /// `.message(.data(message))`: a forwarded run's messages are written with this, no
    /// frame value made per message.
    public func encode(data message: DataMessage, into buffer: inout ByteBuffer) throws(WireError) {
        let type = PeerFrameType.data.rawValue
        if let received = message.encoded as? ReceivedDataMessage {
            // Forwarded as received: the body copied, the hop count rewritten.
            try Framing.writeSized(type: type, bodySize: received.body.readableBytes, into: &buffer, limit: maximumFrameLength) {
                $0.relayed(received, hops: message.hops)
            }
            return
        }
        let size = try message.wireSize()
        try Framing.writeSized(type: type, bodySize: size, into: &buffer, limit: maximumFrameLength) {
            $0.dataMessage(message)
        }
    }

    private func write(
        _ frame: PeerFrame,
        into buffer: inout ByteBuffer,
        body: (inout ByteBuffer) throws(WireError) -> Void
    ) throws(WireError) {
        try Framing.write(type: frame.type.rawValue, into: &buffer, limit: maximumFrameLength, body: body)
    }

    /// Appends `message` as one frame or, when link state or repair data would not fit in
    /// one, as several frames that each carry a run of its records or messages, in order
    /// (a receiver treats them exactly as the single frame). Throws when one record or
    /// one message alone does not fit, leaving `buffer` with the frames written before it.
    public func encode(splitting message: PeerMessage, into buffer: inout ByteBuffer) throws(WireError) {
        do {
            try encode(.message(message), into: &buffer)
        } catch .oversized(let length, let limit) {
            switch message {
            case .linkState(let records) where records.count > 1:
                try encode(halvesOf: records, as: PeerMessage.linkState, into: &buffer)
            case .flush(let versions) where versions.count > 1:
                try encode(halvesOf: versions, as: PeerMessage.flush, into: &buffer)
            case .summary(let versions) where versions.count > 1:
                try encode(halvesOf: versions, as: PeerMessage.summary, into: &buffer)
            case .request(let origins) where origins.count > 1:
                try encode(halvesOf: origins, as: PeerMessage.request, into: &buffer)
            case .repairData(let messages) where messages.count > 1:
                try encode(halvesOf: messages, as: PeerMessage.repairData, into: &buffer)
            default:
                throw .oversized(length: length, limit: limit)
            }
        }
    }

    /// Appends the first half of `items`, then the second, each as the message `message`
    /// makes of it (split further where it still does not fit).
    private func encode<Item>(
        halvesOf items: [Item],
        as message: ([Item]) -> PeerMessage,
        into buffer: inout ByteBuffer
    ) throws(WireError) {
        let half = items.count / 2
        try encode(splitting: message(Array(items[..<half])), into: &buffer)
        try encode(splitting: message(Array(items[half...])), into: &buffer)
    }
}
