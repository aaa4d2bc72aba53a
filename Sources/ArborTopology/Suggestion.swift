/// "Did you mean" for a misspelt key or node name: the closest candidate by edit
/// distance, when it is close enough to be a likely typo.
enum Suggestion {
    /// The candidate nearest to `word`, or `nil` when none is within a third of its
    /// length (at least 1, at most 3 edits). Case, `_` versus `-` and camelCase humps are
    /// ignored, so `max_message_size` and `maxMessageSize` both find `max-message-size`.
    static func nearest(to word: String, among candidates: some Sequence<String>) -> String? {
        let target = normalized(word)
        let limit = min(3, max(1, target.count / 3))
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(target, normalized(candidate))
            if distance <= limit, distance < best?.distance ?? .max {
                best = (candidate, distance)
            }
        }
        return best?.candidate
    }

    /// ` (did you mean 'x'?)` or the empty string.
    static func clause(for word: String, among candidates: some Sequence<String>) -> String {
        nearest(to: word, among: candidates).map { " (did you mean '\($0)'?)" } ?? ""
    }

    private static func normalized(_ word: String) -> [Character] {
        var result: [Character] = []
        var previousWasLower = false
        for character in word {
            if character.isUppercase, previousWasLower {
                result.append("-")
            }
            previousWasLower = character.isLowercase
            result.append(character == "_" ? "-" : Character(character.lowercased()))
        }
        return result
    }

    /// Levenshtein distance with one rolling row.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var diagonal = row[0]
            row[0] = i
            for j in 1...b.count {
                let substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)
                diagonal = row[j]
                row[j] = min(substitution, row[j] + 1, row[j - 1] + 1)
            }
        }
        return row[b.count]
    }
}
