/// Every endpoint of the control API (docs/control-api.md), in the order the documentation
/// lists them: the one table that the daemon routes requests by, that clients build
/// request targets from (``ControlPath``) and that a request for no endpoint is answered
/// with (``ControlAPI/endpoints``).
public enum ControlRoute: CaseIterable, Sendable {
    case status
    case peers
    case topologies
    /// Every topology's route.
    case routes
    /// One topology's route: `/v1/routes/{topology}`.
    case route
    case tree
    case trace
    case events
    case stats
    /// `POST`: reread the topology files (``ReloadDocument``); the one path that changes
    /// the node.
    case reload

    /// The path segment after the version prefix.
    public var segment: String {
        switch self {
        case .status: "status"
        case .peers: "peers"
        case .topologies: "topologies"
        case .routes, .route: "routes"
        case .tree: "tree"
        case .trace: "trace"
        case .events: "events"
        case .stats: "stats"
        case .reload: "reload"
        }
    }

    /// Whether a topology name follows the segment (the path's last one).
    public var takesTopology: Bool {
        switch self {
        case .route, .tree, .trace: true
        case .status, .peers, .topologies, .routes, .events, .stats, .reload: false
        }
    }

    /// The query parameters it takes; a request with any other is refused (a misspelt
    /// parameter must not be ignored).
    public var parameters: Set<String> {
        switch self {
        case .trace: ["topic", "topic_hex"]
        case .events: ["after", "wait"]
        case .status, .peers, .topologies, .routes, .route, .tree, .stats, .reload: []
        }
    }

    /// Whether it changes the node: then it answers `POST` only, every other route `GET` only.
    public var changesTheNode: Bool { self == .reload }

    /// As the documentation writes it: `{topology}` stands for a topology name.
    public var documented: String {
        let path = ControlAPI.versionPrefix + "/" + segment + (takesTopology ? "/{topology}" : "")
        switch self {
        case .trace: return path + "?topic=TOPIC"
        case .events: return path + "?after=SEQ&wait=SECONDS"
        case .reload: return "POST " + path
        default: return path
        }
    }

    /// The route of a request's path (its segments, percent-decoded) and the topology name
    /// it names, if the route takes one; `nil` for a path of no endpoint.
    public static func match(_ path: [String]) -> (route: ControlRoute, topology: String?)? {
        guard path.count == 2 || path.count == 3, "/" + path[0] == ControlAPI.versionPrefix else { return nil }
        let topology = path.count == 3 ? path[2] : nil
        guard let route = allCases.first(where: { $0.segment == path[1] && $0.takesTopology == (topology != nil) }) else {
            return nil
        }
        return (route, topology)
    }

    /// The request target of this route: the topology name percent-encoded (for a route
    /// that takes one), then `query` (already encoded, without the `?`) if not empty.
    public func target(topology: String? = nil, query: String = "") -> String {
        var target = ControlAPI.versionPrefix + "/" + segment
        if takesTopology, let topology {
            target += "/" + PercentEncoding.encode(topology.utf8)
        }
        return query.isEmpty ? target : target + "?" + query
    }
}
