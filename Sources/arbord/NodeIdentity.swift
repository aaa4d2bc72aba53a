import ArborCore
import Foundation

/// The node's persistent identity: a node id kept in the state directory (created once)
/// and an incarnation that grows on every start, so records of this run supersede those
/// of the last one.
struct NodeIdentity {
    let id: NodeID
    let incarnation: UInt64
    let persisted: Bool

    /// Reads or creates `node-id` and bumps `incarnation` in `directory`. The incarnation
    /// is at least the wall-clock milliseconds, so it grows even if the file was lost.
    static func load(stateDirectory directory: String) throws -> NodeIdentity {
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw IdentityError("cannot create state directory \(directory): \(error.localizedDescription) (use --state-dir)")
        }
        let idPath = directory + "/node-id"
        let id: NodeID
        if let text = try? String(contentsOfFile: idPath, encoding: .utf8) {
            guard let parsed = NodeID(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw IdentityError("\(idPath) does not hold a node id (32 hex digits); remove it to get a new id")
            }
            id = parsed
        } else {
            var generator = SystemRandomNumberGenerator()
            id = NodeID.random(using: &generator)
            try write(id.description + "\n", to: idPath)
        }
        let incarnationPath = directory + "/incarnation"
        let previous = (try? String(contentsOfFile: incarnationPath, encoding: .utf8))
            .flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        let clock = UInt64(Date().timeIntervalSince1970 * 1000)
        let incarnation = max(previous + 1, clock)
        try write("\(incarnation)\n", to: incarnationPath)
        return NodeIdentity(id: id, incarnation: incarnation, persisted: true)
    }

    private static func write(_ text: String, to path: String) throws {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw IdentityError("cannot write \(path): \(error.localizedDescription) (use --state-dir)")
        }
    }
}

struct IdentityError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
