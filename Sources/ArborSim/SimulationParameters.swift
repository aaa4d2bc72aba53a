import ArborCore

/// Timing and sizing of a simulation.
public struct SimulationParameters: Sendable {
    /// One-way latency of every link.
    public var linkLatency: Duration = .milliseconds(1)
    /// Delay before a broken or new link is dialled, plus up to `redialJitter` at random.
    public var redialDelay: Duration = .milliseconds(50)
    public var redialJitter: Duration = .milliseconds(50)
    /// Cost every link advertises.
    public var linkCost: UInt32 = 10
    public var heartbeatInterval: Duration = .milliseconds(100)
    public var missedHeartbeats = 3
    public var recomputeDelay: Duration = .milliseconds(1)
    public var recordGracePeriod: Duration = .seconds(60)
    /// How often a router without topologies re-checks reachability for ageing.
    public var reachabilityInterval: Duration = .seconds(10)
    /// How long a flushed record version is remembered.
    public var flushMemory: Duration = .seconds(90)
    /// How often a router floods a new version of its own record at most (see
    /// ``RouterConfiguration/originationHold``); `nil`: the router's default.
    public var originationHold: Duration?
    /// Bytes and age of each router's repair buffer; `nil`: the router's default.
    public var repairBufferBytes: Int?
    public var repairBufferAge: Duration?
    /// Whether a parent switch by choice keeps the old edge until the new one carries
    /// (``RouterConfiguration/maximumSwitchOverlaps`` 0 when off: the old edge goes at once).
    public var makeBeforeBreak = true
    /// Entries per table of the shared routing cache.
    public var cacheCapacity = 256

    public init() {}

    func configure(_ configuration: inout RouterConfiguration) {
        configuration.heartbeatInterval = heartbeatInterval
        configuration.missedHeartbeats = missedHeartbeats
        configuration.recomputeDelay = recomputeDelay
        configuration.recordGracePeriod = recordGracePeriod
        configuration.reachabilityInterval = reachabilityInterval
        configuration.flushMemory = flushMemory
        if let originationHold {
            configuration.originationHold = originationHold
        }
        if let repairBufferBytes {
            configuration.repairBufferBytes = repairBufferBytes
        }
        if let repairBufferAge {
            configuration.repairBufferAge = repairBufferAge
        }
        if !makeBeforeBreak {
            configuration.maximumSwitchOverlaps = 0
        }
        configuration.defaultLinkCost = linkCost
        // Every simulated link has the same latency: a round-trip term would only add one
        // flood per link. The term is covered by the router's unit tests.
        configuration.roundTripCostUnit = nil
    }
}
