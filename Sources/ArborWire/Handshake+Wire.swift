import ArborCore
import NIOCore

// HANDSHAKE body (this layout up to and including `versions` is the same in every version):
//
//   magic 4 "ARBR" | min version 2 | max version 2 | node id 16 | incarnation 8
//   | max frame length 4 | name 1+n | realm 1+n | addresses 1 + address...
//   | extensions 1 + (tag 2 | length 2 | value)...
//
// An address is a kind byte and its value: 1 = IPv4 (4 bytes), 2 = IPv6 (16 bytes),
// 3 = host name (1+n); then a 2-byte port.
//
// HANDSHAKE_REJECT body: reason 1 | text 2+n.
//
// PROOF body: signature 64.

private enum AddressKind {
    static let ipv4: UInt8 = 1
    static let ipv6: UInt8 = 2
    static let host: UInt8 = 3
}

extension ByteBuffer {
    mutating func writeHandshake(_ handshake: Handshake) throws(WireError) {
        writeBytes(PeerProtocol.magic)
        writeInteger(handshake.versions.lowerBound)
        writeInteger(handshake.versions.upperBound)
        writeNodeID(handshake.node)
        writeInteger(handshake.incarnation)
        writeInteger(handshake.maximumFrameLength)
        try writeNodeName(handshake.name, field: "node name")
        try writeNodeName(handshake.realm, field: "realm")
        try writeCount(handshake.addresses.count, field: "addresses", as: UInt8.self, limit: PeerProtocol.maximumAddresses)
        for address in handshake.addresses {
            switch address {
            case .ipv4(let value, _):
                writeInteger(AddressKind.ipv4)
                writeInteger(value)
            case .ipv6(let high, let low, _):
                writeInteger(AddressKind.ipv6)
                writeInteger(high)
                writeInteger(low)
            case .host(let name, _):
                writeInteger(AddressKind.host)
                try writeNodeName(name, field: "host name")
            }
            writeInteger(address.port)
        }
        try writeCount(
            handshake.extensions.count,
            field: "extensions",
            as: UInt8.self,
            limit: PeerProtocol.maximumExtensions
        )
        for item in handshake.extensions {
            writeInteger(item.tag)
            try writePrefixedBytes(
                item.value,
                field: "extension value",
                length: UInt16.self,
                limit: PeerProtocol.maximumExtensionLength
            )
        }
    }

    mutating func writeHandshakeProof(_ proof: HandshakeProof) throws(WireError) {
        guard proof.signature.count == HandshakeProof.signatureLength else {
            throw .invalidValue(field: "proof signature length", value: UInt64(proof.signature.count))
        }
        writeBytes(proof.signature)
    }

    mutating func writeHandshakeReject(_ reject: HandshakeReject) throws(WireError) {
        writeInteger(reject.reason.rawValue)
        try writePrefixedString(reject.text, field: "reject text", length: UInt16.self, limit: WireLimits.maximumTextLength)
    }
}

extension WireReader {
    mutating func handshake() throws(WireError) -> Handshake {
        let magic = try bytes("magic", length: PeerProtocol.magic.count)
        guard magic == PeerProtocol.magic else { throw .badMagic(magic) }
        let lowest = try integer("min version", as: UInt16.self)
        let highest = try integer("max version", as: UInt16.self)
        guard lowest <= highest else {
            throw .invalidValue(field: "version range (min above max)", value: UInt64(lowest))
        }
        let node = try nodeID("node id")
        let incarnation = try integer("incarnation", as: UInt64.self)
        let maximumFrameLength = try integer("max frame length", as: UInt32.self)
        let name = try nodeName("node name")
        let realm = try nodeName("realm")
        // The smallest address is a host kind, an empty name and a port.
        let addresses = try list("addresses", count: UInt8.self, limit: PeerProtocol.maximumAddresses, minimumElementSize: 4) {
            (reader) throws(WireError) in try reader.handshakeAddress()
        }
        let extensions = try list("extensions", count: UInt8.self, limit: PeerProtocol.maximumExtensions, minimumElementSize: 4) {
            (reader) throws(WireError) in
            let tag = try reader.integer("extension tag", as: UInt16.self)
            let value = try reader.prefixedBytes("extension value", length: UInt16.self, limit: PeerProtocol.maximumExtensionLength)
            return HandshakeExtension(tag: tag, value: value)
        }
        return Handshake(
            versions: lowest...highest,
            node: node,
            incarnation: incarnation,
            maximumFrameLength: maximumFrameLength,
            name: name,
            realm: realm,
            addresses: addresses,
            extensions: extensions
        )
    }

    private mutating func handshakeAddress() throws(WireError) -> HandshakeAddress {
        let kind = try integer("address kind", as: UInt8.self)
        switch kind {
        case AddressKind.ipv4:
            let value = try integer("IPv4 address", as: UInt32.self)
            return .ipv4(value, port: try integer("port", as: UInt16.self))
        case AddressKind.ipv6:
            let high = try integer("IPv6 address", as: UInt64.self)
            let low = try integer("IPv6 address", as: UInt64.self)
            return .ipv6(high: high, low: low, port: try integer("port", as: UInt16.self))
        case AddressKind.host:
            let name = try nodeName("host name")
            return .host(name, port: try integer("port", as: UInt16.self))
        default:
            throw .invalidValue(field: "address kind", value: UInt64(kind))
        }
    }

    mutating func handshakeProof() throws(WireError) -> HandshakeProof {
        HandshakeProof(signature: try bytes("proof signature", length: HandshakeProof.signatureLength))
    }

    mutating func handshakeReject() throws(WireError) -> HandshakeReject {
        let reason = RejectReason(rawValue: try integer("reject reason", as: UInt8.self))
        let text = try string("reject text", length: UInt16.self, limit: WireLimits.maximumTextLength)
        return HandshakeReject(reason: reason, text: text)
    }
}
