/// What a node does about a local subscriber of a topology that does not read its
/// messages as fast as they come (``TopologyDefinition/slowSubscribers``; a topology
/// file's `slow-subscribers` key).
public enum SlowSubscriberPolicy: String, Hashable, Sendable, CaseIterable {
    /// Cut the subscriber off once its output limit is waiting (error 9, every message it
    /// did not get counted): publishers never wait for anyone. The default.
    case drop
    /// Hold back the topology's publishers on the subscriber's node (their requests are
    /// not read, so their writes block) until the subscriber has read half of what waits;
    /// messages from other nodes still queue, and a subscriber with four times its output
    /// limit waiting is cut off as with `drop`. No link waits: a node never stops reading
    /// a peer for one subscriber.
    case pushBack = "push-back"
}
