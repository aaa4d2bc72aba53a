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
    /// never sent. A data frame is written straight into `buffer` after one capacity check.
    public func encode(_ frame: PeerFrame, into buffer: inout ByteBuffer) throws(WireError) {
        if case .message(.data(let message)) = frame {
            buffer.reserveCapacity(minimumWritableBytes: 5 + message.encodedSize)
        }
        try Framing.write(type: frame.type.rawValue, into: &buffer, limit: maximumFrameLength) { body throws(WireError) in
            try body.writePeerFrameBody(frame)
        }
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
                let half = records.count / 2
                try encode(splitting: .linkState(Array(records[..<half])), into: &buffer)
                try encode(splitting: .linkState(Array(records[half...])), into: &buffer)
            case .repairData(let messages) where messages.count > 1:
                let half = messages.count / 2
                try encode(splitting: .repairData(Array(messages[..<half])), into: &buffer)
                try encode(splitting: .repairData(Array(messages[half...])), into: &buffer)
            default:
                throw .oversized(length: length, limit: limit)
            }
        }
    }
}

extension ByteBuffer {
    fileprivate mutating func writePeerFrameBody(_ frame: PeerFrame) throws(WireError) {
        switch frame {
        case .handshake(let handshake):
            try writeHandshake(handshake)
        case .handshakeReject(let reject):
            try writeHandshakeReject(reject)
        case .message(.data(let message)):
            try writeDataMessage(message)
        case .message(.linkState(let records)):
            try writeCount(records.count, field: "records", as: UInt16.self, limit: Int(UInt16.max))
            for record in records {
                try writeLinkStateRecord(record)
            }
        case .message(.interest(let topology, let update)):
            try writeInterest(topology, update)
        case .message(.heartbeat(let heartbeat)):
            writeInteger(heartbeat.timestamp)
            writeInteger(heartbeat.echo)
            writeInteger(heartbeat.echoDelay)
        case .message(.goodbye):
            break
        case .message(.repairRequest(let request)):
            writeNodeID(request.origin)
            writeInteger(request.originIncarnation)
            writeInteger(request.first)
            writeInteger(request.last)
            writeTopologyName(request.topology)
        case .message(.repairData(let messages)):
            try writeCount(messages.count, field: "messages", as: UInt32.self, limit: Int(UInt32.max))
            for message in messages {
                try writeDataMessage(message)
            }
        }
    }
}
