import Foundation
import Testing

/// The real mDNS LAN of tools/mdns-fixture, and arbor-discovery-probe processes on it.
///
/// Needs root, iproute2, dbus-daemon and avahi-daemon. When they are missing the tests fail
/// with the fixture's message (CI installs them); `ARBOR_SKIP_MDNS_TESTS=1` skips them
/// explicitly instead.
enum MDNSPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixture = packageRoot.appendingPathComponent("tools/mdns-fixture").path

    /// The probe sits next to the test binary in the build directory.
    static var probe: String {
        if let path = ProcessInfo.processInfo.environment["ARBOR_DISCOVERY_PROBE"] { return path }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // macOS-style bundles (…/X.xctest/Contents/MacOS/X) do not occur on Linux, but be safe.
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("arbor-discovery-probe").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return executable.deletingLastPathComponent().appendingPathComponent("arbor-discovery-probe").path
    }

    static var skipRequested: Bool {
        ProcessInfo.processInfo.environment["ARBOR_SKIP_MDNS_TESTS"] == "1"
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

/// Runs a command to completion, bounded in time; returns its exit status and output.
@discardableResult
func runCommand(_ path: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> (Int32, String) {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("arbordisc-\(UUID().uuidString).out")
    FileManager.default.createFile(atPath: output.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: output) }
    let handle = try FileHandle(forWritingTo: output)
    defer { try? handle.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardOutput = handle
    process.standardError = handle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = ContinuousClock.now + timeout
    while process.isRunning && ContinuousClock.now < deadline {
        usleep(20_000)
    }
    if process.isRunning {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        throw FixtureError(description: "\(path) \(arguments.joined(separator: " ")) took longer than \(timeout)")
    }
    let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    return (process.terminationStatus, text)
}

/// One fixture LAN for the duration of a test. Tests using it must be serialized (one
/// bridge name).
final class MDNSLan {
    let hosts: [String]
    private var probes: [Probe] = []

    init(hosts: [String], bare: [String] = []) throws {
        let (checkStatus, checkOutput) = try runCommand(MDNSPaths.fixture, ["check"])
        guard checkStatus == 0 else {
            throw FixtureError(description: "the mDNS integration tests need root, iproute2, dbus and avahi-daemon: \(checkOutput)")
        }
        guard FileManager.default.isExecutableFile(atPath: MDNSPaths.probe) else {
            throw FixtureError(description: "probe binary not found at \(MDNSPaths.probe); run `swift build --product arbor-discovery-probe` (or set ARBOR_DISCOVERY_PROBE)")
        }
        self.hosts = hosts
        let arguments = ["up"] + bare.flatMap { ["--bare", $0] } + hosts
        let (status, output) = try runCommand(MDNSPaths.fixture, arguments)
        guard status == 0 else {
            _ = try? runCommand(MDNSPaths.fixture, ["down"])
            throw FixtureError(description: "tools/mdns-fixture up failed: \(output)")
        }
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
        for probe in probes { probe.kill() }
        _ = try? runCommand(MDNSPaths.fixture, ["down"])
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
    // `lines`, `partial` and `errorText` are guarded by `lock`: the pipes' handlers append
    // on Foundation's queues while the test reads.
    private let lock = NSLock()
    private var lines: [ProbeLine] = []
    private var partial = Data()
    private var errorText = ""
    let host: String
    let id: String
    let name: String
    private let process = Process()
    private let input = Pipe()

    init(host: String, id: String, name: String, arguments: [String]) throws {
        self.host = host
        self.id = id
        self.name = name
        let output = Pipe()
        let errors = Pipe()
        process.executableURL = URL(fileURLWithPath: MDNSPaths.fixture)
        process.arguments = ["exec", host, MDNSPaths.probe] + arguments
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = input
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil } else { self?.received(data) }
        }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            } else {
                let text = String(decoding: data, as: UTF8.self)
                self?.lock.withLock { self?.errorText += text }
            }
        }
        try process.run()
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
    var isRunning: Bool { process.isRunning }
    var exitStatus: Int32 { process.terminationStatus }

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
        input.fileHandleForWriting.write(Data((command + "\n").utf8))
    }

    func terminate() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGTERM) }
    }

    func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    func waitForExit(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
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
