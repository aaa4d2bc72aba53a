import ArborCore
import ArborTopology
import ArborWire
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// The Scalability Protocols endpoints of the topologies the node loaded from files:
/// `ipc://RUN_DIR/sp/TOPOLOGY` for each (mode 0660, like client.sock), and
/// `tcp://HOST:PORT` for those with `sp-tcp-port` (HOST: the peer listen host).
/// Connections count against the node's client connection limit.
enum SPListener {
    static let directoryName = "sp"

    /// The ipc endpoint's path of `topology` under `runDirectory`.
    static func path(of topology: TopologyName, in runDirectory: String) -> String {
        runDirectory + "/" + directoryName + "/" + topology.rawValue
    }

    /// Binds every endpoint of `endpoints`; the channels to close at shutdown.
    static func bind(_ endpoints: [TopologyName: SPSettings], group: EventLoopGroup, runtime: NodeRuntime) async throws -> [Channel] {
        guard !endpoints.isEmpty else { return [] }
        let configuration = runtime.configuration
        let directory = configuration.runDirectory + "/" + directoryName
        if mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw NodeStartError("cannot create \(directory): errno \(errno)")
        }
        var channels: [Channel] = []
        for (topology, settings) in endpoints.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let path = path(of: topology, in: configuration.runDirectory)
            do {
                channels.append(try await bootstrap(topology, settings, .ipc, group: group, runtime: runtime)
                    .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get())
            } catch {
                throw NodeStartError("cannot create the SP endpoint ipc://\(path): \(error)")
            }
            guard chmod(path, 0o660) == 0 else {
                throw NodeStartError("cannot set mode 0660 on \(path): errno \(errno)")
            }
            if let port = settings.tcpPort {
                do {
                    channels.append(try await bootstrap(topology, settings, .tcp, group: group, runtime: runtime)
                        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                        .bind(host: configuration.listenHost, port: port).get())
                } catch {
                    throw NodeStartError("cannot serve SP for \(topology) on tcp://\(configuration.listenHost):\(port): \(error)")
                }
            }
        }
        return channels
    }

    /// Removes the ipc endpoints' files and their directory.
    static func remove(_ endpoints: [TopologyName: SPSettings], runDirectory: String) {
        guard !endpoints.isEmpty else { return }
        for topology in endpoints.keys {
            unlink(path(of: topology, in: runDirectory))
        }
        rmdir(runDirectory + "/" + directoryName)
    }

    private static func bootstrap(_ topology: TopologyName, _ settings: SPSettings, _ transport: SPFraming.Transport, group: EventLoopGroup, runtime: NodeRuntime) -> ServerBootstrap {
        let output = ChannelOptions.Types.WriteBufferWaterMarkOption.Value(
            low: runtime.configuration.clientOutputLimit / 2,
            high: runtime.configuration.clientOutputLimit
        )
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.writeBufferWaterMark, value: output)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // SP has no error message: a refused connection is closed.
                    guard let number = try runtime.acceptClientConnection(channel, tellsRefusal: false) else { return }
                    let outbox = SPSessionHandler.outbox(channel: channel, runtime: runtime, topology: topology, settings: settings, transport: transport)
                    try channel.pipeline.syncOperations.addHandler(
                        SPSessionHandler(runtime: runtime, topology: topology, settings: settings, transport: transport, connection: number, outbox: outbox)
                    )
                }
            }
    }
}
