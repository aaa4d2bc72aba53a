import ArborCore
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

@testable import ArborDiscovery

private let advertisement = Advertisement(
    id: NodeID(hex: "0000000000000000000000000000abcd")!, name: "unit", realm: "lab", incarnation: 1, port: 7000,
    protocolVersions: ProtocolVersionRange(exactly: 1))

private final class Recorder: Sendable {
    private let box = NIOLockedValueBox<[DiscoveryEvent]>([])
    var events: [DiscoveryEvent] { box.withLockedValue { $0 } }
    func record(_ event: DiscoveryEvent) { box.withLockedValue { $0.append(event) } }
}

@Suite("StaticDiscovery")
struct StaticDiscoveryTests {
    private let a = StaticPeer(address: PeerAddress(host: "198.19.0.11", port: 7000), label: "--peer")
    private let b = StaticPeer(address: PeerAddress(host: "198.19.0.12", port: 7000), label: "bank1")
    private let c = StaticPeer(address: PeerAddress(host: "198.19.0.13", port: 7000))

    @Test func reportsRunningThenEachDistinctAddressOnTheLoop() throws {
        let loop = EmbeddedEventLoop()
        let recorder = Recorder()
        let discovery = StaticDiscovery(peers: [a, b, StaticPeer(address: a.address, label: "dup")])
        try discovery.start(advertising: advertisement, on: loop) { event in
            loop.preconditionInEventLoop()
            recorder.record(event)
        }
        #expect(recorder.events.isEmpty)  // nothing before the loop runs
        loop.run()
        #expect(recorder.events == [.state(.running(serviceName: nil)), .staticPeerAdded(a), .staticPeerAdded(b)])
        #expect(throws: DiscoveryError.alreadyStarted) {
            try discovery.start(advertising: advertisement, on: loop) { _ in }
        }
    }

    @Test func replacingTheListReportsTheDifferenceAndStopSilencesIt() throws {
        let loop = EmbeddedEventLoop()
        let recorder = Recorder()
        let discovery = StaticDiscovery(peers: [a, b])
        try discovery.start(advertising: advertisement, on: loop) { recorder.record($0) }
        loop.run()
        discovery.setPeers([b, c])
        loop.run()
        #expect(recorder.events.suffix(2) == [.staticPeerRemoved(a), .staticPeerAdded(c)])
        discovery.setPeers([a])
        discovery.stop()
        discovery.stop()
        loop.run()
        #expect(recorder.events.count == 5)  // queued before stop, dropped after it
    }
}

@Suite("AvahiDiscovery without D-Bus (in process, no root needed)", .serialized)
struct AvahiLifecycleTests {
    @Test func unreachableBusIsReportedAndRetriedAndStopIsCleanAndIdempotent() async throws {
        // libdbus reads the address when connecting; no bus listens on this path.
        setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/tmp/arbordisc-no-such-bus-\(getpid())", 1)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        var configuration = AvahiDiscoveryConfiguration()
        configuration.retryInitial = .milliseconds(20)
        configuration.retryMaximum = .milliseconds(80)
        let discovery = AvahiDiscovery(configuration: configuration, logger: .init(label: "test"))
        let recorder = Recorder()
        try discovery.start(advertising: advertisement, on: loop) { event in
            loop.preconditionInEventLoop()
            recorder.record(event)
        }
        #expect(throws: DiscoveryError.alreadyStarted) { try discovery.start(advertising: advertisement, on: loop) { _ in } }
        let deadline = ContinuousClock.now + .seconds(10)
        func unavailable() -> [TimeAmount] {
            recorder.events.compactMap { if case .state(.unavailable(_, let delay)) = $0 { delay } else { nil } }
        }
        while unavailable().count < 3 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(300))  // several more attempts at the cap
        #expect(recorder.events.first == .state(.starting))
        // Equal consecutive states are reported once: the attempts at the cap are not repeated.
        #expect(unavailable() == [.milliseconds(20), .milliseconds(40), .milliseconds(80)])
        discovery.update(advertisement)  // accepted while retrying
        discovery.stop()
        discovery.stop()
        let count = recorder.events.count
        try await Task.sleep(for: .milliseconds(200))
        #expect(recorder.events.count == count, "no event after stop()")
        discovery.update(advertisement)  // ignored after stop
        #expect(throws: DiscoveryError.alreadyStarted) { try discovery.start(advertising: advertisement, on: loop) { _ in } }
        try await group.shutdownGracefully()
    }

    @Test func invalidAdvertisementsAreRefusedAtStart() {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        var bad = advertisement
        bad.port = 70000
        let discovery = AvahiDiscovery(logger: .init(label: "test"))
        #expect(throws: DiscoveryError.self) { try discovery.start(advertising: bad, on: group.next()) { _ in } }
    }
}
