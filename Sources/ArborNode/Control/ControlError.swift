import NIOHTTP1

/// A control API request that cannot be answered with a document: the status and the
/// message of its `{"error": ...}` body.
struct ControlError: Error, Sendable {
    let status: HTTPResponseStatus
    let message: String

    init(_ status: HTTPResponseStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    var answer: HTTPAnswer {
        .error(status, message)
    }
}
