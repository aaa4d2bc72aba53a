import ArborCore

/// The DNS-SD service an Arbor node publishes: type `_arbor._tcp`, instance name = node name,
/// SRV port = peer port, and these TXT keys:
///
/// | key     | value                                   |
/// |---------|-----------------------------------------|
/// | `id`    | node id, 32 lowercase hex digits        |
/// | `realm` | realm name (UTF-8)                      |
/// | `proto` | peer protocol range, "min-max" ("1-1")  |
/// | `inc`   | incarnation, decimal                    |
///
/// Unknown keys are ignored (later versions may add some); a record missing one of these,
/// or with a malformed value, is ignored as a whole. Peers are identified by `id`, never by
/// instance name, which Avahi may rename on collision.
public enum ArborService {
    public static let type = "_arbor._tcp"

    /// DNS-SD instance names are at most 63 bytes of UTF-8.
    public static let maximumNameBytes = 63
    /// Each TXT item ("key=value") is at most 255 bytes.
    public static let maximumTXTItemBytes = 255

    /// The TXT items for an advertisement, in a fixed order.
    public static func txtItems(for advertisement: Advertisement) -> [String] {
        [
            "id=\(advertisement.id)",
            "realm=\(advertisement.realm)",
            "proto=\(advertisement.protocolVersions)",
            "inc=\(advertisement.incarnation)",
        ]
    }

    /// The instance name for a node name: cut to 63 bytes at a character boundary; "arbor" if
    /// that leaves nothing.
    public static func instanceName(for nodeName: String) -> String {
        var result = ""
        var bytes = 0
        for character in nodeName {
            let size = String(character).utf8.count
            if bytes + size > maximumNameBytes { break }
            result.append(character)
            bytes += size
        }
        return result.isEmpty ? "arbor" : result
    }

    /// Checks that an advertisement can be published.
    public static func validate(_ advertisement: Advertisement) throws(DiscoveryError) {
        guard (1...65535).contains(advertisement.port) else {
            throw .invalidAdvertisement("port \(advertisement.port) is not in 1...65535")
        }
        for item in txtItems(for: advertisement) where item.utf8.count > maximumTXTItemBytes {
            throw .invalidAdvertisement("TXT item longer than \(maximumTXTItemBytes) bytes: \(item.prefix(20))…")
        }
    }

    /// Reads the TXT items of a resolved service (raw bytes, as on the wire).
    public static func decode(txt items: [[UInt8]]) -> Result<ServiceRecord, MalformedRecord> {
        var values: [String: String] = [:]
        for item in items {
            guard let equals = item.firstIndex(of: UInt8(ascii: "=")) else { continue }  // boolean attribute
            let key = String(decoding: item[..<equals], as: UTF8.self).lowercased()
            guard values[key] == nil else { continue }  // RFC 6763 6.4: only the first counts
            values[key] = String(decoding: item[(equals + 1)...], as: UTF8.self)
        }
        guard let idText = values["id"] else { return .failure(.missing("id")) }
        guard let id = NodeID(hex: idText) else { return .failure(.invalid("id", idText)) }
        guard let realm = values["realm"] else { return .failure(.missing("realm")) }
        guard let protoText = values["proto"] else { return .failure(.missing("proto")) }
        guard let proto = ProtocolVersionRange(parsing: protoText) else {
            return .failure(.invalid("proto", protoText))
        }
        guard let incText = values["inc"] else { return .failure(.missing("inc")) }
        guard let inc = UInt64(incText) else { return .failure(.invalid("inc", incText)) }
        return .success(ServiceRecord(id: id, realm: realm, protocolVersions: proto, incarnation: inc))
    }
}

/// The TXT part of an `_arbor._tcp` service.
public struct ServiceRecord: Hashable, Sendable {
    public var id: NodeID
    public var realm: String
    public var protocolVersions: ProtocolVersionRange
    public var incarnation: UInt64
}

/// Why a TXT record was ignored.
public enum MalformedRecord: Error, Hashable, Sendable, CustomStringConvertible {
    case missing(String)
    case invalid(String, String)

    public var description: String {
        switch self {
        case .missing(let key): return "TXT key '\(key)' missing"
        case .invalid(let key, let value): return "TXT key '\(key)' has invalid value '\(value.prefix(40))'"
        }
    }
}
