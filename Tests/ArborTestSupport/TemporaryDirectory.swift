import Foundation

/// A fresh directory under /tmp, removed with everything in it when the value is
/// deinitialised.
public final class TemporaryDirectory: Sendable {
    public let path: String

    /// `/tmp/arbor-PURPOSE-XXXXXXXX`: short, as a Unix socket path inside it has at most
    /// 107 bytes.
    public init(_ purpose: String = "test") throws {
        path = "/tmp/arbor-\(purpose)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `contents` to the file `name` inside; its path.
    @discardableResult
    public func write(_ name: String, _ contents: String) throws -> String {
        let file = path + "/" + name
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
