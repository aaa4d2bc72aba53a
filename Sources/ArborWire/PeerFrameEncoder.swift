import ArborCore
import NIOCore

/// Writes peer frames (docs/peer-protocol.md).
public struct PeerFrameEncoder: Sendable {
    /// Longest frame to produce: the `maximumFrameLength` the peer announced in its
    /// handshake (before that, ``WireLimits/defaultMaximumFrameLength``).
    public var maximumFrameLength: Int
    /// Whether ``encode(data:from:into:)`` writes DATA_RUN frames: the peer announced that it
    /// reads them (``HandshakeExtension/dataRunsTag``). Otherwise every message leaves as DATA.
    public var writesRuns: Bool

    public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength, writesRuns: Bool = true) {
        self.maximumFrameLength = maximumFrameLength
        self.writesRuns = writesRuns
    }

    /// Appends `frame` to `buffer`.
    ///
    /// Throws, leaving `buffer` as it was, when a field is over its protocol limit or the
    /// frame would be longer than ``maximumFrameLength``: the peer would refuse it, so it is
    /// never sent. A DATA frame is written in one pass after one capacity check (a message
    /// that is a whole received DATA frame, ``ReceivedDataFrame``, as its bytes with the hop
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
    /// `.message(.data(message))`.
    public func encode(data message: DataMessage, into buffer: inout ByteBuffer) throws(WireError) {
        let type = PeerFrameType.data.rawValue
        if let received = message.body as? ReceivedDataFrame, received.type == type {
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

    /// Appends the frame that carries `messages[start]` and as many of the messages after
    /// it as one frame can, and returns the index of the first message not written: a
    /// forwarded run's messages are written with this, no frame value made per message.
    ///
    /// - The messages of a whole received DATA_RUN frame, in order (what a relay forwards
    ///   when its neighbour wants all of them), leave as that frame's bytes with the hop
    ///   count rewritten.
    /// - Otherwise the messages that continue one stream (origin, incarnation, topology, the
    ///   next sequence each, one hop count) leave as one DATA_RUN frame of at most
    ///   ``WireLimits/maximumRunBodySize`` bytes and ``WireLimits/maximumRunCount``
    ///   messages; a message that continues nothing leaves as DATA (``encode(data:into:)``).
    ///
    /// Without ``writesRuns``, every message leaves as DATA. Throws, leaving `buffer` as it
    /// was, as ``encode(_:into:)`` does.
    public func encode(data messages: [DataMessage], from start: Int, into buffer: inout ByteBuffer) throws(WireError) -> Int {
        let first = messages[start]
        guard writesRuns else {
            try encode(data: first, into: &buffer)
            return start + 1
        }
        if let received = first.body as? ReceivedDataFrame, received.type == PeerProtocol.dataRunType,
            first.index == 0, isWhole(received, in: messages, from: start),
            received.body.readableBytes < maximumFrameLength
        {
            try Framing.writeSized(
                type: PeerProtocol.dataRunType, bodySize: received.body.readableBytes, into: &buffer, limit: maximumFrameLength
            ) {
                $0.relayed(received, hops: first.hops)
            }
            return start + received.count
        }
        let topologySize = first.topology.rawValue.utf8.count
        let fixedSize = 16 + 8 + 8 + 1 + 1 + topologySize + 2
        let bodyLimit = Swift.min(WireLimits.maximumRunBodySize, maximumFrameLength - 1)
        var size = fixedSize + (try runElementSize(first, repeating: nil))
        var end = start + 1
        while end < messages.count, end - start < WireLimits.maximumRunCount {
            let next = messages[end]
            let previous = messages[end - 1]
            guard next.hops == first.hops, previous.sequence != UInt64.max, next.sequence == previous.sequence + 1,
                next.body === first.body
                    || (next.origin == first.origin && next.originIncarnation == first.originIncarnation
                        && next.topology == first.topology)
            else { break }
            let added = try runElementSize(next, repeating: previous)
            guard size + added <= bodyLimit else { break }
            size += added
            end += 1
        }
        guard end - start > 1 else {
            try encode(data: first, into: &buffer)
            return start + 1
        }
        try Framing.writeSized(type: PeerProtocol.dataRunType, bodySize: size, into: &buffer, limit: maximumFrameLength) { writer in
            writer.nodeID(first.origin)
            writer.integer(first.originIncarnation)
            writer.integer(first.sequence)
            writer.integer(first.hops)
            writer.topologyName(first.topology)
            writer.integer(UInt16(end - start))
            var previous: Topic?
            for index in start..<end {
                let message = messages[index]
                let topic = message.topic
                if let previous, previous == topic {
                    writer.integer(WireLimits.repeatedTopic)
                } else {
                    writer.topic(topic)
                }
                previous = topic
                writer.payload(of: message)
            }
        }
        return end
    }

    /// Whether `messages` from `start` on begin with every message of `frame`, in order,
    /// with one hop count.
    private func isWhole(_ frame: ReceivedDataFrame, in messages: [DataMessage], from start: Int) -> Bool {
        let count = frame.count
        guard messages.count - start >= count else { return false }
        let hops = messages[start].hops
        for offset in 1..<count {
            let message = messages[start + offset]
            guard message.body === frame, message.index == offset, message.hops == hops else { return false }
        }
        return true
    }

    /// Bytes `message` takes in a DATA_RUN after `previous` (topic, or its repetition, and
    /// payload), after checking its topic against the protocol limit.
    private func runElementSize(_ message: DataMessage, repeating previous: DataMessage?) throws(WireError) -> Int {
        let topic = message.topic
        let payload = 4 + message.payloadCount
        if let previous, previous.topic == topic { return 2 + payload }
        guard topic.bytes.count <= WireLimits.maximumTopicLength else {
            throw .fieldTooLong(field: "topic", length: topic.bytes.count, limit: WireLimits.maximumTopicLength)
        }
        return 2 + topic.bytes.count + payload
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
