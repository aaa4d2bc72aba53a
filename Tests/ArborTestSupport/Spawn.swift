import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where a spawned program's standard input, output or error goes.
public enum SpawnedStream: Sendable {
    /// `/dev/null`.
    case null
    /// This file, created if missing, written at its end.
    case appending(to: String)
    /// A descriptor of this process (duplicated onto the child's).
    case descriptor(Int32)
    /// Standard error only: wherever standard output goes.
    case standardOutput
}

public struct SpawnError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Starts `executable` with `posix_spawn` (the one wrapper the tests share) and returns its
/// PID, which is the program's own: `arguments` are `argv` from `argv[1]` on. The child
/// starts with a clean signal state (nothing blocked, every signal at its default action):
/// a test process blocks or ignores signals (SIGPIPE, ...) and a child would inherit that,
/// and a daemon that ignores SIGTERM cannot be stopped. `environment` is the child's
/// whole environment.
public func spawnProcess(
    _ executable: String,
    _ arguments: [String],
    environment: [String: String] = ProcessInfo.processInfo.environment,
    input: SpawnedStream = .null,
    output: SpawnedStream,
    error: SpawnedStream
) throws(SpawnError) -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (stream, target) in [(input, Int32(0)), (output, 1), (error, 2)] {
        switch stream {
        case .null:
            posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
        case .appending(let path):
            posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        case .descriptor(let descriptor):
            posix_spawn_file_actions_adddup2(&actions, descriptor, target)
        case .standardOutput:
            posix_spawn_file_actions_adddup2(&actions, 1, target)
        }
    }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    var allSignals = sigset_t()
    sigemptyset(&noSignals)
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    let environ: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        argv.forEach { free($0) }
        environ.forEach { free($0) }
    }
    var pid: pid_t = 0
    let code = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
    guard code == 0 else {
        throw SpawnError("cannot start \(executable): \(String(cString: strerror(code)))")
    }
    return pid
}
