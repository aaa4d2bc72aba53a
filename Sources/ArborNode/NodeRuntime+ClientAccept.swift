import NIOCore

extension NodeRuntime {
    /// Admits a new client connection on any of the node's local sockets
    /// (``admitClientConnection(_:)``) and counts it until it closes. A refused one is told
    /// so (``ClientRefusal``) when its protocol can say it (`tellsRefusal`), else closed.
    /// Returns its number, `nil` when refused. Called from a child channel initializer.
    func acceptClientConnection(_ channel: Channel, tellsRefusal: Bool) throws -> UInt64? {
        guard let number = admitClientConnection(channel) else {
            if tellsRefusal {
                try channel.pipeline.syncOperations.addHandler(ClientRefusal(limit: clientConnectionLimit))
            } else {
                channel.close(promise: nil)
            }
            return nil
        }
        channel.closeFuture.whenComplete { _ in self.clientConnectionClosed(number) }
        return number
    }
}
