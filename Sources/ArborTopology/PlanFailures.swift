/// One link between two named nodes, without direction: `NodePair("b", "a") == NodePair("a", "b")`.
public struct NodePair: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The smaller name.
    public let a: String
    /// The larger name.
    public let b: String

    public init(_ first: String, _ second: String) {
        if first <= second {
            a = first
            b = second
        } else {
            a = second
            b = first
        }
    }

    public func contains(_ name: String) -> Bool { a == name || b == name }

    public static func < (lhs: NodePair, rhs: NodePair) -> Bool { (lhs.a, lhs.b) < (rhs.a, rhs.b) }

    /// `a <-> b`: unambiguous even when names contain hyphens.
    public var description: String { "\(a) <-> \(b)" }
}

/// The elements an offline plan treats as dead.
public struct PlanFailures: Hashable, Sendable {
    public var nodes: Set<String>
    public var links: Set<NodePair>

    public init(nodes: Set<String> = [], links: Set<NodePair> = []) {
        self.nodes = nodes
        self.links = links
    }

    public static let none = PlanFailures()

    public var isEmpty: Bool { nodes.isEmpty && links.isEmpty }

    /// Whether the link between `a` and `b` is down: failed itself, or either end failed.
    public func cuts(_ pair: NodePair) -> Bool {
        links.contains(pair) || nodes.contains(pair.a) || nodes.contains(pair.b)
    }
}

/// Why a topology cannot be planned, or a failure named on the command line is not in it.
public enum PlanError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The topology lists no nodes: its tree depends entirely on the overlay at run time.
    case noNodes(String)
    case unknownNode(String, topology: String, suggestion: String?)
    case unknownLink(String, topology: String, suggestion: String?)
    case ambiguousLink(String, candidates: [NodePair])

    public var description: String {
        switch self {
        case .noNodes(let topology):
            return "\(topology) lists no nodes: any node that joins the overlay may carry it, so its tree exists only at run time (use 'arbor tree \(topology)' on a running node); list 'nodes' and 'links' to plan it offline"
        case .unknownNode(let name, let topology, let suggestion):
            let hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
            return "'\(name)' is not a node of \(topology)\(hint)"
        case .unknownLink(let text, let topology, let suggestion):
            let hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
            return "'\(text)' is not a link of \(topology): write a link as A-B (or A,B) with two nodes that a declared link joins\(hint)"
        case .ambiguousLink(let text, let candidates):
            let list = candidates.map(\.description).joined(separator: ", ")
            return "'\(text)' could mean several links (\(list)): the node names contain '-': write the one you mean with a comma, as A,B"
        }
    }
}
