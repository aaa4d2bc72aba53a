import ArborCore
import Yams

/// The keys of a topology file and how to read each, producing ``TopologyDraft``s.
///
/// ```yaml
/// topologies:
///   - name: nasdaq.quotes
///     version: 1
///     description: ...
///     root: nasdaq
///     fallbacks: [reuters]
///     nodes: [nasdaq, {name: reuters, addresses: ["198.18.0.2:7450"]}]
///     links: [{between: [nasdaq, reuters], cost: 10}]
///     publishers: [nasdaq]
///     max-message-size: 65536
///     admins: [3f2a...e1]          # node ids that may change it
///     slow-subscribers: push-back  # or drop (the default)
///     sp-prefixes: [AAPL, MSFT]    # pulled toward SP subscribers (default: none)
///     sp-separator: " "            # between topic and payload in SP messages
///     sp-tcp-port: 7460            # also serve SP over TCP (default: ipc only)
/// ```
enum TopologySchema {
    static let fileKeys = ["topologies"]
    static let topologyKeys = [
        "name", "version", "description", "root", "fallbacks", "nodes", "links", "publishers", "max-message-size", "admins",
        "slow-subscribers", "sp-prefixes", "sp-separator", "sp-tcp-port",
    ]
    static let nodeKeys = ["name", "addresses"]
    static let linkKeys = ["between", "cost"]

    static let maximumVersion = Int(UInt32.max)
    static let maximumCost = Int(TopologyGraph.maximumCost)
    /// Largest per-topology message size a file may declare (64 MiB).
    static let maximumMessageSize = 64 << 20

    /// Reads the document root: a mapping whose `topologies` key lists topologies.
    static func read(_ root: Node, with reader: inout YAMLReader) -> [TopologyDraft] {
        if case .mapping(let mapping) = root, mapping["topologies"] == nil {
            let keys = mapping.keys.compactMap(\.scalar?.string)
            let hint = keys.contains(where: topologyKeys.contains)
                ? ": to declare one topology, write 'topologies:' on the first line and '- name: ...' with the topology's keys indented under it"
                : ""
            reader.error(reader.location(of: root),
                "no 'topologies' key: a topology file is a mapping whose 'topologies' key lists the topologies\(hint)")
            return []
        }
        let shape = "a topology file (a mapping with the key 'topologies')"
        guard let fields = reader.fields(of: root, allowed: fileKeys, what: shape), let value = fields["topologies"]?.value
        else { return [] }
        guard let entries = reader.list(value, key: "topologies", expected: "a list of topologies (each starting with '- name: ...')")
        else { return [] }
        if entries.isEmpty {
            reader.error(reader.location(of: value), "'topologies' is empty: add at least one topology")
        }
        var drafts: [TopologyDraft] = []
        for entry in entries {
            guard !reader.isExhausted else { break }
            if let draft = readTopology(entry, with: &reader) {
                drafts.append(draft)
            }
        }
        return drafts
    }

    private static func readTopology(_ node: Node, with reader: inout YAMLReader) -> TopologyDraft? {
        let errorsBefore = reader.diagnostics.count
        guard let fields = reader.fields(of: node, allowed: topologyKeys, what: "a topology") else { return nil }
        var draft = TopologyDraft(location: reader.location(of: node))
        if let value = fields["name"]?.value {
            draft.name = reader.text(value, key: "name", expected: "a topology name like nasdaq.quotes")
        } else {
            reader.error(draft.location, "topology has no 'name': add one, like 'name: nasdaq.quotes'")
        }
        if let value = fields["version"]?.value {
            draft.version = reader.positiveInteger(value, key: "version", maximum: maximumVersion)
        }
        if let value = fields["description"]?.value {
            draft.description = reader.text(value, key: "description", expected: "text")?.value ?? ""
        }
        if let value = fields["root"]?.value {
            draft.root = reader.text(value, key: "root", expected: "a node name")
        }
        if let value = fields["fallbacks"]?.value {
            draft.fallbacks = names(value, key: "fallbacks", with: &reader) ?? []
        }
        if let field = fields["nodes"],
            let entries = reader.list(field.value, key: "nodes", expected: "a list of nodes (names, or mappings with 'name' and 'addresses')")
        {
            draft.nodes = Located(value: entries.compactMap { readNode($0, with: &reader) }, location: reader.location(of: field.key))
        }
        if let field = fields["links"],
            let entries = reader.list(field.value, key: "links", expected: "a list of links like '{between: [a, b], cost: 10}'")
        {
            draft.links = Located(value: entries.compactMap { readLink($0, with: &reader) }, location: reader.location(of: field.key))
        }
        if let field = fields["publishers"], let names = names(field.value, key: "publishers", with: &reader) {
            draft.publishers = Located(value: names, location: reader.location(of: field.key))
        }
        if let field = fields["admins"],
            let entries = reader.list(field.value, key: "admins", expected: "a list of node ids (32 hex digits, as `arbor status` shows them)")
        {
            let ids = entries.compactMap { reader.text($0, key: "admins", expected: "a node id (32 hex digits)") }
            draft.admins = Located(value: ids, location: reader.location(of: field.key))
        }
        if let value = fields["slow-subscribers"]?.value,
            let text = reader.text(value, key: "slow-subscribers", expected: "drop or push-back")
        {
            if let policy = SlowSubscriberPolicy(rawValue: text.value) {
                draft.slowSubscribers = policy
            } else {
                reader.error(text.location, "'slow-subscribers' must be drop or push-back, not '\(text.value)'")
            }
        }
        readSP(fields, into: &draft, with: &reader)
        if let value = fields["max-message-size"]?.value {
            draft.maxMessageSize = reader.positiveInteger(value, key: "max-message-size", maximum: maximumMessageSize)
        }
        draft.hasShapeErrors = reader.diagnostics[errorsBefore...].contains { $0.severity == .error }
        return draft
    }

