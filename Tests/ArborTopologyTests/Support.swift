import ArborTopology
import Foundation

/// The repository root, found from this file's path.
let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func examplePath(_ name: String) -> String {
    repositoryRoot.appendingPathComponent("topologies").appendingPathComponent(name).path
}

/// Every diagnostic of `yaml` parsed as the file `t.yaml`, one `file:line:col: ...` line each.
func problems(_ yaml: String) -> [String] {
    TopologyFile.parse(bytes: Array(yaml.utf8), file: "t.yaml").diagnostics.map(\.description)
}

/// The one topology of `yaml`, which must have no error.
func declared(_ yaml: String) -> DeclaredTopology? {
    let result = TopologyFile.parse(bytes: Array(yaml.utf8), file: "t.yaml")
    return result.hasErrors ? nil : result.topologies.first
}

/// A temporary directory removed when the value is deinitialised.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("arbor-topology-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let file = path + "/" + name
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The result of running a program to completion.
struct ProcessOutput {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

/// Runs `executable` with `arguments` and optional standard input, waiting for it to end.
func run(_ executable: String, _ arguments: [String], input: String? = nil) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.currentDirectoryURL = repositoryRoot
    let output = Pipe()
    let error = Pipe()
    let stdin = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = stdin
    try process.run()
    if let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
    }
    try stdin.fileHandleForWriting.close()
    // The outputs in these tests are far below a pipe's buffer, so reading one after the
    // other cannot block the child.
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessOutput(
        status: process.terminationStatus,
        standardOutput: String(decoding: outputData, as: UTF8.self),
        standardError: String(decoding: errorData, as: UTF8.self)
    )
}

/// The built `arbor` executable: beside the test bundle, or `ARBOR_BINARY`.
func arborBinary() -> String {
    if let path = ProcessInfo.processInfo.environment["ARBOR_BINARY"] { return path }
    #if os(Linux)
    let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    #else
    let me = Bundle.main.bundleURL
    #endif
    var directory = me.deletingLastPathComponent()
    while directory.path != "/" {
        let candidate = directory.appendingPathComponent("arbor").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    return repositoryRoot.appendingPathComponent(".build/debug/arbor").path
}

/// Runs the built `arbor` with `arguments` from the repository root.
func arbor(_ arguments: String...) throws -> ProcessOutput {
    try run(arborBinary(), arguments)
}

/// Where a program is on PATH, if anywhere.
func which(_ program: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// SplitMix64: a small seeded generator, so random tests replay exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
