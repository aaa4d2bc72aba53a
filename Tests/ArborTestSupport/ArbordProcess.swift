import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One `arbord` process on 127.0.0.1: its flags, its directories, its PID and its log. The
/// one way the multi-process suites (ArborIntegrationTests' `Cluster`, ArborControlTests'
/// `LoopbackOverlay`) start a daemon.
///
/// The test talks to it only through its sockets (peer port, `client.sock`,
/// `control.sock`) and signals; the log (standard output and error, appended to `logPath`)
/// is read to wait for readiness and to check what it says. It is started through
/// ``Spawner`` (so it dies with the test process) and signalled and reaped by its PID only.
/// A restart keeps the port, the run directory and the state directory (so the node id),
/// and appends to the same log after a marker line.
public final class ArbordProcess: @unchecked Sendable {
    public let name: String
    /// The peer port it is started with; 0: the kernel picks one (the control API's
    /// `/v1/status` says which).
    public let port: Int
    public let directory: String
    /// Flags added to the harness's own (name, listen address, directories, log level,
    /// discovery).
    public var arguments: [String]
    /// `--discovery`'s value; nil: none given (arbord's default).
    public let discovery: String?
    /// Added to the test process's environment (without `ARBOR_RUN_DIR` and `ARBOR_STATE_DIR`).
    public let environment: [String: String]
    /// When set, arbord runs under this umask (through `sh -c 'umask M && exec arbord ...'`,
    /// so the PID is still arbord's).
    public let umask: String?

    private let lock = NSLock()
    private var currentPID: pid_t?
    private var lastExit: ExitStatus?
    public private(set) var starts = 0
    /// Log offset at the last start: ``currentLog`` reads from there.
    private var startOffset = 0

    public init(
        name: String, port: Int, directory: String, arguments: [String], discovery: String? = "static",
        environment: [String: String] = [:], umask: String? = nil
    ) {
        self.name = name
        self.port = port
        self.directory = directory
        self.arguments = arguments
        self.discovery = discovery
        self.environment = environment
        self.umask = umask
    }

    public var runDirectory: String { directory + "/run" }
    public var stateDirectory: String { directory + "/state" }
    public var logPath: String { directory + "/arbord.log" }
    public var clientSocketPath: String { runDirectory + "/client.sock" }
    public var controlSocketPath: String { runDirectory + "/control.sock" }
    public var address: String { "127.0.0.1:\(port)" }

    public var pid: pid_t? { lock.withLock { currentPID } }

    /// The flags this node is started with.
    public var commandLine: [String] {
        ["--name", name, "--listen", address, "--run-dir", runDirectory, "--state-dir", stateDirectory, "--log-level", "debug"]
            + (discovery.map { ["--discovery", $0] } ?? []) + arguments
    }

