/// `POST /v1/reload`: what rereading the topology files did. The node's `--topologies`
/// paths are read again; without an error their definitions replace the ones loaded
/// before (flooded to every node, which apply the highest version), else nothing changes
/// and `errors` says where each file is broken.
public struct ReloadDocument: Codable, Hashable, Sendable {
    /// Whether the definitions were replaced (false: refused for `errors`).
    public var reloaded: Bool
    /// The files read, in order.
    public var files: [String]
    /// The topologies the files define, whether reloaded or not.
    public var definitions: [String]
    /// The topologies whose definition was added, changed or removed by this reload.
    public var changed: [String]
    /// Located errors, `file:line:col: error: message`; any refuses the reload.
    public var errors: [String]
    public var warnings: [String]
}

extension ReloadDocument {
    /// The definitions of `files` replaced the ones loaded before; `changed` names the
    /// topologies whose definition that added, changed or removed.
    public static func reloaded(files: [String], definitions: [String], changed: [String], warnings: [String]) -> ReloadDocument {
        ReloadDocument(reloaded: true, files: files, definitions: definitions, changed: changed, errors: [], warnings: warnings)
    }

    /// Refused for `errors`: nothing changed.
    public static func refused(files: [String], definitions: [String], errors: [String], warnings: [String]) -> ReloadDocument {
        ReloadDocument(reloaded: false, files: files, definitions: definitions, changed: [], errors: errors, warnings: warnings)
    }
}
