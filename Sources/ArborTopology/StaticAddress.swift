/// A fixed address of a node, for nodes that mDNS cannot reach (another subnet, a host
/// without multicast). Written `host:port` with an IPv4 literal, or `[host]:port` with an
/// IPv6 literal (optionally with a `%zone`). Host names are not accepted: a topology
/// file must not depend on DNS being up.
public struct StaticAddress: Hashable, Sendable, CustomStringConvertible {
    public enum Family: Hashable, Sendable {
        case ipv4
        case ipv6
    }

    public let family: Family
    /// The address literal as written, without brackets (`198.18.0.7`, `fe80::1%eth0`).
    public let host: String
    public let port: UInt16

    /// Parses `198.18.0.7:7450` or `[2001:db8::7]:7450`; throws a message saying what is wrong.
    public init(parsing text: String) throws(StaticAddressError) {
        let host: Substring
        let portText: Substring
        let family: Family
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .malformed(text) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .missingPort(text) }
            portText = rest.dropFirst()
            guard StaticAddress.isIPv6(host) else { throw .badIPv6(String(host)) }
            family = .ipv6
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .missingPort(text) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw .unbracketedIPv6(text) }
            guard StaticAddress.isIPv4(host) else { throw .badIPv4(String(host)) }
            family = .ipv4
        }
        guard !portText.isEmpty, portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw .badPort(String(portText))
        }
        guard let port = Int(portText), (1...65535).contains(port) else { throw .portOutOfRange(String(portText)) }
        self.family = family
        self.host = String(host)
        self.port = UInt16(port)
    }

    public var description: String {
        family == .ipv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Four decimal octets 0-255 without leading zeros.
    static func isIPv4(_ text: Substring) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { part in
            guard (1...3).contains(part.count), part.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                part == "0" || !part.hasPrefix("0"), let value = Int(part)
            else { return false }
            return value <= 255
        }
    }

    /// Eight groups of 1-4 hex digits, or fewer around one `::`, optionally ending in an
    /// IPv4 literal (counting as two groups), optionally followed by `%zone`.
    static func isIPv6(_ text: Substring) -> Bool {
        var address = text
        if let percent = text.firstIndex(of: "%") {
            let zone = text[text.index(after: percent)...]
            guard !zone.isEmpty, zone.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
            else { return false }
            address = text[..<percent]
        }
        let halves = address.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (position, half) in halves.enumerated() {
            guard !half.isEmpty else { continue }
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (index, part) in parts.enumerated() {
                let isLast = position == halves.count - 1 && index == parts.count - 1
                if isLast, part.contains(".") {
                    guard isIPv4(part) else { return false }
                    groups += 2
                } else {
                    guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit) else { return false }
                    groups += 1
                }
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }
}

/// Why a string is not a ``StaticAddress``; each description says how to write one.
public enum StaticAddressError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformed(String)
    case missingPort(String)
    case unbracketedIPv6(String)
    case badIPv4(String)
    case badIPv6(String)
    case badPort(String)
    case portOutOfRange(String)

    public var description: String {
        switch self {
        case .malformed(let text):
            return "'\(text)' is not an address: write IPv4 as 198.18.0.7:7450 and IPv6 as [2001:db8::7]:7450"
        case .missingPort(let text):
            return "'\(text)' has no port: add one, as in 198.18.0.7:7450 or [2001:db8::7]:7450"
        case .unbracketedIPv6(let text):
            return "'\(text)': put an IPv6 address in brackets before the port, as in [2001:db8::7]:7450"
        case .badIPv4(let host):
            return "'\(host)' is not an IPv4 address (four numbers 0-255 joined by dots; host names are not accepted)"
        case .badIPv6(let host):
            return "'\(host)' is not an IPv6 address (such as 2001:db8::7 or fe80::1%eth0)"
        case .badPort(let port):
            return "port '\(port)' is not a number: use a port from 1 to 65535"
        case .portOutOfRange(let port):
            return "port \(port) is out of range: use a port from 1 to 65535"
        }
    }
}
