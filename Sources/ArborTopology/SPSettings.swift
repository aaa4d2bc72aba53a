import ArborCore

/// How arbord's Scalability Protocols endpoints serve one topology (the `sp-...` keys of a
/// topology file; docs/topology-format.md). Local to the node that loads the file: they do
/// not travel with the definition.
public struct SPSettings: Hashable, Sendable {
    /// What the node pulls toward it for its SP subscribers (`sp-prefixes`): SP SUB sockets
    /// filter on their own side and never say what they want, so these prefixes are
    /// subscribed for every SP subscriber. Empty (the default): SP subscribers get nothing,
    /// so a busy topology is not drawn to a node by a listener that did not ask for it.
    public var prefixes: [Topic] = []
    /// Goes between topic and payload in an SP message (`sp-separator`, default one
    /// space); in a message from an SP publisher the first one ends the topic.
    public var separator: [UInt8] = [0x20]
    /// The TCP port of the topology's `tcp://` SP endpoint (`sp-tcp-port`); `nil`: only ipc.
    public var tcpPort: Int?

    public init(prefixes: [Topic] = [], separator: [UInt8] = [0x20], tcpPort: Int? = nil) {
        self.prefixes = prefixes
        self.separator = separator
        self.tcpPort = tcpPort
    }

    /// Longest separator a file may declare.
    public static let maximumSeparatorLength = 16
}
