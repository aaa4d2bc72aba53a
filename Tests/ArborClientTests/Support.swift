import ArborTestSupport
import Foundation

/// Held while pipes are made and a program started: tests run in parallel, and a child
/// started meanwhile would inherit the other pipes' descriptors (keeping them open, so
/// that a program never sees the end of its input).
private let spawnLock = NSLock()

/// Marks both ends of `pipe` close-on-exec; the ends given to a child are duplicated onto
/// its 0, 1 and 2, which do not carry the flag.
private func closeOnExec(_ pipe: Pipe) -> Pipe {
    for handle in [pipe.fileHandleForReading, pipe.fileHandleForWriting] {
        _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
    }
    return pipe
}

/// A program started in the background; its output is collected as it comes.
final class RunningProcess: @unchecked Sendable {
    let process = Process()
    private let output: Pipe
    private let error: Pipe
    private let input: Pipe
    private let lock = NSLock()
    private var outputData = Data()
    private var errorData = Data()

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        spawnLock.lock()
        defer { spawnLock.unlock() }
        output = closeOnExec(Pipe())
        error = closeOnExec(Pipe())
        input = closeOnExec(Pipe())
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        var merged = ProcessInfo.processInfo.environment
        merged.removeValue(forKey: "ARBOR_RUN_DIR")
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        process.standardOutput = output
        process.standardError = error
        process.standardInput = input
        output.fileHandleForReading.readabilityHandler = { [unowned self] handle in
            let data = handle.availableData
            lock.withLock { outputData.append(data) }
        }
        error.fileHandleForReading.readabilityHandler = { [unowned self] handle in
            let data = handle.availableData
            lock.withLock { errorData.append(data) }
        }
        try process.run()
    }

    /// What it printed on standard output so far.
    var standardOutput: String {
        lock.withLock { String(decoding: outputData, as: UTF8.self) }
    }

    /// What it printed on standard error so far, and whether it still runs.
    var log: String {
        let running = process.isRunning ? "running" : "ended with \(process.terminationStatus)"
        return lock.withLock { String(decoding: errorData, as: UTF8.self) } + "(\(running))"
    }

    func write(_ text: String) {
        write(Array(text.utf8))
    }

    func write(_ bytes: [UInt8]) {
        input.fileHandleForWriting.write(Data(bytes))
    }

    func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Waits for the end (killing it after `seconds`) and returns everything it wrote.
    func finish(within seconds: Double = 30) async -> ProcessOutput {
        closeInput()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline {
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        if process.isRunning {
            process.terminate()
        }
        process.waitUntilExit()
        // Take what is left in the pipes.
        output.fileHandleForReading.readabilityHandler = nil
        error.fileHandleForReading.readabilityHandler = nil
        let restOut = (try? output.fileHandleForReading.readToEnd()) ?? nil
        let restErr = (try? error.fileHandleForReading.readToEnd()) ?? nil
        return lock.withLock {
            if let restOut { outputData.append(restOut) }
            if let restErr { errorData.append(restErr) }
            return ProcessOutput(
                status: process.terminationStatus,
                output: outputData,
                standardError: String(decoding: errorData, as: UTF8.self)
            )
        }
    }

    /// Waits until standard output has `count` lines, or about `seconds`.
    func waitForLines(_ count: Int, seconds: Double = 10) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if standardOutput.filter({ $0 == "\n" }).count >= count { return true }
            try? await Task.sleep(nanoseconds: 5_000_000)
        }
        return false
    }
}

/// Runs the built `arbor` to its end, with `input` on standard input.
func arbor(_ arguments: [String], input: String = "", environment: [String: String] = [:], within seconds: Double = 30) async throws
    -> ProcessOutput
{
    try await arbor(arguments, bytes: Array(input.utf8), environment: environment, within: seconds)
}

/// Runs the built `arbor` to its end, with `bytes` on standard input.
func arbor(_ arguments: [String], bytes: [UInt8], environment: [String: String] = [:], within seconds: Double = 30) async throws
    -> ProcessOutput
{
    let running = try RunningProcess(builtProgram("arbor"), arguments, environment: environment)
    running.write(bytes)
    return await running.finish(within: seconds)
}
