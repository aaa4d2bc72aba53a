#if canImport(Glibc)
import Glibc
#endif

/// An exclusive claim on a directory for one `arbord`: a `flock` on the file
/// ``fileName`` in it, which holds the PID of the holder.
///
/// Whoever holds the lock of a run directory may replace the sockets in it (a socket left
/// there is then a dead node's), and whoever holds the lock of a state directory may use
/// the identity in it; a second `arbord` on either directory is refused before it touches
/// anything. The kernel drops the lock when the holder exits however it exits (`kill -9`
/// included), so a stale lock file never blocks a restart. Locks are per open file: a
/// second claim from the same process is refused too. Dropping the object keeps the lock:
/// only ``release()`` or the end of the process gives it up.
public final class DirectoryLock: @unchecked Sendable {
    /// The lock file's name in the directory it guards.
    public static let fileName = "arbord.lock"

    /// The directory guarded.
    public let directory: String
    /// The open lock file; -1 once released.
    private var descriptor: Int32

    private init(directory: String, descriptor: Int32) {
        self.directory = directory
        self.descriptor = descriptor
    }

    /// Creates `directory` (and its parents, with `mode`) if needed and takes its lock
    /// without waiting. `purpose` names the directory in messages ("run directory").
    /// Throws ``DirectoryLockError`` naming the holder's PID when another process holds it.
    public static func acquire(_ directory: String, purpose: String, mode: mode_t = 0o755) throws -> DirectoryLock {
        try createDirectories(directory, purpose: purpose, mode: mode)
        let path = directory + "/" + fileName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw DirectoryLockError("cannot open \(path) to lock the \(purpose): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            let holder = readHolder(descriptor)
            close(descriptor)
            guard failure == EWOULDBLOCK else {
                throw DirectoryLockError("cannot lock \(path): \(String(cString: strerror(failure)))")
            }
            let who = holder.map { "arbord PID \($0)" } ?? "another process"
            throw DirectoryLockError("the \(purpose) \(directory) is in use by \(who) (it holds \(path)); stop that node first or give this one its own \(purpose)")
        }
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(descriptor, 0) == 0, pwrite(descriptor, text, text.count, 0) == text.count else {
            let failure = errno
            close(descriptor)
            throw DirectoryLockError("cannot write \(path): \(String(cString: strerror(failure)))")
        }
        return DirectoryLock(directory: directory, descriptor: descriptor)
    }

    /// Gives the lock up (at a graceful stop; exiting does it too). Idempotent.
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    /// The PID written in the lock file, if it holds one.
    private static func readHolder(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &bytes, bytes.count, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[..<count], as: UTF8.self)
        return Int32(text.split(separator: "\n").first.map(String.init) ?? "")
    }

    private static func createDirectories(_ path: String, purpose: String, mode: mode_t) throws {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw DirectoryLockError("\(purpose) \(path) exists and is not a directory")
            }
            return
        }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0, errno != EEXIST {
                throw DirectoryLockError("cannot create \(purpose) \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }
}

/// Why a directory could not be claimed, in words for the operator.
public struct DirectoryLockError: Error, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
