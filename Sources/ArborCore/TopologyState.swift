/// A router's state for one topology: local members, interest exchanged with each
/// neighbour, and its current place in the tree.
public struct TopologyState: Sendable {
    /// Local clients attached to the topology, each with its subscriptions.
    public internal(set) var members: [ClientID: PrefixTrie] = [:]
    /// Union of the local subscriptions, counted per holder.
    public internal(set) var localInterest = PrefixTrie()
    /// Interest each neighbour told us; used only while that neighbour is engaged.
    public internal(set) var remote: [NodeID: PrefixSet] = [:]
    /// What each neighbour holds from this node: what it was last told and not withdrawn
    /// (with `leave`). Equal to what it should hold for every neighbour, engaged or not,
    /// except while the update waits for the neighbour's interest pacing.
    public internal(set) var sent: [NodeID: PrefixSet] = [:]
    /// Neighbours interest is exchanged with, ascending by id.
    public internal(set) var engaged: [NodeID] = []
    /// This node's place in the tree, `nil` when it has none (not eligible, no graph yet).
    public internal(set) var route: RouteSummary?
    /// Digest of the graph `route` was planned on: a refresh on the same graph (interest
    /// from a neighbour, a slice of a pass) has the same place in the tree and needs no
    /// tree (in a simulator's flood the shared cache has long dropped it, and deriving it
    /// again was a third of the trees computed).
    var routeDigest: DatabaseDigest?
    /// Local publications waiting for the parent's first interest, with their deadline.
    var held: [(message: DataMessage, until: Instant)] = []
    /// While set, the node stays on the tree although no local member is left.
    var lingerUntil: Instant?
    /// The parent before a switch by choice, kept engaged while the new one grafts
    /// (``ParentSwitches``): what it was told stays as it was, and what it tells is used for
    /// the data sent to it only, never passed on as interest.
    var formerParent: NodeID?

    /// Whether there is anything left to keep: members, neighbours' interest, or interest
    /// told to a neighbour that still has to be withdrawn.
    var isIdle: Bool {
        members.isEmpty && remote.isEmpty && engaged.isEmpty && held.isEmpty && lingerUntil == nil && sent.isEmpty
    }

    /// Interest to send to `neighbor`: local subscriptions and what every other engaged
    /// neighbour but the former parent wants (and, toward the former parent, but the
    /// parent: what it is told anew, after a replaced connection, is this node's side only).
    func interest(toward neighbor: NodeID) -> PrefixSet {
        var prefixes = localInterest.aggregated.prefixes
        let parent = neighbor == formerParent ? route?.parent : nil
        for other in engaged where other != neighbor && other != formerParent && other != parent {
            if let wanted = remote[other] {
                prefixes.append(contentsOf: wanted.prefixes)
            }
        }
        return PrefixSet(prefixes)
    }
}
