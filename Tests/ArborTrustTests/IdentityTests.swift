import ArborCore
import ArborTrust
import ArborWire
import NIOCore
import Testing

/// Node keys and the handshake proof, tried as an attacker would.
@Suite("Node identity and handshake proof")
struct IdentityTests {
    private func handshake(_ key: NodeKey, nonce: [UInt8] = PeerProof.freshNonce(), incarnation: UInt64 = 1) -> Handshake {
        Handshake(
            node: key.id,
            incarnation: incarnation,
            name: "n",
            realm: "lab",
            extensions: PeerProof.extensions(key: key, nonce: nonce)
        )
    }

    @Test("an id is the first 128 bits of SHA-256 of the public key; a key survives its raw form")
    func derivation() throws {
        let key = NodeKey()
        #expect(NodeKey.publicKey(key.publicKey, owns: key.id))
        #expect(!NodeKey.publicKey(NodeKey().publicKey, owns: key.id))
        let again = try NodeKey(rawRepresentation: key.rawRepresentation)
        #expect(again.id == key.id)
        #expect(throws: (any Error).self) { try NodeKey(rawRepresentation: [1, 2, 3]) }
        // A known vector: SHA-256 of 32 zero bytes begins 66687aadf862bd776c8fc18b8e9f8e20.
        #expect(NodeKey.nodeID(forPublicKey: [UInt8](repeating: 0, count: 32)).description == "66687aadf862bd776c8fc18b8e9f8e20")
    }

    @Test("the holder of the key proves its handshake; the proof checks on the other side")
    func honestProof() throws {
        let (alice, bob) = (NodeKey(), NodeKey())
        let (a, b) = (handshake(alice), handshake(bob))
        #expect(PeerProof.problem(with: a) == nil)
        let proof = try #require(PeerProof.prove(a, to: b, with: alice))
        #expect(PeerProof.check(proof, of: a, to: b))
        // Through the wire and back.
        var buffer = ByteBuffer()
        try PeerFrameEncoder().encode(.proof(proof), into: &buffer)
        var decoder = PeerFrameDecoder(phase: .established)
        #expect(try decoder.next(from: &buffer) == .proof(proof))
    }

    @Test("an impersonator with the victim's id and its own key or no key is found out")
    func impersonation() throws {
        let (victim, mallory, bob) = (NodeKey(), NodeKey(), NodeKey())
        let b = handshake(bob)
        // The victim's id with mallory's key: the key does not own the id.
        var claimed = handshake(mallory, incarnation: .max)
        claimed.node = victim.id
        #expect(PeerProof.problem(with: claimed)?.contains("does not own") == true)
        // The victim's id and public key (both public), a proof made with another key.
        var copied = handshake(victim, incarnation: .max)
        #expect(PeerProof.problem(with: copied) == nil)
        let forged = try #require(PeerProof.prove(copied, to: b, with: mallory))
        #expect(!PeerProof.check(forged, of: copied, to: b))
        #expect(!PeerProof.check(HandshakeProof(signature: [UInt8](repeating: 0, count: 64)), of: copied, to: b))
        // No key, a short nonce.
        copied.extensions = [HandshakeExtension(tag: HandshakeExtension.nonceTag, value: PeerProof.freshNonce())]
        #expect(PeerProof.problem(with: copied) == "handshake without a public key")
        copied.extensions = PeerProof.extensions(key: victim, nonce: [1, 2, 3])
        #expect(PeerProof.problem(with: copied) != nil)
    }

    @Test("a genuine proof replayed on another connection, or for a changed handshake, fails")
    func replay() throws {
        let (alice, bob) = (NodeKey(), NodeKey())
        let a = handshake(alice)
        let proof = try #require(PeerProof.prove(a, to: handshake(bob), with: alice))
        // Another connection: bob's fresh nonce differs.
        #expect(!PeerProof.check(proof, of: a, to: handshake(bob)))
        // The same connection, but a handshake that claims a higher incarnation.
        let b = handshake(bob)
        let honest = try #require(PeerProof.prove(a, to: b, with: alice))
        var bumped = a
        bumped.incarnation += 1
        #expect(!PeerProof.check(honest, of: bumped, to: b))
    }
}
