/// What consecutive messages of one topology from one source (a neighbour, or this node's
/// clients) share in one router step, looked up once for the run instead of once per
/// message: the topology's state, its definition's publisher rule, the local members in
/// delivery order, and, per topic, who the message goes to.
///
/// Sound only while nothing but data is handled: messages do not change a topology's
/// members, interest, engaged neighbours or route, nor the graph. The router starts a run
/// at the first message of a topology and source, and drops it at anything else (another
/// topology or source, any other peer message, the end of the step), handing out then
/// what it delivers and forwards: one action per client and per neighbour for the run's
/// messages, not one per message.
struct DataRun {
    let topology: TopologyName
    let source: NodeID?
    let state: TopologyState
    /// Largest payload a local client may publish (for runs of this node's clients).
    let limit: Int
    /// The definition, when it names the topology's publishers (checked per origin).
    let restricted: TopologyDefinition?
    /// Whether the messages arrived in REPAIR_DATA: they go on to neighbours in
    /// REPAIR_DATA too (docs/architecture.md, "Repair and gaps"), not as live data.
    let resent: Bool
    /// Local members ascending by id: the order of deliveries.
    let members: [(client: ClientID, subscriptions: PrefixTrie)]
    /// Whether the parent is engaged but has not said what it wants yet (local
    /// publications are held for it).
    let awaitsParent: Bool
    /// The latest origin checked against ``restricted`` and the answer.
    var checkedOrigin: (origin: NodeID, permitted: Bool)?
    /// For a run of this node's own publications: where ``Router/nextSequence`` keeps the
    /// topology's next sequence, looked up once per run (the run's publications add no key).
    var sequenceIndex: Dictionary<TopologyName, UInt64>.Index?
    /// The topic the targets below are for.
    private(set) var topic: Topic?
    /// Whether the local subscriptions match ``topic``.
    private(set) var local = false
    /// Local members whose subscriptions match ``topic``, in delivery order.
    private(set) var clients: [ClientID] = []
    /// Engaged neighbours other than ``source`` that want ``topic``, ascending by id.
    private(set) var neighbors: [NodeID] = []
    /// Messages for ``clients`` and for ``neighbors`` not handed out yet, in order: they
    /// leave as one ``Router/Action/deliver(_:to:)`` per client and one
    /// ``Router/Action/forward(_:to:)`` per neighbour when the targets change or the run
    /// ends (``Router/endRun(_:now:)``).
    private var delivering: [DataMessage] = []
    private var forwarding: [DataMessage] = []
    /// The targets of a new topic, compared with ``clients`` and ``neighbors`` (kept for
    /// their capacity).
    private var wantedClients: [ClientID] = []
    private var wantedNeighbors: [NodeID] = []

    init(topology: TopologyName, source: NodeID?, state: TopologyState, limit: Int, restricted: TopologyDefinition?, resent: Bool = false) {
        self.topology = topology
        self.source = source
        self.state = state
        self.limit = limit
        self.restricted = restricted
        self.resent = resent
        members = state.members.sorted { $0.key < $1.key }.map { (client: $0.key, subscriptions: $0.value) }
        if let parent = state.route?.parent, state.engaged.contains(parent), state.remote[parent] == nil {
            awaitsParent = true
        } else {
            awaitsParent = false
        }
    }

    /// Whether the run is for messages of `topology` from `source` (live ones, unless `resent`).
    func carries(_ topology: TopologyName, from source: NodeID?, resent: Bool = false) -> Bool {
        self.source == source && self.topology == topology && self.resent == resent
    }

    /// Sets the targets for `topic` (kept while the topic repeats). When they differ from
    /// the previous topic's, returns what was still outgoing to those (the router hands it
    /// out before the run goes on).
    mutating func target(_ topic: Topic) -> Outgoing? {
        if let current = self.topic, current == topic { return nil }
        self.topic = topic
        local = state.localInterest.matches(topic)
        wantedClients.removeAll(keepingCapacity: true)
        if local {
            for member in members where member.subscriptions.matches(topic) {
                wantedClients.append(member.client)
            }
        }
        wantedNeighbors.removeAll(keepingCapacity: true)
        for neighbor in state.engaged where neighbor != source {
            if let interest = state.remote[neighbor], interest.matches(topic) {
                wantedNeighbors.append(neighbor)
            }
        }
        guard wantedClients != clients || wantedNeighbors != neighbors else { return nil }
        let previous = takeOutgoing()
        swap(&wantedClients, &clients)
        swap(&wantedNeighbors, &neighbors)
        return previous
    }

    /// Queues `message` for ``clients``.
    mutating func deliver(_ message: DataMessage) {
        delivering.append(message)
    }

    /// Queues `message` for ``neighbors``.
    mutating func forward(_ message: DataMessage) {
        forwarding.append(message)
    }

    /// What is outgoing, and to whom; `nil` when nothing is.
    mutating func takeOutgoing() -> Outgoing? {
        guard !delivering.isEmpty || !forwarding.isEmpty else { return nil }
        defer {
            delivering = []
            forwarding = []
        }
        return Outgoing(delivered: delivering, clients: clients, forwarded: forwarding, neighbors: neighbors, resent: resent)
    }

    /// Messages a run delivers to each of some clients and forwards to each of some
    /// neighbours, in order.
    struct Outgoing {
        let delivered: [DataMessage]
        let clients: [ClientID]
        let forwarded: [DataMessage]
        let neighbors: [NodeID]
        /// The forwarded messages go in REPAIR_DATA (``DataRun/resent``).
        let resent: Bool
    }
}
