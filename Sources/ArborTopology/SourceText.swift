/// The raw text of one topology file and the position arithmetic diagnostics need.
///
/// Lines and columns are 1-based; columns count Unicode scalars, matching the marks Yams
/// reports, so every diagnostic of a file uses the same ruler.
struct SourceText {
    let file: String
    let bytes: [UInt8]

    /// Where the first byte that is not UTF-8 sits, and its value; `nil` when all of
    /// `bytes` is well-formed UTF-8.
    func firstInvalidUTF8() -> (location: SourceLocation, byte: UInt8)? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        var position = Position()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
                position.advance(over: UTF8.decode(encoded))
            case .emptyInput:
                return nil
            case .error:
                return (at(line: position.line, column: position.column), bytes[offset])
            }
        }
    }

    /// The location of the character at `characterOffset` in `text` (the form Yams gives
    /// reader errors in); line 1, column 1 when the offset is unknown or out of range.
    func location(ofCharacterOffset characterOffset: Int?, in text: String) -> SourceLocation {
        guard let characterOffset,
            let index = text.index(text.startIndex, offsetBy: characterOffset, limitedBy: text.endIndex)
        else {
            return at(line: 1, column: 1)
        }
        var position = Position()
        for scalar in text.unicodeScalars[..<index] {
            position.advance(over: scalar)
        }
        return at(line: position.line, column: position.column)
    }

    func at(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column)
    }

    /// The first line after `line` that holds the block-mapping key `key` at `column`
    /// (only blanks before it, then the key, optional blanks and a colon), with the
    /// location of that key. Finds the second occurrence of a duplicated key, which Yams
    /// does not report.
    func nextKey(_ key: String, after line: Int, column: Int, in text: String) -> SourceLocation? {
        let keyScalars = Array(key.unicodeScalars)
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            guard number > line else { continue }
            let scalars = Array(rawLine.unicodeScalars)
            let start = column - 1
            guard scalars.count >= start + keyScalars.count,
                scalars[..<start].allSatisfy({ $0 == " " }),
                Array(scalars[start..<start + keyScalars.count]) == keyScalars
            else { continue }
            let rest = scalars[(start + keyScalars.count)...].drop { $0 == " " }
            if rest.first == ":" {
                return at(line: number, column: column)
            }
        }
        return nil
    }

    /// Line and column counted the way libyaml counts them (and so Yams' marks): CR LF,
    /// CR, LF, NEL, LS and PS each end a line.
    struct Position {
        private(set) var line = 1
        private(set) var column = 1
        private var afterCarriageReturn = false

        mutating func advance(over scalar: Unicode.Scalar) {
            defer { afterCarriageReturn = scalar == "\r" }
            switch scalar {
            case "\n" where afterCarriageReturn:
                return
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}":
                line += 1
                column = 1
            default:
                column += 1
            }
        }
    }

    /// Where the first alias (`*name`) written as a mapping key is (`*name:` or `? *name`),
    /// if any. Yams hashes every mapping key to find duplicates, and an alias key can stand
    /// for a tree exponentially larger than the file, so such files are refused before
    /// parsing. A lexical scan: it skips comments and quoted scalars (a quote counts only
    /// at the start of a token, as in YAML), which is all topology files need.
    func firstAliasKey(in text: String) -> SourceLocation? {
        let scalars = Array(text.unicodeScalars)
        var position = Position()
        var index = 0
        var quote: Unicode.Scalar?
        var inComment = false
        var previous: Unicode.Scalar = "\n"
        var lastToken: Unicode.Scalar = "\n"
        func startsToken(_ scalar: Unicode.Scalar) -> Bool {
            " \t\n\r[{,:?-".unicodeScalars.contains(scalar)
        }
        while index < scalars.count {
            let scalar = scalars[index]
            let here = position
            defer {
                position.advance(over: scalars[index])
                if scalars[index] == "\n" || scalars[index] == "\r" { inComment = false }
                if !" \t".unicodeScalars.contains(scalars[index]) { lastToken = scalars[index] }
                previous = scalars[index]
                index += 1
            }
            if inComment { continue }
            if let open = quote {
                if open == "\"", scalar == "\\", index + 1 < scalars.count {
                    position.advance(over: scalar)
                    index += 1
                } else if scalar == open {
                    quote = nil
                }
                continue
            }
            guard startsToken(previous) else { continue }
            switch scalar {
            case "#":
                inComment = true
            case "'", "\"":
                quote = scalar
            case "*":
                var end = index + 1
                while end < scalars.count, Self.isAnchorCharacter(scalars[end]) { end += 1 }
                guard end > index + 1 else { continue }
                var next = end
                while next < scalars.count, scalars[next] == " " || scalars[next] == "\t" { next += 1 }
                if lastToken == "?" || (next < scalars.count && scalars[next] == ":") {
                    return at(line: here.line, column: here.column)
                }
            default:
                break
            }
        }
        return nil
    }

    /// The characters libyaml allows in anchor and alias names.
    private static func isAnchorCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "0"..."9", "a"..."z", "A"..."Z", "_", "-": return true
        default: return false
        }
    }
}
