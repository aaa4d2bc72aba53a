/// The routing key of a message: bytes, matched against subscriptions by prefix
/// (the nanomsg/ZeroMQ rule: a subscription to `AA` matches topics `AA`, `AAPL`, ...).
public struct Topic: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public init(_ string: String) {
        self.bytes = Array(string.utf8)
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// Whether `self` is a prefix of `topic` (every topic has the empty prefix).
    public func isPrefix(of topic: Topic) -> Bool {
        guard bytes.count <= topic.bytes.count else { return false }
        for index in bytes.indices where bytes[index] != topic.bytes[index] {
            return false
        }
        return true
    }

    /// Lexicographic byte order; a prefix sorts before its extensions.
    public static func < (lhs: Topic, rhs: Topic) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    /// UTF-8 text when the bytes are valid UTF-8, otherwise hexadecimal.
    public var description: String {
        if let text = String(validating: bytes, as: UTF8.self) {
            return text
        }
        return "0x" + bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
