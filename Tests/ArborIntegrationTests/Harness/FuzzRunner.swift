import ArborWire
import Foundation
import NIOCore

/// Plays fuzz cases against one socket from several connections at once (each case is
/// one connection: connect, write the bytes, end the stream, read until the node closes),
/// until every case ran or the time is up. The cases are fixed in advance from the seed,
/// so a run replays exactly; only their interleaving varies.
final class FuzzRunner: @unchecked Sendable {
    struct Outcome {
        var index: Int
        /// For TCP: the local port, which is how the node's log names the connection.
        var localPort: Int?
        /// What the node sent back.
        var answer: [UInt8]
        /// The connection could not even be opened.
        var connectFailure: String?
    }

    private let cases: [[UInt8]]
    private let connect: @Sendable () throws -> Socket
    private let lock = NSLock()
    private var next = 0
    private var outcomes: [Outcome] = []

    init(cases: [[UInt8]], connect: @escaping @Sendable () throws -> Socket) {
        self.cases = cases
        self.connect = connect
    }

    /// Runs with `workers` connections in flight; returns the outcomes of the cases that ran.
    func run(workers: Int, timeLimit: Duration, tcp: Bool) -> [Outcome] {
        let deadline = ContinuousClock.now + timeLimit
        let group = DispatchGroup()
        for worker in 0..<workers {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                while ContinuousClock.now < deadline {
                    let index: Int? = lock.withLock {
                        guard next < cases.count else { return nil }
                        defer { next += 1 }
                        return next
                    }
                    guard let index else { return }
                    let outcome = play(index, tcp: tcp)
                    lock.withLock { outcomes.append(outcome) }
                }
            }
            thread.name = "arbor-it-fuzz-\(worker)"
            thread.start()
        }
        group.wait()
        return lock.withLock { outcomes.sorted { $0.index < $1.index } }
    }

    private func play(_ index: Int, tcp: Bool) -> Outcome {
        let socket: Socket
        do {
            socket = try connect()
        } catch {
            return Outcome(index: index, localPort: nil, answer: [], connectFailure: "\(error)")
        }
        socket.setReadTimeout(.seconds(5))
        let port = tcp ? socket.localPort : nil
        // The node may close before taking everything (a broken frame): that is fine.
        try? socket.write(cases[index])
        socket.shutdownWrite()
        let answer = socket.readToEnd()
        socket.close()
        return Outcome(index: index, localPort: port, answer: answer, connectFailure: nil)
    }
}
