/// A binary min-heap of packed 64-bit keys, the priority queue of ``ShortestPathTree``.
/// A plain array heap on integers is several times faster there than a general-purpose
/// heap of comparable elements, and tree computation time bounds reconvergence time.
struct PackedMinHeap {
    private var storage: [UInt64]

    init(capacity: Int) {
        storage = []
        storage.reserveCapacity(capacity)
    }

    mutating func push(_ key: UInt64) {
        storage.append(key)
        var child = storage.count - 1
        storage.withUnsafeMutableBufferPointer { heap in
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child] < heap[parent] else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }
    }

    mutating func pop() -> UInt64? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        return storage.withUnsafeMutableBufferPointer { heap in
            let top = heap[0]
            heap[0] = last
            var parent = 0
            let count = heap.count
            while true {
                let left = 2 * parent + 1
                guard left < count else { break }
                let right = left + 1
                let smaller = right < count && heap[right] < heap[left] ? right : left
                guard heap[smaller] < heap[parent] else { break }
                heap.swapAt(smaller, parent)
                parent = smaller
            }
            return top
        }
    }
}
