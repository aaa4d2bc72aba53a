import DequeModule
import HeapModule

/// The simulator's pending events, taken in their ``TimeOrdered`` order.
///
/// Most events are frames, each arriving one link latency after it was sent, and they are
/// sent in the order of the clock: they are scheduled already in order. Such events
/// (``insert(_:inOrder:)`` with `inOrder`) wait in a first-in first-out queue at the cost
/// of an append; the rest (wake-ups, dials) in a heap. The event taken next is the
/// earlier of the two heads, so the order is the one a single heap gives. An event given
/// as in order that is not (earlier than the last one queued so) goes to the heap.
struct EventQueue<Event: TimeOrdered> {
    private var heap = Heap<Event>()
    private var arriving = Deque<Event>()

    /// The next event, if any.
    var min: Event? {
        guard let first = arriving.first else { return heap.min }
        guard let top = heap.min else { return first }
        return top < first ? top : first
    }

    /// Queues `event`; `inOrder` says it is probably no earlier than every event queued in
    /// order before it (a frame sent now arrives one latency from now).
    mutating func insert(_ event: Event, inOrder: Bool) {
        if inOrder, arriving.last.map({ $0 < event }) ?? true {
            arriving.append(event)
        } else {
            heap.insert(event)
        }
    }

    /// Takes the next event; the queue must not be empty.
    mutating func removeMin() -> Event {
        guard let first = arriving.first else { return heap.removeMin() }
        if let top = heap.min, top < first {
            return heap.removeMin()
        }
        return arriving.removeFirst()
    }
}
