import ArborCore

/// Checks the parts of a ``TopologyDraft`` against each other and turns a sound one into a
/// ``DeclaredTopology``: names valid and unique, links between declared nodes, root,
/// fallbacks and publishers among the nodes, every node reachable from the root, and a
/// warning for each link that no tree would ever use.
struct TopologyValidator {
    /// Beyond this many nodes the unused-link warning is not computed (it plans the
    /// topology once per node and per tree link).
    static let unusedLinkAnalysisLimit = 2_000

    private(set) var diagnostics: [Diagnostic] = []

    mutating func validate(_ draft: TopologyDraft) -> DeclaredTopology? {
        let errorsBefore = errorCount
        var name: TopologyName?
        if let written = draft.name {
            do {
                name = try TopologyName(validating: written.value)
            } catch {
                self.error(written.location, "invalid topology name '\(written.value)': \(error.description)")
            }
        }
        let nodes = checkNodes(draft)
        let nodeNames = nodes.map { $0.map(\.name.value) }
        let scope = draft.name.map { "'\($0.value)'" } ?? "this topology"
        let links = checkLinks(draft, nodes: nodeNames, scope: scope)
        checkRoots(draft, nodes: nodeNames, scope: scope)
        checkPublishers(draft, nodes: nodeNames, scope: scope)
        let admins = checkAdmins(draft)
        guard let name, let written = draft.name, !draft.hasShapeErrors, errorCount == errorsBefore else { return nil }

        let definition = TopologyDefinition(
            name: name,
            version: UInt64(draft.version?.value ?? 1),
            description: draft.description,
            root: draft.root?.value,
            fallbacks: draft.fallbacks.map(\.value),
            nodes: nodeNames,
            links: links.map { $0.map { LinkRule($0.a.value, $0.b.value, cost: UInt32($0.cost)) } },
            publishers: draft.publishers.map { $0.value.map(\.value) },
            maxMessageSize: draft.maxMessageSize?.value,
            admins: admins,
            slowSubscribers: draft.slowSubscribers ?? .drop
        )
        if let links = draft.links, let planner = try? TopologyPlanner(definition) {
            checkReachability(planner, draft: draft, linksKey: links.location)
            if errorCount == errorsBefore, planner.nodes.count <= Self.unusedLinkAnalysisLimit {
                warnAboutUnusedLinks(planner, links: links.value)
            }
        }
        guard errorCount == errorsBefore else { return nil }
        var addresses: [String: [StaticAddress]] = [:]
        for node in nodes ?? [] where !node.addresses.isEmpty {
            addresses[node.name.value] = node.addresses.map(\.value)
        }
        return DeclaredTopology(definition: definition, addresses: addresses, sp: draft.sp, location: written.location)
    }

    /// The admins as node ids; each must be 32 hex digits, and the list not empty.
    private mutating func checkAdmins(_ draft: TopologyDraft) -> [NodeID]? {
        guard let admins = draft.admins else { return nil }
        if admins.value.isEmpty, !draft.hasShapeErrors {
            error(admins.location,
                "'admins' is empty, so nobody could change this topology: list the node ids that may, or remove the key")
        }
        var ids: [NodeID] = []
        for written in admins.value {
            guard let id = NodeID(hex: written.value) else {
                error(written.location, "'\(written.value)' is not a node id: write the 32 hex digits `arbor status` shows")
                continue
            }
            ids.append(id)
        }
        return ids
    }

    /// "line 4", or "line 4, column 9" when `location` is on the same line.
    static func position(_ first: SourceLocation, from location: SourceLocation) -> String {
        first.line == location.line ? "line \(first.line), column \(first.column)" : "line \(first.line)"
    }

