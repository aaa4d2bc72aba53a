import ArborCore
import NIOCore

/// Reads peer frames (docs/peer-protocol.md) off a stream of bytes.
///
/// The decoder follows the connection's phase: until a HANDSHAKE arrives, only HANDSHAKE
/// and HANDSHAKE_REJECT are accepted and frames are limited to
/// ``PeerProtocol/handshakeFrameLimit``; after it, a second HANDSHAKE is an error. (That a
/// PROOF comes first after the handshake, and once, is the link's to enforce.)
public struct PeerFrameDecoder: Sendable {
    public enum Phase: Hashable, Sendable {
        case awaitingHandshake
        case established
    }

    /// Longest frame accepted once the handshake is done (the `maximumFrameLength` this
    /// node announces in its own handshake).
    public var maximumFrameLength: Int
    public private(set) var phase: Phase
    /// The topology and topic of the last DATA frame, reused by the next one that repeats
    /// their bytes (``RecentDataFields``).
    private var recent = RecentDataFields()
    /// The DATA_RUN frame whose messages are being handed out, one per ``next(from:)``, the
    /// index of the next one and their hop count.
    private var run: (frame: ReceivedDataFrame, next: Int, hops: UInt8)?

    /// `phase` is `.established` only where the handshake was read by other means.
    public init(maximumFrameLength: Int = WireLimits.defaultMaximumFrameLength, phase: Phase = .awaitingHandshake) {
        self.maximumFrameLength = maximumFrameLength
        self.phase = phase
    }

    /// Takes the next complete frame off `buffer`; `nil`, consuming nothing, until it has
    /// fully arrived. A DATA_RUN frame is checked whole, then handed out as one
    /// `.message(.data(_))` per message, in order, the later ones without reading `buffer`.
    ///
    /// An oversized length, an unknown or out-of-phase type is refused as soon as its bytes
    /// are there, before the body arrives; nothing is allocated from a length or a count that
    /// the bytes at hand cannot back. After a throw the connection is unusable: close it.
    public mutating func next(from buffer: inout ByteBuffer) throws(WireError) -> PeerFrame? {
        if let (frame, index, hops) = run {
            run = index + 1 < frame.count ? (frame, index + 1, hops) : nil
            return .message(.data(DataMessage(frame, index: index, hops: hops)))
        }
        let awaitingHandshake = phase == .awaitingHandshake
        let limit = awaitingHandshake ? Swift.min(maximumFrameLength, PeerProtocol.handshakeFrameLimit) : maximumFrameLength
        let next = try Framing.nextFrame(from: &buffer, limit: limit) { type throws(WireError) in
            if type == PeerProtocol.dataRunType {
                guard !awaitingHandshake else { throw .unexpectedFrame(type: type, expected: "a handshake") }
                return
            }
            guard let known = PeerFrameType(rawValue: type) else {
                throw awaitingHandshake && type == PeerProtocol.realmHelloType ? .realmSecretRequired : .unknownFrameType(type)
            }
            switch (known, awaitingHandshake) {
            case (.handshake, true), (.handshakeReject, _):
                return
            case (_, true):
                throw .unexpectedFrame(type: type, expected: "a handshake")
            case (.handshake, false):
                throw .unexpectedFrame(type: type, expected: "no second handshake")
            case (_, false):
                return
            }
        }
        guard let (type, body) = next else { return nil }
        if type == PeerFrameType.data.rawValue {
            return try body.readFrameBody(type: type) { (reader) throws(WireError) -> PeerFrame in
                .message(.data(try reader.dataMessage(keeping: body, recent: &recent)))
            }
        }
        if type == PeerProtocol.dataRunType {
            let (frame, hops) = try body.readFrameBody(type: type) { (reader) throws(WireError) in
                try reader.dataRun(keeping: body, recent: &recent)
            }
            run = frame.count > 1 ? (frame, 1, hops) : nil
            return .message(.data(DataMessage(frame, index: 0, hops: hops)))
        }
        let frame = try PeerFrameDecoder.frame(type: type, body: body)
        if case .handshake = frame {
            phase = .established
        }
        return frame
    }

    /// Decodes one frame body but DATA_RUN's; every field is checked and the body must end
    /// with the last one. A DATA frame's message keeps `body` (a slice of the receive buffer)
    /// as its encoded form.
    static func frame(type: UInt8, body: ByteBuffer) throws(WireError) -> PeerFrame {
        try body.readFrameBody(type: type) { (reader) throws(WireError) -> PeerFrame in
            try frame(type: type, body: body, reader: &reader)
        }
    }

    private static func frame(type: UInt8, body: ByteBuffer, reader: inout WireReader) throws(WireError) -> PeerFrame {
        switch PeerFrameType(rawValue: type) {
        case .data:
            return .message(.data(try reader.dataMessage(keeping: body)))
        case .handshake:
            return .handshake(try reader.handshake())
        case .handshakeReject:
            return .handshakeReject(try reader.handshakeReject())
        case .proof:
            return .proof(try reader.handshakeProof())
        case .linkState:
            return .message(.linkState(try reader.linkStateRecords()))
        case .flush:
            return .message(.flush(try reader.recordVersions(sealed: true)))
        case .summary:
            return .message(.summary(try reader.recordVersions(sealed: false)))
        case .request:
            return .message(.request(try reader.origins()))
        case .interest:
            return .message(try reader.interest())
        case .heartbeat:
            let timestamp = try reader.integer("timestamp", as: Int64.self)
            let echo = try reader.integer("echo", as: Int64.self)
            let echoDelay = try reader.integer("echo delay", as: Int64.self)
            return .message(.heartbeat(Heartbeat(timestamp: timestamp, echo: echo, echoDelay: echoDelay)))
        case .goodbye:
            return .message(.goodbye)
        case .repairRequest:
            return .message(.repairRequest(try reader.streamSpan()))
        case .repairData:
            var recent = RecentDataFields()
            let messages = try reader.list(
                "messages",
                count: UInt32.self,
                limit: Int(UInt32.max),
                minimumElementSize: DataMessage.minimumEncodedSize
            ) { (reader) throws(WireError) in
                // Their payloads copied out: repaired messages may be kept (held, buffered).
                try reader.dataMessage(keeping: body, recent: &recent).detached
            }
            return .message(.repairData(messages))
        case .repairEnd:
            let origin = try reader.nodeID("origin")
            let incarnation = try reader.integer("origin incarnation", as: UInt64.self)
            let first = try reader.integer("first", as: UInt64.self)
            let last = try reader.integer("last", as: UInt64.self)
            let kept = try reader.integer("kept", as: UInt64.self)
            let topology = try reader.topologyName("topology")
            return .message(.repairEnd(RepairEnd(
                topology: topology,
                origin: origin,
                originIncarnation: incarnation,
                first: first,
                last: last,
                kept: kept
            )))
        case nil:
            throw .unknownFrameType(type)
        }
    }
}
