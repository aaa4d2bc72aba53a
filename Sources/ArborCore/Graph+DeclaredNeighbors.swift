extension Graph {
    /// The nodes that a topology definition in force declares a link with `node` (link
    /// rules name nodes; names resolve through the records, as for trees). A tree of such
    /// a topology may use only its declared links, so the overlay keeps these links
    /// whatever else it chooses (``OverlayLinks/Event/declared(_:)``). Empty when `node`
    /// has no record yet or no definition declares links.
    public func declaredNeighbors(of node: NodeID) -> Set<NodeID> {
        guard let own = index(of: node) else { return [] }
        let name = names[Int(own)]
        var result = Set<NodeID>()
        for definition in definitions.values {
            for rule in definition.links ?? [] {
                let other: String
                if rule.a == name {
                    other = rule.b
                } else if rule.b == name {
                    other = rule.a
                } else {
                    continue
                }
                if let index = index(named: other), index != own {
                    result.insert(ids[Int(index)])
                }
            }
        }
        return result
    }
}
