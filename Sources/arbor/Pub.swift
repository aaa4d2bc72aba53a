import ArborClient
import ArborCore
import ArgumentParser
import Foundation
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `arbor pub TOPOLOGY TOPIC`: publishes lines of standard input, or generated payloads,
/// through the local node.
struct Pub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish messages to a topology through the local node.",
        discussion: """
            Without --size, publishes each line of standard input (without its newline) as \
            one message, until the end of input or --count messages. With --size, publishes \
            generated payloads of B bytes, --count of them (without --count: until \
            interrupted); each starts with '#SEQUENCE @NANOSECONDS ' (the publication time \
            since the Unix epoch) and is padded with dots, so that 'arbor sub --summary' can \
            measure latency. Messages go out without acknowledgement, batched; at the end \
            the command waits until the node handled them all and prints one summary line \
            on standard error (messages, seconds, messages per second). A refusal by the \
            node ends it with status 1 and the node's reason.
            """
    )

    @Argument(help: "The topology, like nasdaq.quotes.")
    var topology: String

    @Argument(help: "The topic of every message, like AAPL.")
    var topic: String

    @Option(help: ArgumentHelp("Stop after N messages.", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Messages per second (0 or absent: as fast as possible).", valueName: "r"))
    var rate: Double?

    @Option(help: ArgumentHelp("Generate payloads of B bytes instead of reading standard input.", valueName: "b"))
    var size: Int?

    @OptionGroup
    var connection: ClientOptions

    func validate() throws {
        _ = try topologyArgument(topology)
        if Topic(topic).bytes.count > 1024 {
            throw ValidationError("a topic is at most 1024 bytes")
        }
        if let count, count < 0 { throw ValidationError("--count must be 0 or more") }
        if let rate, !(rate >= 0 && rate.isFinite) { throw ValidationError("--rate must be 0 or more") }
        if let size, !(0...(1 << 20)).contains(size) {
            throw ValidationError("--size must be between 0 and 1048576 bytes")
        }
    }

    func run() async throws {
        let topology = try topologyArgument(self.topology)
        let topic = Topic(self.topic)
        let reporter = FailureReporter(command: "arbor pub")
        let client = await connection.connect(defaultName: "arbor-pub", reporter: reporter)

        // The node reports refusals of unacknowledged messages as events; stop at the first.
        let watcher = Task {
            do {
                for try await event in client.events {
                    if case .error(let error) = event { reporter.fail(error.description) }
                }
            } catch {
                reporter.fail("\(error)")
            }
        }

        var publisher = Publisher(client: client, topology: topology, topic: topic, rate: rate ?? 0)
        do {
            if let size {
                try await publisher.generate(size: size, count: count)
            } else {
                try await publisher.publishLines(count: count)
            }
            try await client.flush()
        } catch {
            reporter.fail(error.description)
        }
        let seconds = Double(monotonicNanoseconds() - publisher.started) / 1e9
        await client.close()
        watcher.cancel()
        let published = publisher.published
        let perSecond = seconds > 0 ? Double(published) / seconds : 0
        printError("published \(arbor.count(published, "message")) in \(formatted(seconds)) s: \(formatted(perSecond)) msgs/s")
    }
}

/// The publishing loop of `arbor pub`, with its pacing.
private struct Publisher {
    let client: ClientConnection
    let topology: TopologyName
    let topic: Topic
    /// Nanoseconds between messages; 0 for no pacing.
    let interval: Double
    private(set) var started = monotonicNanoseconds()
    private(set) var published = 0

    init(client: ClientConnection, topology: TopologyName, topic: Topic, rate: Double) {
        self.client = client
        self.topology = topology
        self.topic = topic
        self.interval = rate > 0 ? 1e9 / rate : 0
    }

    /// Publishes generated payloads of `size` bytes.
    mutating func generate(size: Int, count: Int?) async throws(ArborClientError) {
        var payload = [UInt8](repeating: UInt8(ascii: "."), count: size)
        started = monotonicNanoseconds()
        while count.map({ published < $0 }) ?? true {
            GeneratedPayload.stamp(&payload, sequence: UInt64(published + 1), nanoseconds: wallClockNanoseconds())
            try await client.publishUnacknowledged(topology, topic: topic, payload: payload)
            published += 1
            if interval > 0 { await pace() }
        }
    }

    /// Publishes each line of standard input.
    mutating func publishLines(count: Int?) async throws(ArborClientError) {
        started = monotonicNanoseconds()
        var line: [UInt8] = []
        while count.map({ published < $0 }) ?? true {
            guard let chunk = await readStandardInput() else { break }
            for byte in chunk {
                if byte != UInt8(ascii: "\n") {
                    line.append(byte)
                    continue
                }
                try await client.publishUnacknowledged(topology, topic: topic, payload: line)
                line.removeAll(keepingCapacity: true)
                published += 1
                if let count, published >= count { return }
                if interval > 0 { await pace() }
            }
        }
        // A last line without a newline is a line too.
        if !line.isEmpty, count.map({ published < $0 }) ?? true {
            try await client.publishUnacknowledged(topology, topic: topic, payload: line)
            published += 1
        }
    }

    /// Sleeps while more than a millisecond ahead of the schedule `--rate` sets.
    private func pace() async {
        let due = started + Int64(Double(published) * interval)
        let ahead = due - monotonicNanoseconds()
        if ahead > 1_000_000 {
            try? await Task.sleep(nanoseconds: UInt64(ahead))
        }
    }

    /// The next chunk of standard input, read on NIO's blocking thread pool; `nil` at its end.
    private func readStandardInput() async -> [UInt8]? {
        let chunk = try? await NIOThreadPool.singleton.runIfActive { () -> [UInt8]? in
            var bytes = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = bytes.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return nil }
                bytes.removeSubrange(count...)
                return bytes
            }
        }
        return chunk ?? nil
    }
}
