// arbor-discovery-probe: runs one AvahiDiscovery and prints one JSON line per event on
// stdout, for the mDNS integration tests (and for poking at a LAN by hand).
//
//   arbor-discovery-probe --id HEX32 [--name NAME] [--realm REALM] [--port PORT] [--inc N]
//                         [--proto MIN-MAX] [--retry-initial-ms MS] [--retry-max-ms MS]
//                         [--log-level LEVEL]
//
// stdout lines: {"t":<ms since start>,"event":"started"|"appeared"|"vanished"|"state"|"stopped",...}
// stderr: the library's log (swift-log, StreamLogHandler).
// stdin lines change the advertisement: "inc N", "realm R", "name N", "proto A-B", "port P";
// "stop" stops and exits. SIGTERM and SIGINT stop (withdrawing the service) and exit 0.

import ArborCore
import ArborDiscovery
import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

struct ProbeLine: Codable {
    var t: Int64
    var event: String
    var id: String? = nil
    var name: String? = nil
    var realm: String? = nil
    var inc: UInt64? = nil
    var proto: String? = nil
    var addresses: [String]? = nil
    var state: String? = nil
    var serviceName: String? = nil
    var reason: String? = nil
}

/// Writes JSON lines to stdout, one write per line under a lock (the event loop, the signal
/// queue and the stdin thread all print).
final class Output: Sendable {
    private let start = NIODeadline.now()
    private let lock = NIOLock()

    func emit(_ line: ProbeLine) {
        var line = line
        line.t = (NIODeadline.now() - start).nanoseconds / 1_000_000
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(line), let text = String(data: data, encoding: .utf8) else { return }
        lock.withLock {
            FileHandle.standardOutput.write(Data((text + "\n").utf8))
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("arbor-discovery-probe: \(message)\n".utf8))
    exit(64)
}

@Sendable func line(for event: DiscoveryEvent) -> ProbeLine {
    switch event {
    case .appeared(let peer):
        return ProbeLine(
            t: 0, event: "appeared", id: peer.id.description, name: peer.name, realm: peer.realm,
            inc: peer.incarnation, proto: peer.protocolVersions.description,
            addresses: peer.addresses.map(\.description))
    case .vanished(let id):
        return ProbeLine(t: 0, event: "vanished", id: id.description)
    case .staticPeerAdded(let peer):
        return ProbeLine(t: 0, event: "staticPeerAdded", addresses: [peer.address.description])
    case .staticPeerRemoved(let peer):
        return ProbeLine(t: 0, event: "staticPeerRemoved", addresses: [peer.address.description])
    case .state(let state):
        switch state {
        case .starting:
            return ProbeLine(t: 0, event: "state", state: "starting")
        case .running(let serviceName):
            return ProbeLine(t: 0, event: "state", state: "running", serviceName: serviceName)
        case .waitingForDaemon:
            return ProbeLine(t: 0, event: "state", state: "waitingForDaemon")
        case .unavailable(let reason, _):
            return ProbeLine(t: 0, event: "state", state: "unavailable", reason: reason)
        }
    }
}

/// Stops the discovery once (withdrawing the service), says so, and exits 0.
final class Stopper: Sendable {
    private let discovery: AvahiDiscovery
    private let group: MultiThreadedEventLoopGroup
    private let output: Output
    private let stopped = NIOLockedValueBox(false)

    init(discovery: AvahiDiscovery, group: MultiThreadedEventLoopGroup, output: Output) {
        self.discovery = discovery
        self.group = group
        self.output = output
    }

    func stopAndExit() -> Never {
        let first = stopped.withLockedValue { stopped in
            defer { stopped = true }
            return !stopped
        }
        if first {
            discovery.stop()
            discovery.stop()  // idempotent
            output.emit(ProbeLine(t: 0, event: "stopped"))
            try? group.syncShutdownGracefully()
            exit(0)
        }
        while true { sleep(1) }
    }
}

@main
enum ProbeMain {
    static func main() {
        var options: [String: String] = [:]
        var arguments = CommandLine.arguments.dropFirst()
        while let flag = arguments.popFirst() {
            guard flag.hasPrefix("--"), let value = arguments.popFirst() else { fail("bad arguments near \(flag)") }
            options[String(flag.dropFirst(2))] = value
        }
        guard let idText = options["id"], let id = NodeID(hex: idText) else { fail("--id needs 32 hex digits") }
        guard let protocolVersions = ProtocolVersionRange(parsing: options["proto"] ?? "1-1") else { fail("bad --proto") }
        let advertisement = Advertisement(
            id: id,
            name: options["name"] ?? "probe-\(id.short)",
            realm: options["realm"] ?? "lab",
            incarnation: UInt64(options["inc"] ?? "1") ?? 1,
            port: Int(options["port"] ?? "7000") ?? 7000,
            protocolVersions: protocolVersions
        )
        var configuration = AvahiDiscoveryConfiguration()
        if let ms = options["retry-initial-ms"].flatMap(Int64.init) { configuration.retryInitial = .milliseconds(ms) }
        if let ms = options["retry-max-ms"].flatMap(Int64.init) { configuration.retryMaximum = .milliseconds(ms) }
        if let ms = options["refresh-ms"].flatMap(Int64.init) { configuration.refreshInterval = .milliseconds(ms) }
        let logLevel = options["log-level"].flatMap(Logger.Level.init(rawValue:)) ?? .info

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }

        let output = Output()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let discovery = AvahiDiscovery(configuration: configuration, logger: Logger(label: "arbor.discovery"))
        let stopper = Stopper(discovery: discovery, group: group, output: output)
        let loop = group.next()
        do {
            try discovery.start(advertising: advertisement, on: loop) { event in
                loop.preconditionInEventLoop()
                output.emit(line(for: event))
            }
        } catch {
            fail("start failed: \(error)")
        }
        output.emit(ProbeLine(t: 0, event: "started", id: id.description, name: advertisement.name, realm: advertisement.realm))

        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let signalSources = [SIGTERM, SIGINT].map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler { stopper.stopAndExit() }
            source.resume()
            return source
        }

        // Commands on stdin, on a thread of their own; EOF just ends the reading.
        let stdinThread = Thread {
            var current = advertisement
            while let text = readLine() {
                let words = text.split(separator: " ", maxSplits: 1).map(String.init)
                guard let command = words.first else { continue }
                let argument = words.count > 1 ? words[1] : ""
                switch command {
                case "inc": current.incarnation = UInt64(argument) ?? current.incarnation
                case "realm": current.realm = argument
                case "name": current.name = argument
                case "port": current.port = Int(argument) ?? current.port
                case "proto": current.protocolVersions = ProtocolVersionRange(parsing: argument) ?? current.protocolVersions
                case "stop":
                    DispatchQueue.main.async { stopper.stopAndExit() }
                    continue
                default: continue
                }
                discovery.update(current)
            }
        }
        stdinThread.start()

        withExtendedLifetime(signalSources) {
            dispatchMain()
        }
    }
}
