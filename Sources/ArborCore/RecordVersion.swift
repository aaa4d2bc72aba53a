/// Which version of which node's record: what a flush withdraws, and what a database
/// summary lists.
///
/// Versions are ordered by (``incarnation``, ``sequence``), as records are.
public struct RecordVersion: Hashable, Sendable {
    public var origin: NodeID
    public var incarnation: UInt64
    public var sequence: UInt64
    /// The origin's seal of the record of this version, carried by a flush so that any node
    /// can check that the origin did sign the version withdrawn (a summary carries none).
    /// Not part of the version: equality and hashing ignore it.
    public var seal: RecordSeal?

    public init(origin: NodeID, incarnation: UInt64, sequence: UInt64, seal: RecordSeal? = nil) {
        self.origin = origin
        self.incarnation = incarnation
        self.sequence = sequence
        self.seal = seal
    }

    public static func == (lhs: RecordVersion, rhs: RecordVersion) -> Bool {
        lhs.origin == rhs.origin && lhs.incarnation == rhs.incarnation && lhs.sequence == rhs.sequence
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(origin)
        hasher.combine(incarnation)
        hasher.combine(sequence)
    }

    /// Whether this version supersedes `other` (same origin assumed).
    public func isNewer(than other: RecordVersion) -> Bool {
        (incarnation, sequence) > (other.incarnation, other.sequence)
    }

    /// The next version of the same origin: the next sequence, or the next incarnation
    /// when the sequence is exhausted; `nil` when both are (only a forged record gets
    /// there). Never traps, whatever a peer sent.
    public var successor: RecordVersion? {
        if sequence < .max {
            return RecordVersion(origin: origin, incarnation: incarnation, sequence: sequence + 1)
        }
        if incarnation < .max {
            return RecordVersion(origin: origin, incarnation: incarnation + 1, sequence: 1)
        }
        return nil
    }
}

extension LinkStateRecord {
    /// Origin, incarnation and sequence of this record, with its seal.
    public var version: RecordVersion {
        RecordVersion(origin: origin, incarnation: incarnation, sequence: sequence, seal: seal)
    }

    /// Whether this record supersedes `version` (same origin assumed).
    public func isNewer(than version: RecordVersion) -> Bool {
        (incarnation, sequence) > (version.incarnation, version.sequence)
    }
}
