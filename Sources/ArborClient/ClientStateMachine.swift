import ArborCore
import ArborWire

/// The client protocol's rules, apart from the channel, the lock and the waiting tasks:
/// which requests await an answer and what each answer means (an answer to a request, a
/// refusal of one, a refusal of an unacknowledged PUBLISH reported at the next PONG and as
/// an error event, an error that ends the connection). Pure: responses in, actions out;
/// ``ClientCore`` keeps one under its lock and carries out the actions.
struct ClientStateMachine: Sendable {
    /// What to do with one response of the node.
    enum Action: Sendable, Equatable {
        /// Resume the caller of request `id` with `result`.
        case answer(id: UInt32, Result<Answer, ArborClientError>)
        /// Hand `event` to the consumer of events.
        case event(ArborEvent)
        /// Nothing: the answer to a request whose caller was cancelled, an error event over
        /// the limit, an error that ends the connection (see ``closeReason``), data.
        case ignore
    }

    /// Error events (refused unacknowledged requests) handed to the consumer since it last
    /// took events, at most `errorEventLimit`.
    private(set) var errorEvents = 0
    /// Why the connection is about to end, learnt before the channel closed (the first
    /// reason wins).
    private(set) var closeReason: ArborClientError?
    private let errorEventLimit: Int
    private var nextID: UInt32 = 1
    private var awaiting: [UInt32: RequestKind] = [:]
    /// Unacknowledged requests refused since the last PONG.
    private var unacknowledgedFailures = 0
    private var firstUnacknowledgedFailure: NodeRefusal?

    /// Errors the node reports with id 0 that end the connection rather than refuse a request.
    private static let fatalCodes: Set<ClientErrorCode> = [.slowConsumer, .shuttingDown, .unsupportedVersion]

    init(errorEventLimit: Int) {
        self.errorEventLimit = errorEventLimit
    }

    /// An id for a request that awaits an answer: never 0 (unacknowledged), never one
    /// still awaited.
    mutating func nextRequestID() -> UInt32 {
        var id = nextID
        while id == 0 || awaiting[id] != nil { id &+= 1 }
        nextID = id &+ 1
        return id
    }

    /// Request `id` of `kind` was sent and awaits its answer.
    mutating func sent(_ kind: RequestKind, id: UInt32) {
        awaiting[id] = kind
    }

    /// The caller of request `id` gave up: its answer will be ignored. Whether it was awaited.
    @discardableResult
    mutating func forget(_ id: UInt32) -> Bool {
        awaiting.removeValue(forKey: id) != nil
    }

    /// What `response` means.
    mutating func received(_ response: ClientResponse) -> Action {
        switch response {
        case .ok(let id):
            guard forget(id) else { return .ignore }
            return .answer(id: id, .success(.ok))
        case .pong(let id):
            guard forget(id) else { return .ignore }
            guard let first = firstUnacknowledgedFailure else { return .answer(id: id, .success(.pong)) }
            let failure = ArborClientError.unacknowledgedRequestsFailed(count: unacknowledgedFailures, first: first)
            unacknowledgedFailures = 0
            firstUnacknowledgedFailure = nil
            return .answer(id: id, .failure(failure))
        case .welcome(let id, let version, let node, let nodeName, let maximumMessageSize):
            guard forget(id) else { return .ignore }
            return .answer(id: id, .success(.welcome(version: version, node: node, nodeName: nodeName, maximumMessageSize: maximumMessageSize)))
        case .error(let id, let code, let text):
            if id != 0, let kind = awaiting.removeValue(forKey: id) {
                return .answer(id: id, .failure(.refused(NodeRefusal(request: kind.description, code: code, text: text))))
            }
            if Self.fatalCodes.contains(code) {
                let detail = text.isEmpty || text == code.description ? "" : ": \(text)"
                noteCloseReason(.connectionClosed(reason: "\(code) (\(code.rawValue))\(detail)"))
                return .ignore
            }
            // The answer to a request whose caller was cancelled.
            guard id == 0 else { return .ignore }
            let refusal = NodeRefusal(request: RequestKind.unacknowledgedPublish, code: code, text: text)
            unacknowledgedFailures += 1
            if firstUnacknowledgedFailure == nil { firstUnacknowledgedFailure = refusal }
            guard errorEvents < errorEventLimit else { return .ignore }
            errorEvents += 1
            return .event(.error(.refused(refusal)))
        case .message, .gap:
            return .ignore
        }
    }

    /// The consumer took the buffered events.
    mutating func eventsTaken() {
        errorEvents = 0
    }

    /// Remembers why the connection is about to end (the first reason wins).
    mutating func noteCloseReason(_ reason: ArborClientError) {
        if closeReason == nil { closeReason = reason }
    }

    /// The connection ended: no request awaits an answer any more.
    mutating func ended() {
        awaiting = [:]
    }
}
