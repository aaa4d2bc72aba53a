/// A place in a topology file: 1-based line and column (columns count Unicode scalars,
/// as Yams does). Problems that concern a whole file point at line 1, column 1.
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    /// `file:line:column`, the form editors and compilers use.
    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in a topology file. Every message says what is wrong and what to do.
public struct Diagnostic: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Hashable, Sendable, Comparable {
        /// The file cannot be used as it is.
        case error
        /// The file can be used, but something in it is probably not what was meant.
        case warning

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            lhs == .error && rhs == .warning
        }
    }

    public var location: SourceLocation
    public var severity: Severity
    public var message: String

    public init(_ severity: Severity, at location: SourceLocation, _ message: String) {
        self.location = location
        self.severity = severity
        self.message = message
    }

    public var file: String { location.file }
    public var line: Int { location.line }
    public var column: Int { location.column }

    /// `file:line:column: severity: message`, one line.
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// The JSON form `arbor check --json` writes: one object with `file`, `line`, `column`,
/// `severity` and `message`.
extension Diagnostic: Encodable {
    private enum CodingKeys: String, CodingKey {
        case severity, message
    }

    public func encode(to encoder: any Encoder) throws {
        try location.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(severity, forKey: .severity)
        try container.encode(message, forKey: .message)
    }
}

extension SourceLocation: Encodable {}

extension Diagnostic.Severity: Encodable {}
