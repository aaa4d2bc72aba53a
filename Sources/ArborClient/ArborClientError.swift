import ArborWire

/// Everything that can go wrong between an application and its node. The
/// ``description`` is one line that says what happened, fit to show a user as it is.
public enum ArborClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing at the socket path: no node runs with that run directory.
    case nodeNotRunning(socketPath: String)
    /// The socket file exists but nothing accepts connections on it: a node that stopped
    /// without removing it, or one that is still starting.
    case nodeNotAccepting(socketPath: String)
    /// The socket (mode 0660) belongs to a user and group this process is neither.
    case permissionDenied(socketPath: String)
    /// Connecting failed for another reason (a path too long for a Unix socket, a
    /// directory in the way, no WELCOME in time...).
    case cannotConnect(socketPath: String, reason: String)
    /// The node answered a request with ERROR.
    case refused(NodeRefusal)
    /// Requests sent without acknowledgement (``ClientConnection/publishUnacknowledged(_:topic:payload:)``)
    /// failed since the last ``ClientConnection/flush()``: how many, and the first of them.
    case unacknowledgedRequestsFailed(count: Int, first: NodeRefusal)
    /// The node closed the connection; `reason` is what it said first, if anything
    /// (`slow consumer`, `shutting down`), or what broke the connection.
    case connectionClosed(reason: String?)
    /// The node sent bytes that are not valid client protocol; the connection is closed.
    case protocolViolation(String)
    /// A request this client refused to send: a field over its limit, a frame too long.
    /// Nothing was sent and the connection goes on.
    case invalidRequest(String)
    /// ``ClientConnection/events`` already has a consumer waiting: it is a single-consumer sequence.
    case eventsAlreadyConsumed
    /// This client was closed by ``ClientConnection/close()``.
    case closed
    /// The task waiting for an answer or for buffer space was cancelled. A request already
    /// sent may still take effect.
    case cancelled

    public var description: String {
        switch self {
        case .nodeNotRunning(let path):
            return "no arbord at \(path): is it running? (--run-dir / ARBOR_RUN_DIR)"
        case .nodeNotAccepting(let path):
            return "no arbord accepting at \(path) (a socket left by a stopped node?): is it running? "
                + "(--run-dir / ARBOR_RUN_DIR)"
        case .permissionDenied(let path):
            return "permission denied connecting to \(path): the socket is mode 0660, "
                + "run as its owner or a member of its group"
        case .cannotConnect(let path, let reason):
            return "cannot connect to \(path): \(reason)"
        case .refused(let refusal):
            return refusal.description
        case .unacknowledgedRequestsFailed(let count, let first):
            let others = count > 1 ? " (and \(count - 1) more)" : ""
            return "\(first.description)\(others)"
        case .connectionClosed(let reason):
            if let reason { return "the node closed the connection: \(reason)" }
            return "the node closed the connection"
        case .protocolViolation(let what):
            return "the node broke the client protocol: \(what)"
        case .invalidRequest(let what):
            return "request not sent: \(what)"
        case .eventsAlreadyConsumed:
            return "client.events has one consumer at a time, and another is waiting"
        case .closed:
            return "the client is closed"
        case .cancelled:
            return "cancelled"
        }
    }
}

/// An ERROR the node answered a request with.
public struct NodeRefusal: Sendable, Hashable, CustomStringConvertible {
    /// The request, as `SUBSCRIBE nasdaq.quotes prefix "AAPL"`; for a request sent without
    /// acknowledgement, only its kind (`PUBLISH (unacknowledged)`).
    public var request: String
    /// Why; codes this build does not know keep their number.
    public var code: ClientErrorCode
    /// The node's explanation, possibly empty.
    public var text: String

    /// `node refused SUBSCRIBE nasdaq.quotes prefix "AAPL": not permitted (5): <text>`.
    public var description: String {
        let detail = text.isEmpty || text == code.description ? "" : ": \(text)"
        return "node refused \(request): \(code) (\(code.rawValue))\(detail)"
    }
}
