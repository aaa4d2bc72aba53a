import Foundation

/// The result of running a program to completion.
public struct ProcessOutput: Sendable {
    public let status: Int32
    /// Standard output, as bytes.
    public let output: Data
    public let standardError: String

    /// Standard output, as text.
    public var standardOutput: String { String(decoding: output, as: UTF8.self) }

    public init(status: Int32, output: Data, standardError: String) {
        self.status = status
        self.output = output
        self.standardError = standardError
    }

    /// The lines of standard output (what follows the last newline is not a line).
    public var lines: [String] {
        standardOutput.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

/// Runs `executable` with `arguments` (and `input` on standard input) to completion, in
/// the repository root; a program still running after `timeout` is killed (by its PID)
/// and the test fails on its output.
public func run(_ executable: String, _ arguments: [String], input: Data? = nil, timeout: Duration = .seconds(20)) throws -> ProcessOutput {
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
        output: outputData,
        standardError: String(decoding: errorData.value, as: UTF8.self)
    )
}

/// Data handed from one thread to another.
public final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    public init() {}

    public func set(_ value: Data) {
        lock.withLock { data = value }
    }

    public var isSet: Bool { lock.withLock { data != nil } }
    public var value: Data { lock.withLock { data ?? Data() } }
}
