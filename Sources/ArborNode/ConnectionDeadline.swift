import NIOCore

/// The deadline of a local connection that must make progress (a HELLO, an SP header, a
/// request, a frame completed) within the node's frame timeout: when it passes, one
/// rate-limited log line says what was overdue and the connection is closed. Used on the
/// connection's event loop only.
final class ConnectionDeadline {
    private let runtime: NodeRuntime
    /// The log limiter's key for the line, e.g. `client-frame-timeout`.
    private let logKey: String
    private var scheduled: Scheduled<Void>?

    init(runtime: NodeRuntime, logKey: String) {
        self.runtime = runtime
        self.logKey = logKey
    }

    /// Whether a deadline runs.
    var isArmed: Bool { scheduled != nil }

    /// (Re)starts the deadline; when it passes, logs "`closing` within N ms" and closes
    /// the connection of `context`.
    func arm(context: ChannelHandlerContext, closing message: @escaping (_ milliseconds: Int64) -> String) {
        scheduled?.cancel()
        let timeout = runtime.configuration.frameTimeout
        let bound = NIOLoopBound((self, context, message), eventLoop: context.eventLoop)
        scheduled = context.eventLoop.scheduleTask(in: timeout) {
            let (deadline, context, message) = bound.value
            deadline.scheduled = nil
            deadline.runtime.logLimited(.info, deadline.logKey, message(timeout.nanoseconds / 1_000_000))
            context.close(promise: nil)
        }
    }

    /// Stops the deadline, if one runs.
    func cancel() {
        scheduled?.cancel()
        scheduled = nil
    }
}
