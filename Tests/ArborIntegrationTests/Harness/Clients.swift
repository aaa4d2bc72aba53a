import ArborCore
import ArborTestSupport
import ArborWire
import Foundation
import NIOCore

/// A message as a subscriber saw it, with when it arrived (this process's monotonic clock).
struct ReceivedMessage: Sendable {
    var origin: String
    var incarnation: UInt64
    var sequence: UInt64
    var topology: String
    var topic: String
    var payload: [UInt8]
    var arrival: ContinuousClock.Instant

    /// What makes a message unique in the whole overlay.
    var key: MessageKey { MessageKey(origin: origin, incarnation: incarnation, sequence: sequence) }
    var payloadText: String { String(decoding: payload, as: UTF8.self) }
}

struct MessageKey: Hashable, Sendable, CustomStringConvertible {
    var origin: String
    var incarnation: UInt64
    var sequence: UInt64
    var description: String { "\(origin.prefix(8))/\(incarnation)#\(sequence)" }
}

struct ReceivedGap: Sendable {
    var origin: String
    var first: UInt64
    var last: UInt64
    var arrival: ContinuousClock.Instant
}

/// A subscription held open on some node; messages accumulate until ``close()``.
protocol Subscription: AnyObject, Sendable {
    var messages: [ReceivedMessage] { get }
    var gaps: [ReceivedGap] { get }
    /// ERRORs the node sent, and how the session ended if it did.
    var problems: [String] { get }
    func close()
}

/// A publishing session on some node.
protocol Publisher: AnyObject, Sendable {
    func publish(topic: String, payload: [UInt8]) throws
    /// Returns once the node has handled everything published so far (errors included).
    func sync(timeout: Duration) throws
    var problems: [String] { get }
    func close()
}

/// How the tests reach a node's clients. ``WireClientDriver`` speaks the client protocol
/// itself through ArborWire; another driver can run `arbor pub`/`arbor sub` or
/// ClientConnection instead without changing a test.
protocol ClientDriver: Sendable {
    func subscribe(at node: ArbordProcess, topology: String, prefixes: [String]) throws -> any Subscription
    func publisher(at node: ArbordProcess, topology: String) throws -> any Publisher
}

/// The client protocol spoken directly on `client.sock` with ArborWire's codecs.
struct WireClientDriver: ClientDriver {
    func subscribe(at node: ArbordProcess, topology: String, prefixes: [String]) throws -> any Subscription {
        let session = try WireSession(path: node.clientSocketPath, name: "it-sub")
        guard let name = TopologyName(topology) else { throw HarnessError("bad topology name \(topology)") }
        for (index, prefix) in prefixes.enumerated() {
            let id = UInt32(100 + index)
            try session.send(.subscribe(id: id, topology: name, prefix: Topic(prefix)))
            guard case .ok(id) = try session.next() else { throw HarnessError("SUBSCRIBE \(prefix) on \(node.name) not answered with OK") }
        }
        return WireSubscription(session: session)
    }

    func publisher(at node: ArbordProcess, topology: String) throws -> any Publisher {
        let session = try WireSession(path: node.clientSocketPath, name: "it-pub")
        guard let name = TopologyName(topology) else { throw HarnessError("bad topology name \(topology)") }
        try session.send(.attach(id: 1, topology: name))
        guard case .ok(1) = try session.next() else { throw HarnessError("ATTACH on \(node.name) not answered with OK") }
        return WirePublisher(session: session, topology: name)
    }
}

/// One connection to `client.sock`, after HELLO and WELCOME. Reading is synchronous until
/// a reader thread takes over.
final class WireSession: @unchecked Sendable {
    let socket: Socket
    let nodeName: String
    private var buffer = ByteBuffer()
    private let decoder = ClientFrameDecoder()
    private let encoder = ClientFrameEncoder()
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    init(path: String, name: String) throws {
        socket = try Socket.unix(path)
        socket.setReadTimeout(.seconds(10))
        var out = ByteBuffer()
        try encoder.encode(.hello(id: 1, versions: 1...1, clientName: name), into: &out)
        try socket.write(Array(out.readableBytesView))
        var welcomeName: String?
        var next: ClientResponse?
        repeat {
            guard let frame = try Self.read(socket, &buffer, &chunk, decoder) else { break }
            next = frame
        } while next == nil
        if case .welcome(1, _, _, let name, _) = next { welcomeName = name }
        guard let welcomeName else { throw HarnessError("no WELCOME from \(path): \(String(describing: next))") }
        nodeName = welcomeName
    }

    func send(_ request: ClientRequest) throws {
        var out = ByteBuffer()
        try encoder.encode(request, into: &out)
        try socket.write(Array(out.readableBytesView))
    }

    /// The next response or event; `nil` at the end of the stream or on a read timeout.
    func next() throws -> ClientResponse? {
        try Self.read(socket, &buffer, &chunk, decoder)
    }

