import ArborControl

/// A control API request target, split and percent-decoded: `/v1/trace/nasdaq.quotes?topic=AAPL`
/// becomes the path `["v1", "trace", "nasdaq.quotes"]` and the query `["topic": "AAPL"]`.
struct ControlRequest: Sendable {
    /// Path segments, decoded as UTF-8 (a single trailing slash is ignored).
    let path: [String]
    /// Query parameters, values as bytes (a topic need not be UTF-8); the last one wins.
    let query: [String: [UInt8]]

    /// Parses `target`; throws a 400 for a malformed escape or a path that is not UTF-8.
    init(target: String) throws(ControlError) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let rawPath = parts[0]
        guard rawPath.hasPrefix("/") else {
            throw ControlError(.badRequest, "the request target must be a path starting with /")
        }
        var segments: [String] = []
        for raw in rawPath.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let bytes = PercentEncoding.decode(raw), let segment = String(validating: bytes, as: UTF8.self) else {
                throw ControlError(.badRequest, "malformed path segment '\(raw)': use %XX escapes of UTF-8")
            }
            segments.append(segment)
        }
        if segments.count > 1, segments.last == "" {
            segments.removeLast()
        }
        path = segments
        var query: [String: [UInt8]] = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: "&") {
                let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let keyBytes = PercentEncoding.decode(keyValue[0], plusIsSpace: true),
                    let key = String(validating: keyBytes, as: UTF8.self),
                    let value = PercentEncoding.decode(keyValue.count == 2 ? keyValue[1] : "", plusIsSpace: true)
                else {
                    throw ControlError(.badRequest, "malformed query parameter '\(pair)': use %XX escapes")
                }
                query[key] = value
            }
        }
        self.query = query
    }

    /// Refuses parameters other than `allowed` (a misspelt parameter must not be ignored).
    func allowParameters(_ allowed: Set<String>) throws(ControlError) {
        for key in query.keys.sorted() where !allowed.contains(key) {
            let expected = allowed.isEmpty ? "this endpoint takes none" : "this endpoint takes " + allowed.sorted().joined(separator: ", ")
            throw ControlError(.badRequest, "unknown query parameter '\(key)': \(expected)")
        }
    }

    /// The value of an unsigned integer parameter, `nil` when absent.
    func unsigned(_ key: String) throws(ControlError) -> UInt64? {
        guard let bytes = query[key] else { return nil }
        guard let value = UInt64(String(decoding: bytes, as: UTF8.self)) else {
            throw ControlError(.badRequest, "parameter '\(key)' must be a non-negative integer")
        }
        return value
    }
}
