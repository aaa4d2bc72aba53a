import ArborCore

/// Everything that crosses a peer link: the handshake and proof that open it, the refusal
/// that may close it, and the router's messages in between.
public enum PeerFrame: Hashable, Sendable {
    case handshake(Handshake)
    case handshakeReject(HandshakeReject)
    /// The sender's proof that it holds the key of the node id it handshook with.
    case proof(HandshakeProof)
    case message(PeerMessage)

    /// The type byte this frame is sent with.
    public var type: PeerFrameType {
        switch self {
        case .handshake: return .handshake
        case .handshakeReject: return .handshakeReject
        case .proof: return .proof
        case .message(.linkState): return .linkState
        case .message(.flush): return .flush
        case .message(.summary): return .summary
        case .message(.request): return .request
        case .message(.interest): return .interest
        case .message(.data): return .data
        case .message(.heartbeat): return .heartbeat
        case .message(.goodbye): return .goodbye
        case .message(.repairRequest): return .repairRequest
        case .message(.repairData): return .repairData
        case .message(.repairEnd): return .repairEnd
        }
    }
}
