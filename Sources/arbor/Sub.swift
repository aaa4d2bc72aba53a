import ArborClient
import ArborCore
import ArborWire
import ArgumentParser
import Foundation

/// `arbor sub TOPOLOGY PREFIX...`: prints the messages of a topology through the local node.
struct Sub: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the messages of a topology whose topics start with the given prefixes.",
        discussion: """
            Prints one line per message: TOPIC ORIGIN SEQUENCE PAYLOAD, the payload as text \
            when it is printable UTF-8, else as 'base64:' and its Base64 (a topic that is \
            not printable is shown as 0x and hexadecimal). A gap notice prints as \
            '# gap ORIGIN FIRST-LAST'. With --json, one object per line: {"type":"message", \
            "topology", "topic", "origin", "incarnation", "sequence", "payload" (text, or \
            null when not UTF-8), "payload_base64"} or {"type":"gap", "topology", "origin", \
            "incarnation", "first", "last"}. Lines are written as soon as they arrive. \
            Exits 0 after --count messages, 1 with one line on standard error when the node \
            is not running, refuses, or closes the connection. An empty prefix ('') \
            subscribes to every message.
            """
    )

    @Argument(help: "The topology, like nasdaq.quotes.")
    var topology: String

    @Argument(help: "Topic prefixes to subscribe to (at least one).")
    var prefixes: [String]

    @Option(help: ArgumentHelp("Exit after N messages.", valueName: "n"))
    var count: Int?

    @Flag(help: "Print one JSON object per line.")
    var json = false

    @Flag(help: "At the end, print a summary line on standard error: messages, gaps, rate, and latency of 'arbor pub --size' payloads.")
    var summary = false

    @Flag(help: "Print no line per message (with --summary, for benchmarks).")
    var quiet = false

    @OptionGroup
    var connection: ClientOptions

    func validate() throws {
        _ = try topologyArgument(topology)
        if prefixes.isEmpty {
            throw ValidationError("give at least one prefix ('' for every message)")
        }
        if let prefix = prefixes.first(where: { $0.utf8.count > 1024 }) {
            throw ValidationError("prefix '\(prefix.prefix(20))...' is over 1024 bytes")
        }
        if let count, count < 1 { throw ValidationError("--count must be 1 or more") }
    }

    func run() async throws {
        let topology = try topologyArgument(self.topology)
        let reporter = FailureReporter(command: "arbor sub")
        let client = await connection.connect(defaultName: "arbor-sub", reporter: reporter)

        // Events are read while the subscriptions are made, so none waits on the other.
        let prefixes = self.prefixes.map { Topic($0) }
        let subscribing = Task {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for prefix in prefixes {
                        group.addTask { try await client.subscribe(topology, prefix: prefix) }
                    }
                    try await group.waitForAll()
                }
            } catch let error as ArborClientError {
                reporter.fail(error.description)
            } catch {
                reporter.fail("\(error)")
            }
        }

        var printer = MessagePrinter(json: json, quiet: quiet, measureLatency: summary)
        var events = client.events.makeAsyncIterator()
        // Read once: an @Option's getter is not free, and this loop runs per message.
        let limit = count ?? Int.max
        do {
            while printer.messages < limit, let event = try await events.next() {
                switch consume event {
                case .message(let message): printer.print(message)
                case .gap(let gap): printer.print(gap)
                case .error(let error): reporter.fail(error.description)
                }
                if !events.hasBufferedEvents { printer.output.flush() }
            }
        } catch {
            printer.output.flush()
            reporter.fail(error.description)
        }
        printer.output.flush()
        subscribing.cancel()
        await client.close()
        if summary { printError(printer.summary()) }
    }
}

/// Renders messages and gaps as `arbor sub` prints them, and keeps the figures of the summary.
private struct MessagePrinter {
    let json: Bool
    let quiet: Bool
    let measureLatency: Bool
    var output = StandardOutput()
    private(set) var messages = 0
    private var gaps = 0
    private var lost: UInt64 = 0
    private var first: Int64?
    private var last: Int64 = 0
    private var latencies: [Int64] = []
    /// The hexadecimal of the last origin seen: most messages come from few origins.
    private var origin: (id: NodeID, hex: String)?

