import ArborCore

/// A started router `me` ("n1") with one peer `peer` ("n2") that is up, whose link-state
/// record links it back (so the tree holds both) and that wants everything of `topology`:
/// once `me` joins the topology, the peer is engaged.
func routerLinked(
    to peer: NodeID, as me: NodeID, wantingEverythingOf topology: TopologyName,
    _ configure: (inout RouterConfiguration) -> Void = { _ in }
) -> Router {
    var configuration = RouterConfiguration(id: me, name: "n1", incarnation: 1)
    configure(&configuration)
    var router = Router(configuration)
    _ = router.handle(.start, at: .zero)
    _ = router.handle(.peerUp(peer, name: "n2", incarnation: 1, cost: nil), at: .zero)
    let record = LinkStateRecord(origin: peer, name: "n2", incarnation: 1, sequence: 1, links: [Link(neighbor: me, cost: 10)])
    _ = router.handle(.message(.linkState([record]), from: peer), at: .zero)
    _ = router.handle(.message(.interest(topology, .full(PrefixSet([""]))), from: peer), at: .zero)
    return router
}