    public func start() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        lock.withLock {
            precondition(currentPID == nil, "\(name) is already running")
        }
        let marker = "=== harness: start #\(starts + 1) of \(name): arbord \(commandLine.joined(separator: " "))\n"
        startOffset = appendToLog(marker)
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "ARBOR_RUN_DIR")
        environment.removeValue(forKey: "ARBOR_STATE_DIR")
        environment.merge(self.environment) { $1 }
        var executable = builtProgram("arbord")
        var arguments = commandLine
        if let umask {
            arguments = ["-c", "umask \(umask) && exec \"$0\" \"$@\"", executable] + arguments
            executable = "/bin/sh"
        }
        let pid = try Spawner.shared.spawn(.init(
            executable: executable,
            arguments: arguments,
            logPath: logPath,
            environment: environment
        ))
        lock.withLock {
            currentPID = pid
            lastExit = nil
            starts += 1
        }
    }

    /// Sends `signal` to the running process (no-op when it is not running).
    public func send(_ signal: Int32) {
        guard let pid else { return }
        kill(pid, signal)
    }

    /// Whether the process is still there (reaps it when it has ended).
    public var isRunning: Bool {
        checkExit() == nil && pid != nil
    }

    /// The exit status once the process ended, `nil` while it runs.
    @discardableResult
    public func checkExit() -> ExitStatus? {
        lock.lock()
        defer { lock.unlock() }
        if let lastExit, currentPID == nil { return lastExit }
        guard let pid = currentPID else { return nil }
        guard let status = Spawner.shared.poll(pid) else { return nil }
        currentPID = nil
        lastExit = status
        return status
    }

    /// Waits up to `timeout` for the process to end; returns how it ended, or `nil`.
    public func waitForExit(timeout: Duration) async -> ExitStatus? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = checkExit() { return status }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return checkExit()
    }

    /// SIGKILL (resuming it first if stopped does not matter: SIGKILL ends stopped
    /// processes too) and reap. Bounded: returns once reaped or after 5 s.
    public func kill9() async {
        send(SIGKILL)
        _ = await waitForExit(timeout: .seconds(5))
    }

    /// Blocking, for harnesses without a task: sends `signal`, then ``reap(grace:)``.
    public func end(with signal: Int32, grace: Duration = .seconds(5)) {
        send(signal)
        reap(grace: grace)
    }

    /// Blocking: waits up to `grace` for the process to end, SIGKILLs it if it has not, and
    /// returns once it is reaped (or after 5 s more).
    public func reap(grace: Duration = .seconds(5)) {
        if !exited(within: grace) {
            send(SIGKILL)
            _ = exited(within: .seconds(5))
        }
    }

    /// Polls for the process's end for up to `timeout`; returns whether it ended.
    private func exited(within timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning, ContinuousClock.now < deadline {
            usleep(10_000)
        }
        return !isRunning
    }

    // MARK: - Log

    /// The whole log (every start).
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    /// The log of the current (or last) start.
    public var currentLog: String {
        let all = Array(log.utf8)
        guard startOffset < all.count else { return "" }
        return String(decoding: all[startOffset...], as: UTF8.self)
    }

    /// Appends a line of the harness's own (a marker) and returns the log size before it.
    @discardableResult
    public func appendToLog(_ text: String) -> Int {
        let handle = FileHandle(forWritingAtPath: logPath) ?? {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            return FileHandle(forWritingAtPath: logPath)!
        }()
        defer { try? handle.close() }
        let offset = Int((try? handle.seekToEnd()) ?? 0)
        handle.write(Data(text.utf8))
        return offset
    }

    /// Waits until `predicate` holds for the log of the current start.
    public func waitForLog(
        _ what: String,
        timeout: Duration = .seconds(10),
        _ predicate: (String) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if predicate(currentLog) { return }
            if let status = checkExit() {
                throw HarnessError("\(name) \(status) while waiting for \(what)\n\(tail())")
            }
            if ContinuousClock.now >= deadline {
                throw HarnessError("\(name): no \(what) within \(timeout)\n\(tail())")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits for the "up" line and the client socket.
    public func waitUntilReady(timeout: Duration = .seconds(20)) async throws {
        try await waitForLog("start-up", timeout: timeout) { log in
            log.contains("up: peers on port \(port == 0 ? "" : "\(port)")") && FileManager.default.fileExists(atPath: clientSocketPath)
        }
    }

    /// The last lines of the log, for failure messages.
    public func tail(_ lines: Int = 30) -> String {
        let all = log.split(separator: "\n", omittingEmptySubsequences: false)
        return "--- last lines of \(name)'s log (\(logPath)):\n" + all.suffix(lines).joined(separator: "\n")
    }

    // MARK: - What the log says

    /// Log lines of the current start that contain `text`.
    public func lines(containing text: String, wholeLog: Bool = false) -> [Substring] {
        (wholeLog ? log : currentLog).split(separator: "\n").filter { $0.contains(text) }
    }

    /// Whether the last "peer NAME (...) up/down" line of the current start says up.
    public func peerIsUp(_ peer: String) -> Bool {
        guard let last = lines(containing: "peer \(peer) (").last else { return false }
        return last.contains(") up")
    }

    /// The parent in the last "route of TOPOLOGY: ... -> ..." line: `nil` when there is
    /// no route line, `"(root)"` at the root, `"none"` without a route.
    public func loggedParent(_ topology: String) -> String? {
        guard let last = lines(containing: "route of \(topology): ").last,
              let arrow = last.range(of: " -> ", options: .backwards)
        else { return nil }
        let after = last[arrow.upperBound...]
        if after.hasPrefix("none") { return "none" }
        guard let start = after.range(of: "parent ") else { return nil }
        let rest = after[start.upperBound...]
        return String(rest.prefix { $0 != "," })
    }
}

/// A harness step that did not come about (a process that did not start, a log line that
/// did not come), with what the processes logged.
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
