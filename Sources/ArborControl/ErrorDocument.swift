/// The body of every 4xx and 5xx answer: `{"error": "what was wrong"}`.
public struct ErrorDocument: Codable, Hashable, Sendable {
    public var error: String

    public init(_ error: String) {
        self.error = error
    }
}
