import ArborControl
import Foundation

/// A blocking Unix stream socket with a receive timeout, for speaking raw protocols to a
/// node in tests.
final class UnixStream {
    private let socket: Int32

    init(path: String, timeout: Duration = .seconds(5)) throws {
        do {
            socket = try UnixSocket.connect(path: path, timeout: timeout)
        } catch {
            throw OverlayError("cannot connect to \(path): \(error)")
        }
    }

    deinit {
        close(socket)
    }

    /// Writes all of `bytes`; returns false when the peer closed the connection first.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    /// Reads what is available (blocking up to the timeout); empty at end of stream or
    /// on timeout.
    func read() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        return count > 0 ? Array(buffer[..<count]) : []
    }

    /// Reads until the peer closes the connection (or a read times out).
    func readToEnd() -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = read()
            if chunk.isEmpty { return all }
            all += chunk
        }
    }
}
