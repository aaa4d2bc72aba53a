/// A record version withdrawn by a flush, remembered until ``forgetAt`` (see
/// ``RouterConfiguration/flushMemory``).
struct FlushedRecord: Sendable {
    var version: RecordVersion
    var forgetAt: Instant
}