    private static func read(
        _ socket: Socket,
        _ buffer: inout ByteBuffer,
        _ chunk: inout [UInt8],
        _ decoder: ClientFrameDecoder
    ) throws -> ClientResponse? {
        while true {
            if let response = try decoder.nextResponse(from: &buffer) { return response }
            let count = try chunk.withUnsafeMutableBytes { try socket.read(into: $0) }
            guard let count else { return nil }
            buffer.discardReadBytes()
            buffer.writeBytes(chunk[0..<count])
        }
    }
}

/// A subscriber: a thread reads MESSAGE and GAP events until the session ends.
final class WireSubscription: Subscription, @unchecked Sendable {
    private let session: WireSession
    private let lock = NSLock()
    private var received: [ReceivedMessage] = []
    private var receivedGaps: [ReceivedGap] = []
    private var errors: [String] = []
    private let finished = DispatchSemaphore(value: 0)

    init(session: WireSession) {
        self.session = session
        session.socket.setReadTimeout(.zero)
        startThread(named: "arbor-it-subscriber", signalling: finished) { [self] in readLoop() }
    }

    private func readLoop() {
        while true {
            let response: ClientResponse?
            do {
                response = try session.next()
            } catch {
                lock.withLock { errors.append("undecodable frame from the node: \(error)") }
                return
            }
            let now = ContinuousClock.now
            switch response {
            case .message(let message):
                let item = ReceivedMessage(
                    origin: message.origin.description,
                    incarnation: message.originIncarnation,
                    sequence: message.sequence,
                    topology: message.topology.rawValue,
                    topic: message.topic.description,
                    payload: message.payload,
                    arrival: now
                )
                lock.withLock { received.append(item) }
            case .gap(let gap):
                let item = ReceivedGap(origin: gap.origin.description, first: gap.first, last: gap.last, arrival: now)
                lock.withLock { receivedGaps.append(item) }
            case .error(let id, let code, let text):
                lock.withLock { errors.append("ERROR \(code.rawValue) (request \(id)): \(text)") }
            case .welcome, .ok, .pong:
                continue
            case nil:
                return
            }
        }
    }

    var messages: [ReceivedMessage] { lock.withLock { received } }
    var gaps: [ReceivedGap] { lock.withLock { receivedGaps } }
    var problems: [String] { lock.withLock { errors } }

    private var closed = false

    func close() {
        let first = lock.withLock {
            defer { closed = true }
            return !closed
        }
        guard first else { return }
        session.socket.shutdownBoth()
        _ = finished.wait(timeout: .now() + 5)
        session.socket.close()
    }

    deinit {
        session.socket.shutdownBoth()
    }
}

/// A publisher: PUBLISH with request id 0 (no OK); a thread collects ERRORs and PONGs.
final class WirePublisher: Publisher, @unchecked Sendable {
    private let session: WireSession
    private let topology: TopologyName
    private let condition = NSCondition()
    private var errors: [String] = []
    private var pongs: Set<UInt32> = []
    private var nextPing: UInt32 = 1000
    private var ended = false
    private let encoder = ClientFrameEncoder()
    /// Writes from the stream thread and from `sync` never interleave.
    private let writing = NSLock()
    private var out = ByteBuffer()

    init(session: WireSession, topology: TopologyName) {
        self.session = session
        self.topology = topology
        session.socket.setReadTimeout(.zero)
        startThread(named: "arbor-it-publisher") { [self] in readLoop() }
    }

    private func readLoop() {
        while true {
            let response = try? session.next()
            condition.lock()
            switch response {
            case .error(let id, let code, let text):
                errors.append("ERROR \(code.rawValue) (request \(id)): \(text)")
            case .pong(let id):
                pongs.insert(id)
            case nil:
                ended = true
                condition.broadcast()
                condition.unlock()
                return
            default:
                break
            }
            condition.broadcast()
            condition.unlock()
        }
    }

    func publish(topic: String, payload: [UInt8]) throws {
        writing.lock()
        defer { writing.unlock() }
        out.clear()
        try encoder.encode(.publish(id: 0, topology: topology, topic: Topic(topic), payload: payload), into: &out)
        try out.withUnsafeReadableBytes { try session.socket.write($0) }
    }

    func sync(timeout: Duration = .seconds(10)) throws {
        condition.lock()
        let id = nextPing
        nextPing += 1
        condition.unlock()
        try writing.withLock { try session.send(.ping(id: id)) }
        let deadline = Date(timeIntervalSinceNow: Double(timeout.components.seconds) + 1)
        condition.lock()
        defer { condition.unlock() }
        while !pongs.contains(id) {
            if ended { throw HarnessError("the node closed the publisher's session: \(errors)") }
            guard condition.wait(until: deadline) else { throw HarnessError("no PONG within \(timeout)") }
        }
    }

    var problems: [String] { condition.withLock { errors } }

    func close() {
        session.socket.shutdownBoth()
        session.socket.close()
    }
}
