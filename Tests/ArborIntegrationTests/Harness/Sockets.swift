import ArborControl
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Blocking POSIX sockets, just enough for the harness: a Unix stream socket (the client
/// and control sockets) and a TCP connection to 127.0.0.1 (the peer port).
final class Socket: @unchecked Sendable {
    let fd: Int32
    private let closed = NSLock()
    private var isClosed = false

    private init(fd: Int32) {
        self.fd = fd
    }

    /// Connects to the Unix stream socket at `path`.
    static func unix(_ path: String) throws -> Socket {
        do {
            return Socket(fd: try UnixSocket.connect(path: path))
        } catch .pathTooLong {
            throw SocketError("socket path too long: \(path)", 0)
        } catch .failed(let call, _, let code) {
            throw SocketError("\(call)(\(path))", code)
        }
    }

    /// Connects to 127.0.0.1:`port`.
    static func tcp(port: Int) throws -> Socket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket(AF_INET)", errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let error = errno
            Glibc.close(fd)
            throw SocketError("connect(127.0.0.1:\(port))", error)
        }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return Socket(fd: fd)
    }

    /// The local port of a TCP socket (how the node's log names this connection).
    var localPort: Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Bounds every later blocking read.
    func setReadTimeout(_ duration: Duration) {
        let microseconds = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        var value = timeval(tv_sec: Int(microseconds / 1_000_000), tv_usec: Int(microseconds % 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes everything; throws when the connection is gone.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if written < 0 {
                if errno == EINTR { continue }
                throw SocketError("write", errno)
            }
            offset += written
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Reads what is there (blocking until something is): `nil` at the end of the stream
    /// or on a timeout.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int? {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count > 0 { return count }
            if count == 0 { return nil }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            case ECONNRESET, EBADF: return nil
            default: throw SocketError("read", errno)
            }
        }
    }

    /// Reads until the end of the stream (or a timeout), returning everything.
    func readToEnd(limit: Int = 1 << 24) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while result.count < limit {
            let count = chunk.withUnsafeMutableBytes { (try? read(into: $0)) ?? nil }
            guard let count else { break }
            result += chunk[0..<count]
        }
        return result
    }

    /// No more writes: the peer sees the end of the stream.
    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Ends both directions (a blocked reader wakes up with the end of the stream).
    func shutdownBoth() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    func close() {
        closed.lock()
        defer { closed.unlock() }
        guard !isClosed else { return }
        isClosed = true
        Glibc.close(fd)
    }

    deinit {
        close()
    }
}

struct SocketError: Error, CustomStringConvertible {
    let description: String
    let code: Int32

    init(_ what: String, _ code: Int32) {
        self.code = code
        description = code == 0 ? what : "\(what): \(String(cString: strerror(code)))"
    }
}
