import ArborCore
import ArborTrust
import Foundation

/// The node's persistent identity: an Ed25519 key kept in the state directory (`node-key`,
/// mode 0600, created once), the node id derived from it, and an incarnation that grows on
/// every start, so records of this run supersede those of the last one.
///
/// `node-id` is written with the derived id for operators to read; it is never read back as
/// the id. A state directory of a version before keys holds a random id there: the node
/// gets a key and a new id on its first start with this version (``replacedID``).
struct NodeIdentity {
    let key: NodeKey
    var id: NodeID { key.id }
    let incarnation: UInt64
    let persisted: Bool
    /// The id `node-id` held before, when it was not the key's (an id of a version before
    /// keys): that id is gone, the overlay learns the new one.
    let replacedID: NodeID?

    /// Reads or creates `node-key`, writes `node-id` and bumps `incarnation` in `directory`.
    /// The incarnation is at least the wall-clock milliseconds, so it grows even if the
    /// file was lost.
    static func load(stateDirectory directory: String) throws -> NodeIdentity {
        let files = FileManager.default
        do {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw IdentityError("cannot create state directory \(directory): \(error.localizedDescription) (use --state-dir)")
        }
        let key = try loadKey(directory + "/node-key")
        let idPath = directory + "/node-id"
        let previous = (try? String(contentsOfFile: idPath, encoding: .utf8))
            .flatMap { NodeID(hex: $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if previous != key.id {
            try write(key.id.description + "\n", to: idPath)
        }
        let incarnationPath = directory + "/incarnation"
        let last = (try? String(contentsOfFile: incarnationPath, encoding: .utf8))
            .flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        let clock = UInt64(Date().timeIntervalSince1970 * 1000)
        let incarnation = max(last + 1, clock)
        try write("\(incarnation)\n", to: incarnationPath)
        return NodeIdentity(
            key: key,
            incarnation: incarnation,
            persisted: true,
            replacedID: previous.flatMap { $0 == key.id ? nil : $0 }
        )
    }

    /// The key in `path` (64 hex digits), or a new one written there with mode 0600.
    private static func loadKey(_ path: String) throws -> NodeKey {
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            guard let bytes = hexBytes(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  let key = try? NodeKey(rawRepresentation: bytes)
            else {
                throw IdentityError("\(path) does not hold a node key (64 hex digits); remove it to get a new key and id")
            }
            return key
        }
        let key = NodeKey()
        let text = key.rawRepresentation.map { String($0, radix: 16).leftPadded(to: 2) }.joined() + "\n"
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]),
              chmod(temporary, 0o600) == 0, rename(temporary, path) == 0
        else {
            throw IdentityError("cannot write \(path) (use --state-dir)")
        }
        return key
    }

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
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

private extension String {
    func leftPadded(to length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}
