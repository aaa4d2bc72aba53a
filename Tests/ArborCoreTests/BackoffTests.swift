import ArborCore
import Testing

@Suite struct BackoffTests {
    @Test func backoffDoublesUpToItsCapAndResets() {
        var backoff = Backoff(initial: .milliseconds(250), maximum: .seconds(2))
        let delays = (0..<6).map { _ in backoff.next().nanoseconds / 1_000_000 }
        #expect(delays == [250, 500, 1000, 2000, 2000, 2000])
        for _ in 0..<100 { _ = backoff.next() }
        #expect(backoff.next() == .seconds(2))
        backoff.reset()
        #expect(backoff.next() == .milliseconds(250))
    }
}
