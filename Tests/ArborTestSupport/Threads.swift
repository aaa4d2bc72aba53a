import Foundation

/// Runs `body` on a thread of its own named `name` (seen in debuggers and crash reports),
/// for the harness's blocking readers and writers; `finished`, when given, is signalled
/// once `body` returns.
public func startThread(named name: String, signalling finished: DispatchSemaphore? = nil, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread {
        body()
        finished?.signal()
    }
    thread.name = name
    thread.start()
}
