import ArborCore

/// What a node sends an application over the client socket: answers to requests, and
/// events (messages and gap notices) whenever they happen.
public enum ClientResponse: Hashable, Sendable {
    /// Answers HELLO: the version chosen, who the node is, and its default message size
    /// limit (a topology may declare another).
    case welcome(id: UInt32, version: UInt16, node: NodeID, nodeName: String, maximumMessageSize: UInt32)
    case ok(id: UInt32)
    /// `text` is at most ``WireLimits/maximumTextLength`` UTF-8 bytes.
    case error(id: UInt32, code: ClientErrorCode, text: String)
    case message(DeliveredMessage)
    case gap(GapNotice)
    case pong(id: UInt32)

    public var type: ClientFrameType {
        switch self {
        case .welcome: return .welcome
        case .ok: return .ok
        case .error: return .error
        case .message: return .message
        case .gap: return .gap
        case .pong: return .pong
        }
    }
}

/// A message for a subscriber. Messages of one origin arrive in sequence order; a
/// ``GapNotice`` stands where some could not be delivered.
public struct DeliveredMessage: Hashable, Sendable {
    public var topology: TopologyName
    public var origin: NodeID
    public var originIncarnation: UInt64
    public var sequence: UInt64
    public var topic: Topic
    /// The payload (copied out of the received frame when the message still has it).
    public var payload: [UInt8] {
        get { received?.payload ?? storedPayload }
        set {
            storedPayload = newValue
            received = nil
        }
    }
    /// Bytes of the payload, without copying them.
    public var payloadCount: Int { received?.payloadCount ?? storedPayload.count }
    /// The routed message, when it still holds the frame it arrived in (whose payload the
    /// encoder copies from).
    private(set) var received: DataMessage?
    private var storedPayload: [UInt8]

    public init(
        topology: TopologyName,
        origin: NodeID,
        originIncarnation: UInt64,
        sequence: UInt64,
        topic: Topic,
        payload: [UInt8]
    ) {
        self.topology = topology
        self.origin = origin
        self.originIncarnation = originIncarnation
        self.sequence = sequence
        self.topic = topic
        storedPayload = payload
    }

    /// The delivery of a routed message (its hop count stays behind); its payload is not
    /// copied when the message still holds the frame it arrived in.
    public init(_ message: DataMessage) {
        let received = message.body is ReceivedDataFrame ? message : nil
        self.init(
            topology: message.topology,
            origin: message.origin,
            originIncarnation: message.originIncarnation,
            sequence: message.sequence,
            topic: message.topic,
            payload: received == nil ? message.payload : []
        )
        self.received = received
    }

    public static func == (a: DeliveredMessage, b: DeliveredMessage) -> Bool {
        a.topology == b.topology && a.origin == b.origin && a.originIncarnation == b.originIncarnation
            && a.sequence == b.sequence && a.topic == b.topic && a.payload == b.payload
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(topology)
        hasher.combine(origin)
        hasher.combine(originIncarnation)
        hasher.combine(sequence)
        hasher.combine(topic)
        hasher.combine(payload)
    }
}

/// Messages `first...last` of one origin's stream were lost and will not be delivered
/// (the router's ``StreamGap`` as the client protocol carries it).
public typealias GapNotice = StreamSpan
