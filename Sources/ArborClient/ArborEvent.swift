import ArborCore
import ArborWire

/// What the node sends an application without being asked.
public enum ArborEvent: Sendable, Hashable {
    /// A message of a topology the client subscribed to.
    case message(DeliveredMessage)
    /// Messages `first...last` of one origin's stream will not be delivered.
    case gap(GapNotice)
    /// A request sent without acknowledgement failed (``ArborClientError/refused(_:)``).
    /// Not ordered with the messages around it; ``ClientConnection/flush()`` reports the same
    /// failures, counted.
    case error(ArborClientError)

    /// What a consumed slot of an iterator's batch holds: no references to release.
    @usableFromInline
    static let placeholder = ArborEvent.gap(
        GapNotice(topology: TopologyName("x")!, origin: NodeID(high: 0, low: 0), originIncarnation: 0, first: 0, last: 0)
    )
}

extension ClientConnection {
    /// The node's messages, gap notices and unsolicited errors, in the order they arrive.
    ///
    /// A single-consumer sequence: iterate it from one task at a time. It ends (returns
    /// `nil`) after ``ClientConnection/close()`` or when the iterating task is cancelled, and
    /// throws the reason when the connection ends otherwise
    /// (``ArborClientError/connectionClosed(reason:)``, ``ArborClientError/protocolViolation(_:)``).
    ///
    /// Backpressure: when the consumer falls behind by more than
    /// ``ClientConnection/Configuration/eventBufferLimit`` messages (or
    /// ``ClientConnection/Configuration/eventBufferByteLimit`` payload bytes), the client stops
    /// reading from the socket until it catches up; a node then treats the client as a slow
    /// consumer. A client that subscribes must therefore keep consuming its events, also
    /// while it awaits replies (they are read from the same socket).
    public struct Events: AsyncSequence, Sendable {
        public typealias Element = ArborEvent
        public typealias Failure = ArborClientError

        let core: ClientCore

        public func makeAsyncIterator() -> Iterator {
            Iterator(core: core)
        }

        public struct Iterator: AsyncIteratorProtocol {
            public typealias Element = ArborEvent
            public typealias Failure = ArborClientError

            @usableFromInline
            let core: ClientCore
            @usableFromInline
            var batch: [ArborEvent] = []
            @usableFromInline
            var index = 0
            @usableFromInline
            var finished = false

            init(core: ClientCore) {
                self.core = core
            }

            /// Whether events taken off the connection wait in this iterator: the next call
            /// to ``next()`` returns at once. Useful to batch work (flush output when false).
            @inlinable
            public var hasBufferedEvents: Bool {
                index < batch.count
            }

            /// The next event; suspends only when this iterator's batch is used up (events
            /// are taken off the connection a read burst at a time).
            @inlinable
            public mutating func next() async throws(ArborClientError) -> ArborEvent? {
                if index < batch.count {
                    return take()
                }
                return try await refill()
            }

            /// Swaps the next burst of events in, waiting for one; its first event.
            @usableFromInline
            mutating func refill() async throws(ArborClientError) -> ArborEvent? {
                if finished { return nil }
                batch.removeAll(keepingCapacity: true)
                index = 0
                do {
                    guard try await core.takeEvents(into: &batch) else {
                        finished = true
                        return nil
                    }
                } catch {
                    finished = true
                    throw error
                }
                return take()
            }

            /// Moves the next event out of the batch, leaving a placeholder without
            /// references: no retain now, no release when the batch is emptied.
            @inlinable
            mutating func take() -> ArborEvent {
                var event = ArborEvent.placeholder
                swap(&event, &batch[index])
                index += 1
                return event
            }
        }
    }
}
