/// The condition of one discovery backend, shown by `GET /v1/status`.
///
/// The daemon reports each backend it runs through ``ArborNode/reportDiscovery(_:)``,
/// whenever the backend's state changes; a later report for the same `backend` replaces
/// the earlier one.
public struct DiscoveryStatus: Hashable, Sendable {
    /// `static` or `mdns`.
    public var backend: String
    /// A word: `starting`, `running`, `waiting_for_daemon`, `unavailable`, ...
    public var state: String
    /// More in words (the published service name, the reason it is unavailable), if any.
    public var detail: String?

    public init(backend: String, state: String, detail: String? = nil) {
        self.backend = backend
        self.state = state
        self.detail = detail
    }
}
