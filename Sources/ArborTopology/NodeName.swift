/// The rule for node names in topology files: what a router calls itself (by default its
/// host name), so 1 to 253 bytes of ASCII letters, digits, `-`, `_` and `.`, starting with a
/// letter or digit.
enum NodeName {
    static let maximumLength = 253

    /// Why `name` is not a valid node name, or `nil` when it is.
    static func problem(in name: String) -> String? {
        let bytes = Array(name.utf8)
        let allowed = bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                return true
            default:
                return false
            }
        }
        let startsWell = bytes.first.map { Character(Unicode.Scalar($0)).isLetter || Character(Unicode.Scalar($0)).isNumber } ?? false
        guard allowed, startsWell, bytes.count <= maximumLength else {
            return "invalid node name '\(name)': use 1 to \(maximumLength) letters, digits, '-', '_' and '.', starting with a letter or digit (the name the node's router runs under, by default its host name)"
        }
        return nil
    }
}
