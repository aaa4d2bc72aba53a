extension TopologyGraph.RootReason {
    /// `declared`, `fallback-N` (N from 1) or `rendezvous`: the word the control API
    /// (`root_reason`) and `arbor plan --json` write.
    public var name: String {
        switch self {
        case .declared: return "declared"
        case .fallback(let position): return "fallback-\(position + 1)"
        case .rendezvous: return "rendezvous"
        }
    }
}
