import ArborControl
import ArborWire
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// `RUN_DIR/packet.sock`: a SOCK_SEQPACKET Unix socket. NIO has no bootstrap for that type,
/// so the listening socket is made here and handed to NIO (`ServerBootstrap.withBoundSocket`),
/// which accepts on it and reads and writes the connections on the node's event loop like
/// any stream socket; record boundaries are kept by reading one datagram per `read()` and
/// writing one per `write()` (``PacketWriter``).
enum PacketListener {
    static let socketName = "packet.sock"

    /// Binds `path` (replacing a file left there), mode 0660, and serves it; connections
    /// count against the node's client connection limit like client.sock's.
    static func bind(path: String, group: EventLoopGroup, runtime: NodeRuntime) async throws -> Channel {
        let descriptor = try listeningSocket(path: path)
        let limit = runtime.configuration.clientOutputLimit
        let sendBuffer = max(256 << 10, 2 * (runtime.configuration.maximumMessageSize + 2 * WireLimits.maximumTopicLength + 128))
        let channel = try await ServerBootstrap(group: group)
            .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: PacketSessionHandler.readBufferSize))
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(sendBuffer))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let number = try runtime.acceptClientConnection(channel, tellsRefusal: true) else { return }
                    let outbox = FrameOutbox<ClientResponse>(channel: channel, buffers: runtime.outputBuffers) {
                        response, buffer in PacketWriter.record(response, into: &buffer)
                    }
                    try channel.pipeline.syncOperations.addHandlers([
                        PacketWriter(limit: limit),
                        PacketSessionHandler(runtime: runtime, outbox: outbox, connection: number),
                    ])
                }
            }
            .withBoundSocket(descriptor)
            .get()
        return channel
    }

    /// A non-blocking SOCK_SEQPACKET socket bound to `path` (mode 0660) and listening.
    private static func listeningSocket(path: String) throws -> CInt {
        // The one error of `address` is a path too long.
        guard var address = try? UnixSocket.address(path) else {
            throw NodeStartError("cannot create \(path): the path is longer than a Unix socket allows")
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else {
            throw NodeStartError("cannot create \(path): socket() failed, errno \(errno)")
        }
        unlink(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, chmod(path, 0o660) == 0, listen(descriptor, 1024) == 0 else {
            let error = errno
            close(descriptor)
            throw NodeStartError("cannot create \(path): errno \(error)")
        }
        return descriptor
    }
}
