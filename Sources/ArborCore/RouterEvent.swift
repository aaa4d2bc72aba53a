/// A local application attached to this router, numbered by the shell.
public typealias ClientID = UInt64

extension Router {
    /// Everything that can happen to a router. The time of the event is passed beside it.
    public enum Event: Sendable {
        /// The router starts: it installs its own record and asks for its first wake-up.
        case start
        /// A peer link finished its handshake. `cost` overrides the default link cost.
        case peerUp(NodeID, name: String, incarnation: UInt64, cost: UInt32?)
        /// The cost given for the link to a connected peer changed (the `cost` of its
        /// ``peerUp(_:name:incarnation:cost:)``): advertised at once, the round-trip term kept.
        case linkCost(NodeID, UInt32)
        /// A peer link closed (connection reset, closed, or refused by the shell).
        case peerDown(NodeID)
        /// The link to a peer holds more output than the shell lets it hold (arbord's
        /// `--peer-output-limit`): the peer has not read what it was sent. What becomes of
        /// the link is the router's rule (``Router/peerBacklogged(_:now:)``).
        case peerBacklogged(NodeID)
        /// A message arrived on the link to a peer.
        case message(PeerMessage, from: NodeID)
        /// Messages that arrived together on the link to a peer, in order: the same as one
        /// `.message` event each at the same instant, in one step (a shell hands over what
        /// one read of a socket brought, so a busy link costs one step per read).
        case messages([PeerMessage], from: NodeID)
        /// A client joins a topology (as a publisher, a subscriber or both).
        case attach(ClientID, TopologyName)
        case subscribe(ClientID, TopologyName, Topic)
        case unsubscribe(ClientID, TopologyName, Topic)
        case publish(ClientID, TopologyName, Topic, payload: [UInt8])
        /// Publications of one client that arrived together (one read of its socket), in
        /// order: the same as one `.publish` event each at the same instant, in one step.
        case publications(ClientID, [Publication])
        /// A client leaves one topology, or all of them (`nil`, e.g. its socket closed).
        case detach(ClientID, TopologyName?)
        /// Topology definitions were (re)loaded from files; they replace the earlier ones.
        case loadDefinitions([TopologyDefinition])
        /// Where this node accepts peer links (at most ``LinkStateRecord/maximumAddresses``;
        /// the rest are ignored); advertised in its record, replacing the earlier ones.
        case advertise([OverlayAddress])
        /// The wake-up the router asked for is due.
        case timer
        /// Graceful stop: say goodbye to every peer so they reroute at once.
        case shutdown
    }

    /// One publication of a `.publications` event.
    public struct Publication: Sendable {
        public var topology: TopologyName
        public var topic: Topic
        public var payload: [UInt8]

        public init(topology: TopologyName, topic: Topic, payload: [UInt8]) {
            self.topology = topology
            self.topic = topic
            self.payload = payload
        }
    }

    /// What the router asks its shell to do, in order.
    public enum Action: Sendable {
        case send(PeerMessage, to: NodeID)
        /// Send these data messages to a peer, in order, as that many `.send(.data(_))`
        /// would: the forwarding of one run of messages (``DataRun``) to one neighbour,
        /// handed out as one action so the shell looks the link up and queues the frames
        /// once per run, not once per message.
        case forward([DataMessage], to: NodeID)
        /// Deliver these messages to a local client, in order: one run's messages
        /// (``DataRun``), handed out as one action as for ``forward(_:to:)``.
        case deliver([DataMessage], to: ClientID)
        /// Tell a local subscriber that a span of a stream will not be delivered (GAP).
        case gap(StreamGap, to: ClientID)
        case reject(ClientID, Rejection)
        /// Close the link to a peer (the router already treats it as down).
        case disconnect(NodeID, DisconnectReason)
        /// Call back with `.timer` at this instant; replaces any earlier request.
        case wakeUp(at: Instant)
        /// Something an operator may want to know; no action needed.
        case observe(Observation)
    }

    /// Why a client's request was refused.
    public enum Rejection: Hashable, Sendable, CustomStringConvertible {
        case notPermittedPublisher(TopologyName)
        case messageTooLarge(size: Int, limit: Int)
        case notInTopology(TopologyName)
        case tooManyTopologies
        /// The client reached one of its own limits (topologies or subscriptions).
        case clientLimit(ClientLimit)

        /// A per-client limit, with its value.
        public enum ClientLimit: Hashable, Sendable {
            case topologies(Int)
            case subscriptions(Int)
        }

        public var description: String {
            switch self {
            case .notPermittedPublisher(let topology):
                return "this node may not publish to \(topology): its definition lists the permitted publishers"
            case .messageTooLarge(let size, let limit):
                return "message of \(size) bytes exceeds the limit of \(limit) bytes"
            case .notInTopology(let topology):
                return "this node is not among the nodes of \(topology)"
            case .tooManyTopologies:
                return "this node holds the maximum number of topologies"
            case .clientLimit(.topologies(let limit)):
                return "this connection is a member of \(limit) topologies, the most a client may be (arbord --max-client-topologies)"
            case .clientLimit(.subscriptions(let limit)):
                return "this connection holds \(limit) subscriptions, the most a client may hold (arbord --max-client-subscriptions)"
            }
        }
    }

    /// Why the router closed a link.
    public enum DisconnectReason: Hashable, Sendable, CustomStringConvertible {
        case heartbeatTimeout(silentFor: Duration)
        case goodbye
        /// The peer did not read its output (``Event/peerBacklogged(_:)``).
        case outputBacklog
        case protocolViolation(String)

        public var description: String {
            switch self {
            case .heartbeatTimeout(let silence):
                return "no frame for \(silence.milliseconds) ms (missed heartbeats)"
            case .goodbye:
                return "peer said goodbye"
            case .outputBacklog:
                return "it has not read its output (over the link's output limit)"
            case .protocolViolation(let detail):
                return "protocol violation: \(detail)"
            }
        }
    }

    /// Events worth recording for operators.
    public enum Observation: Hashable, Sendable {
        case peerUp(NodeID, name: String)
        case peerDown(NodeID, name: String, reason: String)
        /// This node's view of a topology changed (root, parent, or engaged neighbours).
        case routeChanged(TopologyName, before: RouteSummary?, after: RouteSummary?)
        case definitionConflict(TopologyName, [TopologyDefinition])
        case nameConflict(String, [NodeID])
        /// A record was aged out after its node stayed unreachable for the grace period.
        case recordExpired(NodeID, name: String)
        /// Topology files were reloaded (``Event/loadDefinitions(_:)``): the names whose
        /// definition this node loads were added, changed or removed (empty: nothing changed).
        case definitionsReloaded(changed: [TopologyName])
        /// A reload of the topology files was refused for their errors (located, as
        /// `file:line:col: error: ...`), the definitions loaded before kept. Recorded by the
        /// node that reads the files; the router never sees such a reload.
        case definitionsRefused(errors: [String])
    }
}

/// A node's place in one topology's tree.
public struct RouteSummary: Hashable, Sendable {
    public var root: NodeID
    public var rootReason: TopologyGraph.RootReason
    /// `nil` at the root.
    public var parent: NodeID?
    /// Tree neighbours: the parent and every child.
    public var treeNeighbors: [NodeID]
    /// Tree neighbours interest is exchanged with (the parent while this node is on the
    /// tree, and children that joined); data only ever goes to these, and, for a moment
    /// after a parent change by choice, to the old parent and former children
    /// (``TopologyState/engaged``, docs/architecture.md "Make before break").
    public var engaged: [NodeID]
}
