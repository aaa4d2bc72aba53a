import ArborCore
import NIOCore

/// The messages of one DATA or DATA_RUN frame as they arrived: ONE object for all of them
/// (the ``DataMessageBody`` the decoded messages share, each being it and its index), with
/// the frame's body, a slice of the receive buffer (no bytes copied). Only the topics, which
/// the router matches, were copied out (and a topic repeated is copied once).
///
/// The encoder forwards the messages of a whole frame as that body with its hop byte
/// rewritten (``PeerFrameEncoder/encode(data:from:into:)``), others from their topics and
/// payloads in the body, and a delivery copies a payload straight from it into the
/// client's MESSAGE frame.
///
/// The body was checked field by field when it was decoded (``WireReader/dataMessage(keeping:recent:)``,
/// ``WireReader/dataRun(keeping:recent:)``): it holds exactly these well-formed messages.
public final class ReceivedDataFrame: DataMessageBody, @unchecked Sendable {
    /// Offset of the hop count in the body of a DATA and of a DATA_RUN frame (after origin,
    /// incarnation and first sequence).
    static let hopsOffset = 16 + 8 + 8

    /// The frame's type byte: DATA or DATA_RUN.
    let type: UInt8
    /// The frame body (without length and type).
    let body: ByteBuffer
    /// Where the first message's payload starts in ``body`` (after its length), and its size.
    private let firstPayloadOffset: Int
    private let firstPayloadCount: Int
    /// Of the later messages of a DATA_RUN: where each payload starts in ``body`` (the
    /// low 32 bits) and its size (the high 32 bits).
    private let laterPayloads: [UInt64]
    /// Of the later messages of a DATA_RUN: their topics; empty when all are the first's.
    private let laterTopics: [Topic]

    init(
        type: UInt8, body: ByteBuffer, topology: TopologyName, origin: NodeID, originIncarnation: UInt64, firstSequence: UInt64,
        firstTopic: Topic, firstPayload: (start: Int, count: Int), laterPayloads: [UInt64] = [], laterTopics: [Topic] = []
    ) {
        self.type = type
        self.body = body
        firstPayloadOffset = firstPayload.start
        firstPayloadCount = firstPayload.count
        self.laterPayloads = laterPayloads
        self.laterTopics = laterTopics
        super.init(topology: topology, origin: origin, originIncarnation: originIncarnation, firstSequence: firstSequence, firstTopic: firstTopic)
    }

    public override var count: Int { 1 + laterPayloads.count }

    public override func topic(at index: Int) -> Topic {
        index == 0 || laterTopics.isEmpty ? firstTopic : laterTopics[index - 1]
    }

    public override func payloadCount(at index: Int) -> Int {
        payloadSpan(at: index).count
    }

    public override func payloadBytes(at index: Int) -> [UInt8] {
        let span = payloadSpan(at: index)
        return body.getBytes(at: body.readerIndex + span.start, length: span.count) ?? []
    }

    /// Where the payload of message `index` starts in ``body``, and its size.
    @inline(__always)
    func payloadSpan(at index: Int) -> (start: Int, count: Int) {
        guard index > 0 else { return (firstPayloadOffset, firstPayloadCount) }
        let packed = laterPayloads[index - 1]
        return (Int(packed & 0xFFFF_FFFF), Int(packed >> 32))
    }
}

extension RawWriter {
    /// The received frame body of `frame` with `hops` in place of its hop count.
    mutating func relayed(_ frame: ReceivedDataFrame, hops: UInt8) {
        frame.body.withUnsafeReadableBytes { bytes(UnsafeRawBufferPointer($0)) }
        store(hops, at: offset - frame.body.readableBytes + ReceivedDataFrame.hopsOffset)
    }

    /// 4-byte length and the payload of `message`, from its received bytes when it has them.
    mutating func payload(of message: DataMessage) {
        if let received = message.body as? ReceivedDataFrame {
            let span = received.payloadSpan(at: message.index)
            integer(UInt32(truncatingIfNeeded: span.count))
            received.body.withUnsafeReadableBytes { body in
                bytes(UnsafeRawBufferPointer(rebasing: body[span.start..<(span.start + span.count)]))
            }
        } else {
            payload(message.payload)
        }
    }
}
