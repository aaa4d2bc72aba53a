/// Where a peer listens for peer links: a host (name or IP literal) and a TCP port.
/// The overlay machine never resolves or connects; it only names the address in a
/// ``OverlayLinks/Directive/dial(_:peer:address:)`` directive.
public struct OverlayAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Whether the host is written as an IPv6 address.
    public var isIPv6: Bool { host.contains(":") }

    public var description: String {
        isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Parses `host:port`, `[v6addr]:port`, or a bare host (a name, an IPv4 address, or an
    /// IPv6 address without brackets) when `defaultPort` is given. `nil` for anything else
    /// or a port outside 1...65535 (0...65535 with `allowingPortZero`, for an address to
    /// listen on: the system picks the port). The one parser of addresses that operators
    /// write (`--peer`, `--listen`, `--metrics`) and that discovery resolves.
    public init?(parsing text: some StringProtocol, defaultPort: Int? = nil, allowingPortZero: Bool = false) {
        let text = Substring(text)
        let host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":"), text.lastIndex(of: ":") == colon {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        let port: Int?
        if let portText {
            port = Int(portText)
        } else {
            port = defaultPort
        }
        guard !host.isEmpty, let port, ((allowingPortZero ? 0 : 1)...65535).contains(port) else { return nil }
        self.init(host: String(host), port: port)
    }

    /// IPv4 (and names) before IPv6, then by host text, then by port.
    public static func < (lhs: OverlayAddress, rhs: OverlayAddress) -> Bool {
        (lhs.isIPv6 ? 1 : 0, lhs.host, lhs.port) < (rhs.isIPv6 ? 1 : 0, rhs.host, rhs.port)
    }
}

/// A peer that discovery (mDNS/DNS-SD) reports by node id.
public struct OverlayPeer: Hashable, Sendable {
    public var id: NodeID
    /// Addresses to dial, best first; the machine dials the first.
    public var addresses: [OverlayAddress]
    /// The realm the peer announces; a peer of another realm is never dialled.
    public var realm: String
    /// The incarnation the peer announces: a new one (a restart) clears what the machine
    /// remembered of failed dials, so the restarted peer is dialled at once.
    public var incarnation: UInt64

    public init(id: NodeID, addresses: [OverlayAddress], realm: String, incarnation: UInt64) {
        self.id = id
        self.addresses = addresses
        self.realm = realm
        self.incarnation = incarnation
    }
}

/// Where a configured peer address comes from. Configured peers are known by address only
/// (their id is learnt in the handshake), are always dialled and redialled, are never
/// closed by the machine, and do not count toward ``OverlayConfiguration/maxLinks``.
public enum OverlayConfiguredSource: Hashable, Sendable {
    /// `--peer HOST:PORT`.
    case commandLine
    /// An address a topology file declares for one of its nodes.
    case topologyFile
}
