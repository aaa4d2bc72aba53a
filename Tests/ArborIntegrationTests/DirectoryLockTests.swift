import ArborTestSupport
import ArborWire
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension MultiProcess {
    /// One node per directory: a second `arbord` on a running node's run directory or state
    /// directory is refused before it touches sockets or identity, and the first serves on.
    @Suite("One node per directory")
    struct DirectoryLockTests {
        @Test("a second arbord on the same run directory, then on the same state directory, exits non-zero naming the first's PID; the first keeps serving; after kill -9 a new node takes over the stale sockets", .timeLimit(.minutes(2)))
        func secondNodeIsRefused() async throws {
            let directory = "/tmp/arbor-it-" + String(UInt32.random(in: .min ... .max), radix: 16)
            defer {
                if ProcessInfo.processInfo.environment["ARBOR_IT_KEEP"] == nil {
                    try? FileManager.default.removeItem(atPath: directory)
                }
            }
            let ports = Ports.allocate(3)
            let first = ArbordProcess(name: "first", port: ports[0], directory: directory + "/first", arguments: [])
            try first.start()
            defer { Task { await first.kill9() } }
            try await first.waitUntilReady()
            let firstPID = try #require(first.pid)

            // The second node's run (then state) directory is a symbolic link to the
            // first's: the lock belongs to the directory, not to its path.
            for (index, shared) in ["run", "state"].enumerated() {
                let second = ArbordProcess(name: "second-\(shared)", port: ports[1 + index], directory: directory + "/second-\(shared)", arguments: [])
                try FileManager.default.createDirectory(atPath: second.directory, withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(atPath: second.directory + "/" + shared, withDestinationPath: first.directory + "/" + shared)
                try second.start()
                let status = await second.waitForExit(timeout: .seconds(20))
                if status == nil { await second.kill9() }
                #expect(status == .exited(1), "second arbord on the \(shared) directory: \(String(describing: status))\n\(second.tail())")
                let refusal = second.lines(containing: "is in use by arbord PID \(firstPID)").filter { $0.contains("critical") }
                #expect(!refusal.isEmpty, "no refusal naming PID \(firstPID)\n\(second.tail())")

                #expect(first.isRunning, "the first node died\n\(first.tail())")
                let session = try WireSession(path: first.clientSocketPath, name: "after-\(shared)")
                #expect(session.nodeName == "first")
                session.socket.close()
                let status2 = try ControlAPI(node: first).get("/v1/status") as? [String: Any]
                #expect(status2?["name"] as? String == "first", "control API: \(String(describing: status2))")
            }

            // The first dies without removing its sockets; a node started on its directories
            // gets the locks (the kernel dropped them) and replaces the stale sockets.
            await first.kill9()
            #expect(FileManager.default.fileExists(atPath: first.clientSocketPath))
            try first.start()
            try await first.waitUntilReady()
            let session = try WireSession(path: first.clientSocketPath, name: "after-restart")
            #expect(session.nodeName == "first")
            session.socket.close()
        }
    }
}
