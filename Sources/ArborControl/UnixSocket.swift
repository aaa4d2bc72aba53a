#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Connects to a Unix stream socket (a node's control or client socket), blocking: the
/// one place with the `sockaddr_un` code, for `arbor`'s control client, arbor-bench, the
/// node's packet.sock listener (``address(_:)``) and the tests. (arbord's systemd
/// notifier writes its own: `NOTIFY_SOCKET` may name an abstract socket.)
public enum UnixSocket {
    /// A connected stream socket's descriptor; the caller closes it. With `timeout`, the
    /// connection attempt and every later blocking read or write on the socket give up
    /// after that long (`EAGAIN`).
    public static func connect(path: String, timeout: Duration? = nil) throws(UnixSocketError) -> Int32 {
        var address = try Self.address(path)
        #if canImport(Glibc)
        let socket = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let socket = Darwin.socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard socket >= 0 else {
            throw .failed(call: "socket", path: path, code: errno)
        }
        if let timeout {
            var limit = timeval(
                tv_sec: Int(timeout.components.seconds),
                tv_usec: suseconds_t(timeout.components.attoseconds / 1_000_000_000_000)
            )
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                #if canImport(Glibc)
                Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                #else
                Darwin.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                #endif
            }
        }
        guard connected == 0 else {
            let code = errno
            close(socket)
            throw .failed(call: "connect", path: path, code: code)
        }
        return socket
    }
}

extension UnixSocket {
    /// The address of the socket at `path`, for `connect(2)` or `bind(2)`.
    public static func address(_ path: String) throws(UnixSocketError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else {
            throw .pathTooLong(path: path, limit: capacity - 1)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }
}

/// Why ``UnixSocket/connect(path:timeout:)`` failed.
public enum UnixSocketError: Error, CustomStringConvertible, Sendable {
    /// The path does not fit in a `sockaddr_un`.
    case pathTooLong(path: String, limit: Int)
    /// `socket(2)` or `connect(2)` failed with `code` (an `errno`).
    case failed(call: String, path: String, code: Int32)

    public var description: String {
        switch self {
        case .pathTooLong(let path, let limit):
            return "\(path): the path is longer than \(limit) bytes"
        case .failed(let call, let path, let code):
            return "\(call) \(path): \(String(cString: strerror(code)))"
        }
    }
}
