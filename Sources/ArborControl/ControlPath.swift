/// Request targets of the control API, built the one way the daemon parses them.
public enum ControlPath {
    public static let status = "/v1/status"
    public static let peers = "/v1/peers"
    public static let topologies = "/v1/topologies"
    public static let routes = "/v1/routes"
    public static let stats = "/v1/stats"
    /// `POST`: reread the topology files (``ReloadDocument``).
    public static let reload = "/v1/reload"

    public static func routes(_ topology: String) -> String {
        "/v1/routes/" + PercentEncoding.encode(topology.utf8)
    }

    public static func tree(_ topology: String) -> String {
        "/v1/tree/" + PercentEncoding.encode(topology.utf8)
    }

    /// The trace of a topic given as bytes (sent as `topic_hex` unless they are UTF-8).
    public static func trace(_ topology: String, topic: [UInt8]) -> String {
        let base = "/v1/trace/" + PercentEncoding.encode(topology.utf8)
        if String(validating: topic, as: UTF8.self) != nil {
            return base + "?topic=" + PercentEncoding.encode(topic)
        }
        return base + "?topic_hex=" + TopicJSON(topic).hex
    }

    /// Events after sequence number `after`; with `wait`, a long poll of at most that many seconds.
    public static func events(after: UInt64, wait: Int? = nil) -> String {
        "/v1/events?after=\(after)" + (wait.map { "&wait=\($0)" } ?? "")
    }
}
