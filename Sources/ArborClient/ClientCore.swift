import ArborCore
import ArborWire
import NIOConcurrencyHelpers
import NIOCore

/// What the node answered a request with, when it did not refuse it.
enum Answer: Sendable, Equatable {
    case ok
    case pong
    case welcome(version: UInt16, node: NodeID, nodeName: String, maximumMessageSize: UInt32)
}

/// A request, kept while its answer is awaited, to say which one an ERROR refused.
enum RequestKind: Sendable, CustomStringConvertible {
    case hello
    case attach(TopologyName)
    case detach(TopologyName)
    case subscribe(TopologyName, Topic)
    case unsubscribe(TopologyName, Topic)
    case publish(TopologyName, Topic)
    case ping

    /// Names the request as the protocol does: `SUBSCRIBE nasdaq.quotes prefix "AAPL"`.
    var description: String {
        switch self {
        case .hello: return "HELLO"
        case .attach(let topology): return "ATTACH \(topology)"
        case .detach(let topology): return "DETACH \(topology)"
        case .subscribe(let topology, let prefix): return "SUBSCRIBE \(topology) prefix \(RequestKind.quoted(prefix))"
        case .unsubscribe(let topology, let prefix): return "UNSUBSCRIBE \(topology) prefix \(RequestKind.quoted(prefix))"
        case .publish(let topology, let topic): return "PUBLISH \(topology) topic \(RequestKind.quoted(topic))"
        case .ping: return "PING"
        }
    }

    /// How unacknowledged requests (all of them PUBLISH) are named in a refusal.
    static let unacknowledgedPublish = "PUBLISH (unacknowledged)"

    private static func quoted(_ topic: Topic) -> String {
        if let text = String(validating: topic.bytes, as: UTF8.self) { return "\"\(text)\"" }
        return topic.description
    }
}

/// Sizes that show how much memory the client held for outbound data. Tests read them.
struct ClientStatistics: Sendable {
    /// Most bytes waiting in the client's own buffer plus the channel's at the start of a
    /// write: the memory a fast publisher made the client hold.
    var peakOutboundBytes = 0
    /// Batches handed to the channel.
    var writes = 0
    /// Times reading stopped because the events consumer was behind.
    var readPauses = 0
    /// Events waiting for the consumer now.
    var bufferedEvents = 0
    /// Times a publisher waited for the outbound buffer to drain.
    var publisherWaits = 0
}

/// The state shared by the application's tasks and the channel's event loop, under one lock.
struct ClientState: Sendable {
    enum Lifecycle: Sendable {
        case open
        /// ``ClientConnection/close()`` was called: nothing more is accepted.
        case closing
        /// The channel closed, for this reason (``ArborClientError/closed`` when we closed it).
        case ended(ArborClientError)
    }

    enum EventsWait: Sendable {
        case ready
        case busy
    }

    var lifecycle = Lifecycle.open
    var channel: (any Channel)?

    // Outbound: requests are encoded here by the caller's thread and handed to the channel
    // in batches by `drain()` on the event loop.
    var pending = ByteBuffer()
    var drainScheduled = false
    var writable = true
    var spaceWaiters: [CheckedContinuation<Void, Never>] = []
    var publisherWaits = 0

    /// The protocol: requests awaiting answers, what answers mean.
    var machine: ClientStateMachine
    /// The callers of the requests `machine` awaits answers to.
    var callers: [UInt32: CheckedContinuation<Result<Answer, ArborClientError>, Never>] = [:]

    // Inbound events waiting for the consumer.
    var events: [ArborEvent] = []
    var eventPayloadBytes = 0
    var eventsWaiter: CheckedContinuation<EventsWait, Never>?
    var readPaused = false
    var readPauses = 0

    init(errorEventLimit: Int) {
        machine = ClientStateMachine(errorEventLimit: errorEventLimit)
    }

    var whyRequestsAreRefused: ArborClientError? {
        switch lifecycle {
        case .open: return nil
        case .closing: return .closed
        case .ended(let error): return error
        }
    }
}

/// The engine of a ``ClientConnection``: batches outbound frames, matches answers to requests,
/// buffers events with backpressure. Safe to call from any thread; the methods marked "on
/// the event loop" are called by ``ApplicationSideClientHandler`` only.
@usableFromInline
final class ClientCore: Sendable {
    let eventLoop: any EventLoop
    let configuration: ClientConnection.Configuration
    let socketPath: String
    private let encoder: ClientFrameEncoder
    private let state: NIOLockedValueBox<ClientState>
    private let statisticsBox = NIOLockedValueBox(ClientStatistics())

