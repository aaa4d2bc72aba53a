import ArborCore
import ArborTrust
import ArborWire
import ArgumentParser
import Foundation

/// The cost of node identities in process: sealing a record, checking a seal (new, and
/// remembered), proving and checking a handshake. Prints one JSON object.
struct Seals: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cost of signing and verifying records and handshake proofs (no node needed).",
        discussion: """
            Records like a node's of an overlay with `links` links each. seal_us: one seal of a \
            changed record. verify_per_s: new seals checked per second (SHA-256 of the record and \
            an Ed25519 verification). remembered_per_s: a seal already checked (a record received \
            over another link). proof_us: proving a handshake and checking the peer's.
            """
    )

    @Option(help: "Records to seal and verify.")
    var records = 2_000

    @Option(help: "Links per record.")
    var links = 8

    func run() throws {
        let keys = (0..<16).map { _ in NodeKey() }
        var unsealed: [LinkStateRecord] = []
        for index in 0..<records {
            let key = keys[index % keys.count]
            let neighbours = (0..<links).map { Link(neighbor: NodeID(high: UInt64(index), low: UInt64($0)), cost: 10) }
            unsealed.append(LinkStateRecord(origin: key.id, name: "node-\(index % keys.count)", incarnation: 1, sequence: UInt64(index + 1), links: neighbours))
        }
        let clock = ContinuousClock()
        var sealed = unsealed
        let sealing = clock.measure {
            for index in sealed.indices {
                sealed[index].seal = RecordNotary(key: keys[index % keys.count]).seal(sealed[index])
            }
        }
        var verifier = RecordVerifier()
        var accepted = 0
        let verifying = clock.measure {
            for record in sealed where verifier.isAuthentic(record) { accepted += 1 }
        }
        let remembering = clock.measure {
            for record in sealed where verifier.isAuthentic(record) { accepted += 1 }
        }
        guard accepted == 2 * records else { throw ValidationError("only \(accepted) of \(2 * records) seals checked") }
        let (alice, bob) = (keys[0], keys[1])
        let a = Handshake(node: alice.id, incarnation: 1, name: "a", realm: "default", extensions: PeerProof.extensions(key: alice, nonce: PeerProof.freshNonce()))
        let b = Handshake(node: bob.id, incarnation: 1, name: "b", realm: "default", extensions: PeerProof.extensions(key: bob, nonce: PeerProof.freshNonce()))
        let rounds = 200
        var proven = 0
        let proving = clock.measure {
            for _ in 0..<rounds {
                if let proof = PeerProof.prove(a, to: b, with: alice), PeerProof.check(proof, of: a, to: b) { proven += 1 }
            }
        }
        guard proven == rounds else { throw ValidationError("only \(proven) of \(rounds) proofs checked") }
        let result: [String: Any] = [
            "records": records,
            "links": links,
            "seal_us": microseconds(sealing) / Double(records),
            "verify_per_s": Double(records) / seconds(verifying),
            "remembered_per_s": Double(records) / seconds(remembering),
            "proof_us": microseconds(proving) / Double(rounds),
        ]
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func microseconds(_ duration: Duration) -> Double {
        seconds(duration) * 1e6
    }
}
