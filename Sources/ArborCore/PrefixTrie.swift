/// A byte trie of subscription prefixes with reference counts.
///
/// Several holders can subscribe to the same prefix; the prefix stays until the last one
/// removes it. Matching follows the aggregation rule: a topic matches when any stored
/// prefix is a prefix of it, so a subscription to `A` covers `AB`. ``aggregated`` is the
/// smallest set of prefixes with the same matches, the form that is sent to neighbours.
///
/// Nodes live in one array (value semantics, copy-on-write); freed nodes are reused.
public struct PrefixTrie: Sendable, Equatable {
    private struct Node: Sendable, Equatable {
        /// Children sorted by byte.
        var edges: [(byte: UInt8, child: Int32)] = []
        /// How many holders subscribed to exactly the prefix that ends here.
        var count: Int = 0

        static func == (lhs: Node, rhs: Node) -> Bool {
            lhs.count == rhs.count && lhs.edges.elementsEqual(rhs.edges) { $0 == $1 }
        }
    }

    private var nodes: [Node] = [Node()]
    private var free: [Int32] = []

    /// Number of distinct prefixes stored (not counting multiplicity).
    public private(set) var distinctCount = 0

    public init() {}

    public init(_ prefixes: some Sequence<Topic>) {
        for prefix in prefixes {
            insert(prefix)
        }
    }

    public var isEmpty: Bool { distinctCount == 0 }

    /// Adds one holder of `prefix`. Returns whether `prefix` was not stored before.
    @discardableResult
    public mutating func insert(_ prefix: Topic) -> Bool {
        var current: Int32 = 0
        for byte in prefix.bytes {
            if let next = child(of: current, byte) {
                current = next
            } else {
                let next = allocate()
                let position = nodes[Int(current)].edges.firstIndex { $0.byte > byte } ?? nodes[Int(current)].edges.count
                nodes[Int(current)].edges.insert((byte, next), at: position)
                current = next
            }
        }
        nodes[Int(current)].count += 1
        if nodes[Int(current)].count == 1 {
            distinctCount += 1
            return true
        }
        return false
    }

    /// Removes one holder of `prefix`. Returns whether the prefix is now gone entirely;
    /// removing a prefix that is not stored does nothing and returns `false`.
    @discardableResult
    public mutating func remove(_ prefix: Topic) -> Bool {
        var path: [Int32] = [0]
        for byte in prefix.bytes {
            guard let next = child(of: path[path.count - 1], byte) else { return false }
            path.append(next)
        }
        let last = Int(path[path.count - 1])
        guard nodes[last].count > 0 else { return false }
        nodes[last].count -= 1
        guard nodes[last].count == 0 else { return false }
        distinctCount -= 1
        // Prune nodes that no longer lead anywhere.
        var depth = path.count - 1
        while depth > 0 {
            let node = Int(path[depth])
            guard nodes[node].count == 0, nodes[node].edges.isEmpty else { break }
            let parent = Int(path[depth - 1])
            nodes[parent].edges.removeAll { $0.child == path[depth] }
            nodes[node] = Node()
            free.append(path[depth])
            depth -= 1
        }
        return true
    }

    /// Whether some stored prefix is a prefix of `topic`.
    public func matches(_ topic: Topic) -> Bool {
        var current: Int32 = 0
        if nodes[0].count > 0 { return true }
        for byte in topic.bytes {
            guard let next = child(of: current, byte) else { return false }
            if nodes[Int(next)].count > 0 { return true }
            current = next
        }
        return false
    }

    /// Whether exactly `prefix` is stored.
    public func contains(_ prefix: Topic) -> Bool {
        var current: Int32 = 0
        for byte in prefix.bytes {
            guard let next = child(of: current, byte) else { return false }
            current = next
        }
        return nodes[Int(current)].count > 0
    }

    /// The stored prefixes that no other stored prefix covers, in byte order.
    public var aggregated: PrefixSet {
        var result: [Topic] = []
        var stack: [(node: Int32, path: [UInt8])] = [(0, [])]
        while let (node, path) = stack.popLast() {
            if nodes[Int(node)].count > 0 {
                result.append(Topic(path))
                continue
            }
            for edge in nodes[Int(node)].edges.reversed() {
                stack.append((edge.child, path + [edge.byte]))
            }
        }
        return PrefixSet(sortedAggregated: result)
    }

    /// Every distinct stored prefix, in byte order.
    public var all: [Topic] {
        var result: [Topic] = []
        var stack: [(node: Int32, path: [UInt8])] = [(0, [])]
        while let (node, path) = stack.popLast() {
            if nodes[Int(node)].count > 0 {
                result.append(Topic(path))
            }
            for edge in nodes[Int(node)].edges.reversed() {
                stack.append((edge.child, path + [edge.byte]))
            }
        }
        return result
    }

    private func child(of node: Int32, _ byte: UInt8) -> Int32? {
        for edge in nodes[Int(node)].edges where edge.byte == byte {
            return edge.child
        }
        return nil
    }

    private mutating func allocate() -> Int32 {
        if let reused = free.popLast() {
            return reused
        }
        nodes.append(Node())
        return Int32(nodes.count - 1)
    }
}
