import ArborTestSupport
import Foundation
import Testing

/// The real mDNS LAN of tools/mdns-fixture, and arbor-discovery-probe processes on it.
///
/// Needs root, iproute2, dbus-daemon and avahi-daemon. Without them the tests are skipped
/// with the fixture's reason (`tools/mdns-fixture check`), unless
/// `ARBOR_REQUIRE_MDNS_TESTS=1` (tools/test sets it: CI has them), which makes them fail
/// with it instead; `ARBOR_SKIP_MDNS_TESTS=1` skips them in any case.
enum MDNSPaths {
    static let fixture = repositoryRoot.appendingPathComponent("tools/mdns-fixture").path

    static var probe: String { builtProgram("arbor-discovery-probe") }

    static var skipRequested: Bool {
        ProcessInfo.processInfo.environment["ARBOR_SKIP_MDNS_TESTS"] == "1"
    }

    /// Why the fixture cannot run here (what `tools/mdns-fixture check` says), or `nil`
    /// when it can or the tests are required to run.
    static let unavailable: String? = {
        guard ProcessInfo.processInfo.environment["ARBOR_REQUIRE_MDNS_TESTS"] != "1" else { return nil }
        guard let (status, output) = try? runCommand(fixture, ["check"]) else { return "cannot run \(fixture) check" }
        return status == 0 ? nil : output.trimmingCharacters(in: .whitespacesAndNewlines)
    }()
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

/// A child process started with posix_spawn and reaped with waitpid (Foundation's Process
/// did not notice its children exiting here). Its PID is the program's own.
final class Child: @unchecked Sendable {
    let pid: pid_t
    // `status` is guarded by `lock`.
    private let lock = NSLock()
    private var status: Int32?

    /// `stdin`, `stdout` and `stderr` are descriptors of ours for the child's 0, 1 and 2.
    init(_ path: String, _ arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32) throws {
        pid = try spawnProcess(path, arguments, input: .descriptor(stdin), output: .descriptor(stdout), error: .descriptor(stderr))
    }

    /// The exit status (or 128 + signal) once it has exited; nil while it runs.
    var exitStatus: Int32? {
        lock.withLock {
            if status == nil {
                var raw: Int32 = 0
                let reaped = waitpid(pid, &raw, WNOHANG)
                if reaped == pid {
                    let signal = raw & 0x7f
                    status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
                } else if reaped < 0 && errno == ECHILD {
                    status = -1  // reaped by someone else: gone, status unknown
                }
            }
            return status
        }
    }

    var isRunning: Bool { exitStatus == nil }

