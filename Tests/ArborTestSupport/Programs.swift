import Foundation

/// The repository root, found from this file's path (Tests/ArborTestSupport/Programs.swift).
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The environment variable that names another build of a program, for the programs the
/// tests run: `ARBOR_BINARY`, `ARBORD_BINARY`, `ARBOR_DISCOVERY_PROBE`.
private let overrides = [
    "arbor": "ARBOR_BINARY",
    "arbord": "ARBORD_BINARY",
    "arbor-discovery-probe": "ARBOR_DISCOVERY_PROBE",
]

/// A built executable of this package (`arbor`, `arbord`, `arbor-discovery-probe`): the
/// path its environment variable names (see above), else the one beside the test bundle
/// (in the build directory), else `.build/debug/NAME` of the repository.
public func builtProgram(_ name: String) -> String {
    if let variable = overrides[name], let path = ProcessInfo.processInfo.environment[variable] {
        return path
    }
    #if os(Linux)
    let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    #else
    let me = Bundle.main.bundleURL
    #endif
    var directory = me.deletingLastPathComponent()
    while directory.path != "/" {
        let candidate = directory.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return repositoryRoot.appendingPathComponent(".build/debug/\(name)").path
}

/// Where a program is on PATH, if anywhere.
public func which(_ program: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}
