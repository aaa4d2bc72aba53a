import HashTreeCollections

/// The link-state database: the newest record of every node this node has heard of.
///
/// Storage is a persistent hash tree, so copies of a database (one per simulated node, or
/// a snapshot for inspection) share structure and cost O(log n) per change. The digest
/// identifies the content, so pure computations over equal databases can be shared.
public struct LinkStateDatabase: Sendable {
    public private(set) var records: TreeDictionary<NodeID, LinkStateRecord> = [:]
    public private(set) var digest = DatabaseDigest()

    public init() {}

    public init(_ records: some Sequence<LinkStateRecord>) {
        for record in records {
            _ = apply(record)
        }
    }

    /// The outcome of offering a record to the database.
    public enum Verdict: Equatable, Sendable {
        /// Installed: it was new or newer than what we held. Flood it onward.
        case installed
        /// We hold exactly this version already.
        case known
        /// We hold a newer version.
        case older
    }

    /// Installs `record` if it supersedes the stored one (newer incarnation, or same
    /// incarnation and newer sequence).
    @discardableResult
    public mutating func apply(_ record: LinkStateRecord) -> Verdict {
        if let current = records[record.origin] {
            if record.isNewer(than: current) {
                digest.toggle(current)
            } else if current.isNewer(than: record) {
                return .older
            } else {
                return .known
            }
        }
        records[record.origin] = record
        digest.toggle(record)
        return .installed
    }

    /// Drops the record of `origin` (aged out); returns whether one was held.
    @discardableResult
    public mutating func remove(_ origin: NodeID) -> Bool {
        guard let current = records.removeValue(forKey: origin) else { return false }
        digest.toggle(current)
        return true
    }

    public subscript(origin: NodeID) -> LinkStateRecord? {
        records[origin]
    }

    public var count: Int { records.count }
}
