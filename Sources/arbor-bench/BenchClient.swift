import ArborControl
import ArborCore
import ArborWire
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// A blocking connection to a node's client socket, after HELLO/WELCOME. Frames are built
/// with ArborWire's encoder; the hot paths (publishing a stream, counting messages) work on
/// raw bytes so that the benchmark measures the node, not this program.
final class BenchConnection: @unchecked Sendable {
    let fd: Int32
    let path: String
    private let encoder = ClientFrameEncoder()
    private let decoder = ClientFrameDecoder()
    private var inbound = ByteBuffer()

    init(path: String, name: String) throws {
        self.path = path
        do {
            fd = try UnixSocket.connect(path: path)
        } catch {
            throw BenchError(error.description)
        }
        // Large socket buffers: fewer wake-ups on both sides.
        var size: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        try send(.hello(id: 1, versions: ClientProtocol.versions, clientName: name))
        guard case .welcome = try next() else { throw BenchError("\(path): no WELCOME") }
    }

    func send(_ request: ClientRequest) throws {
        var buffer = ByteBuffer()
        try encoder.encode(request, into: &buffer)
        try write(Array(buffer.readableBytesView))
    }

    /// The bytes of `request` as a frame.
    func frame(_ request: ClientRequest) throws -> [UInt8] {
        var buffer = ByteBuffer()
        try encoder.encode(request, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written < 0 {
                    if errno == EINTR { continue }
                    throw BenchError("write to \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    /// The next decoded response (for the set-up phase).
    func next() throws -> ClientResponse {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let response = try decoder.nextResponse(from: &inbound) { return response }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw BenchError("\(path) closed the connection") }
            inbound.writeBytes(chunk[0..<count])
        }
    }

    /// Sends `request` and waits for its OK (other frames in between are ignored).
    func call(_ request: ClientRequest) throws {
        try send(request)
        while true {
            switch try next() {
            case .ok(let id) where id == request.id: return
            case .error(let id, let code, let text) where id == request.id: throw BenchError("\(request.type) refused: \(code): \(text)")
            default: continue
            }
        }
    }

    /// Bytes read during set-up but not yet consumed (handed to the fast reader).
    func takeLeftover() -> ByteBuffer {
        defer { inbound = ByteBuffer() }
        return inbound
    }

    func shutdownBoth() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    deinit {
        close(fd)
    }
}

/// Counts the MESSAGE frames of one topic as they arrive, on a thread of its own, with the
/// arrival time of each (monotonic nanoseconds) indexed by the stream's own counter,
/// which the publisher puts in the first 8 bytes of every payload; and the GAP notices, in
/// the origin's sequences (``gaps``; ``sequenceOffset`` maps them to stream indices).
final class MessageCounter: @unchecked Sendable {
    let connection: BenchConnection
    let topicLength: Int
    let expected: Int
    /// Arrival time per stream index (0 = not arrived), and how often each arrived.
    private(set) var arrivals: [UInt64]
    private(set) var copies: [UInt8]
    private let lock = NSLock()
    private var received = 0
    private var duplicates = 0
    private var otherFrames = 0
    private var errors: [String] = []
    private var lastArrival: UInt64 = 0
    private var gapRanges: [ClosedRange<UInt64>] = []
    /// The origin's sequence minus the stream index, read from the first message counted.
    private var offset: UInt64?
    private let done = DispatchSemaphore(value: 0)

    init(connection: BenchConnection, topic: [UInt8], expected: Int) {
        self.connection = connection
        topicLength = topic.count
        self.expected = expected
        arrivals = [UInt64](repeating: 0, count: expected)
        copies = [UInt8](repeating: 0, count: expected)
    }

    func start() {
        let thread = Thread { [self] in
            run()
            done.signal()
        }
        thread.name = "bench-counter"
        thread.start()
    }

    private func run() {
        var frames = FrameStream(RawFrameDecoder())
        guard read(connection.takeLeftover(), from: &frames) else { return }
        var received = ByteBufferAllocator().buffer(capacity: 4 << 20)
        while true {
            // The buffer of the last read, again, unless the stream kept the start of a
            // frame from it (then a fresh one).
            received.clear()
            var result = 0
            received.writeWithUnsafeMutableBytes(minimumWritableBytes: 4 << 20) { buffer in
                result = recv(connection.fd, buffer.baseAddress, buffer.count, 0)
                return max(result, 0)
            }
            if result <= 0 {
                if result < 0, errno == EINTR { continue }
                return
            }
            guard read(received, from: &frames) else { return }
        }
    }

    /// Counts the stream's messages among the frames `received` completes; false after an
    /// error (noted in ``problems``).
    private func read(_ received: ByteBuffer, from frames: inout FrameStream<RawFrameDecoder>) -> Bool {
        let now = monotonicNanoseconds()
        var newlyReceived = 0
        guard var bytes = frames.take(appending: received) else { return false }
        do {
            while let frame = try frames.next(from: &bytes) {
                if frame.type == ClientFrameType.message.rawValue {
                    newlyReceived += note(frame.body, at: now)
                } else if frame.type == ClientFrameType.gap.rawValue {
                    noteGap(frame.body)
                } else if frame.type == ClientFrameType.error.rawValue {
                    lock.withLock { errors.append("ERROR frame from the node") }
                }
            }
        } catch {
            lock.withLock { errors.append("\(error)") }
            return false
        }
        _ = frames.keep(bytes)
        if newlyReceived > 0 {
            lock.withLock {
                self.received += newlyReceived
                lastArrival = now
            }
        }
        return true
    }

    /// Notes the arrival of the MESSAGE whose body is `body` if it is one of the stream's:
    /// 1 if it is the first copy of its index, else 0. Only the topic's length and the
    /// index are read (origin 16, incarnation 8, sequence 8, topology (1 + n), topic
    /// (2 + m), payload (4 + k)).
    private func note(_ body: ByteBuffer, at now: UInt64) -> Int {
        let start = body.readerIndex
        guard let topologyLength = body.getInteger(at: start + 32, as: UInt8.self) else { return 0 }
        let topicAt = start + 33 + Int(topologyLength)
        let payloadAt = topicAt + 2 + topicLength + 4
        guard body.getInteger(at: topicAt, as: UInt16.self) == UInt16(topicLength),
            let index = body.getInteger(at: payloadAt, as: UInt64.self).map({ Int(truncatingIfNeeded: $0) })
        else {
            lock.withLock { otherFrames += 1 }
            return 0
        }
        guard index >= 0, index < expected else { return 0 }
        if offset == nil, let sequence = body.getInteger(at: start + 24, as: UInt64.self) {
            lock.withLock { offset = sequence &- UInt64(index) }
        }
        copies[index] &+= 1
        if copies[index] > 1 {
            lock.withLock { duplicates += 1 }
            return 0
        }
        arrivals[index] = now
        return 1
    }

    /// Notes a GAP notice (origin 16, incarnation 8, first 8, last 8, topology): the
    /// sequences first...last of the origin's stream will not arrive.
    private func noteGap(_ body: ByteBuffer) {
        let start = body.readerIndex
        guard let first = body.getInteger(at: start + 24, as: UInt64.self),
            let last = body.getInteger(at: start + 32, as: UInt64.self), first <= last
        else {
            lock.withLock { errors.append("malformed GAP") }
            return
        }
        lock.withLock { gapRanges.append(first...last) }
    }

    /// The GAP notices received, in the origin's sequences, in arrival order.
    var gaps: [ClosedRange<UInt64>] { lock.withLock { gapRanges } }
    /// The origin's sequence of stream index 0 (nil before the first message): the node
    /// publishes only this stream in the topology, so sequence = index + offset.
    var sequenceOffset: UInt64? { lock.withLock { offset } }
    var receivedCount: Int { lock.withLock { received } }
    var duplicateCount: Int { lock.withLock { duplicates } }
    var problems: [String] { lock.withLock { errors } }
    var lastArrivalNanoseconds: UInt64 { lock.withLock { lastArrival } }

    /// Waits until `count` stream messages arrived, or nothing new came for `idle`.
    func wait(for count: Int, idle: Double) -> Bool {
        var lastCount = -1
        var lastChange = monotonicNanoseconds()
        while true {
            let now = receivedCount
            if now >= count { return true }
            if now != lastCount {
                lastCount = now
                lastChange = monotonicNanoseconds()
            } else if Double(monotonicNanoseconds() - lastChange) / 1e9 > idle {
                return false
            }
            usleep(1000)
        }
    }

    func stop() {
        connection.shutdownBoth()
        _ = done.wait(timeout: .now() + 5)
    }

    /// Copies of the arrival table (after stop).
    func snapshot() -> (arrivals: [UInt64], copies: [UInt8]) {
        lock.withLock { (arrivals, copies) }
    }
}

/// Publishes stream messages whose payload starts with the big-endian stream index.
struct StreamFrames {
    private var template: [UInt8]
    private let indexOffset: Int

    init(connection: BenchConnection, topology: TopologyName, topic: [UInt8], size: Int) throws {
        let payload = [UInt8](repeating: 0x2e, count: max(size, 8))
        template = try connection.frame(.publish(id: 0, topology: topology, topic: Topic(topic), payload: payload))
        indexOffset = template.count - payload.count
    }

    var frameSize: Int { template.count }

    /// Appends the frame of stream message `index` to `out`.
    mutating func append(_ index: Int, to out: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(index).bigEndian) { bytes in
            for position in 0..<8 { template[indexOffset + position] = bytes[position] }
        }
        out.append(contentsOf: template)
    }
}

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

func sleepUntil(_ nanoseconds: UInt64) {
    let now = monotonicNanoseconds()
    guard nanoseconds > now else { return }
    var delay = timespec(tv_sec: Int((nanoseconds - now) / 1_000_000_000), tv_nsec: Int((nanoseconds - now) % 1_000_000_000))
    var remaining = timespec()
    while nanosleep(&delay, &remaining) != 0 && errno == EINTR {
        delay = remaining
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Subscribes on `subscriberSocket`, publishes probes on `publisherSocket` until one
/// arrives (interest has reached the publisher's node), and returns both connections.
func connectStream(
    publisherSocket: String,
    subscriberSocket: String,
    topology: TopologyName,
    topic: [UInt8]
) throws -> (publisher: BenchConnection, subscriber: BenchConnection) {
    let subscriber = try BenchConnection(path: subscriberSocket, name: "bench-sub")
    try subscriber.call(.subscribe(id: 2, topology: topology, prefix: Topic(topic)))
    let publisher = try BenchConnection(path: publisherSocket, name: "bench-pub")
    try publisher.call(.attach(id: 2, topology: topology))
    // Probes: topic + "-probe", which the subscription's prefix also matches.
    let probeTopic = Topic(topic + Array("-probe".utf8))
    let deadline = monotonicNanoseconds() + 20_000_000_000
    var probe = 0
    let flags = fcntl(subscriber.fd, F_GETFL)
    _ = fcntl(subscriber.fd, F_SETFL, flags | O_NONBLOCK)
    defer { _ = fcntl(subscriber.fd, F_SETFL, flags) }
    while monotonicNanoseconds() < deadline {
        try publisher.send(.publish(id: 0, topology: topology, topic: probeTopic, payload: Array("probe \(probe)".utf8)))
        probe += 1
        usleep(20_000)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(subscriber.fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            // A MESSAGE with the probe topic arrived: the path is up. Drain and go.
            if chunk[0..<count].firstRange(of: probeTopic.bytes) != nil {
                usleep(100_000)
                while chunk.withUnsafeMutableBytes({ recv(subscriber.fd, $0.baseAddress, $0.count, 0) }) > 0 {}
                return (publisher, subscriber)
            }
        }
    }
    throw BenchError("no probe reached the subscriber within 20 s")
}
