import Testing

/// Every suite that starts `arbord` processes is nested here, so that they run one test at a
/// time: they measure reroutes in tens of milliseconds and would otherwise measure each
/// other (a fuzzing run next to a reroute is enough to make heartbeats miss on 2 cores).
/// Other targets' tests still run beside them; ports and directories never collide.
@Suite("Multi-process (real arbord on loopback)", .serialized)
enum MultiProcess {}
