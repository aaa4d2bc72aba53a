@testable import ArborCore
import ArborTestSupport
import Testing

@Suite struct PackedMinHeapTests {
    /// Pushes and pops in any mix (duplicates, keys far apart or close) pop in ascending
    /// order, like a sorted list.
    @Test(arguments: 0..<20)
    func popsInAscendingOrderLikeASortedList(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed) + 7)
        var heap = PackedMinHeap(capacity: 16)
        var reference: [UInt64] = []
        var popped: [UInt64] = []
        var expected: [UInt64] = []
        for _ in 0..<3_000 {
            if reference.isEmpty || Int.random(in: 0..<3, using: &generator) > 0 {
                let key: UInt64 = switch Int.random(in: 0..<3, using: &generator) {
                case 0: UInt64.random(in: 0...16, using: &generator)
                case 1: UInt64.random(in: 0...(1 << 30), using: &generator)
                default: UInt64.random(in: 0...(1 << 50), using: &generator)
                }
                heap.push(key)
                reference.append(key)
            } else {
                reference.sort(by: >)
                expected.append(reference.removeLast())
                popped.append(heap.pop()!)
            }
        }
        reference.sort(by: >)
        while let key = heap.pop() {
            popped.append(key)
            expected.append(reference.removeLast())
        }
        #expect(popped == expected)
        #expect(reference.isEmpty)
    }
}
