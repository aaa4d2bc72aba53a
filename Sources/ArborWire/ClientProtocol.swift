/// Constants of the local client protocol (docs/client-protocol.md).
public enum ClientProtocol {
    /// Protocol versions this build speaks.
    public static let versions: ClosedRange<UInt16> = 1...1
    /// Name of the client socket inside the run directory.
    public static let socketName = "client.sock"
    /// Run directory unless `--run-dir` or `ARBOR_RUN_DIR` says otherwise.
    public static let defaultRunDirectory = "/run/arbor"
}

/// The type byte of a client protocol frame: requests below 0x80, responses and events above.
public enum ClientFrameType: UInt8, CaseIterable, Sendable {
    case hello = 0x01
    case attach = 0x02
    case detach = 0x03
    case subscribe = 0x04
    case unsubscribe = 0x05
    case publish = 0x06
    case ping = 0x07

    case welcome = 0x81
    case ok = 0x82
    case error = 0x83
    case message = 0x84
    case gap = 0x85
    case pong = 0x86
}

/// Why a node refused a request. Codes this build does not know are kept as they are.
public struct ClientErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// The request frame was framed correctly but its body is not valid; the text says why.
    public static let malformedRequest = ClientErrorCode(rawValue: 1)
    /// The request type is not one of this protocol version.
    public static let unknownRequest = ClientErrorCode(rawValue: 2)
    /// HELLO offered no version the node speaks.
    public static let unsupportedVersion = ClientErrorCode(rawValue: 3)
    /// A request other than HELLO came before HELLO, or HELLO came twice.
    public static let helloRequired = ClientErrorCode(rawValue: 4)
    /// The topology's definition does not list this node among its publishers.
    public static let notPermitted = ClientErrorCode(rawValue: 5)
    /// The payload is over the topology's (or the node's) message size limit.
    public static let messageTooLarge = ClientErrorCode(rawValue: 6)
    /// The topology's definition does not list this node among its nodes.
    public static let notInTopology = ClientErrorCode(rawValue: 7)
    /// The node holds as many topologies as it may.
    public static let tooManyTopologies = ClientErrorCode(rawValue: 8)
    /// The client read too slowly and is being disconnected.
    public static let slowConsumer = ClientErrorCode(rawValue: 9)
    /// The node is stopping and closes the connection.
    public static let shuttingDown = ClientErrorCode(rawValue: 10)
    /// The connection reached a limit of the node's: its topologies or subscriptions as a
    /// client, or (then the node closes it) the number of client connections; the text
    /// says which.
    public static let limitReached = ClientErrorCode(rawValue: 11)

    public var description: String {
        switch self {
        case .malformedRequest: return "malformed request"
        case .unknownRequest: return "unknown request"
        case .unsupportedVersion: return "unsupported version"
        case .helloRequired: return "hello required"
        case .notPermitted: return "not permitted"
        case .messageTooLarge: return "message too large"
        case .notInTopology: return "not in topology"
        case .tooManyTopologies: return "too many topologies"
        case .slowConsumer: return "slow consumer"
        case .shuttingDown: return "shutting down"
        case .limitReached: return "limit reached"
        default: return "error \(rawValue)"
        }
    }
}
