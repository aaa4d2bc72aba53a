extension Router {
    /// A peer whose link is already established when a router resumes.
    public struct ResumedPeer: Sendable {
        public var id: NodeID
        public var name: String
        public var incarnation: UInt64
        public var cost: UInt32

        public init(id: NodeID, name: String, incarnation: UInt64, cost: UInt32) {
            self.id = id
            self.name = name
            self.incarnation = incarnation
            self.cost = cost
        }
    }

    /// Replaces the database with `equal`, which holds the same records (the same digest).
    /// Routing is unchanged; a simulator uses it so that thousands of routers that applied
    /// the same updates one by one share one copy in memory instead of one each.
    public mutating func adoptIdenticalDatabase(_ equal: LinkStateDatabase) {
        precondition(equal.digest == database.digest, "only an identical database can be adopted")
        database = equal
        // Same records: what changed since the graph was built is still what changed.
    }

    /// Starts the router inside an overlay that has already converged: `database` holds
    /// every node's current record (this node's included, listing exactly `peers`) and the
    /// links to `peers` are up with their databases in sync. Nothing is flooded.
    ///
    /// This is how the simulator starts large overlays without simulating the initial
    /// flood; a daemon always starts with ``Event/start`` and learns its peers one by one.
    public mutating func resume(database: LinkStateDatabase, peers: [ResumedPeer], at now: Instant) -> [Action] {
        if let record = database[id] {
            ownRecord = record
        }
        self.database = database
        changedSinceGraph = nil
        for peer in peers {
            interestPacer.forget(peer.id)
            self.peers[peer.id] = PeerState(
                name: peer.name,
                incarnation: peer.incarnation,
                cost: peer.cost,
                baseCost: peer.cost,
                connectedAt: now,
                lastHeard: now,
                lastSent: now
            )
        }
        return handle(.start, at: now)
    }
}