    init(json: Bool, quiet: Bool, measureLatency: Bool) {
        self.json = json
        self.quiet = quiet
        self.measureLatency = measureLatency
    }

    mutating func print(_ message: DeliveredMessage) {
        messages += 1
        if measureLatency {
            let now = wallClockNanoseconds()
            if first == nil { first = now }
            last = now
            if let sent = GeneratedPayload.nanoseconds(in: message.payload) {
                latencies.append(now - sent)
            }
        }
        guard !quiet else { return }
        let originHex = hex(message.origin)
        if json {
            output.append("{\"type\":\"message\",\"topology\":")
            appendJSONString(message.topology.rawValue, to: &output)
            if let topic = String(validating: message.topic.bytes, as: UTF8.self) {
                output.append(",\"topic\":")
                appendJSONString(topic, to: &output)
            } else {
                output.append(",\"topic\":null,\"topic_base64\":\"")
                output.append(Data(message.topic.bytes).base64EncodedString())
                output.append(UInt8(ascii: "\""))
            }
            output.append(",\"origin\":\"\(originHex)\",\"incarnation\":")
            output.append(decimal: message.originIncarnation)
            output.append(",\"sequence\":")
            output.append(decimal: message.sequence)
            if let payload = String(validating: message.payload, as: UTF8.self) {
                output.append(",\"payload\":")
                appendJSONString(payload, to: &output)
            } else {
                output.append(",\"payload\":null")
            }
            output.append(",\"payload_base64\":\"")
            output.append(Data(message.payload).base64EncodedString())
            output.append("\"}\n")
        } else {
            if isPrintableText(message.topic.bytes), !message.topic.bytes.contains(UInt8(ascii: " ")),
                !message.topic.bytes.isEmpty
            {
                output.append(bytes: message.topic.bytes)
            } else {
                output.append("0x")
                output.append(hexBytes(message.topic.bytes))
            }
            output.append(UInt8(ascii: " "))
            output.append(originHex)
            output.append(UInt8(ascii: " "))
            output.append(decimal: message.sequence)
            output.append(UInt8(ascii: " "))
            if isPrintableText(message.payload) {
                output.append(bytes: message.payload)
            } else {
                output.append("base64:")
                output.append(Data(message.payload).base64EncodedString())
            }
            output.append(UInt8(ascii: "\n"))
        }
    }

    mutating func print(_ gap: GapNotice) {
        gaps += 1
        lost &+= gap.last &- gap.first &+ 1
        guard !quiet else { return }
        let originHex = hex(gap.origin)
        if json {
            output.append("{\"type\":\"gap\",\"topology\":")
            appendJSONString(gap.topology.rawValue, to: &output)
            output.append(",\"origin\":\"\(originHex)\",\"incarnation\":")
            output.append(decimal: gap.originIncarnation)
            output.append(",\"first\":")
            output.append(decimal: gap.first)
            output.append(",\"last\":")
            output.append(decimal: gap.last)
            output.append("}\n")
        } else {
            output.append("# gap \(originHex) ")
            output.append(decimal: gap.first)
            output.append(UInt8(ascii: "-"))
            output.append(decimal: gap.last)
            output.append(UInt8(ascii: "\n"))
        }
    }

    /// `received 1000000 messages, 0 gaps (0 lost) in 0.61 s: 1639344 msgs/s; latency ...`.
    func summary() -> String {
        let seconds = first.map { Double(last - $0) / 1e9 } ?? 0
        let perSecond = seconds > 0 ? Double(messages) / seconds : 0
        var line = "received \(count(messages, "message")), \(count(gaps, "gap")) (\(lost) lost) in \(formatted(seconds)) s: "
            + "\(formatted(perSecond)) msgs/s"
        if !latencies.isEmpty {
            let sorted = latencies.sorted()
            func at(_ fraction: Double) -> String {
                let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
                return formatted(Double(value) / 1e6)
            }
            line += "; latency ms p50 \(at(0.5)) p99 \(at(0.99)) max \(at(1))"
        }
        return line
    }

    private mutating func hex(_ id: NodeID) -> String {
        if let origin, origin.id == id { return origin.hex }
        let text = id.description
        origin = (id, text)
        return text
    }

    private func hexBytes(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