    func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// Waits (blocking, bounded) for the exit; SIGKILL at the deadline.
    @discardableResult
    func waitBlocking(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while isRunning && ContinuousClock.now < deadline { usleep(20_000) }
        if isRunning {
            signal(SIGKILL)
            let killDeadline = ContinuousClock.now + .seconds(5)
            while isRunning && ContinuousClock.now < killDeadline { usleep(20_000) }
            return nil
        }
        return exitStatus
    }
}

private func makePipe() -> (read: Int32, write: Int32) {
    var fds: [Int32] = [-1, -1]
    precondition(pipe(&fds) == 0, "pipe failed")
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    return (fds[0], fds[1])
}

/// Reads a descriptor to EOF on a thread of its own, handing each chunk to `sink`.
private func drain(_ fd: Int32, _ sink: @escaping @Sendable (Data) -> Void) {
    let thread = Thread {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count > 0 {
                sink(Data(buffer[0..<count]))
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        close(fd)
    }
    thread.start()
}

/// Runs a command to completion, bounded in time; returns its exit status and output.
@discardableResult
func runCommand(_ path: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> (Int32, String) {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("arbordisc-\(UUID().uuidString).out")
    let fd = open(output.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw FixtureError(description: "cannot create \(output.path)") }
    defer { try? FileManager.default.removeItem(at: output) }
    let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
    let child: Child
    do {
        child = try Child(path, arguments, stdin: null, stdout: fd, stderr: fd)
    } catch {
        close(fd)
        close(null)
        throw error
    }
    close(fd)
    close(null)
    let status = child.waitBlocking(timeout: timeout)
    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    guard let status else {
        throw FixtureError(description: "\(path) \(arguments.joined(separator: " ")) took longer than \(timeout): \(text)")
    }
    return (status, text)
}

/// One fixture LAN for the duration of a test. Tests using it must be serialized (one
/// bridge name).
final class MDNSLan {
    let hosts: [String]
    private var probes: [Probe] = []
    private let created = ContinuousClock.now

    /// `dual`: every host is also on a second LAN (eth1), so it is seen on two interfaces.
    init(hosts: [String], bare: [String] = [], dual: Bool = false) throws {
        signal(SIGPIPE, SIG_IGN)  // writing to a probe that has exited must not kill the tests
        let (checkStatus, checkOutput) = try runCommand(MDNSPaths.fixture, ["check"])
        guard checkStatus == 0 else {
            throw FixtureError(description: "the mDNS integration tests need root, iproute2, dbus and avahi-daemon: \(checkOutput)")
        }
        guard FileManager.default.isExecutableFile(atPath: MDNSPaths.probe) else {
            throw FixtureError(description: "probe binary not found at \(MDNSPaths.probe); run `swift build --product arbor-discovery-probe` (or set ARBOR_DISCOVERY_PROBE)")
        }
        self.hosts = hosts
        let arguments = ["up"] + (dual ? ["--dual"] : []) + bare.flatMap { ["--bare", $0] } + hosts
        let (status, output) = try runCommand(MDNSPaths.fixture, arguments)
        guard status == 0 else {
            _ = try? runCommand(MDNSPaths.fixture, ["down"])
            throw FixtureError(description: "tools/mdns-fixture up failed: \(output)")
        }
        print("timing: fixture up (\(hosts.count) hosts) took \(ContinuousClock.now - created)")
    }

    /// Starts a probe on `host`.
    func probe(
        on host: String, id: String, name: String, realm: String = "lab", port: Int = 7000,
        inc: UInt64 = 1, proto: String = "1-1", extra: [String] = []
    ) throws -> Probe {
        let probe = try Probe(
            host: host, id: id, name: name,
            arguments: ["--id", id, "--name", name, "--realm", realm, "--port", "\(port)", "--inc", "\(inc)",
                        "--proto", proto, "--log-level", "debug"] + extra)
        probes.append(probe)
        return probe
    }

    func fixture(_ arguments: String...) throws {
        let (status, output) = try runCommand(MDNSPaths.fixture, arguments)
        guard status == 0 else {
            throw FixtureError(description: "tools/mdns-fixture \(arguments.joined(separator: " ")) failed: \(output)")
        }
    }

    /// avahi-browse -rpt inside `host`: the resolved `_arbor._tcp` lines ("=;eth0;IPv4;name;…;txt").
    func browse(from host: String) throws -> [String] {
        let (_, output) = try runCommand(
            MDNSPaths.fixture, ["exec", host, "avahi-browse", "-rpt", "_arbor._tcp"], timeout: .seconds(20))
        return output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("=") }
    }

    /// Kills the probes still running, then removes the LAN.
    func tearDown() {
        let start = ContinuousClock.now
        for probe in probes { probe.kill() }
        let killed = ContinuousClock.now
        _ = try? runCommand(MDNSPaths.fixture, ["down"])
        print("timing: test body \(start - created), teardown: probes \(killed - start), fixture down \(ContinuousClock.now - killed)")
    }
}

/// One line the probe printed.
struct ProbeLine: Decodable, Sendable {
    var t: Int64
    var event: String
    var id: String?
    var name: String?
    var realm: String?
    var inc: UInt64?
    var proto: String?
    var addresses: [String]?
    var state: String?
    var serviceName: String?
    var reason: String?
}

/// An arbor-discovery-probe process inside a fixture host. The PID is the probe's own:
/// the fixture's `exec` and `ip netns exec` both exec.
final class Probe: @unchecked Sendable {
    // `lines`, `partial` and `errorText` are guarded by `lock`: reader threads append while
    // the test reads.
    private let lock = NSLock()
    private var lines: [ProbeLine] = []
    private var partial = Data()
    private var errorText = ""
    let host: String
    let id: String
    let name: String
    private let child: Child
    private let input: Int32

    init(host: String, id: String, name: String, arguments: [String]) throws {
        self.host = host
        self.id = id
        self.name = name
        let stdin = makePipe()
        let stdout = makePipe()
        let stderr = makePipe()
        child = try Child(
            MDNSPaths.fixture, ["exec", host, MDNSPaths.probe] + arguments,
            stdin: stdin.read, stdout: stdout.write, stderr: stderr.write)
        close(stdin.read)
        close(stdout.write)
        close(stderr.write)
        input = stdin.write
        drain(stdout.read) { [weak self] data in self?.received(data) }
        drain(stderr.read) { [weak self] data in
            let text = String(decoding: data, as: UTF8.self)
            self?.lock.withLock { self?.errorText += text }
        }
    }

    deinit {
        close(input)
    }

    private func received(_ data: Data) {
        lock.withLock {
            partial.append(data)
            while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                let line = partial[partial.startIndex..<newline]
                partial = Data(partial[partial.index(after: newline)...])
                if let decoded = try? JSONDecoder().decode(ProbeLine.self, from: Data(line)) {
                    lines.append(decoded)
                }
            }
        }
    }

    var events: [ProbeLine] { lock.withLock { lines } }
    var log: String { lock.withLock { errorText } }
    var isRunning: Bool { child.isRunning }
    var exitStatus: Int32? { child.exitStatus }

    /// The peers currently reported (appeared, not vanished since), by id.
    var peers: [String: ProbeLine] {
        var current: [String: ProbeLine] = [:]
        for line in events {
            switch line.event {
            case "appeared": current[line.id!] = line
            case "vanished": current[line.id!] = nil
            default: break
            }
        }
        return current
    }

    func send(_ command: String) {
        let bytes = Array((command + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
    }

    func terminate() { child.signal(SIGTERM) }

    func kill() {
        child.signal(SIGKILL)
        child.waitBlocking(timeout: .seconds(5))
    }

    func waitForExit(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while child.isRunning {
            guard ContinuousClock.now < deadline else {
                throw FixtureError(description: "probe \(name) on \(host) did not exit within \(timeout)\n\(dump())")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits until `condition` holds over the lines so far; fails with a dump otherwise.
    @discardableResult
    func wait(
        _ what: String, timeout: Duration = .seconds(15),
        until condition: ([ProbeLine]) -> Bool
    ) async throws -> Duration {
        let start = ContinuousClock.now
        let deadline = start + timeout
        while !condition(events) {
            guard ContinuousClock.now < deadline else {
                throw FixtureError(description: "probe \(name) on \(host): timed out after \(timeout) waiting for \(what)\n\(dump())")
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        return ContinuousClock.now - start
    }

    func waitForPeers(_ ids: Set<String>, timeout: Duration = .seconds(15)) async throws {
        try await wait("peers \(ids.sorted())", timeout: timeout) { _ in Set(self.peers.keys) == ids }
    }

    func dump() -> String {
        let rendered = events.map { line in
            "  \(line.t)ms \(line.event) \(line.id ?? "") \(line.name ?? "") \(line.state ?? "") \(line.serviceName ?? "") \(line.inc.map(String.init) ?? "") \(line.addresses ?? []) \(line.reason ?? "")"
        }
        return "events of \(name):\n" + rendered.joined(separator: "\n") + "\nlog of \(name):\n" + log.suffix(4000)
    }
}
