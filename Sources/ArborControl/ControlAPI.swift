/// Constants of the control API (docs/control-api.md): where it listens, its paths, its
/// limits. The JSON documents it answers with are the types named `…Document` in this module.
public enum ControlAPI {
    /// Name of the control socket inside the run directory (mode 0660).
    public static let socketName = "control.sock"
    /// Every path starts with this version prefix; a later incompatible API gets /v2.
    public static let versionPrefix = "/v1"
    /// Requests (request line, headers and body together) larger than this get 413.
    public static let maximumRequestSize = 64 * 1024
    /// The longest long-poll `wait` of `/v1/events`, in seconds; larger values are clamped.
    public static let maximumWait = 60
    /// Content type of every answer, errors included.
    public static let contentType = "application/json; charset=utf-8"

    /// The endpoints, as documented; `{topology}` stands for a topology name.
    public static let endpoints = [
        "/v1/status", "/v1/peers", "/v1/topologies", "/v1/routes", "/v1/routes/{topology}",
        "/v1/tree/{topology}", "/v1/trace/{topology}?topic=TOPIC", "/v1/events?after=SEQ&wait=SECONDS",
        "/v1/stats", "POST /v1/reload",
    ]

    /// `POST /v1/reload` (``ReloadDocument``): the one path that changes the node.
    public static let reloadPath = ["v1", "reload"]
}
