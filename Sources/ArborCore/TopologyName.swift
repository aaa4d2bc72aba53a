/// The validated name of a topology: lowercase dotted words such as `nasdaq.quotes`.
///
/// A word is one or more of `a-z`, `0-9` and `-`, starting with a letter or digit; words are
/// joined by single dots; the whole name is at most ``maximumLength`` bytes.
public struct TopologyName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let maximumLength = 128

    public let rawValue: String

    /// Validates `rawValue`; throws ``TopologyNameError`` saying what is wrong.
    public init(validating rawValue: String) throws(TopologyNameError) {
        if let problem = TopologyName.problem(in: rawValue) {
            throw problem
        }
        self.rawValue = rawValue
    }

    /// `nil` when `rawValue` is not a valid name.
    public init?(_ rawValue: String) {
        guard TopologyName.problem(in: rawValue) == nil else { return nil }
        self.rawValue = rawValue
    }

    /// Validates raw bytes, as read off a wire, before any String is built from them.
    /// Valid names are ASCII, so any other byte (including invalid UTF-8) is a bad character.
    /// Inlinable so that decoders get it specialized for their byte views (it runs once per
    /// data message).
    @inlinable
    public init(validatingBytes bytes: some Collection<UInt8>) throws(TopologyNameError) {
        if let problem = TopologyName.problem(in: bytes) {
            throw problem
        }
        self.rawValue = String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { rawValue }

    public static func < (lhs: TopologyName, rhs: TopologyName) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    private static func problem(in name: String) -> TopologyNameError? {
        problem(in: name.utf8)
    }

    @inlinable
    static func problem(in bytes: some Collection<UInt8>) -> TopologyNameError? {
        if bytes.isEmpty { return .empty }
        let count = bytes.count
        if count > maximumLength { return .tooLong(count) }
        var wordStart = true
        for (offset, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                wordStart = false
            case UInt8(ascii: "-"):
                if wordStart { return .badWordStart(offset: offset) }
            case UInt8(ascii: "."):
                if wordStart { return .emptyWord(offset: offset) }
                wordStart = true
            default:
                return .badCharacter(offset: offset)
            }
        }
        if wordStart { return .emptyWord(offset: count) }
        return nil
    }
}

/// Why a string is not a ``TopologyName``.
public enum TopologyNameError: Error, Equatable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(Int)
    case badCharacter(offset: Int)
    case badWordStart(offset: Int)
    case emptyWord(offset: Int)

    public var description: String {
        switch self {
        case .empty:
            return "a topology name must not be empty"
        case .tooLong(let count):
            return "a topology name is at most \(TopologyName.maximumLength) bytes, this one has \(count)"
        case .badCharacter(let offset):
            return "character \(offset + 1) is not allowed: use lowercase dotted words of a-z, 0-9 and '-' (like nasdaq.quotes)"
        case .badWordStart(let offset):
            return "character \(offset + 1): a word must start with a letter or digit, not '-'"
        case .emptyWord(let offset):
            return "character \(offset + 1): empty word; use single dots between words and none at either end"
        }
    }
}
