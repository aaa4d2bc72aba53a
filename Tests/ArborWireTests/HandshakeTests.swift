import ArborCore
import ArborWire
import Testing

@Suite("Handshake")
struct HandshakeTests {
    private func handshake(_ low: UInt64, realm: String = "lab", versions: ClosedRange<UInt16> = 1...1) -> Handshake {
        Handshake(versions: versions, node: NodeID(high: 0, low: low), incarnation: 1, name: "n\(low)", realm: realm)
    }

    @Test("versions: the highest common one, or none")
    func negotiation() {
        #expect(PeerProtocol.negotiate(1...1, 1...1) == 1)
        #expect(PeerProtocol.negotiate(1...3, 2...5) == 3)
        #expect(PeerProtocol.negotiate(2...5, 1...3) == 3)
        #expect(PeerProtocol.negotiate(1...1, 2...2) == nil)
        #expect(PeerProtocol.negotiate(4...9, 1...3) == nil)
    }

    @Test("both sides reach the same outcome")
    func evaluation() {
        let a = handshake(1, versions: 1...2)
        let b = handshake(2, versions: 2...4)
        #expect(a.evaluate(peer: b) == .accept(version: 2))
        #expect(b.evaluate(peer: a) == .accept(version: 2))

        guard case .reject(let realm) = a.evaluate(peer: handshake(3, realm: "other")) else {
            Issue.record("other realm accepted")
            return
        }
        #expect(realm.reason == .otherRealm)
        #expect(realm.text.contains("\"other\""))

        guard case .reject(let version) = a.evaluate(peer: handshake(4, versions: 3...3)) else {
            Issue.record("incompatible version accepted")
            return
        }
        #expect(version.reason == .incompatibleVersion)

        guard case .reject(let itself) = a.evaluate(peer: handshake(1)) else {
            Issue.record("self-connection accepted")
            return
        }
        #expect(itself.reason == .selfConnection)
    }

    @Test("addresses print as host:port")
    func addresses() {
        #expect(HandshakeAddress.ipv4(0xc612_0001, port: 7450).description == "198.18.0.1:7450")
        #expect(HandshakeAddress.ipv6(high: 0x2001_0db8_0000_0000, low: 1, port: 7450).description == "[2001:db8:0:0:0:0:0:1]:7450")
        #expect(HandshakeAddress.host("bank-1.local", port: 7450).description == "bank-1.local:7450")
    }

    @Test("unknown reject reasons and error codes survive a round trip with a readable name")
    func unknownCodes() {
        #expect(RejectReason(rawValue: 200).description == "reason 200")
        #expect(ClientErrorCode(rawValue: 999).description == "error 999")
    }
}
