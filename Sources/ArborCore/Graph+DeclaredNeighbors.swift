extension Graph {
    /// The nodes that a topology definition in force declares a link with `node` (link
    /// rules name nodes by name or id, resolved by ``index(named:)`` as for trees). A tree of such
    /// a topology may use only its declared links, so the overlay keeps these links
    /// whatever else it chooses (``OverlayLinks/Event/declared(_:)``). Empty when `node`
    /// has no record yet or no definition declares links.
    public func declaredNeighbors(of node: NodeID) -> Set<NodeID> {
        guard let own = index(of: node) else { return [] }
        var result = Set<NodeID>()
        for definition in definitions.values {
            for rule in definition.links ?? [] {
                guard let a = index(named: rule.a), let b = index(named: rule.b), a != b else { continue }
                if a == own {
                    result.insert(ids[Int(b)])
                } else if b == own {
                    result.insert(ids[Int(a)])
                }
            }
        }
        return result
    }
}
