import ArborTestSupport
import Foundation

/// The node's control API (HTTP/1.1 + JSON on RUN_DIR/control.sock), when the node has one.
///
/// Tests that check counters or routes through it ask ``ControlAPI/available(on:)`` first;
/// until the control API exists, routes fall back to the node's log.
struct ControlAPI {
    let node: ArbordProcess

    /// The API of `node` when its control socket exists.
    static func available(on node: ArbordProcess) -> ControlAPI? {
        FileManager.default.fileExists(atPath: node.controlSocketPath) ? ControlAPI(node: node) : nil
    }

    /// GET `path`, decoded as JSON.
    func get(_ path: String) throws -> Any {
        try request("GET", path)
    }

    /// POST `path` with an empty body (`/v1/reload`), decoded as JSON.
    func post(_ path: String) throws -> Any {
        try request("POST", path)
    }

    private func request(_ method: String, _ path: String) throws -> Any {
        let socket = try Socket.unix(node.controlSocketPath)
        defer { socket.close() }
        socket.setReadTimeout(.seconds(5))
        let length = method == "POST" ? "Content-Length: 0\r\n" : ""
        try socket.write(Array("\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\n\(length)Connection: close\r\n\r\n".utf8))
        let response = socket.readToEnd()
        guard let split = response.firstRange(of: Array("\r\n\r\n".utf8)) else {
            throw HarnessError("\(node.name): no HTTP response to \(method) \(path)")
        }
        let head = String(decoding: response[..<split.lowerBound], as: UTF8.self)
        var body = Array(response[split.upperBound...])
        guard head.hasPrefix("HTTP/1.1 200") || head.hasPrefix("HTTP/1.0 200") else {
            throw HarnessError("\(node.name): \(method) \(path): \(head.split(separator: "\r\n").first ?? "")")
        }
        if head.lowercased().contains("transfer-encoding: chunked") {
            body = Self.dechunk(body)
        }
        return try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
    }

    /// The counters of GET /v1/stats: top-level integers, and `dropped` flattened to
    /// `dropped.CAUSE`.
    func stats() throws -> Counters {
        guard let object = try get("/v1/stats") as? [String: Any] else {
            throw HarnessError("\(node.name): /v1/stats is not an object")
        }
        var counters: [String: Int] = [:]
        for (key, value) in object {
            // The document holds numbers only. (Not `value is Bool` to skip flags: on Linux an
            // NSNumber of 0 or 1 passes that test, and such counters would read as missing.)
            if let number = value as? NSNumber {
                counters[key] = number.intValue
            } else if let nested = value as? [String: Any] {
                for (cause, count) in nested {
                    if let number = count as? NSNumber { counters[key + "." + cause] = number.intValue }
                }
            }
        }
        return Counters(values: counters)
    }

    /// The parent of this node in `topology` (GET /v1/routes/TOPOLOGY): a node name,
    /// `"(root)"` at the root.
    func parent(_ topology: String) throws -> String {
        guard let route = try get("/v1/routes/\(topology)") as? [String: Any] else {
            throw HarnessError("\(node.name): /v1/routes/\(topology) is not an object")
        }
        if let parent = route["parent"] as? String { return parent }
        return "(root)"
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = bytes[index...].firstRange(of: Array("\r\n".utf8)) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            result += bytes[start..<min(start + size, bytes.count)]
            index = start + size + 2
        }
        return result
    }
}

/// A snapshot of a node's counters; missing counters read as 0.
struct Counters: Sendable {
    var values: [String: Int]

    subscript(_ name: String) -> Int { values[name] ?? 0 }

    /// `self - earlier`, per counter.
    func since(_ earlier: Counters) -> Counters {
        var difference: [String: Int] = [:]
        for key in Set(values.keys).union(earlier.values.keys) {
            difference[key] = self[key] - earlier[key]
        }
        return Counters(values: difference)
    }
}
