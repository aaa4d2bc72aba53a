/// Request targets of the control API, built from ``ControlRoute`` (the table the daemon
/// parses them by).
public enum ControlPath {
    public static let status = ControlRoute.status.target()
    public static let peers = ControlRoute.peers.target()
    public static let topologies = ControlRoute.topologies.target()
    public static let routes = ControlRoute.routes.target()
    public static let stats = ControlRoute.stats.target()
    /// `POST`: reread the topology files (``ReloadDocument``).
    public static let reload = ControlRoute.reload.target()

    public static func routes(_ topology: String) -> String {
        ControlRoute.route.target(topology: topology)
    }

    public static func tree(_ topology: String) -> String {
        ControlRoute.tree.target(topology: topology)
    }

    /// The trace of a topic given as bytes (sent as `topic_hex` unless they are UTF-8).
    public static func trace(_ topology: String, topic: [UInt8]) -> String {
        let query = String(validating: topic, as: UTF8.self) != nil
            ? "topic=" + PercentEncoding.encode(topic)
            : "topic_hex=" + TopicJSON(topic).hex
        return ControlRoute.trace.target(topology: topology, query: query)
    }

    /// Events after sequence number `after`; with `wait`, a long poll of at most that many seconds.
    public static func events(after: UInt64, wait: Int? = nil) -> String {
        ControlRoute.events.target(query: "after=\(after)" + (wait.map { "&wait=\($0)" } ?? ""))
    }
}
