import Yams

/// A value read from a file together with where it was written.
struct Located<Value> {
    var value: Value
    var location: SourceLocation
}

/// Typed access to composed YAML nodes that records a located diagnostic for every value
/// of the wrong shape instead of failing.
///
/// Aliases make a small file compose into a huge tree; every node visited draws on a
/// budget proportional to the file's size, and once it is spent the reader reports one
/// error and yields nothing more, so no file can make validation run long.
struct YAMLReader {
    let source: SourceText
    private(set) var diagnostics: [Diagnostic] = []
    private var budget: Int
    private var budgetReported = false

    init(_ source: SourceText) {
        self.source = source
        budget = 2 * source.bytes.count + 1024
    }

    var isExhausted: Bool { budget <= 0 }

    mutating func error(_ location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(.error, at: location, message))
    }

    func location(of node: Node) -> SourceLocation {
        node.mark.map { source.at(line: $0.line, column: $0.column) } ?? source.at(line: 1, column: 1)
    }

    /// Spends one unit of the budget for `node`; false (after one error) once it is spent.
    mutating func visit(_ node: Node) -> Bool {
        budget -= 1
        if budget >= 0 { return true }
        if !budgetReported {
            budgetReported = true
            error(location(of: node),
                "the file expands to far more values than it holds (YAML aliases?): write the values out instead of repeating them through aliases")
        }
        return false
    }

    /// The pairs of a mapping, keyed by their text, after reporting every key that is not
    /// in `allowed` (with a suggestion) and every key that is not plain text.
    mutating func fields(
        of node: Node,
        allowed: [String],
        what: String
    ) -> [String: (key: Node, value: Node)]? {
        guard visit(node) else { return nil }
        guard case .mapping(let mapping) = node else {
            error(location(of: node), "\(what) must be a mapping of keys to values; found \(describe(node))")
            return nil
        }
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard visit(key) else { return nil }
            guard case .scalar(let scalar) = key else {
                error(location(of: key), "a key in \(what) must be plain text; found \(describe(key))")
                continue
            }
            let name = scalar.string
            guard allowed.contains(name) else {
                let list = allowed.joined(separator: ", ")
                let fix = Suggestion.nearest(to: name, among: allowed).map { "did you mean '\($0)'?" } ?? "remove it or use a known key"
                error(location(of: key), "unknown key '\(name)' in \(what): \(fix) (allowed keys: \(list))")
                continue
            }
            result[name] = (key, value)
        }
        return result
    }

    /// The elements of a list; reports anything else as `expected`.
    mutating func list(_ node: Node, key: String, expected: String) -> [Node]? {
        guard visit(node) else { return nil }
        guard case .sequence(let sequence) = node else {
            error(location(of: node), "'\(key)' must be \(expected); found \(describe(node))")
            return nil
        }
        return Array(sequence)
    }

    /// Non-empty text; reports a list, a mapping or a missing value.
    mutating func text(_ node: Node, key: String, expected: String) -> Located<String>? {
        guard visit(node) else { return nil }
        guard case .scalar(let scalar) = node, !YAMLReader.isNull(scalar) else {
            error(location(of: node), "'\(key)' must be \(expected); found \(describe(node))")
            return nil
        }
        return Located(value: scalar.string, location: location(of: node))
    }

    /// A whole number in `1...maximum` written as plain decimal digits.
    mutating func positiveInteger(_ node: Node, key: String, maximum: Int) -> Located<Int>? {
        guard visit(node) else { return nil }
        let expected = "a whole number from 1 to \(maximum)"
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any,
            !YAMLReader.isNull(scalar)
        else {
            error(location(of: node), "'\(key)' must be \(expected); found \(describe(node))")
            return nil
        }
        let digits = scalar.string
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            error(location(of: node), "'\(key)' must be \(expected); found \(describe(node))")
            return nil
        }
        guard let value = Int(digits), (1...maximum).contains(value) else {
            error(location(of: node), "'\(key)' must be \(expected), not \(digits)")
            return nil
        }
        return Located(value: value, location: location(of: node))
    }

    /// How a node reads in a message: "a mapping", "a list", "no value" or "the text 'x'".
    func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if YAMLReader.isNull(scalar) { return "no value" }
            let text = scalar.string
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "'\(shown)'"
        }
    }

    static func isNull(_ scalar: Node.Scalar) -> Bool {
        guard scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
