/// Make-before-break (docs/architecture.md, "Make before break"): when a node's parent in
/// a topology changes by choice (a cost moved, a cheaper parent came back, a definition
/// changed) while the old parent is still linked, the new edge is grafted at once and the
/// old one is pruned only once the new way carries. A sub-machine of ``Router`` that owns
/// this state and reports its next deadline (``nextDeadline``).
///
/// - The child side (an *overlap*): the node keeps its old parent engaged (what it told it
///   stays as it was; what the old parent tells it is used to forward data to it, never
///   passed on as interest, so no interest goes round the loop the two edges make) and
///   watches, for each stream it heard from the old parent, the highest sequence the old
///   parent delivered and the first one any other neighbour delivered after the switch.
///   Once the old parent delivered a sequence at or past that first one, the two ways
///   overlap for that stream: everything before came the old way, everything after comes
///   the new way. When every stream overlaps, or ``RouterConfiguration/switchOverlapLimit``
///   passed, the old parent is told `leave`, and each stream's span that only the old way
///   carried (``OldWaySpan``) is asked of the new way: the old way may have lost some of it
///   before the switch, repairing it for itself when the switch kept this node from asking.
/// - The parent side: a neighbour that stops being this node's child while it is still
///   linked and has not told this node `leave` stays engaged (a *former child*) until it
///   does, or the same limit passes.
///
/// Memory is bounded: at most ``RouterConfiguration/maximumSwitchOverlaps`` overlaps and
/// former children each (a switch beyond that breaks first, as before), at most
/// ``maximumTrackedStreams`` streams per overlap (with more, only the limit ends it).
struct ParentSwitches: Sendable {
    /// The streams an overlap watches at most.
    static let maximumTrackedStreams = 256

    /// One stream heard from the old parent before the switch.
    struct Watch: Sendable {
        /// The highest sequence this node had of the stream when the switch began.
        var atSwitch: UInt64
        /// The highest sequence the old parent delivered.
        var oldHighest: UInt64
        /// The first sequence another neighbour delivered since the switch.
        var newFirst: UInt64?
    }

    /// A child-side overlap of one topology.
    struct Overlap: Sendable {
        /// The parent that carried before the switch: kept engaged.
        var old: NodeID
        /// The parent chosen now (`nil` at the root): a later switch to another one
        /// restarts the watch.
        var parent: NodeID?
        var until: Instant
        var streams: [DuplicateFilter.StreamKey: Watch]
        /// Streams whose two ways do not overlap yet.
        var waiting: Int
        /// More streams were heard from the old parent than are watched: only the limit ends it.
        var untracked: Bool
    }

    private let limit: Duration
    private let maximum: Int
    private(set) var overlaps: [TopologyName: Overlap] = [:]
    /// Per topology, former children kept engaged and until when.
    private(set) var formerChildren: [TopologyName: [NodeID: Instant]] = [:]
    private var formerChildCount = 0
    /// Topologies whose overlap is complete and wants a refresh to prune the old parent.
    private(set) var finished: [TopologyName] = []
    /// No deadline of an overlap or a former child is earlier.
    private(set) var nextDeadline: Instant?

    init(_ configuration: RouterConfiguration) {
        limit = configuration.switchOverlapLimit
        maximum = configuration.maximumSwitchOverlaps
    }

    /// Whether any overlap is under way (checked per message before ``arrived(_:sequence:from:)``).
    var watching: Bool { !overlaps.isEmpty }

    /// The old parent of topology `name` while its overlap lasts.
    func oldParent(of name: TopologyName) -> NodeID? {
        overlaps[name]?.old
    }

    /// Whether the overlap of `name` watches stream `key` (its old parent carries it).
    func covers(_ key: DuplicateFilter.StreamKey) -> Bool {
        overlaps[key.topology]?.streams[key] != nil
    }

    /// The parent of `name` changed from `old`, still linked and engaged, to `parent`:
    /// starts an overlap watching `streams` (those last delivered by `old`), or, when one
    /// is under way, restarts its watch for the new parent (the parent known to carry stays
    /// `old`). Returns whether an overlap is under way: not when nothing flows through
    /// `old` (no stream came from it, and `upward` says none went to it), nor at the bound.
    mutating func switched(
        _ name: TopologyName, from old: NodeID, to parent: NodeID?, streams: [(key: DuplicateFilter.StreamKey, highest: UInt64)], upward: Bool, now: Instant
    ) -> Bool {
        if var overlap = overlaps[name] {
            guard overlap.parent != parent else { return true }
            overlap.parent = parent
            overlap.until = now + limit
            for key in overlap.streams.keys {
                overlap.streams[key]!.newFirst = nil
            }
            overlap.waiting = overlap.streams.count
            overlaps[name] = overlap
            note(overlap.until)
            return true
        }
        guard !streams.isEmpty || upward, overlaps.count < maximum else { return false }
        var watched: [DuplicateFilter.StreamKey: Watch] = [:]
        for stream in streams.prefix(Self.maximumTrackedStreams) {
            watched[stream.key] = Watch(atSwitch: stream.highest, oldHighest: stream.highest)
        }
        let overlap = Overlap(
            old: old, parent: parent, until: now + limit, streams: watched,
            waiting: watched.count, untracked: streams.count > Self.maximumTrackedStreams
        )
        overlaps[name] = overlap
        note(overlap.until)
        return true
    }

    /// A span of a stream that only the old way carried during an overlap that ended: from
    /// one past the highest sequence this node had when the switch began to one before the
    /// first the new way delivered (or, where the new way never showed, the highest the old
    /// way delivered). The old way delivered it, or lost it in the fault that moved this
    /// node: the old parent may have been asking for it itself, an answer it may never get
    /// (a relay of its request can leave the tree, and a node that leaves the tree asks no
    /// more), and the switch kept this node from asking (``covers(_:)``).
    struct OldWaySpan: Equatable, Sendable {
        var key: DuplicateFilter.StreamKey
        var first: UInt64
        var last: UInt64
    }

