import ArborCore
import ArborWire
import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Load generator and latency probe for tools/bench-reroute. It talks to nodes only through
/// their client sockets (and, for `reroute`, sends one signal to a PID it is given); it
/// starts no node itself (`seals` needs none). Each subcommand prints one JSON object on
/// standard output.
@main
struct ArborBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbor-bench",
        abstract: "Measure Arbor nodes that are already running (see tools/bench-reroute).",
        subcommands: [Reroute.self, Throughput.self, Latency.self, Seals.self]
    )
}

struct StreamOptions: ParsableArguments {
    @Option(help: "client.sock of the node the publisher attaches to.")
    var publisherSocket: String

    @Option(help: "client.sock of the node the subscriber attaches to.")
    var subscriberSocket: String

    @Option(help: "Topology name.")
    var topology: String

    @Option(help: "Topic of the stream (the subscriber subscribes to it as a prefix).")
    var topic = "AAPL"

    @Option(help: "Payload size in bytes (at least 8: the stream index).")
    var size = 100

    func topologyName() throws -> TopologyName {
        guard let name = TopologyName(topology) else { throw ValidationError("bad topology name \(topology)") }
        return name
    }
}

/// Streams at a fixed rate, sends SIGNAL to PID in the middle, and reports the gap at the
/// subscriber and the messages lost.
struct Reroute: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Gap and loss at the subscriber when a relay is signalled mid-stream.",
        discussion: """
            gap_ms: from the signal to the arrival of the first message published after it. \
            silence_ms: the longest time between two arrivals around the fault. lost: messages \
            published that never arrived (after a drain). duplicates: messages that arrived twice. \
            gaps: the GAP notices (origin sequences first-last); gap_covered: stream messages \
            inside them; lost_outside_gap: lost and in no GAP; gap_delivered: in a GAP and \
            delivered all the same (both 0 when the GAPs cover exactly what was lost).
            """
    )

    @OptionGroup var stream: StreamOptions

    @Option(help: "Messages per second.")
    var rate = 1000

    @Option(help: "PID of the relay to signal.")
    var pid: Int32

    @Option(help: "KILL, STOP or TERM.")
    var signal = "KILL"

    @Option(help: "Milliseconds of streaming before the signal.")
    var beforeMs = 1000

    @Option(help: "Milliseconds of streaming after the signal.")
    var afterMs = 2000

    func run() throws {
        let signals: [String: Int32] = ["KILL": SIGKILL, "STOP": SIGSTOP, "TERM": SIGTERM]
        guard let number = signals[signal.uppercased()] else { throw ValidationError("--signal must be KILL, STOP or TERM") }
        let total = rate * (beforeMs + afterMs) / 1000
        let faultIndex = rate * beforeMs / 1000
        var faultAt: UInt64 = 0
        let (counter, _) = try stream.paced(total, rate: rate, idle: 1.0) { index in
            guard index == faultIndex else { return }
            faultAt = monotonicNanoseconds()
            guard kill(pid, number) == 0 else { throw BenchError("kill(\(pid), \(signal)): \(String(cString: strerror(errno)))") }
        }
        let (arrivals, copies) = counter.snapshot()

        let lost = copies.filter { $0 == 0 }.count
        let lostIndices = copies.indices.filter { copies[$0] == 0 }
        let gaps = counter.gaps
        // Stream indices the GAPs name (the offset is known once any message arrived).
        var covered = Set<Int>()
        if let offset = counter.sequenceOffset {
            for range in gaps {
                for sequence in range where sequence >= offset && sequence - offset < UInt64(total) {
                    covered.insert(Int(sequence - offset))
                }
            }
        }
        let lostSet = Set(lostIndices)
        let firstAfter = (faultIndex..<total).first { copies[$0] > 0 }
        let gap = firstAfter.map { Double(arrivals[$0] - faultAt) / 1e6 }
        // The longest silence: between consecutive arrivals (in arrival order) from 100 ms
        // before the fault on.
        let times = arrivals.filter { $0 != 0 && $0 + 100_000_000 >= faultAt }.sorted()
        var silence = 0.0
        var silenceStart = 0.0
        for (earlier, later) in zip(times, times.dropFirst()) where Double(later - earlier) / 1e6 > silence {
            silence = Double(later - earlier) / 1e6
            silenceStart = (Double(earlier) - Double(faultAt)) / 1e6
        }
        let result: [String: Any] = [
            "signal": signal.uppercased(),
            "rate": rate,
            "published": total,
            "received": total - lost,
            "lost": lost,
            "lost_first": lostIndices.first.map { $0 - faultIndex } as Any,
            "lost_last": lostIndices.last.map { $0 - faultIndex } as Any,
            "duplicates": counter.duplicateCount,
            "gap_ms": gap as Any,
            "gaps": gaps.map { "\($0.lowerBound)-\($0.upperBound)" },
            "gap_covered": covered.count,
            "lost_outside_gap": lostSet.subtracting(covered).count,
            "gap_delivered": covered.subtracting(lostSet).count,
            "silence_ms": silence,
            "silence_starts_ms": silenceStart,
            "problems": counter.problems,
        ]
        print(try json(result))
    }
}

