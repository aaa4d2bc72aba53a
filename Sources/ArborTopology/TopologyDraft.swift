import ArborCore

/// A topology as written, with the location of every part, before its parts are checked
/// against each other. Entries of the wrong shape were reported and left out.
struct TopologyDraft {
    var location: SourceLocation
    var name: Located<String>?
    var version: Located<Int>?
    var description = ""
    var root: Located<String>?
    var fallbacks: [Located<String>] = []
    var nodes: Located<[NodeDraft]>?
    var links: Located<[LinkDraft]>?
    var publishers: Located<[Located<String>]>?
    var maxMessageSize: Located<Int>?
    /// Node ids (as written) that may sign this definition and its newer versions.
    var admins: Located<[Located<String>]>?
    var slowSubscribers: SlowSubscriberPolicy?
    var sp = SPSettings()
    /// Whether reading it produced an error (it is then reported but never accepted).
    var hasShapeErrors = false
}

struct NodeDraft {
    var name: Located<String>
    var addresses: [Located<StaticAddress>]
}

struct LinkDraft {
    var location: SourceLocation
    var a: Located<String>
    var b: Located<String>
    var cost: Int
}
