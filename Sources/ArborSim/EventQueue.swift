import ArborCore
import DequeModule
import HeapModule

/// The simulator's pending events, taken in their order: by time, then by the order they
/// were scheduled in, so that every run of a seed is the same run.
///
/// Most events are frames, each arriving one link latency after it was sent, and they are
/// sent in the order of the clock: they are scheduled already in order. Such events
/// (``insert(_:at:order:inOrder:)`` with `inOrder`) wait, with what they do, in a
/// first-in first-out queue: an append, and read once, in sequence. The rest (wake-ups,
/// dials) wait in a heap that moves only small keys, what they do in a table of slots.
/// The event taken next is the earlier of the two heads, so the order is the one a single
/// heap gives. An event given as in order that is not (earlier than the last one queued
/// so) goes to the heap.
struct EventQueue<Payload> {
    /// A pending event: when it happens, its place among events of one time, and what it
    /// does.
    struct Event {
        var time: Instant
        var order: UInt64
        var payload: Payload
    }

    /// An event of the heap: its payload waits in ``payloads``.
    private struct Key: TimeOrdered {
        var time: Instant
        var order: UInt64
        var slot: Int32
    }

    private var heap = Heap<Key>()
    private var payloads: [Payload?] = []
    private var freeSlots: [Int32] = []
    private var arriving = Deque<Event>()

    /// When the next event happens, and what it does if it waits in the heap (an event
    /// queued in order is read only when taken: reading it would copy its payload).
    var next: (time: Instant, heapPayload: Payload?)? {
        if let top = heap.min, heapFirst(top) {
            return (top.time, payloads[Int(top.slot)])
        }
        return arriving.isEmpty ? nil : (arriving[arriving.startIndex].time, nil)
    }

    /// Queues `payload` for `time`, `order` its place among events of that time (it grows
    /// with every event scheduled). `inOrder`: it is probably no earlier than every event
    /// queued in order before it (a frame sent now arrives one latency from now).
    mutating func insert(_ payload: Payload, at time: Instant, order: UInt64, inOrder: Bool) {
        if inOrder, followsArriving(time, order) {
            arriving.append(Event(time: time, order: order, payload: payload))
            return
        }
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            payloads[Int(slot)] = payload
        } else {
            slot = Int32(payloads.count)
            payloads.append(payload)
        }
        heap.insert(Key(time: time, order: order, slot: slot))
    }

    /// Takes the next event; the queue must not be empty.
    mutating func removeMin() -> Event {
        if let top = heap.min, heapFirst(top) {
            heap.removeMin()
            let payload = payloads[Int(top.slot)].take()!
            freeSlots.append(top.slot)
            return Event(time: top.time, order: top.order, payload: payload)
        }
        return arriving.removeFirst()
    }

    /// Whether an event of `time` and `order` comes after every event queued in order.
    private func followsArriving(_ time: Instant, _ order: UInt64) -> Bool {
        guard let last = arriving.indices.last else { return true }
        return (arriving[last].time, arriving[last].order) < (time, order)
    }

    /// Whether the heap's `top` comes before the head of the events queued in order.
    private func heapFirst(_ top: Key) -> Bool {
        guard !arriving.isEmpty else { return true }
        let first = arriving.startIndex
        return (top.time, top.order) < (arriving[first].time, arriving[first].order)
    }
}