/// Publishes COUNT messages as fast as the node takes them and reports the rate at which
/// they arrive at the subscriber.
struct Throughput: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "End-to-end throughput from a publisher to a subscriber through the overlay.",
        discussion: """
            msgs_per_s: messages received divided by the time from the first publish to the \
            last arrival. publish_s: how long the publisher took to hand everything to its node.
            """
    )

    @OptionGroup var stream: StreamOptions

    @Option(help: "Messages to publish.")
    var count = 1_000_000

    @Option(help: "Publish in writes of this many messages.")
    var batch = 256

    func run() throws {
        let topology = try stream.topologyName()
        let topic = Array(stream.topic.utf8)
        let (publisher, subscriber) = try connectStream(
            publisherSocket: stream.publisherSocket,
            subscriberSocket: stream.subscriberSocket,
            topology: topology,
            topic: topic
        )
        let counter = MessageCounter(connection: subscriber, topic: topic, expected: count)
        counter.start()
        var frames = try StreamFrames(connection: publisher, topology: topology, topic: topic, size: stream.size)
        var out: [UInt8] = []
        out.reserveCapacity(batch * frames.frameSize)
        let begin = monotonicNanoseconds()
        var index = 0
        while index < count {
            out.removeAll(keepingCapacity: true)
            let end = min(index + batch, count)
            while index < end {
                frames.append(index, to: &out)
                index += 1
            }
            try publisher.write(out)
        }
        let published = monotonicNanoseconds()
        let complete = counter.wait(for: count, idle: 5.0)
        let last = counter.lastArrivalNanoseconds
        counter.stop()
        let received = counter.receivedCount
        let seconds = Double(last - begin) / 1e9
        let result: [String: Any] = [
            "count": count,
            "size": stream.size,
            "received": received,
            "complete": complete,
            "duplicates": counter.duplicateCount,
            "seconds": seconds,
            "publish_s": Double(published - begin) / 1e9,
            "msgs_per_s": Double(received) / seconds,
            "problems": counter.problems,
        ]
        print(try json(result))
        if !complete { throw ExitCode(1) }
    }
}

/// Streams at a fixed rate, below what the path can carry, and reports the latency of each
/// message from its write by the publisher to its arrival at the subscriber.
struct Latency: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Latency percentiles of a fixed-rate stream from a publisher to a subscriber.",
        discussion: """
            latency_ms: p50, p90, p99 and max over the messages that arrived, from the moment the \
            publisher wrote a message to its node's socket to its arrival at the subscriber (one \
            monotonic clock: both ends run in this process). lost: messages that never arrived.
            """
    )

    @OptionGroup var stream: StreamOptions

    @Option(help: "Messages per second.")
    var rate = 10_000

    @Option(help: "Seconds of streaming.")
    var seconds = 10

    func run() throws {
        guard rate > 0, rate <= 1_000_000, seconds > 0, seconds <= 600 else {
            throw ValidationError("--rate must be 1...1000000 and --seconds 1...600")
        }
        let total = rate * seconds
        let (counter, sentAt) = try stream.paced(total, rate: rate, idle: 2.0)
        let (arrivals, _) = counter.snapshot()
        var latencies: [Double] = []
        latencies.reserveCapacity(total)
        for index in 0..<total where arrivals[index] != 0 {
            latencies.append(Double(arrivals[index] &- sentAt[index]) / 1e6)
        }
        latencies.sort()
        func percentile(_ fraction: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))]
        }
        let result: [String: Any] = [
            "rate": rate,
            "size": stream.size,
            "published": total,
            "received": latencies.count,
            "lost": total - latencies.count,
            "duplicates": counter.duplicateCount,
            "latency_ms": ["p50": percentile(0.5), "p90": percentile(0.9), "p99": percentile(0.99), "max": latencies.last ?? 0],
            "problems": counter.problems,
        ]
        print(try json(result))
    }
}

extension StreamOptions {
    /// Publishes `total` messages at `rate` per second (paced from 1 ms from now) while a
    /// counter reads the subscriber; `beforeEach(index)` runs before message `index` waits
    /// for its moment. Returns once all arrived or none for `idle` seconds, with the stopped
    /// counter and each message's write time (monotonic nanoseconds).
    func paced(
        _ total: Int,
        rate: Int,
        idle: Double,
        beforeEach: (Int) throws -> Void = { _ in }
    ) throws -> (counter: MessageCounter, sentAt: [UInt64]) {
        let topology = try topologyName()
        let topic = Array(self.topic.utf8)
        let (publisher, subscriber) = try connectStream(
            publisherSocket: publisherSocket,
            subscriberSocket: subscriberSocket,
            topology: topology,
            topic: topic
        )
        let counter = MessageCounter(connection: subscriber, topic: topic, expected: total)
        counter.start()
        var frames = try StreamFrames(connection: publisher, topology: topology, topic: topic, size: size)
        let interval = UInt64(1_000_000_000 / rate)
        let begin = monotonicNanoseconds() + 1_000_000
        var sentAt = [UInt64](repeating: 0, count: total)
        var out: [UInt8] = []
        for index in 0..<total {
            try beforeEach(index)
            sleepUntil(begin + UInt64(index) * interval)
            out.removeAll(keepingCapacity: true)
            frames.append(index, to: &out)
            sentAt[index] = monotonicNanoseconds()
            try publisher.write(out)
        }
        _ = counter.wait(for: total, idle: idle)
        counter.stop()
        return (counter, sentAt)
    }
}

private func json(_ object: [String: Any]) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}
