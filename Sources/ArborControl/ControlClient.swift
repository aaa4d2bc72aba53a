#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 client for the control socket: one GET per connection
/// (`Connection: close`), blocking, with a deadline. Enough for `arbor` and tests; any
/// other HTTP client that speaks to Unix sockets (curl) works as well.
public struct ControlClient: Sendable {
    /// Path of the control socket.
    public let socketPath: String

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// The client of the node whose run directory is `runDirectory`.
    public init(runDirectory: String) {
        self.init(socketPath: runDirectory + "/" + ControlAPI.socketName)
    }

    /// An answer: the status code and the body exactly as received.
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]

        /// The body decoded as `type` for a 2xx answer; for any other status, the error
        /// the body states (``ControlClientError/refused(status:message:)``).
        public func decode<T: Decodable>(_ type: T.Type) throws -> T {
            guard (200..<300).contains(status) else {
                let message = (try? ControlJSON.decode(ErrorDocument.self, from: body))?.error ?? String(decoding: body, as: UTF8.self)
                throw ControlClientError.refused(status: status, message: message)
            }
            do {
                return try ControlJSON.decode(type, from: body)
            } catch {
                throw ControlClientError.malformedResponse("the answer is not the expected document: \(error)")
            }
        }
    }

    /// Sends `GET target` (a path with an optional query, already percent-encoded) and
    /// waits at most `timeout` for the whole answer.
    public func get(_ target: String, timeout: Duration = .seconds(10)) throws(ControlClientError) -> Response {
        try send("GET", target, timeout: timeout)
    }

    /// Sends `POST target` with an empty body (`/v1/reload`), like ``get(_:timeout:)``.
    public func post(_ target: String, timeout: Duration = .seconds(10)) throws(ControlClientError) -> Response {
        try send("POST", target, timeout: timeout)
    }

    private func send(_ method: String, _ target: String, timeout: Duration) throws(ControlClientError) -> Response {
        let socket = try connect(timeout: timeout)
        defer { close(socket) }
        let body = method == "POST" ? "Content-Length: 0\r\n" : ""
        let request = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nUser-Agent: arbor\r\nAccept: application/json\r\n\(body)Connection: close\r\n\r\n"
        try send(Array(request.utf8), on: socket)
        return try ControlClient.parse(try receiveAll(on: socket))
    }

    private func connect(timeout: Duration) throws(ControlClientError) -> Int32 {
        do {
            return try UnixSocket.connect(path: socketPath, timeout: timeout)
        } catch {
            switch error {
            case .pathTooLong(_, let limit):
                throw .unreachable(path: socketPath, reason: "the path is longer than \(limit) bytes")
            case .failed(_, _, let code):
                let hint = code == ENOENT || code == ECONNREFUSED ? " (is arbord running? use --run-dir or ARBOR_RUN_DIR)" : ""
                throw .unreachable(path: socketPath, reason: ControlClient.describe(code) + hint)
            }
        }
    }

    private func send(_ bytes: [UInt8], on socket: Int32) throws(ControlClientError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(socket, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .unreachable(path: socketPath, reason: "sending the request: " + ControlClient.describe(errno))
            }
            offset += written
        }
    }

    private func receiveAll(on socket: Int32) throws(ControlClientError) -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
            if count == 0 { return received }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    throw .timedOut(path: socketPath)
                }
                throw .unreachable(path: socketPath, reason: "reading the answer: " + ControlClient.describe(errno))
            }
            received += chunk[..<count]
        }
    }

    /// Splits a whole HTTP/1.1 response into status and body (`Content-Length` or chunked).
    static func parse(_ bytes: [UInt8]) throws(ControlClientError) -> Response {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let headEnd = bytes.firstRange(of: separator) else {
            throw .malformedResponse(bytes.isEmpty ? "the node closed the connection without answering" : "no end of headers")
        }
        let head = String(decoding: bytes[..<headEnd.lowerBound], as: UTF8.self)
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let statusLine = lines[0].split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            throw .malformedResponse("bad status line: \(lines[0])")
        }
        var length: Int?
        var chunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingPrefix(" ")
            if name == "content-length" { length = Int(value) }
            if name == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
        }
        var body = Array(bytes[headEnd.upperBound...])
        if chunked {
            body = try dechunk(body)
        } else if let length {
            guard body.count >= length else { throw .malformedResponse("the body ended after \(body.count) of \(length) bytes") }
            body = Array(body.prefix(length))
        }
        return Response(status: status, body: body)
    }

    private static func dechunk(_ bytes: [UInt8]) throws(ControlClientError) -> [UInt8] {
        var body: [UInt8] = []
        var rest = bytes[...]
        let crlf: [UInt8] = [13, 10]
        while true {
            guard let lineEnd = rest.firstRange(of: crlf),
                let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";")[0], radix: 16)
            else { throw .malformedResponse("bad chunk size") }
            rest = rest[lineEnd.upperBound...]
            if size == 0 { return body }
            guard rest.count >= size + 2 else { throw .malformedResponse("truncated chunk") }
            body += rest.prefix(size)
            rest = rest.dropFirst(size + 2)
        }
    }

    private static func describe(_ code: Int32) -> String {
        String(cString: strerror(code)).lowercased()
    }
}

/// Why the control API could not be asked, or what it refused.
public enum ControlClientError: Error, CustomStringConvertible, Sendable {
    /// No node answers at the path (no socket, nobody listening, no permission).
    case unreachable(path: String, reason: String)
    case timedOut(path: String)
    case malformedResponse(String)
    /// The node answered with a 4xx or 5xx and this message.
    case refused(status: Int, message: String)

    public var description: String {
        switch self {
        case .unreachable(let path, let reason):
            return "cannot reach arbord at \(path): \(reason)"
        case .timedOut(let path):
            return "arbord at \(path) did not answer in time"
        case .malformedResponse(let detail):
            return "unexpected answer from arbord: \(detail)"
        case .refused(let status, let message):
            return "arbord answered \(status): \(message)"
        }
    }
}