    /// Ends the overlap of `name` once every stream's two ways overlap (``takeFinished()``);
    /// returns the spans only the old way carried, to be asked of the new way.
    mutating func finish(_ name: TopologyName) -> [OldWaySpan] {
        guard let overlap = overlaps[name] else { return [] }
        end(name)
        return Self.oldWaySpans(overlap)
    }

    /// Ends the overlap of `name` (the old parent is pruned, failed, left, or chosen
    /// again); returns whether some stream's new way had not shown yet.
    @discardableResult
    mutating func end(_ name: TopologyName) -> Bool {
        guard let overlap = overlaps.removeValue(forKey: name) else { return false }
        finished.removeAll { $0 == name }
        return overlap.waiting > 0 || overlap.untracked
    }

    /// A live message of stream `key` arrived from `peer` (admitted or not). Notes where the
    /// two ways of a watched stream overlap; an overlap all of whose streams do is finished.
    mutating func arrived(_ key: DuplicateFilter.StreamKey, sequence: UInt64, from peer: NodeID) {
        guard let index = overlaps.index(forKey: key.topology),
            var watch = overlaps.values[index].streams[key]
        else { return }
        let before = watch.newFirst.map { watch.oldHighest >= $0 } ?? false
        if peer == overlaps.values[index].old {
            watch.oldHighest = max(watch.oldHighest, sequence)
        } else if watch.newFirst == nil {
            watch.newFirst = sequence
        }
        overlaps.values[index].streams[key] = watch
        guard !before, let first = watch.newFirst, watch.oldHighest >= first else { return }
        overlaps.values[index].waiting -= 1
        if overlaps.values[index].waiting == 0, !overlaps.values[index].untracked {
            finished.append(key.topology)
        }
    }

    /// Takes the topologies whose overlap finished, to be refreshed.
    mutating func takeFinished() -> [TopologyName] {
        defer { finished = [] }
        return finished
    }

    /// Whether `neighbor`, engaged in `name` and no tree child now, is kept engaged as a
    /// former child: one kept already until its limit, or one that `wasChild` until now
    /// from `now` on.
    mutating func keepFormerChild(_ child: NodeID, of name: TopologyName, wasChild: Bool, now: Instant) -> Bool {
        if let until = formerChildren[name]?[child] {
            return until > now
        }
        guard wasChild, formerChildCount < maximum else { return false }
        formerChildren[name, default: [:]][child] = now + limit
        formerChildCount += 1
        note(now + limit)
        return true
    }

    /// Forgets former child `child` of `name`.
    mutating func forgetFormerChild(_ child: NodeID, of name: TopologyName) {
        guard formerChildren[name]?.removeValue(forKey: child) != nil else { return }
        formerChildCount -= 1
        if formerChildren[name]?.isEmpty == true { formerChildren[name] = nil }
    }

    /// Forgets the former children of `name` not in `kept`.
    mutating func retainFormerChildren(of name: TopologyName, _ kept: [NodeID]) {
        guard !formerChildren.isEmpty, let children = formerChildren[name] else { return }
        let remaining = children.filter { kept.contains($0.key) }
        formerChildCount -= children.count - remaining.count
        formerChildren[name] = remaining.isEmpty ? nil : remaining
    }

    /// Ends the overlaps and former children whose limit passed at `now`; returns their
    /// topologies (to be refreshed), those of them whose overlap ended before every
    /// stream's new way showed (to be asked for by repair), and the spans only the old
    /// ways of the ended overlaps carried (to be asked of the new ways).
    mutating func expired(at now: Instant) -> (names: [TopologyName], unmerged: [TopologyName], spans: [OldWaySpan]) {
        guard let due = nextDeadline, due <= now else { return ([], [], []) }
        var names = Set<TopologyName>()
        var unmerged: [TopologyName] = []
        var spans: [OldWaySpan] = []
        var next: Instant?
        for (name, overlap) in overlaps {
            if overlap.until <= now {
                names.insert(name)
                spans += Self.oldWaySpans(overlap)
                if end(name) { unmerged.append(name) }
            } else {
                next = min(next ?? overlap.until, overlap.until)
            }
        }
        for (name, children) in formerChildren {
            let remaining = children.filter { $0.value > now }
            guard remaining.count < children.count else {
                for until in children.values { next = min(next ?? until, until) }
                continue
            }
            names.insert(name)
            formerChildCount -= children.count - remaining.count
            formerChildren[name] = remaining.isEmpty ? nil : remaining
            for until in remaining.values { next = min(next ?? until, until) }
        }
        nextDeadline = next
        return (names.sorted(), unmerged.sorted(), spans.sorted { ($0.key.topology, $0.key.origin, $0.key.incarnation) < ($1.key.topology, $1.key.origin, $1.key.incarnation) })
    }

    /// The spans of `overlap`'s streams that only its old way carried (``OldWaySpan``).
    private static func oldWaySpans(_ overlap: Overlap) -> [OldWaySpan] {
        var spans: [OldWaySpan] = []
        for (key, watch) in overlap.streams where watch.atSwitch < .max {
            let end = watch.newFirst.map { $0 &- 1 } ?? watch.oldHighest
            if end > watch.atSwitch {
                spans.append(OldWaySpan(key: key, first: watch.atSwitch + 1, last: end))
            }
        }
        return spans.sorted { ($0.key.origin, $0.key.incarnation) < ($1.key.origin, $1.key.incarnation) }
    }

    private mutating func note(_ until: Instant) {
        nextDeadline = min(nextDeadline ?? until, until)
    }
}
