import ArborCore

/// An undirected physical link between two simulated nodes, by index (`a < b`).
public struct LinkKey: Hashable, Sendable, CustomStringConvertible {
    public let a: Int
    public let b: Int

    public init(_ x: Int, _ y: Int) {
        a = min(x, y)
        b = max(x, y)
    }

    /// Hashes for tables with ``wordPairHash(_:_:seed:)`` instead of SipHash.
    public func _rawHashValue(seed: Int) -> Int {
        wordPairHash(UInt64(bitPattern: Int64(a)), UInt64(bitPattern: Int64(b)), seed: seed)
    }

    public func other(_ node: Int) -> Int {
        node == a ? b : a
    }

    public var description: String { "\(a)-\(b)" }
}

/// The simulated TCP connection over one physical link. It behaves like TCP: frames arrive
/// in order or the connection breaks; a silently cut path holds frames back (they arrive
/// when the path returns, as retransmissions would) until an end gives up on the peer.
struct SimulatedConnection {
    /// Bumped on every new connection; frames of an older one are discarded on arrival.
    var epoch: UInt64 = 0
    /// Whether each end (`a`, `b` of the link key) holds the connection as established.
    var upAtA = false
    var upAtB = false
    /// Frames sent while the path was cut, in order, waiting for it to return.
    var stalled: [(from: Int, message: PeerMessage)] = []
    /// An end that closed while the path was cut; the other end learns it on restore.
    var pendingCloseNotice: Int?
    /// A dial is scheduled.
    var dialing = false

    func isUp(at node: Int, of link: LinkKey) -> Bool {
        node == link.a ? upAtA : upAtB
    }

    mutating func setUp(_ up: Bool, at node: Int, of link: LinkKey) {
        if node == link.a { upAtA = up } else { upAtB = up }
    }
}
