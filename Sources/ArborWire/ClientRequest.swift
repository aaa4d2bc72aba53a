import ArborCore

/// What an application asks of its node over the client socket.
///
/// Every request carries a 32-bit `id` chosen by the client, echoed in the OK or ERROR that
/// answers it (WELCOME answers HELLO, PONG answers PING). Id 0 asks for no OK: success is
/// silent, an error is still sent with id 0. Publishers at high rates use it.
public enum ClientRequest: Hashable, Sendable {
    /// Must be the first request: the protocol versions the client speaks and a name for logs.
    case hello(id: UInt32, versions: ClosedRange<UInt16>, clientName: String)
    /// Join a topology (created on first use). SUBSCRIBE and PUBLISH join implicitly.
    case attach(id: UInt32, topology: TopologyName)
    /// Leave a topology, dropping this client's subscriptions in it.
    case detach(id: UInt32, topology: TopologyName)
    /// Receive the topology's messages whose topic starts with `prefix` (empty: all).
    case subscribe(id: UInt32, topology: TopologyName, prefix: Topic)
    case unsubscribe(id: UInt32, topology: TopologyName, prefix: Topic)
    case publish(id: UInt32, topology: TopologyName, topic: Topic, payload: [UInt8])
    case ping(id: UInt32)

    public var id: UInt32 {
        switch self {
        case .hello(let id, _, _), .attach(let id, _), .detach(let id, _), .subscribe(let id, _, _),
            .unsubscribe(let id, _, _), .publish(let id, _, _, _), .ping(let id):
            return id
        }
    }

    public var type: ClientFrameType {
        switch self {
        case .hello: return .hello
        case .attach: return .attach
        case .detach: return .detach
        case .subscribe: return .subscribe
        case .unsubscribe: return .unsubscribe
        case .publish: return .publish
        case .ping: return .ping
        }
    }
}

/// What a node reads from an application (``ClientFrameDecoder/NodeRequests``).
public enum NodeInbound: Sendable {
    /// A PUBLISH of request id 0 (no OK wanted): what the router takes of it.
    case publication(Router.Publication)
    /// Any other request, or a request frame that arrived whole but does not decode.
    case request(Result<ClientRequest, MalformedClientRequest>)
}

/// A request frame that arrived whole but could not be decoded. The connection stays
/// usable (its framing is intact): the node answers with ``response`` and goes on.
public struct MalformedClientRequest: Error, Equatable, Sendable {
    /// The request id, when the body was long enough to hold one.
    public var id: UInt32?
    public var type: UInt8
    public var error: WireError

    public init(id: UInt32?, type: UInt8, error: WireError) {
        self.id = id
        self.type = type
        self.error = error
    }

    /// The ERROR to send back: ``ClientErrorCode/unknownRequest`` or
    /// ``ClientErrorCode/malformedRequest``, with the decoding error as text.
    public var response: ClientResponse {
        let code: ClientErrorCode = ClientFrameType(rawValue: type) == nil ? .unknownRequest : .malformedRequest
        return .error(id: id ?? 0, code: code, text: error.description)
    }
}
