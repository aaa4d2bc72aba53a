import ArborControl
import ArborTestSupport
import Foundation

/// A loopback overlay of real `arbord` processes forming a triangle, declared in a
/// topology file with root `a`:
///
///     a ──1── b ──1── c        and a standby link a ──5── c
///
/// so c's parent is b, and when b dies c re-grafts straight onto a. Each daemon has its
/// own run and state directories under one temporary directory and listens on a port the
/// kernel picks (read back from `/v1/status`); `a` also serves metrics. The daemons are
/// ``ArbordProcess``es (ArborTestSupport, as ArborIntegrationTests' `Cluster` starts them):
/// ended by PID only, and all of them when the overlay is stopped or released.
final class LoopbackOverlay {
    static let topology = "demo.quotes"
    static let topologyFile = """
        topologies:
          - name: demo.quotes
            description: A triangle; c has a standby link to the root
            root: a
            nodes: [a, b, c]
            links:
              - { between: [a, b], cost: 1 }
              - { between: [b, c], cost: 1 }
              - { between: [a, c], cost: 5 }

        """

    struct Node {
        let process: ArbordProcess
        /// The peer address it listens on (the kernel picked the port).
        let listen: String
        let metrics: String?

        var name: String { process.name }
        var runDirectory: String { process.runDirectory }
        var client: ControlClient { ControlClient(runDirectory: runDirectory) }
        var controlSocket: String { process.controlSocketPath }
        var clientSocket: String { process.clientSocketPath }
    }

    let directory: String
    private(set) var nodes: [String: Node] = [:]

    /// Starts a, then b (dialling a), then c (dialling a and b), and waits until every
    /// node has its two peers up.
    convenience init() throws {
        try self.init(empty: ())
        do {
            try start("a", peers: [], metrics: true)
            try start("b", peers: ["a"])
            try start("c", peers: ["a", "b"])
            let linked = try eventually {
                try ["a", "b", "c"].allSatisfy { name in
                    try get(name, ControlPath.peers, as: [PeerDocument].self).filter { $0.state == "up" }.count == 2
                }
            }
            guard linked else { throw OverlayError("the three nodes did not link up within 20 s\n" + logs()) }
        } catch {
            stop()
            throw error
        }
    }

    /// No node yet: a test starts its own with ``start(_:peers:metrics:discovery:environment:umask:)``.
    init(empty: Void) throws {
        directory = NSTemporaryDirectory() + "arbor-control-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(Self.topologyFile.utf8).write(to: URL(fileURLWithPath: directory + "/demo.yaml"))
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    subscript(name: String) -> Node {
        nodes[name]!
    }

    /// Starts node `name` dialling `peers` and waits for its control socket to answer.
    /// `discovery` is passed as `--discovery` (nil: none given, arbord's default, avahi);
    /// `environment` is added to the test's; with `umask`, arbord runs under that umask
    /// (through `sh -c 'umask M; exec arbord ...'`, so the PID is still arbord's).
    func start(
        _ name: String, peers: [String], metrics: Bool = false, discovery: String? = "static",
        environment: [String: String] = [:], umask: String? = nil
    ) throws {
        var arguments = [
            "--topologies", directory + "/demo.yaml",
            // Three seconds of silence before a peer is declared dead: the two cores may be
            // busy with builds, and a starved daemon must not look failed. Killed nodes are
            // noticed at once anyway (their connections close).
            "--dead-after", "30",
        ]
        for peer in peers {
            arguments += ["--peer", nodes[peer]!.listen]
        }
        if metrics {
            arguments += ["--metrics", "127.0.0.1:0"]
        }
        let process = ArbordProcess(
            name: name, port: 0, directory: directory + "/" + name, arguments: arguments, discovery: discovery,
            environment: environment, umask: umask
        )
        nodes[name] = Node(process: process, listen: "", metrics: nil)
        try process.start()
        let client = ControlClient(runDirectory: process.runDirectory)
        var status: StatusDocument?
        _ = eventually {
            status = try? client.get(ControlPath.status, timeout: .seconds(2)).decode(StatusDocument.self)
            return status != nil || !process.isRunning
        }
        guard let status else {
            throw OverlayError("arbord \(name) did not answer on its control socket\n" + logs())
        }
        nodes[name] = Node(process: process, listen: status.listen, metrics: status.metrics)
    }

    /// GETs `target` from node `name` and decodes the answer.
    func get<T: Decodable>(_ name: String, _ target: String, as type: T.Type) throws -> T {
        try self[name].client.get(target, timeout: .seconds(5)).decode(type)
    }

    /// Kills node `name` with SIGKILL (a crash) and waits for it to be gone.
    func crash(_ name: String) {
        nodes[name]?.process.end(with: SIGKILL)
    }

    /// Ends every node still running: SIGTERM (graceful), SIGKILL after 5 s.
    func stop() {
        for node in nodes.values {
            node.process.send(SIGTERM)
        }
        for node in nodes.values {
            node.process.reap()
        }
    }

    /// Everything node `name` logged so far.
    func log(_ name: String) -> String {
        nodes[name]?.process.log ?? ""
    }

    /// The daemons' logs, for failure messages.
    func logs() -> String {
        nodes.keys.sorted().map { nodes[$0]!.process.tail(30) }.joined(separator: "\n")
    }
}

struct OverlayError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
