import Foundation

let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A built executable of this package (`arbor`, `arbord`): beside the test bundle.
func builtProgram(_ name: String) -> String {
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
func which(_ program: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// The result of running a program to completion.
struct ProcessOutput {
    let status: Int32
    let standardOutput: Data
    let standardError: String

    var text: String { String(decoding: standardOutput, as: UTF8.self) }
}

/// Runs `executable` with `arguments` (and `input` on standard input) to completion; a
/// program still running after `timeout` is killed (by its PID) and the test fails on its
/// output.
func run(_ executable: String, _ arguments: [String], input: Data? = nil, timeout: Duration = .seconds(20)) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let error = Pipe()
    let stdin = Pipe()
    process.standardOutput = output
    process.standardError = error
    process.standardInput = stdin
    try process.run()
    let pid = process.processIdentifier
    let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
    DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.components.seconds * 1000)), execute: watchdog)
    if let input {
        stdin.fileHandleForWriting.write(input)
    }
    try stdin.fileHandleForWriting.close()
    // Read standard error on another thread so that neither pipe can fill up and block.
    let errorData = LockedData()
    let errorReader = Thread { errorData.set(error.fileHandleForReading.readDataToEndOfFile()) }
    errorReader.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    watchdog.cancel()
    while !errorData.isSet {
        Thread.sleep(forTimeInterval: 0.005)
    }
    return ProcessOutput(
        status: process.terminationStatus,
        standardOutput: outputData,
        standardError: String(decoding: errorData.value, as: UTF8.self)
    )
}

/// Runs the built `arbor`.
func arbor(_ arguments: String..., input: Data? = nil) throws -> ProcessOutput {
    try run(builtProgram("arbor"), arguments, input: input)
}

/// Data handed from one thread to another.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) {
        lock.withLock { data = value }
    }

    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
/// The default is generous: the machine's two cores may be busy with builds.
func eventually(timeout: Duration = .seconds(20), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
