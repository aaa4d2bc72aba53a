import Yams

/// Turns the bytes of a file into one composed YAML document, or into located errors:
/// too large, empty, not UTF-8, not YAML (Yams' errors moved to `file:line:column`),
/// duplicate mapping keys, more than one document.
enum YAMLDocument {
    /// Largest topology file accepted, in bytes (4 MiB).
    static let maximumSize = 4 << 20

    /// The root node of the single document in `source`, or the problems that prevent it.
    static func compose(_ source: SourceText) -> Result<Node, Diagnostic> {
        let start = source.at(line: 1, column: 1)
        if source.bytes.count > maximumSize {
            return .failure(Diagnostic(.error, at: start,
                "file is larger than 4 MiB (the limit is \(maximumSize) bytes): split its topologies into several files"))
        }
        if let (location, byte) = source.firstInvalidUTF8() {
            return .failure(Diagnostic(.error, at: location,
                "file is not UTF-8 text (byte 0x\(hex(byte)) here is not valid UTF-8): save it as UTF-8"))
        }
        let text = String(decoding: source.bytes, as: UTF8.self)
        if let location = source.firstAliasKey(in: text) {
            return .failure(Diagnostic(.error, at: location,
                "an alias is used as a mapping key here: topology files do not accept aliases as keys; write the key out"))
        }
        let root: Node?
        do {
            let parser = try Parser(yaml: text)
            root = try parser.nextRoot()
            if let second = try parser.nextRoot() {
                let location = second.mark.map { source.at(line: $0.line, column: $0.column) } ?? start
                return .failure(Diagnostic(.error, at: location,
                    "a second YAML document starts here: a file holds one document; put every topology in its one 'topologies' list"))
            }
        } catch let error as YamlError {
            return .failure(diagnostic(for: error, in: source, text: text))
        } catch {
            return .failure(Diagnostic(.error, at: start, "cannot read YAML: \(error)"))
        }
        guard let root else {
            return .failure(Diagnostic(.error, at: start,
                "file is empty: a topology file holds a 'topologies' list with at least one topology (see docs/topology-format.md)"))
        }
        return .success(root)
    }

    private static func diagnostic(for error: YamlError, in source: SourceText, text: String) -> Diagnostic {
        let fix = "fix the YAML syntax (indentation, colons, quotes, brackets)"
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var detail = problem
            if let context {
                detail += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return Diagnostic(.error, at: source.at(line: mark.line, column: mark.column),
                "not valid YAML: \(detail): \(fix)")
        case .reader(let problem, let offset, let value, _):
            let character = value >= 0 ? " (character U+\(codePoint(UInt32(value))))" : ""
            return Diagnostic(.error, at: source.location(ofCharacterOffset: offset, in: text),
                "not valid YAML: \(problem)\(character): remove it or write it as an escape inside double quotes")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let first = context.mark
            let second = source.nextKey(key, after: first.line, column: first.column, in: text)
            return Diagnostic(.error, at: second ?? source.at(line: first.line, column: first.column),
                "key '\(key)' appears twice in the same mapping (first at line \(first.line)): keep one of them")
        default:
            return Diagnostic(.error, at: source.at(line: 1, column: 1), "cannot read YAML: \(error)")
        }
    }

    private static func codePoint(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private static func hex(_ value: some BinaryInteger) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return digits.count % 2 == 1 ? "0" + digits : digits
    }
}
