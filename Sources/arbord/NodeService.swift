import ArborNode
import Dispatch
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs the node until a graceful shutdown (SIGTERM, SIGINT), then stops it: peers get a
/// goodbye and reroute at once, clients are told, sockets are removed. Tells the service
/// manager READY=1 once both sockets serve and STOPPING=1 on the way out; each SIGHUP
/// rereads the topology files (RELOADING=1, then READY=1 again).
struct NodeService: Service {
    let node: RunningNode
    let logger: Logger
    let notifier: SystemdNotifier

    func run() async throws {
        try await node.start()
        logger.info(
            "arbord \(node.configuration.router.name) (\(node.configuration.router.id)) up: peers on port \(node.listeningPort ?? 0), clients at \(node.clientSocketPath), control at \(node.controlSocketPath)\(node.metricsPort.map { ", metrics on port \($0)" } ?? "")"
        )
        let hangups = reloadOnHangup()
        notifier.notify("READY=1\nSTATUS=serving clients at \(node.clientSocketPath)\nMAINPID=\(getpid())")
        try? await gracefulShutdown()
        hangups.cancel()
        notifier.notify("STOPPING=1\nSTATUS=saying goodbye to peers")
        logger.info("shutting down: saying goodbye to peers")
        await node.shutdown()
        logger.info("stopped")
    }

    /// Rereads the topology files on every SIGHUP (the outcome is logged by the node).
    private func reloadOnHangup() -> any DispatchSourceSignal {
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        let node = self.node
        let notifier = self.notifier
        let logger = self.logger
        source.setEventHandler {
            Task {
                notifier.notify("RELOADING=1\nSTATUS=rereading the topology files")
                logger.notice("SIGHUP: rereading the topology files")
                _ = try? await node.reloadTopologies()
                notifier.notify("READY=1\nSTATUS=serving clients at \(node.clientSocketPath)")
            }
        }
        source.resume()
        return source
    }
}
