/// One node's flooded description of itself: who it is, which peers it has links to at
/// which cost, and which topology definitions it was given.
///
/// Records are ordered by (``incarnation``, ``sequence``): a node restarts with a higher
/// incarnation and bumps its sequence on every change, so the newer record always wins.
///
/// A record is a value with shared storage (copy on write): a record copied into many
/// databases (every node holds every record; a simulator holds thousands of databases) is
/// stored once, and a database entry is one reference. Its ``fingerprint`` is computed
/// once per content, when the record is made or changed.
public struct LinkStateRecord: Hashable, Sendable {
    /// Mutated only while uniquely referenced, hence safe to share across threads.
    ///
    /// The fields a database reads for every record received (origin, version, fingerprint)
    /// come first, next to the object's header: with thousands of databases in one process
    /// a record's fields are a cache miss, and one line holds all four.
    private final class Storage: @unchecked Sendable {
        var origin: NodeID
        var incarnation: UInt64
        var sequence: UInt64
        var fingerprint: (UInt64, UInt64) = (0, 0)
        var name: String
        var links: [Link]
        var definitions: [TopologyDefinition]
        var addresses: [OverlayAddress]
        /// The origin's seal over this content; not part of the content (nor of the
        /// fingerprint): any change of content drops it.
        var seal: RecordSeal?

        init(
            origin: NodeID, name: String, incarnation: UInt64, sequence: UInt64, links: [Link],
            definitions: [TopologyDefinition], addresses: [OverlayAddress]
        ) {
            self.origin = origin
            self.name = name
            self.incarnation = incarnation
            self.sequence = sequence
            self.links = links
            self.definitions = definitions
            self.addresses = addresses
            fingerprint = (digest(seed: 1), digest(seed: 2))
        }

        /// A copy about to be changed: the caller refreshes the fingerprint after the change.
        func copy() -> Storage {
            Storage(unfingerprinted: self)
        }

        private init(unfingerprinted other: Storage) {
            origin = other.origin
            name = other.name
            incarnation = other.incarnation
            sequence = other.sequence
            links = other.links
            definitions = other.definitions
            seal = other.seal
            addresses = other.addresses
        }

        func refreshFingerprint() {
            fingerprint = (digest(seed: 1), digest(seed: 2))
        }

        private func digest(seed: UInt64) -> UInt64 {
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
            for address in addresses {
                hash.combine(address.host)
                hash.combine(UInt64(address.port))
            }
            return hash.value
        }
    }

    private var storage: Storage

    public init(
        origin: NodeID,
        name: String,
        incarnation: UInt64,
        sequence: UInt64,
        links: [Link],
        definitions: [TopologyDefinition] = [],
        addresses: [OverlayAddress] = [],
        seal: RecordSeal? = nil
    ) {
        storage = Storage(
            origin: origin,
            name: name,
            incarnation: incarnation,
            sequence: sequence,
            links: links.sorted { $0.neighbor < $1.neighbor },
            definitions: definitions,
            addresses: addresses
        )
        storage.seal = seal
    }

    public var origin: NodeID {
        get { storage.origin }
        set { update { $0.origin = newValue } }
    }

    public var name: String {
        get { storage.name }
        set { update { $0.name = newValue } }
    }

    public var incarnation: UInt64 {
        get { storage.incarnation }
        set { update { $0.incarnation = newValue } }
    }

    public var sequence: UInt64 {
        get { storage.sequence }
        set { update { $0.sequence = newValue } }
    }

    /// Links to live peers, sorted by neighbour id.
    public var links: [Link] {
        get { storage.links }
        set { update { $0.links = newValue } }
    }

    /// Topology definitions this node loaded from files.
    public var definitions: [TopologyDefinition] {
        get { storage.definitions }
        set { update { $0.definitions = newValue } }
    }

    /// The origin's signature over this record's content, if it carries one. Changing any
    /// other field drops it; equality and hashing ignore it (a record is its content).
    public var seal: RecordSeal? {
        get { storage.seal }
        set {
            if !isKnownUniquelyReferenced(&storage) {
                let fingerprint = storage.fingerprint
                storage = storage.copy()
                storage.fingerprint = fingerprint
            }
            storage.seal = newValue
        }
    }

    /// Where the origin accepts peer links (at most ``maximumAddresses``): nodes learn of
    /// each other from records as well as from mDNS (``OverlayMembership``).
    public var addresses: [OverlayAddress] {
        get { storage.addresses }
        set { update { $0.addresses = newValue } }
    }

    /// The most addresses a record carries.
    public static let maximumAddresses = 8

    private mutating func update(_ change: (Storage) -> Void) {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        change(storage)
        storage.seal = nil
        storage.refreshFingerprint()
    }

    /// Whether both are the same stored record (not only equal ones).
    func isIdentical(to other: LinkStateRecord) -> Bool {
        storage === other.storage
    }

    /// The stored record's identity: equal for identical records (``isIdentical(to:)``).
    var identity: ObjectIdentifier {
        ObjectIdentifier(storage)
    }

    public static func == (lhs: LinkStateRecord, rhs: LinkStateRecord) -> Bool {
        if lhs.storage === rhs.storage { return true }
        let (a, b) = (lhs.storage, rhs.storage)
        return a.fingerprint == b.fingerprint && a.origin == b.origin && a.incarnation == b.incarnation
            && a.sequence == b.sequence && a.name == b.name && a.links == b.links && a.definitions == b.definitions
            && a.addresses == b.addresses
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.fingerprint.0)
        hasher.combine(storage.fingerprint.1)
    }

    /// Whether this record supersedes `other` (same origin assumed).
    public func isNewer(than other: LinkStateRecord) -> Bool {
        (incarnation, sequence) > (other.incarnation, other.sequence)
    }

    /// Cost this record advertises toward `neighbor`, if it lists a link to it.
    public func cost(to neighbor: NodeID) -> UInt32? {
        let low = links.partitionPoint { $0.neighbor < neighbor }
        return low < links.count && links[low].neighbor == neighbor ? links[low].cost : nil
    }

    /// A digest of the whole record (stable across processes), so that two records with the
    /// same version but different content, as a lying peer might send, never look equal.
    var fingerprint: (UInt64, UInt64) {
        storage.fingerprint
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
