import ArborCore

/// A topic or subscription prefix in a control API document: a JSON string when its bytes
/// are valid UTF-8, otherwise an object `{"hex": "00ff…"}` (topics are bytes).
public struct TopicJSON: Codable, Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    private enum CodingKeys: String, CodingKey { case hex }

    public init(from decoder: any Decoder) throws {
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            bytes = Array(text.utf8)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let hex = try container.decode(String.self, forKey: .hex)
        guard let parsed = Hex.bytes(hex) else {
            throw DecodingError.dataCorruptedError(forKey: .hex, in: container, debugDescription: "not hexadecimal: \(hex)")
        }
        bytes = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        if let text = String(validating: bytes, as: UTF8.self) {
            var container = encoder.singleValueContainer()
            try container.encode(text)
        } else {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(hex, forKey: .hex)
        }
    }

    /// Lowercase hexadecimal digits of the bytes.
    public var hex: String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    /// For people: the text in double quotes when it is UTF-8 (`""` is the empty prefix,
    /// which matches everything), otherwise `0x` and hexadecimal digits.
    public var description: String {
        if let text = String(validating: bytes, as: UTF8.self) {
            return "\"" + text + "\""
        }
        return "0x" + hex
    }
}
