import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A realm's shared secret, as `arbord --secret-file` reads it (docs/operations.md, "Realm
/// secrets"): only nodes holding the same secret complete a handshake with each other, and
/// their links are encrypted with keys derived from it (``RealmHandshake``).
///
/// The file holds at least ``minimumSecretLength`` bytes of anything (random bytes, or text
/// such as 32 random bytes in base64 or hex); trailing white space (a final newline) is not
/// part of the secret. The key is HMAC-SHA-256 of the secret under a domain string, so
/// secrets of any form give a 32-byte key. A secret must be random: an outsider who
/// recorded one handshake can test guesses offline.
// `@unchecked`: swift-crypto does not mark SymmetricKey Sendable; the key is immutable.
public struct RealmKey: @unchecked Sendable {
    /// Shortest secret accepted, in bytes.
    public static let minimumSecretLength = 32
    /// Longest secret file read.
    public static let maximumFileLength = 64 << 10

    let key: SymmetricKey

    /// The key for `secret` (the file's bytes, trailing white space included or not); throws
    /// ``RealmKeyError/tooShort(_:)`` when what is left is shorter than
    /// ``minimumSecretLength``.
    public init(secret: [UInt8]) throws(RealmKeyError) {
        var end = secret.endIndex
        while end > secret.startIndex, [0x20, 0x09, 0x0a, 0x0d].contains(secret[end - 1]) {
            end -= 1
        }
        let trimmed = secret[..<end]
        guard trimmed.count >= RealmKey.minimumSecretLength else { throw .tooShort(trimmed.count) }
        let mac = HMAC<SHA256>.authenticationCode(for: Array(trimmed), using: SymmetricKey(data: Array("arbor realm secret v1".utf8)))
        key = SymmetricKey(data: Array(mac))
    }

    /// The key in the file at `path`: a regular file that neither group nor others may
    /// read or write, of at most ``maximumFileLength`` bytes, holding a secret of at least
    /// ``minimumSecretLength``. Each refusal says what to do in words for the operator.
    public static func load(path: String) throws(RealmKeyError) -> RealmKey {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .notAFile(path) }
        let mode = status.st_mode & 0o777
        guard mode & 0o077 == 0 else { throw .tooOpen(path, mode: UInt32(mode)) }
        guard status.st_size <= RealmKey.maximumFileLength else { throw .tooLong(path, Int(status.st_size)) }
        var bytes = [UInt8](repeating: 0, count: RealmKey.maximumFileLength + 1)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .unreadable(path, String(cString: strerror(errno))) }
            if count == 0 { break }
            filled += count
        }
        guard filled <= RealmKey.maximumFileLength else { throw .tooLong(path, filled) }
        do {
            return try RealmKey(secret: Array(bytes[..<filled]))
        } catch .tooShort(let length) {
            throw .tooShortInFile(path, length)
        } catch {
            throw error
        }
    }
}

/// Why a realm secret file was refused.
public enum RealmKeyError: Error, Equatable, CustomStringConvertible {
    case unreadable(String, String)
    case notAFile(String)
    case tooOpen(String, mode: UInt32)
    case tooLong(String, Int)
    case tooShort(Int)
    case tooShortInFile(String, Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read the secret file \(path): \(reason)"
        case .notAFile(let path):
            return "the secret file \(path) is not a regular file"
        case .tooOpen(let path, let mode):
            return "the secret file \(path) is readable or writable by group or others (mode \(String(mode, radix: 8))); run chmod 600 \(path)"
        case .tooLong(let path, let length):
            return "the secret file \(path) has \(length) bytes, more than \(RealmKey.maximumFileLength)"
        case .tooShort(let length):
            return "a realm secret needs at least \(RealmKey.minimumSecretLength) bytes, not \(length)"
        case .tooShortInFile(let path, let length):
            return "the secret in \(path) has \(length) bytes (trailing white space not counted); a realm secret needs at least \(RealmKey.minimumSecretLength) random bytes, e.g. head -c 32 /dev/urandom | base64 > \(path)"
        }
    }
}
