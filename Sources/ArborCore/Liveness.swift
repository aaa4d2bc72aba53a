/// When a silent peer is dead: once it has been silent for ``RouterConfiguration/deadAfter``,
/// and, with a ``RouterConfiguration/livenessRecheck``, still silent that long after it was
/// first found so (the shell reads the sockets meanwhile, so a busy node does not judge a
/// peer by frames it has not read yet). A sub-machine of ``Router``: the state is each
/// peer's (``PeerState/lastHeard``, ``PeerState/suspectSince``); it judges it and says
/// when to look again.
struct Liveness: Sendable {
    enum Verdict: Equatable {
        /// Heard recently enough, or suspect and waiting for the recheck.
        case alive
        /// Silent too long, found so now: judged again after the recheck.
        case suspect
        case dead(silentFor: Duration)
    }

    private let deadAfter: Duration
    private let recheck: Duration

    init(_ configuration: RouterConfiguration) {
        deadAfter = configuration.deadAfter
        recheck = configuration.livenessRecheck
    }

    /// The verdict on `peer` at `now`.
    func judge(_ peer: PeerState, at now: Instant) -> Verdict {
        let silence = now - peer.lastHeard
        guard silence >= deadAfter else { return .alive }
        if recheck > .zero {
            guard let since = peer.suspectSince else { return .suspect }
            guard now - since >= recheck else { return .alive }
        }
        return .dead(silentFor: silence)
    }

    /// When `peer` is to be judged next.
    func deadline(of peer: PeerState) -> Instant {
        peer.suspectSince.map { $0 + recheck } ?? peer.lastHeard + deadAfter
    }
}
