/// A failure (or recovery) the simulator can inflict.
public enum Fault: Hashable, Sendable, CustomStringConvertible {
    /// Crash: connections close, neighbours notice within one latency.
    case kill(Int)
    /// Start a dead node again with a new incarnation and an empty database.
    case restart(Int)
    /// Silently cut one link: only missed heartbeats reveal it.
    case cut(LinkKey)
    case restore(LinkKey)
    /// Silently cut every link between `group` and the rest.
    case partition([Int])
    /// Restore every link a partition cut.
    case heal
    /// Give one link a new cost at both ends (trees move by choice, nothing fails).
    case cost(LinkKey, UInt32)

    public var description: String {
        switch self {
        case .kill(let node): return "kill \(node)"
        case .restart(let node): return "restart \(node)"
        case .cut(let link): return "cut \(link)"
        case .restore(let link): return "restore \(link)"
        case .partition(let group): return "partition \(group.count) nodes"
        case .heal: return "heal"
        case .cost(let link, let cost): return "cost \(link) \(cost)"
        }
    }

    /// Whether the failure is only detectable by missed heartbeats.
    public var isSilent: Bool {
        switch self {
        case .cut, .partition: return true
        default: return false
        }
    }
}
