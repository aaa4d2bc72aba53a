import ArborControl

/// Small formats shared by the node commands' human output.
enum Formatting {
    /// `1.07 ms`, `-` for none.
    static func milliseconds(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 10 ? String(format2(value)) + " ms" : String(Int(value.rounded())) + " ms"
    }

    /// `3s`, `4m 05s`, `2h 01m`, `3d 04h`.
    static func duration(seconds: Double) -> String {
        let total = Int(seconds)
        let (days, hours, minutes, secs) = (total / 86400, total / 3600 % 24, total / 60 % 60, total % 60)
        if days > 0 { return "\(days)d \(pad(hours))h" }
        if hours > 0 { return "\(hours)h \(pad(minutes))m" }
        if minutes > 0 { return "\(minutes)m \(pad(secs))s" }
        return "\(secs)s"
    }

    /// Prefixes for people: `"AAPL", "MSFT"`; `none` for an empty list, `-` for none told.
    static func topics(_ topics: [TopicJSON]?) -> String {
        guard let topics else { return "-" }
        return topics.isEmpty ? "none" : topics.map(\.description).joined(separator: ", ")
    }

    static func list(_ names: [String]) -> String {
        names.isEmpty ? "none" : names.joined(separator: ", ")
    }

    static func yesNo(_ value: Bool) -> String {
        value ? "yes" : "no"
    }

    /// `in/out`.
    static func pair(_ a: UInt64, _ b: UInt64) -> String {
        "\(a)/\(b)"
    }

    /// `text` broken into lines of at most `width` characters at spaces, each ending in a newline.
    static func wrap(_ text: String, width: Int) -> String {
        var out = ""
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                out += line + "\n"
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        return out + line + "\n"
    }

    /// Two decimals.
    static func format2(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(pad(hundredths % 100))"
    }

    private static func pad(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
