import ArborTestSupport
import ArborTopology
import Foundation
import Testing

/// Random damage to the example files: bytes flipped, lines deleted or duplicated. Loading
/// must never crash and must end in success or in errors located inside the file.
@Suite struct MutationTests {
    static let examples = ["nasdaq.yaml", "diamond.yaml", "lan.yaml"]

    @Test(arguments: examples)
    func mutatedExamplesFailCleanly(_ example: String) throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: examplePath(example))))
        var generator = SplitMix64(seed: 0xA4B0_0000 + UInt64(example.utf8.count))
        var outcomes = (accepted: 0, rejected: 0)
        for round in 0..<150 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                bytes = mutate(bytes, using: &generator)
            }
            let result = TopologyFile.parse(bytes: bytes, file: "m.yaml")
            // At least as many lines as libyaml counts: CR, LF, NEL, LS and PS all break lines.
            let lineCount = bytes.filter { $0 == 0x0A || $0 == 0x0D || $0 == 0x85 || $0 == 0xA8 || $0 == 0xA9 }.count + 1
            for diagnostic in result.diagnostics {
                #expect(diagnostic.file == "m.yaml", "round \(round)")
                #expect((1...lineCount).contains(diagnostic.line), "round \(round): \(diagnostic)")
                #expect(diagnostic.column >= 1, "round \(round): \(diagnostic)")
                #expect(!diagnostic.message.isEmpty)
            }
            if result.hasErrors {
                outcomes.rejected += 1
            } else {
                #expect(!result.topologies.isEmpty, "round \(round): accepted without topologies")
                outcomes.accepted += 1
            }
        }
        #expect(outcomes.rejected > 0)
    }

    private func mutate(_ bytes: [UInt8], using generator: inout SplitMix64) -> [UInt8] {
        guard !bytes.isEmpty else { return bytes }
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
        switch Int.random(in: 0..<4, using: &generator) {
        case 0:
            var copy = bytes
            copy[Int.random(in: 0..<copy.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            return copy
        case 1:
            var copy = bytes
            let index = Int.random(in: 0..<copy.count, using: &generator)
            copy[index] ^= 1 << UInt8.random(in: 0..<8, using: &generator)
            return copy
        case 2:
            lines.remove(at: Int.random(in: 0..<lines.count, using: &generator))
        default:
            let index = Int.random(in: 0..<lines.count, using: &generator)
            lines.insert(lines[index], at: Int.random(in: 0...lines.count, using: &generator))
        }
        return Array(lines.joined(separator: [UInt8(ascii: "\n")]))
    }
}
