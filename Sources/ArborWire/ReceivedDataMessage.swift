import ArborCore
import NIOCore

/// A DATA frame's body as it arrived: a slice of the receive buffer (no bytes copied), kept
/// as the ``DataMessage/encoded`` form of the message decoded from it. The encoder forwards
/// such a message by copying this body with its hop byte rewritten, and a delivery copies
/// the payload straight from it into the client's MESSAGE frame.
///
/// The body was checked field by field when it was decoded (``WireReader/dataMessage(keeping:)``):
/// it holds exactly one well-formed message.
public final class ReceivedDataMessage: EncodedDataMessage {
    /// Offset of the hop count in the body of a DATA frame (after origin, incarnation and sequence).
    static let hopsOffset = 16 + 8 + 8

    /// The frame body: origin 16 | incarnation 8 | sequence 8 | hops 1 | topology 1+n | topic 2+m | payload 4+k.
    let body: ByteBuffer
    /// Where the payload's bytes start in `body` (after their length).
    let payloadOffset: Int
    public let payloadCount: Int

    init(body: ByteBuffer, payloadOffset: Int, payloadCount: Int) {
        self.body = body
        self.payloadOffset = payloadOffset
        self.payloadCount = payloadCount
    }

    public func payloadBytes() -> [UInt8] {
        body.getBytes(at: body.readerIndex + payloadOffset, length: payloadCount) ?? []
    }
}

extension RawWriter {
    /// The received body with `hops` in place of its hop count.
    mutating func relayed(_ message: ReceivedDataMessage, hops: UInt8) {
        message.body.withUnsafeReadableBytes { bytes(UnsafeRawBufferPointer($0)) }
        store(hops, at: offset - message.body.readableBytes + ReceivedDataMessage.hopsOffset)
    }

    /// 4-byte length and the payload of `message`, from its received bytes when it has them.
    mutating func payload(of message: DataMessage) {
        if let received = message.encoded as? ReceivedDataMessage {
            receivedPayload(received)
        } else {
            payload(message.payload)
        }
    }

    /// 4-byte length and the payload bytes of `received`.
    mutating func receivedPayload(_ received: ReceivedDataMessage) {
        integer(UInt32(truncatingIfNeeded: received.payloadCount))
        received.body.withUnsafeReadableBytes { body in
            bytes(UnsafeRawBufferPointer(rebasing: body[received.payloadOffset..<(received.payloadOffset + received.payloadCount)]))
        }
    }
}
