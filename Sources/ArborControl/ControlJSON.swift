import Foundation

/// The one JSON form of the control API: pretty-printed, keys sorted, slashes unescaped,
/// a final newline. The daemon encodes with it and `arbor --json` prints the bytes it
/// received, so both always show the same document.
///
/// Keys are the snake_case form of the documents' property names (`peersUp` is
/// `peers_up`), converted here for every document rather than spelled in each one.
public enum ControlJSON {
    /// Encodes `value` as a control API body.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        var bytes = [UInt8](try encoder.encode(value))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// Decodes a control API body.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(type, from: Data(bytes))
    }
}
