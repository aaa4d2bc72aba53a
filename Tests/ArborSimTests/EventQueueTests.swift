import ArborCore
import HeapModule
import Testing

@testable import ArborSim

/// The simulator's event queue keeps events given as in order in a first-in first-out
/// queue beside a heap: whatever the hints say, events must come out in the order one
/// heap gives them, since that order is what makes every run of a seed the same run.
@Suite struct EventQueueTests {
    struct Key: TimeOrdered {
        var time: Instant
        var order: UInt64
    }

    /// Random runs of inserts and removals, most inserts one latency after the clock (as
    /// frames are) and hinted in order, some at other times (wake-ups, dials), and some
    /// hinted in order wrongly: the queue gives the heap's order, event for event, each
    /// with its own payload, and shows the payload of the next event when it waits in
    /// the heap.
    @Test(arguments: 1...50 as ClosedRange<UInt64>)
    func givesTheOrderOfOneHeap(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var queue = EventQueue<UInt64>()
        var heap = Heap<Key>()
        var now = Instant.zero
        var order: UInt64 = 0
        for _ in 0..<2_000 {
            if Int.random(in: 0..<3, using: &generator) > 0 || heap.isEmpty {
                order += 1
                let kind = Int.random(in: 0..<10, using: &generator)
                let time = kind < 7 ? now + .milliseconds(1) : now + .microseconds(Int64.random(in: 0...200_000, using: &generator))
                queue.insert(order, at: time, order: order, inOrder: kind < 7 || kind == 9)
                heap.insert(Key(time: time, order: order))
            } else {
                let expected = heap.removeMin()
                let next = queue.next
                #expect(next?.time == expected.time)
                #expect(next?.heapPayload.map { $0 == expected.order } ?? true)
                let taken = queue.removeMin()
                #expect(taken.time == expected.time && taken.order == expected.order && taken.payload == expected.order)
                now = taken.time
            }
        }
        while let expected = heap.popMin() {
            let taken = queue.removeMin()
            #expect(taken.time == expected.time && taken.order == expected.order && taken.payload == expected.order)
        }
        #expect(queue.next == nil)
    }
}