    private var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }

    private mutating func error(_ location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(.error, at: location, message))
    }

    /// Node names valid and unique, addresses not given twice.
    private mutating func checkNodes(_ draft: TopologyDraft) -> [NodeDraft]? {
        guard let nodes = draft.nodes else { return nil }
        if nodes.value.isEmpty, !draft.hasShapeErrors {
            error(nodes.location, "'nodes' is empty: list the nodes, or remove the key to let any node carry the topology")
        }
        var seen: [String: SourceLocation] = [:]
        var owners: [StaticAddress: (node: String, location: SourceLocation)] = [:]
        for node in nodes.value {
            let name = node.name
            if let problem = NodeName.problem(in: name.value) {
                error(name.location, problem)
            } else if let first = seen[name.value] {
                error(name.location, "node '\(name.value)' is listed twice (first at \(Self.position(first, from: name.location))): remove one")
            } else {
                seen[name.value] = name.location
            }
            for address in node.addresses {
                if let owner = owners[address.value] {
                    let whose = owner.node == name.value ? "this node" : "node '\(owner.node)'"
                    error(address.location,
                        "address \(address.value) is already given for \(whose) (at \(Self.position(owner.location, from: address.location))): each address belongs to one node, once")
                } else {
                    owners[address.value] = (name.value, address.location)
                }
            }
        }
        return nodes.value
    }

    /// Links only between declared nodes, never a node to itself, each pair once.
    private mutating func checkLinks(_ draft: TopologyDraft, nodes: [String]?, scope: String) -> [LinkDraft]? {
        guard let links = draft.links else { return nil }
        guard let nodes else {
            error(links.location, "'links' needs 'nodes': list every node the links join under 'nodes'")
            return links.value
        }
        if links.value.isEmpty, !draft.hasShapeErrors {
            error(links.location, "'links' is empty: list the links, or remove the key to allow any link between the nodes")
        }
        let known = Set(nodes)
        var seen: [NodePair: SourceLocation] = [:]
        for link in links.value {
            var endsKnown = true
            for end in [link.a, link.b] where !known.contains(end.value) {
                endsKnown = false
                error(end.location,
                    "link to '\(end.value)', which is not among the nodes of \(scope): add it to 'nodes' or correct the name\(Suggestion.clause(for: end.value, among: nodes))")
            }
            guard endsKnown else { continue }
            if link.a.value == link.b.value {
                error(link.location, "link from '\(link.a.value)' to itself: a link joins two different nodes")
                continue
            }
            let pair = NodePair(link.a.value, link.b.value)
            if let first = seen[pair] {
                error(link.location, "link \(pair) is declared twice (first at \(Self.position(first, from: link.location))): keep one")
            } else {
                seen[pair] = link.location
            }
        }
        return links.value
    }

    /// Root and fallbacks among the nodes (when nodes are listed), none named twice.
    private mutating func checkRoots(_ draft: TopologyDraft, nodes: [String]?, scope: String) {
        if let root = draft.root {
            checkMember(root, role: "root", nodes: nodes, scope: scope)
        }
        var seen: [String: SourceLocation] = [:]
        for fallback in draft.fallbacks {
            checkMember(fallback, role: "fallback", nodes: nodes, scope: scope)
            if fallback.value == draft.root?.value {
                error(fallback.location, "fallback '\(fallback.value)' is the root itself: list other nodes as fallbacks")
            } else if let first = seen[fallback.value] {
                error(fallback.location, "fallback '\(fallback.value)' is listed twice (first at \(Self.position(first, from: fallback.location))): remove one")
            } else {
                seen[fallback.value] = fallback.location
            }
        }
    }

    private mutating func checkPublishers(_ draft: TopologyDraft, nodes: [String]?, scope: String) {
        guard let publishers = draft.publishers else { return }
        if publishers.value.isEmpty, !draft.hasShapeErrors {
            error(publishers.location,
                "'publishers' is empty, so nobody could publish: list the nodes that may, or remove the key to let any node publish")
        }
        var seen: [String: SourceLocation] = [:]
        for publisher in publishers.value {
            // 32 hex digits name a node by its id (its key), which need not be in 'nodes'.
            if NodeID(hex: publisher.value) == nil {
                checkMember(publisher, role: "publisher", nodes: nodes, scope: scope)
            }
            if let first = seen[publisher.value] {
                error(publisher.location, "publisher '\(publisher.value)' is listed twice (first at \(Self.position(first, from: publisher.location))): remove one")
            } else {
                seen[publisher.value] = publisher.location
            }
        }
    }

    private mutating func checkMember(_ name: Located<String>, role: String, nodes: [String]?, scope: String) {
        if let nodes {
            if !nodes.contains(name.value) {
                error(name.location,
                    "\(role) '\(name.value)' is not among the nodes of \(scope): add it to 'nodes' or correct the name\(Suggestion.clause(for: name.value, among: nodes))")
            }
        } else if let problem = NodeName.problem(in: name.value) {
            error(name.location, problem)
        }
    }

    /// Every node on the tree of the intact topology.
    private mutating func checkReachability(_ planner: TopologyPlanner, draft: TopologyDraft, linksKey: SourceLocation) {
        let plan = planner.plan()
        let cutOff = plan.unreachable
        guard !cutOff.isEmpty, let root = plan.root else { return }
        let list = cutOff.joined(separator: ", ")
        let one = cutOff.count == 1
        let what = one ? "node" : "nodes"
        let them = one ? "it" : "them"
        let fix = "add links to \(them) or remove \(them) from 'nodes'"
        if draft.root == nil, draft.fallbacks.isEmpty, let first = planner.nodes.first {
            error(linksKey, "\(what) not connected to '\(first)' (the first node) by the declared links: \(list); \(fix)")
        } else {
            error(linksKey, "\(what) unreachable from the root '\(root)' over the declared links: \(list); \(fix)")
        }
    }

    /// Warns about links on no tree: neither in the intact tree nor in the tree after any
    /// single node or link failure. (Failing an element off the tree changes nothing, so
    /// only tree nodes and tree links need to be failed.)
    private mutating func warnAboutUnusedLinks(_ planner: TopologyPlanner, links: [LinkDraft]) {
        let intact = planner.plan()
        var used = Set(intact.links.filter { $0.state == .tree }.map(\.pair))
        var scenarios = intact.nodes.filter { intact.placements[$0] != nil }.map { PlanFailures(nodes: [$0]) }
        scenarios += used.sorted().map { PlanFailures(links: [$0]) }
        for failures in scenarios {
            used.formUnion(planner.plan(failing: failures).links.filter { $0.state == .tree }.map(\.pair))
        }
        for link in links where !used.contains(NodePair(link.a.value, link.b.value)) {
            diagnostics.append(Diagnostic(.warning, at: link.location,
                "link \(NodePair(link.a.value, link.b.value)) (cost \(link.cost)) is on no tree, neither as planned nor after any single node or link failure: lower its cost to make it a standby path, or remove it"))
        }
    }
}