    /// The `sp-...` keys (``SPSettings``).
    private static func readSP(_ fields: [String: (key: Node, value: Node)], into draft: inout TopologyDraft, with reader: inout YAMLReader) {
        if let value = fields["sp-prefixes"]?.value,
            let entries = reader.list(value, key: "sp-prefixes", expected: "a list of topic prefixes, like [AAPL, MSFT] ('' for every topic)")
        {
            draft.sp.prefixes = entries.compactMap { reader.text($0, key: "sp-prefixes", expected: "a topic prefix") }.map { Topic($0.value) }
        }
        if let value = fields["sp-separator"]?.value, let text = reader.text(value, key: "sp-separator", expected: "text, like \" \"") {
            let bytes = Array(text.value.utf8)
            if bytes.isEmpty || bytes.count > SPSettings.maximumSeparatorLength {
                reader.error(text.location, "'sp-separator' must be 1 to \(SPSettings.maximumSeparatorLength) bytes, like \" \" or \"|\"")
            } else {
                draft.sp.separator = bytes
            }
        }
        if let value = fields["sp-tcp-port"]?.value {
            draft.sp.tcpPort = reader.positiveInteger(value, key: "sp-tcp-port", maximum: 65535)?.value
        }
    }

    /// A list of node names.
    private static func names(_ node: Node, key: String, with reader: inout YAMLReader) -> [Located<String>]? {
        guard let entries = reader.list(node, key: key, expected: "a list of node names, like [reuters, bloomberg]") else {
            return nil
        }
        return entries.compactMap { reader.text($0, key: key, expected: "a list of node names") }
    }

    /// A node: its name alone, or a mapping with `name` and optional `addresses`.
    private static func readNode(_ node: Node, with reader: inout YAMLReader) -> NodeDraft? {
        if case .scalar = node {
            return reader.text(node, key: "nodes", expected: "a list of nodes").map { NodeDraft(name: $0, addresses: []) }
        }
        let shape = "a node (a name, or a mapping with 'name' and 'addresses')"
        guard let fields = reader.fields(of: node, allowed: nodeKeys, what: shape) else { return nil }
        guard let nameNode = fields["name"]?.value else {
            reader.error(reader.location(of: node), "node has no 'name': add one, like 'name: reuters'")
            return nil
        }
        guard let name = reader.text(nameNode, key: "name", expected: "a node name") else { return nil }
        var addresses: [Located<StaticAddress>] = []
        if let value = fields["addresses"]?.value,
            let entries = reader.list(value, key: "addresses", expected: "a list of addresses like [\"198.18.0.7:7450\"]")
        {
            for entry in entries {
                guard let text = reader.text(entry, key: "addresses", expected: "a list of addresses") else { continue }
                do {
                    addresses.append(Located(value: try StaticAddress(parsing: text.value), location: text.location))
                } catch {
                    reader.error(text.location, "invalid address: \(error.description)")
                }
            }
        }
        return NodeDraft(name: name, addresses: addresses)
    }

    /// A link: `between` two node names and an optional `cost` (default 1).
    private static func readLink(_ node: Node, with reader: inout YAMLReader) -> LinkDraft? {
        let shape = "a link (a mapping like '{between: [a, b], cost: 10}')"
        guard let fields = reader.fields(of: node, allowed: linkKeys, what: shape) else { return nil }
        let location = reader.location(of: node)
        guard let betweenNode = fields["between"]?.value else {
            reader.error(location, "link has no 'between': name its two nodes, like 'between: [nasdaq, reuters]'")
            return nil
        }
        guard let ends = reader.list(betweenNode, key: "between", expected: "a list of two node names, like [nasdaq, reuters]")
        else { return nil }
        guard ends.count == 2 else {
            reader.error(reader.location(of: betweenNode),
                "'between' must name exactly two nodes, like [nasdaq, reuters]; found \(ends.count)")
            return nil
        }
        guard let a = reader.text(ends[0], key: "between", expected: "a node name"),
            let b = reader.text(ends[1], key: "between", expected: "a node name")
        else { return nil }
        var cost = 1
        if let costNode = fields["cost"]?.value {
            // A bad cost is reported; the link is kept (at cost 1) so its ends are checked too.
            cost = reader.positiveInteger(costNode, key: "cost", maximum: maximumCost)?.value ?? 1
        }
        return LinkDraft(location: location, a: a, b: b, cost: cost)
    }
}
