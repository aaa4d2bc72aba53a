/// One node's flooded description of itself: who it is, which peers it has links to at
/// which cost, and which topology definitions it was given.
///
/// Records are ordered by (``incarnation``, ``sequence``): a node restarts with a higher
/// incarnation and bumps its sequence on every change, so the newer record always wins.
public struct LinkStateRecord: Hashable, Sendable {
    public var origin: NodeID
    public var name: String
    public var incarnation: UInt64
    public var sequence: UInt64
    /// Links to live peers, sorted by neighbour id.
    public var links: [Link]
    /// Topology definitions this node loaded from files.
    public var definitions: [TopologyDefinition]

    public init(
        origin: NodeID,
        name: String,
        incarnation: UInt64,
        sequence: UInt64,
        links: [Link],
        definitions: [TopologyDefinition] = []
    ) {
        self.origin = origin
        self.name = name
        self.incarnation = incarnation
        self.sequence = sequence
        self.links = links.sorted { $0.neighbor < $1.neighbor }
        self.definitions = definitions
    }

    /// Whether this record supersedes `other` (same origin assumed).
    public func isNewer(than other: LinkStateRecord) -> Bool {
        (incarnation, sequence) > (other.incarnation, other.sequence)
    }

    /// Cost this record advertises toward `neighbor`, if it lists a link to it.
    public func cost(to neighbor: NodeID) -> UInt32? {
        var low = 0
        var high = links.count
        while low < high {
            let middle = (low + high) / 2
            if links[middle].neighbor < neighbor {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low < links.count && links[low].neighbor == neighbor ? links[low].cost : nil
    }

    /// A digest of the whole record (stable across processes), so that two records with the
    /// same version but different content, as a lying peer might send, never look equal.
    var fingerprint: (UInt64, UInt64) {
        (fingerprint(seed: 1), fingerprint(seed: 2))
    }

    private func fingerprint(seed: UInt64) -> UInt64 {
        var hash = StableHash(seed: seed)
        hash.combine(origin)
        hash.combine(incarnation)
        hash.combine(sequence)
        hash.combine(name)
        for link in links {
            hash.combine(link.neighbor)
            hash.combine(UInt64(link.cost))
        }
        for definition in definitions {
            hash.combine(definition.digest)
        }
        return hash.value
    }
}

/// A link from a record's origin to a neighbour. Costs are positive; lower is preferred.
public struct Link: Hashable, Sendable {
    public var neighbor: NodeID
    public var cost: UInt32

    public init(neighbor: NodeID, cost: UInt32) {
        self.neighbor = neighbor
        self.cost = cost
    }
}
