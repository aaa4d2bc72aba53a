/// The link-state database: the newest record of every node this node has heard of.
///
/// Each origin gets a slot, in the order origins are first heard of; records are kept by
/// slot in pages of ``pageSize``. Pages and the table of slots are copy-on-write arrays, so
/// copies of a database (one per simulated node, or a snapshot for inspection) share them,
/// and a change to one copy copies one page (and the list of pages), not the database: a
/// burst of changes (a flood after a partition) costs a copy holder at most one page per
/// page it touches. A record costs one hash of its origin to find, and one slot of eight
/// bytes to hold. The digest identifies the content, so pure computations over equal
/// databases can be shared.
///
/// A dropped record leaves its slot empty, and the origin keeps it for when it returns;
/// once empty slots outnumber the records (and 64), the slots are renumbered.
public struct LinkStateDatabase: Sendable {
    /// Records per page.
    static let pageSize = 64
    /// The slot of every origin held, and of those dropped since the last renumbering.
    private var slots: [NodeID: Int32] = [:]
    /// Records by slot: slot `s` is `pages[s / pageSize][s % pageSize]`; `nil` when dropped.
    private var pages: [[LinkStateRecord?]] = []
    public private(set) var count = 0
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
        guard let slot = slots[record.origin] else {
            let slot = slots.count
            slots[record.origin] = Int32(slot)
            if slot % LinkStateDatabase.pageSize == 0 {
                pages.append([])
                pages[pages.count - 1].reserveCapacity(LinkStateDatabase.pageSize)
            }
            pages[pages.count - 1].append(record)
            count += 1
            digest.toggle(record)
            return .installed
        }
        if let current = held(at: slot) {
            // The same stored record (a simulator passes one copy through every router, a
            // flood brings it again from another neighbour): known, without reading it.
            if current.isIdentical(to: record) {
                return .known
            }
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
        pages[Int(slot) / LinkStateDatabase.pageSize][Int(slot) % LinkStateDatabase.pageSize] = record
        digest.toggle(record)
        return .installed
    }

    /// The record in `slot` (slots come from `slots`, whose every value has its page).
    private func held(at slot: Int32) -> LinkStateRecord? {
        pages[Int(slot) / LinkStateDatabase.pageSize][Int(slot) % LinkStateDatabase.pageSize]
    }

    /// Drops the record of `origin` (aged out); returns whether one was held.
    @discardableResult
    public mutating func remove(_ origin: NodeID) -> Bool {
        guard let slot = slots[origin] else { return false }
        let page = Int(slot) / LinkStateDatabase.pageSize
        let position = Int(slot) % LinkStateDatabase.pageSize
        guard let current = pages[page][position] else { return false }
        pages[page][position] = nil
        count -= 1
        digest.toggle(current)
        if slots.count - count > max(64, count) {
            renumber()
        }
        return true
    }

    public subscript(origin: NodeID) -> LinkStateRecord? {
        guard let slot = slots[origin] else { return nil }
        return held(at: slot)
    }

    /// Every record, in no particular order.
    public var records: [LinkStateRecord] {
        var all: [LinkStateRecord] = []
        all.reserveCapacity(count)
        for page in pages {
            for case let record? in page {
                all.append(record)
            }
        }
        return all
    }

    /// The version of every record held but those of `excluded`, ascending by origin:
    /// read in place (``records`` would copy every record, a retain and a release each).
    public func versions(excluding excluded: NodeID) -> [RecordVersion] {
        var versions: [RecordVersion] = []
        versions.reserveCapacity(count)
        for page in pages {
            for case let record? in page where record.origin != excluded {
                versions.append(record.version)
            }
        }
        versions.sort { $0.origin < $1.origin }
        return versions
    }

    /// Gives the records held new slots, without the empty ones.
    private mutating func renumber() {
        let held = records
        slots = [:]
        pages = []
        count = 0
        digest = DatabaseDigest()
        for record in held {
            apply(record)
        }
    }
}
