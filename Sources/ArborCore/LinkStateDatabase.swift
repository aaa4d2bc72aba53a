import HashTreeCollections

/// The link-state database: the newest record of every node this node has heard of.
///
/// Storage is a persistent hash tree, so copies of a database (one per simulated node, or
/// a snapshot for inspection) share structure, plus a table of the changes since the tree
/// was last brought up to date: a burst of changes (a flood after a partition) costs one
/// hash-table entry each rather than copies of tree nodes shared with other copies, and is
/// folded into the tree once the table grows past half of it (or when ``settle()`` is
/// called). The digest identifies the content, so pure computations over equal databases
/// can be shared.
public struct LinkStateDatabase: Sendable {
    /// Records as of the last fold.
    private var settled: TreeDictionary<NodeID, LinkStateRecord> = [:]
    /// Changes since: the newer record, or `nil` for one dropped.
    private var recent: [NodeID: LinkStateRecord?] = [:]
    public private(set) var count = 0
    public private(set) var digest = DatabaseDigest()

    public init() {}

    public init(_ records: some Sequence<LinkStateRecord>) {
        for record in records {
            _ = apply(record)
        }
        fold()
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
        if let current = self[record.origin] {
            if record.isNewer(than: current) {
                digest.toggle(current)
            } else if current.isNewer(than: record) {
                return .older
            } else {
                return .known
            }
        } else {
            count += 1
        }
        recent[record.origin] = .some(record)
        digest.toggle(record)
        foldWhenLarge()
        return .installed
    }

    /// Drops the record of `origin` (aged out); returns whether one was held.
    @discardableResult
    public mutating func remove(_ origin: NodeID) -> Bool {
        guard let current = self[origin] else { return false }
        recent[origin] = .some(nil)
        count -= 1
        digest.toggle(current)
        foldWhenLarge()
        return true
    }

    /// Folds the table of recent changes into the tree: a copy about to be shared by many
    /// holders (a simulator's nodes) then costs each of them only its own later changes.
    /// The content and digest stay the same.
    public mutating func settle() {
        if !recent.isEmpty {
            fold()
        }
    }

    public subscript(origin: NodeID) -> LinkStateRecord? {
        if let index = recent.index(forKey: origin) {
            return recent.values[index]
        }
        return settled[origin]
    }

    /// Every record, in no particular order.
    public var records: [LinkStateRecord] {
        var all: [LinkStateRecord] = []
        all.reserveCapacity(count)
        if recent.isEmpty {
            all.append(contentsOf: settled.values)
            return all
        }
        for (origin, record) in settled where recent.index(forKey: origin) == nil {
            all.append(record)
        }
        for case let record? in recent.values {
            all.append(record)
        }
        return all
    }

    private mutating func foldWhenLarge() {
        if recent.count > max(64, settled.count / 2) {
            fold()
        }
    }

    private mutating func fold() {
        for (origin, record) in recent {
            settled[origin] = record
        }
        recent = [:]
    }
}
