import ArborCore
import Testing

@Suite struct DuplicateFilterTests {
    let stream = DuplicateFilter.StreamKey(origin: NodeID(high: 1, low: 2), incarnation: 1, topology: TopologyName("t")!)

    @Test func eachSequenceIsAdmittedOnceInAnyOrder() {
        var filter = DuplicateFilter(window: 128)
        for sequence in [5, 1, 3, 2, 4, 9, 7] as [UInt64] {
            #expect(admitted(filter.admit(stream, sequence: sequence)))
        }
        for sequence in [5, 1, 3, 2, 4, 9, 7] as [UInt64] {
            #expect(!admitted(filter.admit(stream, sequence: sequence)))
        }
        #expect(admitted(filter.admit(stream, sequence: 6)))
    }

    @Test func sequencesOlderThanTheWindowCountAsSeen() {
        var filter = DuplicateFilter(window: 64)
        #expect(admitted(filter.admit(stream, sequence: 1_000)))
        #expect(!admitted(filter.admit(stream, sequence: 936)))
        #expect(admitted(filter.admit(stream, sequence: 937)))
        // A jump far ahead forgets everything behind the new window.
        #expect(admitted(filter.admit(stream, sequence: 100_000)))
        #expect(!admitted(filter.admit(stream, sequence: 1_001)))
    }

    @Test func theLastSequenceNumberDoesNotTrap() {
        // A peer chooses the sequence: counting up to it must not overflow.
        var filter = DuplicateFilter(window: 64)
        #expect(admitted(filter.admit(stream, sequence: .max - 3)))
        #expect(admitted(filter.admit(stream, sequence: .max)))
        #expect(!admitted(filter.admit(stream, sequence: .max)))
        #expect(admitted(filter.admit(stream, sequence: .max - 1)))
    }

    @Test func anotherIncarnationIsAnotherStream() {
        var filter = DuplicateFilter()
        #expect(admitted(filter.admit(stream, sequence: 1)))
        var restarted = stream
        restarted.incarnation = 2
        #expect(admitted(filter.admit(restarted, sequence: 1)))
    }

    @Test func theNumberOfStreamsIsBounded() {
        var filter = DuplicateFilter(window: 64, maximumStreams: 10)
        for origin in 0..<100 as Range<UInt64> {
            let key = DuplicateFilter.StreamKey(origin: NodeID(high: 0, low: origin), incarnation: 1, topology: stream.topology)
            #expect(admitted(filter.admit(key, sequence: 1)))
        }
        #expect(filter.streamCount == 10)
    }

    /// A node that first heard a stream at 5 passes 3 on when it comes later (another node
    /// may miss it), but says it is older than the stream's start here: its local
    /// subscribers, who got 5, must not get 3 after it.
    @Test func aMessageOlderThanTheStreamsStartHereIsNewButBeforeStart() {
        var filter = DuplicateFilter()
        #expect(filter.admission(stream, sequence: 5) == .new)
        #expect(filter.admission(stream, sequence: 3) == .newBeforeStart)
        #expect(filter.admission(stream, sequence: 3) == .seen)
        #expect(filter.admission(stream, sequence: 7) == .new)
        #expect(filter.admission(stream, sequence: 6) == .new)
        #expect(filter.admission(stream, sequence: 4) == .newBeforeStart)
    }
}
