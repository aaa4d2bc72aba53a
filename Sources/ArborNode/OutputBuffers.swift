import NIOCore

/// The buffers the outboxes of one event loop encode their frames into, reused once the
/// channel they were handed to has written them.
///
/// An outbox hands its buffer to the channel and takes another for the frames that follow
/// (``FrameOutbox``). Taking a fresh one each time cost a busy relay about a fifth of its CPU
/// in the kernel: malloc gave the freed 64 KiB back to the kernel and the next buffer's
/// pages were faulted in and zeroed again (docs/benchmarks.md, issue 12). Buffers handed to
/// a channel are remembered here instead, at most ``capacity`` of them; ``take(_:)`` gives
/// one back, emptied, as soon as no channel holds it any more (NIO lets go of a buffer
/// when it has written it), so a node that writes steadily cycles through a few buffers
/// whose pages stay mapped. The memory this keeps is bounded by the capacity, whatever the
/// number of channels.
///
/// Confined to the event loop of the outboxes that share it; hence `@unchecked Sendable`.
final class OutputBuffers: @unchecked Sendable {
    /// Buffers remembered at most (the earliest is forgotten for a newer one).
    let capacity: Int
    /// A buffer of more than this many bytes (grown by a large frame) is not kept.
    let largest: Int
    /// Buffers handed to channels, some perhaps still held by them, earliest first.
    private var handed: [ByteBuffer] = []

    init(capacity: Int = 16, largest: Int = 256 << 10) {
        self.capacity = capacity
        self.largest = largest
    }

    /// An empty buffer of at least `minimumCapacity` bytes: one that no channel holds any
    /// more, else a new one from `allocator`.
    func take(_ minimumCapacity: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        // The earliest handed first: the likeliest to be written by now.
        for index in handed.indices {
            let free = handed[index].modifyIfUniquelyOwned { buffer in
                buffer.clear(minimumCapacity: minimumCapacity)
            } != nil
            if free {
                return handed.remove(at: index)
            }
        }
        return allocator.buffer(capacity: minimumCapacity)
    }

    /// Remembers `buffer`, just handed to a channel, for a later ``take(_:allocator:)``.
    func remember(_ buffer: ByteBuffer) {
        guard buffer.capacity <= largest else { return }
        if handed.count == capacity {
            handed.removeFirst()
        }
        handed.append(buffer)
    }
}
