import ArborTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Publishes numbered messages (`TAG:INDEX`) on one topic at a steady rate from a thread
/// of its own, remembering when each one left, until stopped.
final class MessageStream: @unchecked Sendable {
    let tag: String
    let topic: String
    let rate: Int
    private let publisher: any Publisher
    private let lock = NSLock()
    private var sent: [ContinuousClock.Instant] = []
    private var stopping = false
    private var failure: String?
    private let finished = DispatchSemaphore(value: 0)

    init(publisher: any Publisher, topic: String, tag: String, rate: Int) {
        self.publisher = publisher
        self.topic = topic
        self.tag = tag
        self.rate = rate
    }

    func start() {
        startThread(named: "arbor-it-stream-\(tag)", signalling: finished) { [self] in run() }
    }

    private func run() {
        let interval = Duration.nanoseconds(1_000_000_000 / Int64(rate))
        let begin = ContinuousClock.now
        var index = 0
        while !lock.withLock({ stopping }) {
            // Catch up after a late wake-up rather than drift: message i leaves at begin + i·interval.
            let due = begin + interval * index
            let now = ContinuousClock.now
            if due > now {
                let wait = due - now
                usleep(UInt32(wait.components.attoseconds / 1_000_000_000_000 + wait.components.seconds * 1_000_000))
                continue
            }
            let leaving = ContinuousClock.now
            do {
                try publisher.publish(topic: topic, payload: Array("\(tag):\(index)".utf8))
            } catch {
                lock.withLock { failure = "publishing \(tag):\(index) failed: \(error)" }
                return
            }
            lock.withLock { sent.append(leaving) }
            index += 1
        }
    }

    /// Stops publishing and returns how many were published.
    @discardableResult
    func stop() -> Int {
        let first = lock.withLock {
            defer { stopping = true }
            return !stopping
        }
        if first {
            _ = finished.wait(timeout: .now() + 10)
        }
        return count
    }

    var count: Int { lock.withLock { sent.count } }
    var problem: String? { lock.withLock { failure } }

    /// When message `index` left.
    func sentAt(_ index: Int) -> ContinuousClock.Instant { lock.withLock { sent[index] } }

    /// Indices of the first message sent at or after `instant`.
    func firstIndex(sentAtOrAfter instant: ContinuousClock.Instant) -> Int? {
        lock.withLock { sent.firstIndex { $0 >= instant } }
    }

    /// The stream's messages among `messages`, in arrival order, with their index.
    func received(in messages: [ReceivedMessage]) -> [(index: Int, message: ReceivedMessage)] {
        let prefix = tag + ":"
        return messages.compactMap { message in
            let text = message.payloadText
            guard message.topic == topic, text.hasPrefix(prefix), let index = Int(text.dropFirst(prefix.count)) else { return nil }
            return (index, message)
        }
    }
}

/// What a subscriber saw of a stream, around one fault.
struct StreamReport: CustomStringConvertible {
    var published: Int
    var delivered: Int
    /// Indices never delivered.
    var missing: [Int]
    /// Messages delivered more than once (origin, incarnation, sequence), over everything
    /// the subscriber received.
    var duplicates: [MessageKey]
    /// Places where one origin's sequence went backwards.
    var outOfOrder: [String]
    /// From the fault to the first stream message that arrived after it.
    var gapAfterFault: Duration?

    init(stream: MessageStream, subscription: any Subscription, faultAt: ContinuousClock.Instant? = nil) {
        let all = subscription.messages
        let mine = stream.received(in: all)
        published = stream.count
        delivered = mine.count
        let indices = Set(mine.map(\.index))
        missing = (0..<published).filter { !indices.contains($0) }
        var seen: Set<MessageKey> = []
        duplicates = []
        for message in all where !seen.insert(message.key).inserted {
            duplicates.append(message.key)
        }
        var last: [String: UInt64] = [:]
        outOfOrder = []
        for message in all {
            let stream = "\(message.origin)/\(message.incarnation)"
            if let previous = last[stream], message.sequence <= previous {
                outOfOrder.append("\(message.key) after #\(previous)")
            }
            last[stream] = message.sequence
        }
        if let faultAt, let next = mine.first(where: { $0.message.arrival > faultAt }) {
            gapAfterFault = next.message.arrival - faultAt
        }
    }

    /// Missing indices as ranges, for messages.
    var missingRanges: String {
        var ranges: [String] = []
        var start: Int?
        var previous = -2
        for index in missing {
            if index != previous + 1 {
                if let start { ranges.append(start == previous ? "\(start)" : "\(start)-\(previous)") }
                start = index
            }
            previous = index
        }
        if let start { ranges.append(start == previous ? "\(start)" : "\(start)-\(previous)") }
        return ranges.isEmpty ? "none" : ranges.joined(separator: ",")
    }

    var description: String {
        let gap = gapAfterFault.map { String(format: "%.1f ms", $0.milliseconds) } ?? "n/a"
        return "published \(published), delivered \(delivered), missing [\(missingRanges)], duplicates \(duplicates.count), out of order \(outOfOrder.count), gap after fault \(gap)"
    }
}

extension Duration {
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}

/// Publishes `TOPIC` probes every 20 ms until one reaches `subscription`: interest has
/// travelled up the tree and data comes down it. Probes are tagged so streams ignore them.
func waitUntilFlowing(
    _ publisher: any Publisher,
    _ subscription: any Subscription,
    topic: String,
    timeout: Duration = .seconds(15)
) async throws {
    let deadline = ContinuousClock.now + timeout
    var probe = 0
    while ContinuousClock.now < deadline {
        try publisher.publish(topic: topic, payload: Array("probe:\(probe)".utf8))
        probe += 1
        try await Task.sleep(for: .milliseconds(20))
        if subscription.messages.contains(where: { $0.topic == topic && $0.payloadText.hasPrefix("probe:") }) {
            return
        }
    }
    throw HarnessError("no \(topic) probe reached the subscriber within \(timeout)")
}

/// Waits until `condition` holds, polling every 10 ms; false after `timeout`.
func eventually(timeout: Duration, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return true
}
