import ArborCore
import ArborSim
import Testing

/// Reroute times in simulated time (deterministic, so these are exact assertions, not
/// timing tests): with 1 ms links and default heartbeats, a crashed relay (its connections
/// close) is rerouted within 20 ms and a silent link loss within 400 ms. Measured as the
/// time from the fault until every later message reaches the subscriber, with a message
/// published every millisecond; repair is off (no buffer), else it would deliver the
/// messages of the gap late (RepairTests).
@Suite struct RerouteTimeTests {
    func rerouteGap(_ fault: (Simulator, Int, Int) -> Void) -> (gap: Duration, duplicates: Int) {
        var parameters = SimulationParameters()
        parameters.repairBufferBytes = 0
        let (simulator, a, b1, _, c) = Fixture.diamond(parameters: parameters)
        simulator.attachClients(at: a, subscriberAt: c, subscribing: ["AAPL"])
        simulator.run(for: .seconds(1))
        let faultTime = simulator.now
        fault(simulator, b1, a)
        var published: [(Instant, MessageKey)] = []
        for _ in 0..<600 {
            if let key = simulator.publish(1, at: a, topology: Fixture.topology, topic: "AAPL") {
                published.append((simulator.now, key))
            }
            simulator.run(for: .milliseconds(1))
        }
        simulator.run(for: .milliseconds(100))
        // The earliest instant after which every message was delivered.
        var recovered = faultTime
        for (time, key) in published where simulator.ledger.entries[key]?.receivers[2] == nil {
            recovered = max(recovered, time + .milliseconds(1))
        }
        return (recovered - faultTime, simulator.ledger.duplicatesDelivered)
    }

    @Test func aCrashedRelayIsReroutedWithin20Milliseconds() {
        let result = rerouteGap { simulator, relay, _ in simulator.kill(relay) }
        #expect(result.gap <= .milliseconds(20), "gap \(result.gap)")
        #expect(result.duplicates == 0)
    }

    @Test func aSilentLinkLossIsReroutedWithin400Milliseconds() {
        let result = rerouteGap { simulator, relay, source in simulator.cut(LinkKey(source, relay)) }
        #expect(result.gap <= .milliseconds(400), "gap \(result.gap)")
        #expect(result.gap >= .milliseconds(200), "detected by heartbeats, not sooner")
        #expect(result.duplicates == 0)
    }
}
