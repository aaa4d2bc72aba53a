/// Lets the runtime stop and resume the reading of one client's requests: the publishers
/// of a push-back topology are held back while one of its local subscribers does not keep
/// up (``SlowSubscriberPolicy/pushBack``). Shared by the client's handler, which reads
/// ``heldBack`` before each request and sets ``resume``, and the runtime, which sets
/// ``heldBack``. Confined to the node's event loop (hence `@unchecked Sendable`, as the
/// outboxes): the runtime and every client handler run on that one loop.
final class ClientReadControl: @unchecked Sendable {
    /// While true no request of the client is handled and its connection is not read, so
    /// the application's writes block.
    var heldBack = false
    /// Takes up the reading again; called by the runtime when the hold ends.
    var resume: () -> Void = {}
}
