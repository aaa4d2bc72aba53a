/// Database exchange on a new link: summaries, then only the records one side lacks.
///
/// Both ends of a new link send a summary (the version of every record they hold but their
/// own) and the flushes they remember. Each asks for the records the other's summary lists
/// newer than its own or that it lacks, and gets them in answer; a record it holds newer
/// the other side asks for in turn. Nothing else crosses: a link between two nodes that
/// already agree (a link that flapped, a new node's second link, most links of a healing
/// partition once the first ones have brought the news) costs two summaries, not two
/// databases, and no record is installed or flooded for it.
extension Router {
    /// Sends `peer` the version of every record this node holds but its own.
    mutating func sendSummary(to peer: NodeID, now: Instant) {
        let versions = database.versions(excluding: id)
        send(versions, inFramesOf: configuration.versionsPerFrame, to: peer, now: now, as: PeerMessage.summary)
    }

    /// Asks `peer` for the records its summary lists newer than this node holds them, or
    /// that this node holds neither as a record nor as a flush at least as new. A version of
    /// this node's own record newer than its current one (left from an earlier life, or
    /// made up) is asked for too: a summary carries no seal, so only the record itself, once
    /// the node has checked its seal, makes the router outnumber it. A peer that lists a
    /// version it cannot show moves nothing.
    mutating func receivedSummary(_ versions: [RecordVersion], from peer: NodeID, now: Instant) {
        var wanted: [NodeID] = []
        for version in versions {
            if version.origin == id {
                if version.isNewer(than: ownRecord.version) {
                    wanted.append(id)
                }
                continue
            }
            if let current = database[version.origin] {
                if version.isNewer(than: current.version) { wanted.append(version.origin) }
            } else if let gone = flushed[version.origin] {
                // Not newer: the peer has our flush of it (sent on link-up).
                if version.isNewer(than: gone.version) { wanted.append(version.origin) }
            } else {
                wanted.append(version.origin)
            }
        }
        send(wanted, inFramesOf: configuration.versionsPerFrame, to: peer, now: now, as: PeerMessage.request)
    }

    /// Sends `peer` the records it asked for, as this node holds them now, or the flushes
    /// of those it flushed since; origins it holds neither of are skipped.
    mutating func receivedRequest(_ origins: [NodeID], from peer: NodeID, now: Instant) {
        var records: [LinkStateRecord] = []
        var withdrawn: [RecordVersion] = []
        for origin in origins {
            if let record = database[origin] {
                records.append(record)
            } else if let gone = flushed[origin] {
                withdrawn.append(gone.version)
            }
        }
        sendFlushes(withdrawn, to: peer, now: now)
        sendRecords(records, to: peer, now: now)
    }
}
