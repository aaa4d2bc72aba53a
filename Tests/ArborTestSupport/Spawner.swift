import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes (``spawnProcess(_:_:environment:input:output:error:)``) and keeps
/// track of them by PID.
///
/// Safety nets so that no `arbord` outlives the tests that started it:
/// - every child is started through `setpriv --pdeathsig KILL` (util-linux; it execs the
///   program, so the PID is the program's): the kernel kills it when the thread that
///   spawned it ends. Children are therefore spawned from one dedicated thread that lives
///   as long as the test process, never from a pool thread that may be retired.
/// - ``killAll()`` (used by every harness's teardown) and an `atexit` hook kill whatever
///   is still registered, by PID.
/// Only PIDs this spawner started are ever signalled or reaped (`waitpid(pid)`, never -1).
public final class Spawner: @unchecked Sendable {
    public static let shared = Spawner()

    public struct Request: Sendable {
        public var executable: String
        public var arguments: [String]
        /// Standard output and standard error are appended to this file.
        public var logPath: String
        public var environment: [String: String]

        public init(executable: String, arguments: [String], logPath: String, environment: [String: String]) {
            self.executable = executable
            self.arguments = arguments
            self.logPath = logPath
            self.environment = environment
        }
    }

    private let condition = NSCondition()
    private var queue: [(Request, (Result<pid_t, SpawnError>) -> Void)] = []
    private var live: Set<pid_t> = []
    private let setpriv: String?

    private init() {
        setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let thread = Thread { [unowned self] in self.serve() }
        thread.name = "arbor-test-spawner"
        thread.start()
        atexit {
            Spawner.shared.killAll()
        }
    }

    /// Starts `request` and returns the child's PID.
    public func spawn(_ request: Request) throws -> pid_t {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<pid_t, SpawnError>?
        condition.lock()
        queue.append((request, { result = $0; done.signal() }))
        condition.signal()
        condition.unlock()
        done.wait()
        let pid = try result!.get()
        condition.lock()
        live.insert(pid)
        condition.unlock()
        return pid
    }

    /// Reaps `pid` if it has ended; returns its status then, `nil` while it runs.
    public func poll(_ pid: pid_t) -> ExitStatus? {
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        guard reaped == pid else {
            if reaped < 0, errno == ECHILD {
                forget(pid)
                return .unknown
            }
            return nil
        }
        forget(pid)
        return ExitStatus(raw: status)
    }

    /// SIGKILLs every child still registered and reaps it.
    public func killAll() {
        condition.lock()
        let pids = live
        condition.unlock()
        for pid in pids {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            forget(pid)
        }
    }

    private func forget(_ pid: pid_t) {
        condition.lock()
        live.remove(pid)
        condition.unlock()
    }

    private func serve() {
        while true {
            condition.lock()
            while queue.isEmpty {
                condition.wait()
            }
            let (request, reply) = queue.removeFirst()
            condition.unlock()
            reply(start(request))
        }
    }

    private func start(_ request: Request) -> Result<pid_t, SpawnError> {
        var executable = request.executable
        var arguments = request.arguments
        if let setpriv {
            arguments = ["--pdeathsig", "KILL", "--", executable] + arguments
            executable = setpriv
        }
        return Result { () throws(SpawnError) in
            try spawnProcess(
                executable, arguments, environment: request.environment,
                output: .appending(to: request.logPath), error: .standardOutput
            )
        }
    }
}

/// How a child ended.
public enum ExitStatus: Equatable, CustomStringConvertible, Sendable {
    case exited(Int32)
    case signalled(Int32)
    /// Reaped elsewhere; should not happen.
    case unknown

    public init(raw status: Int32) {
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signalled(status & 0x7f)
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signalled(let signal): return "killed by signal \(signal)"
        case .unknown: return "ended (status unknown)"
        }
    }
}
