import ArborCore
import ArborTrust
import ArborWire
import NIOCore
import Testing

/// Record seals: what a node accepts from a relay, tried as an attacker would.
@Suite("Record seals")
struct SealTests {
    private func record(_ key: NodeKey, incarnation: UInt64 = 5, sequence: UInt64 = 1, definitions: [TopologyDefinition] = []) -> LinkStateRecord {
        var record = LinkStateRecord(
            origin: key.id,
            name: "alice",
            incarnation: incarnation,
            sequence: sequence,
            links: [Link(neighbor: NodeID(high: 0, low: 9), cost: 3)],
            definitions: definitions
        )
        record.seal = RecordNotary(key: key).seal(record)
        return record
    }

    @Test("a sealed record is authentic, through the wire too; a change of content drops the seal")
    func honest() throws {
        let alice = NodeKey()
        let sealed = record(alice)
        var verifier = RecordVerifier()
        let verdict1 = verifier.isAuthentic(sealed)
        #expect(verdict1)
        var buffer = ByteBuffer()
        try PeerFrameEncoder().encode(.message(.linkState([sealed])), into: &buffer)
        var decoder = PeerFrameDecoder(phase: .established)
        guard case .message(.linkState(let decoded)) = try decoder.next(from: &buffer) else {
            Issue.record("no record")
            return
        }
        #expect(decoded[0].seal == sealed.seal)
        let verdict2 = verifier.isAuthentic(decoded[0])
        #expect(verdict2)
        var changed = sealed
        changed.sequence += 1
        #expect(changed.seal == nil)
        let verdict3 = verifier.isAuthentic(changed)
        #expect(!verdict3)
    }

    @Test("a record forged for another node's id is refused, at any version")
    func forgedOrigin() {
        let (victim, mallory) = (NodeKey(), NodeKey())
        var verifier = RecordVerifier()
        for (incarnation, sequence) in [(UInt64(6), UInt64(1)), (.max, .max)] {
            // Signed by mallory's key, which does not own the victim's id.
            var forged = record(mallory, incarnation: incarnation, sequence: sequence)
            forged.origin = victim.id
            forged.seal = RecordNotary(key: mallory).seal(forged)
            let verdict4 = verifier.isAuthentic(forged)
            #expect(!verdict4)
            // The victim's key copied from a genuine seal, with mallory's signature.
            var copied = forged
            copied.seal!.publicKey = victim.publicKey
            let verdict5 = verifier.isAuthentic(copied)
            #expect(!verdict5)
            // A genuine seal of the victim moved onto other content.
            var moved = forged
            moved.seal = record(victim).seal
            let verdict6 = verifier.isAuthentic(moved)
            #expect(!verdict6)
        }
        var unsealed = record(victim)
        unsealed.seal = nil
        let verdict7 = verifier.isAuthentic(unsealed)
        #expect(!verdict7)
    }

    @Test("a seal that checked is remembered, but not for other content under it")
    func cache() {
        let alice = NodeKey()
        let sealed = record(alice)
        var verifier = RecordVerifier()
        for _ in 0..<3 {
            let verdict8 = verifier.isAuthentic(sealed)
            #expect(verdict8)
        }
        #expect(verifier.verifications == 1)
        let seal = sealed.seal
        var altered = sealed
        altered.name = "mallory"
        altered.seal = seal
        let verdict9 = verifier.isAuthentic(altered)
        #expect(!verdict9)
    }

    @Test("a flush counts only with its origin's seal of that version")
    func flushes() {
        let (alice, mallory) = (NodeKey(), NodeKey())
        let sealed = record(alice)
        var verifier = RecordVerifier()
        let verdict10 = verifier.isAuthentic(flush: sealed.version)
        #expect(verdict10)
        // A flush at the last version, with the seal of another version or another key.
        var top = sealed.version
        top.incarnation = .max
        top.sequence = .max
        let verdict11 = verifier.isAuthentic(flush: top)
        #expect(!verdict11)
        var bare = sealed.version
        bare.seal = nil
        let verdict12 = verifier.isAuthentic(flush: bare)
        #expect(!verdict12)
        var foreign = sealed.version
        foreign.seal = record(mallory).seal
        let verdict13 = verifier.isAuthentic(flush: foreign)
        #expect(!verdict13)
    }
}
