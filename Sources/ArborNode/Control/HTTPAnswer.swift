import ArborControl
import NIOHTTP1

/// A whole HTTP response of the node's small HTTP servers (control API, metrics).
struct HTTPAnswer: Sendable {
    var status: HTTPResponseStatus
    var contentType: String
    var body: [UInt8]
    var extraHeaders: [(String, String)] = []

    /// A control API document.
    static func json(_ document: some Encodable, status: HTTPResponseStatus = .ok) -> HTTPAnswer {
        do {
            return HTTPAnswer(status: status, contentType: ControlAPI.contentType, body: try ControlJSON.encode(document))
        } catch {
            return .error(.internalServerError, "cannot encode the answer: \(error)")
        }
    }

    /// `{"error": message}` with `status`.
    static func error(_ status: HTTPResponseStatus, _ message: String) -> HTTPAnswer {
        let body = (try? ControlJSON.encode(ErrorDocument(message))) ?? Array("{\"error\": \"?\"}\n".utf8)
        return HTTPAnswer(status: status, contentType: ControlAPI.contentType, body: body)
    }
}