    init(eventLoop: any EventLoop, configuration: ClientConnection.Configuration, socketPath: String) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.socketPath = socketPath
        self.state = NIOLockedValueBox(ClientState(errorEventLimit: configuration.errorEventLimit))
        self.encoder = ClientFrameEncoder(maximumFrameLength: configuration.maximumFrameLength)
    }

    var statistics: ClientStatistics {
        var statistics = statisticsBox.withLockedValue { $0 }
        state.withLockedValue {
            statistics.readPauses = $0.readPauses
            statistics.bufferedEvents = $0.events.count
            statistics.publisherWaits = $0.publisherWaits
        }
        return statistics
    }

    func attach(_ channel: any Channel) {
        state.withLockedValue { $0.channel = channel }
    }

    // MARK: Outbound, from any thread

    private enum Enqueued {
        case done
        case scheduleDrain
        case full
        case failed(ArborClientError)
    }

    /// What ``enqueueUnacknowledgedPublish(topology:topic:payload:)`` did.
    @usableFromInline
    enum EnqueueResult: Sendable {
        /// The frame is in the outbound batch.
        case queued
        /// The batch is full: nothing was queued; wait with ``waitForSpace()`` and retry.
        case full
        case failed(ArborClientError)
    }

    /// Encodes a PUBLISH with id 0 into the outbound batch unless it is full; asks the event
    /// loop to write when nobody did yet. Never suspends: the fast path of publishing.
    @usableFromInline
    func enqueueUnacknowledgedPublish(topology: TopologyName, topic: Topic, payload: [UInt8]) -> EnqueueResult {
        let limit = configuration.outboundBufferLimit
        let outcome = state.withLockedValue { state -> Enqueued in
            if let error = state.whyRequestsAreRefused { return .failed(error) }
            guard state.pending.readableBytes < limit else { return .full }
            if let error = encode(.publish(id: 0, topology: topology, topic: topic, payload: payload), into: &state) {
                return .failed(error)
            }
            return Self.needsDrain(&state) ? .scheduleDrain : .done
        }
        switch outcome {
        case .done:
            return .queued
        case .scheduleDrain:
            scheduleDrain()
            return .queued
        case .full:
            return .full
        case .failed(let error):
            return .failed(error)
        }
    }

    /// Sends a request that the node answers, and awaits the answer.
    func request(
        _ kind: RequestKind,
        _ build: (UInt32) -> ClientRequest
    ) async throws(ArborClientError) -> Answer {
        try await waitUntilNotFull()
        let id = state.withLockedValue { $0.machine.nextRequestID() }
        let request = build(id)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Answer, ArborClientError>, Never>) in
                let outcome = state.withLockedValue { state -> Enqueued in
                    if let error = state.whyRequestsAreRefused { return .failed(error) }
                    if Task.isCancelled { return .failed(.cancelled) }
                    if let error = encode(request, into: &state) { return .failed(error) }
                    state.machine.sent(kind, id: id)
                    state.callers[id] = continuation
                    return Self.needsDrain(&state) ? .scheduleDrain : .done
                }
                switch outcome {
                case .done: break
                case .scheduleDrain: scheduleDrain()
                case .failed(let error): continuation.resume(returning: .failure(error))
                case .full: preconditionFailure("requests are not refused for a full buffer")
                }
            }
        } onCancel: {
            let caller = state.withLockedValue { state in
                state.machine.forget(id)
                return state.callers.removeValue(forKey: id)
            }
            caller?.resume(returning: .failure(.cancelled))
        }
        return try result.get()
    }

    /// Encodes `request` at the end of the outbound batch; the error when it cannot be.
    private func encode(_ request: ClientRequest, into state: inout ClientState) -> ArborClientError? {
        if state.pending.capacity == 0 {
            state.pending.reserveCapacity(Swift.min(64 * 1024, configuration.outboundBufferLimit))
        }
        do {
            try encoder.encode(request, into: &state.pending)
            return nil
        } catch {
            return .invalidRequest(error.description)
        }
    }

    /// Whether the caller, having just added to the batch, must ask the event loop to write it.
    @inline(__always)
    private static func needsDrain(_ state: inout ClientState) -> Bool {
        guard !state.drainScheduled, state.writable else { return false }
        state.drainScheduled = true
        return true
    }

    private func scheduleDrain() {
        eventLoop.execute { self.drain() }
    }

    private enum SpaceCheck {
        case available
        case full
        case failed(ArborClientError)
    }

    /// Returns once the outbound batch is below its limit.
    private func waitUntilNotFull() async throws(ArborClientError) {
        let limit = configuration.outboundBufferLimit
        while true {
            let check = state.withLockedValue { state -> SpaceCheck in
                if let error = state.whyRequestsAreRefused { return .failed(error) }
                return state.pending.readableBytes < limit ? .available : .full
            }
            switch check {
            case .available: return
            case .failed(let error): throw error
            case .full: try await waitForSpace()
            }
        }
    }

    /// Suspends until the event loop took the batch, the connection ended or the task was
    /// cancelled (then throws ``ArborClientError/cancelled``).
    @usableFromInline
    func waitForSpace() async throws(ArborClientError) {
        let limit = configuration.outboundBufferLimit
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wait = state.withLockedValue { state -> Bool in
                    guard state.whyRequestsAreRefused == nil, state.pending.readableBytes >= limit, !Task.isCancelled
                    else { return false }
                    state.spaceWaiters.append(continuation)
                    state.publisherWaits += 1
                    return true
                }
                if !wait { continuation.resume() }
            }
        } onCancel: {
            // Wakes every waiter; those not cancelled look again and wait again.
            let waiters = state.withLockedValue { state in
                defer { state.spaceWaiters = [] }
                return state.spaceWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
        if Task.isCancelled { throw .cancelled }
    }

    // MARK: Outbound, on the event loop

    /// Hands the outbound batch to the channel in one write and flush, when it is writable.
    func drain() {
        let work = state.withLockedValue { state -> (any Channel, ByteBuffer, [CheckedContinuation<Void, Never>])? in
            state.drainScheduled = false
            guard state.writable, state.pending.readableBytes > 0, let channel = state.channel else { return nil }
            if case .ended = state.lifecycle { return nil }
            let batch = state.pending
            state.pending = ByteBuffer()
            let waiters = state.spaceWaiters
            state.spaceWaiters = []
            return (channel, batch, waiters)
        }
        guard let (channel, batch, waiters) = work else { return }
        let buffered = (try? channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        statisticsBox.withLockedValue {
            $0.peakOutboundBytes = Swift.max($0.peakOutboundBytes, buffered + batch.readableBytes)
            $0.writes += 1
        }
        channel.writeAndFlush(batch, promise: nil)
        for waiter in waiters { waiter.resume() }
    }

    func writabilityChanged(_ writable: Bool) {
        state.withLockedValue { $0.writable = writable }
        if writable { drain() }
    }

    // MARK: Inbound, on the event loop

    /// Takes the events and answers the handler decoded from one read burst, leaving its
    /// arrays empty (with their capacity) for the next.
    func receive(events: inout [ArborEvent], payloadBytes: Int, answers: inout [ClientResponse]) {
        var resumptions: [(CheckedContinuation<Result<Answer, ArborClientError>, Never>, Result<Answer, ArborClientError>)] = []
        let eventsLimit = configuration.eventBufferLimit
        let bytesLimit = configuration.eventBufferByteLimit
        let eventsWaiter = state.withLockedValue { state -> CheckedContinuation<ClientState.EventsWait, Never>? in
            if !events.isEmpty {
                if state.events.isEmpty {
                    swap(&state.events, &events)
                } else {
                    state.events.append(contentsOf: events)
                    events.removeAll(keepingCapacity: true)
                }
                state.eventPayloadBytes += payloadBytes
            }
            for answer in answers {
                switch state.machine.received(answer) {
                case .answer(let id, let result):
                    if let caller = state.callers.removeValue(forKey: id) {
                        resumptions.append((caller, result))
                    }
                case .event(let event):
                    state.events.append(event)
                case .ignore:
                    break
                }
            }
            if !state.readPaused, state.events.count - state.machine.errorEvents >= eventsLimit || state.eventPayloadBytes >= bytesLimit {
                state.readPaused = true
                state.readPauses += 1
            }
            guard !state.events.isEmpty, let waiter = state.eventsWaiter else { return nil }
            state.eventsWaiter = nil
            return waiter
        }
        answers.removeAll(keepingCapacity: true)
        eventsWaiter?.resume(returning: .ready)
        for (continuation, result) in resumptions {
            continuation.resume(returning: result)
        }
    }

    /// Whether the handler should hold back the next read: the consumer is behind.
    var readPaused: Bool {
        state.withLockedValue { $0.readPaused }
    }

    /// Remembers why the connection is about to end (the first reason wins).
    func noteCloseReason(_ reason: ArborClientError) {
        state.withLockedValue { $0.machine.noteCloseReason(reason) }
    }

    /// The channel closed: fails everything still waiting.
    func connectionEnded() {
        let ended = state.withLockedValue { state -> (ArborClientError, ClientState)? in
            let error: ArborClientError
            switch state.lifecycle {
            case .ended: return nil
            case .closing: error = .closed
            case .open: error = state.machine.closeReason ?? .connectionClosed(reason: nil)
            }
            state.lifecycle = .ended(error)
            let before = state
            state.machine.ended()
            state.callers = [:]
            state.spaceWaiters = []
            state.eventsWaiter = nil
            state.pending = ByteBuffer()
            state.channel = nil
            return (error, before)
        }
        guard let (error, before) = ended else { return }
        for (_, caller) in before.callers {
            caller.resume(returning: .failure(error))
        }
        for waiter in before.spaceWaiters { waiter.resume() }
        before.eventsWaiter?.resume(returning: .ready)
    }

    // MARK: Events, for the consumer

    private enum Take {
        case took(resumeReading: (any Channel)?)
        case empty
        case finished
        case failed(ArborClientError)
    }

    /// Swaps the buffered events into `batch` (which must be empty), waiting for some;
    /// `false` once the sequence is over (closed by us, or the task cancelled).
    func takeEvents(into batch: inout [ArborEvent]) async throws(ArborClientError) -> Bool {
        while true {
            if Task.isCancelled { return false }
            let take = state.withLockedValue { state -> Take in
                if !state.events.isEmpty {
                    swap(&state.events, &batch)
                    state.eventPayloadBytes = 0
                    state.machine.eventsTaken()
                    let paused = state.readPaused
                    state.readPaused = false
                    return .took(resumeReading: paused ? state.channel : nil)
                }
                if case .ended(let error) = state.lifecycle {
                    return error == .closed ? .finished : .failed(error)
                }
                return .empty
            }
            switch take {
            case .took(let channel):
                channel?.read()
                return true
            case .finished:
                return false
            case .failed(let error):
                throw error
            case .empty:
                let wait = await withTaskCancellationHandler {
                    await withCheckedContinuation { (continuation: CheckedContinuation<ClientState.EventsWait, Never>) in
                        let outcome = state.withLockedValue { state -> ClientState.EventsWait? in
                            if !state.events.isEmpty || Task.isCancelled { return .ready }
                            if case .ended = state.lifecycle { return .ready }
                            if state.eventsWaiter != nil { return .busy }
                            state.eventsWaiter = continuation
                            return nil
                        }
                        if let outcome { continuation.resume(returning: outcome) }
                    }
                } onCancel: {
                    let waiter = state.withLockedValue { state in
                        defer { state.eventsWaiter = nil }
                        return state.eventsWaiter
                    }
                    waiter?.resume(returning: .ready)
                }
                if case .busy = wait { throw .eventsAlreadyConsumed }
            }
        }
    }

    // MARK: Closing

    /// Sends what is batched, half-closes, then closes; returns once the channel closed.
    func close() async {
        let work = state.withLockedValue { state -> (any Channel, ByteBuffer, [CheckedContinuation<Void, Never>])? in
            guard case .open = state.lifecycle, let channel = state.channel else { return nil }
            state.lifecycle = .closing
            let batch = state.pending
            state.pending = ByteBuffer()
            let waiters = state.spaceWaiters
            state.spaceWaiters = []
            return (channel, batch, waiters)
        }
        guard let (channel, batch, waiters) = work else {
            if let channel = state.withLockedValue({ $0.channel }) {
                try? await channel.closeFuture.get()
            }
            return
        }
        for waiter in waiters { waiter.resume() }
        Self.closeGracefully(channel, batch: batch, timeout: TimeAmount(configuration.closeTimeout))
        try? await channel.closeFuture.get()
    }

    /// Like ``close()`` without waiting: for a client dropped without being closed.
    func abandon() {
        let work = state.withLockedValue { state -> (any Channel, ByteBuffer)? in
            guard case .open = state.lifecycle, let channel = state.channel else { return nil }
            state.lifecycle = .closing
            let batch = state.pending
            state.pending = ByteBuffer()
            return (channel, batch)
        }
        guard let (channel, batch) = work else { return }
        Self.closeGracefully(channel, batch: batch, timeout: TimeAmount(configuration.closeTimeout))
    }

    /// Writes `batch`, shuts the output down once every write went out (so the node reads
    /// everything before the end of the stream), then closes; closes at once after `timeout`.
    private static func closeGracefully(_ channel: any Channel, batch: ByteBuffer, timeout: TimeAmount) {
        channel.eventLoop.execute {
            if batch.readableBytes > 0 {
                channel.writeAndFlush(batch, promise: nil)
            }
            let deadline = channel.eventLoop.scheduleTask(in: timeout) {
                channel.close(promise: nil)
            }
            channel.close(mode: .output).whenComplete { _ in
                channel.close(promise: nil)
            }
            channel.closeFuture.whenComplete { _ in deadline.cancel() }
        }
    }
}
