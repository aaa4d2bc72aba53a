import ArborNode
import Logging
import ServiceLifecycle

/// Runs the node until a graceful shutdown (SIGTERM, SIGINT), then stops it: peers get a
/// goodbye and reroute at once, clients are told, sockets are removed.
struct NodeService: Service {
    let node: ArborNode
    let logger: Logger

    func run() async throws {
        try await node.start()
        logger.info(
            "arbord \(node.configuration.router.name) (\(node.configuration.router.id)) up: peers on port \(node.listeningPort ?? 0), clients at \(node.clientSocketPath), control at \(node.controlSocketPath)\(node.metricsPort.map { ", metrics on port \($0)" } ?? "")"
        )
        try? await gracefulShutdown()
        logger.info("shutting down: saying goodbye to peers")
        await node.shutdown()
        logger.info("stopped")
    }
}
