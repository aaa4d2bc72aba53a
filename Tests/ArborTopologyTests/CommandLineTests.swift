import ArborTestSupport
import Foundation
import Testing

/// `arbor check` and `arbor plan` as an operator runs them: the built executable.
@Suite struct CommandLineTests {
    @Test func checkAcceptsTheExamples() throws {
        let result = try arbor("check", "topologies/diamond.yaml", "topologies/lan.yaml", "topologies/nasdaq.yaml")
        #expect(result.status == 0)
        #expect(result.standardOutput == "ok: 3 files, 3 valid topologies, 0 errors, 0 warnings\n")
    }

    @Test func checkReportsEachProblemOnALineAndFails() throws {
        let directory = try TemporaryDirectory("topology")
        let file = try directory.write("bad.yaml", "topologies:\n  - name: t\n    rooot: a\n")
        let result = try arbor("check", file)
        #expect(result.status == 1)
        #expect(result.standardOutput == """
            \(file):3:5: error: unknown key 'rooot' in a topology: did you mean 'root'? (allowed keys: name, version, description, root, fallbacks, nodes, links, publishers, max-message-size, admins, slow-subscribers, sp-prefixes, sp-separator, sp-tcp-port)
            failed: 1 file, 0 valid topologies, 1 error, 0 warnings

            """)
    }

    @Test func checkSpeaksJSON() throws {
        let result = try arbor("check", "--json", "topologies/diamond.yaml")
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        #expect(object?["ok"] as? Bool == true)
        #expect(object?["topologies"] as? [String] == ["diamond"])
    }

    @Test func planShowsTheReroute() throws {
        let result = try arbor("plan", "topologies/nasdaq.yaml", "--fail", "reuters")
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("""
            changes:
              moved:
                bank-a  reuters -> bloomberg  (cost 20 -> 25)
                bank-b  reuters -> bloomberg  (cost 20 -> 30)
                fund-c  reuters -> bloomberg  (cost 15 -> 35)
              unreachable: none
            """))
        let both = try arbor("plan", "topologies/nasdaq.yaml", "--fail", "reuters", "--fail", "bloomberg")
        #expect(both.status == 0)
        #expect(both.standardOutput.contains("  unreachable: 23: bank-a, bank-b, fund-c, bank-a-ny,"))
    }

    @Test func planSpeaksJSON() throws {
        let result = try arbor("plan", "topologies/diamond.yaml", "--fail", "b1", "--json")
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let changes = try #require(object["changes"] as? [String: Any])
        let moved = try #require(changes["moved"] as? [[String: Any]])
        #expect(moved.count == 1)
        #expect(moved.first?["node"] as? String == "c")
        #expect(moved.first?["to"] as? String == "b2")
        let after = try #require(object["after"] as? [String: Any])
        let nodes = try #require(after["nodes"] as? [[String: Any]])
        #expect(nodes.first { $0["name"] as? String == "b1" }?["state"] as? String == "failed")
    }

    @Test func planDotRendersAsSVG() throws {
        let result = try arbor("plan", "topologies/nasdaq.yaml", "--fail", "reuters", "--dot")
        #expect(result.status == 0)
        let dot = result.standardOutput
        #expect(dot.hasPrefix("graph \"nasdaq.quotes\" {\n"))
        #expect(dot.contains("\"reuters\" [label=\"reuters\\nfailed\", color=red, fontcolor=red, style=\"rounded,dashed\"];"))
        #expect(dot.contains("\"bloomberg\" -- \"bank-a\" [label=\"15\", penwidth=2];"))
        #expect(dot.contains("\"nasdaq\" -- \"reuters\" [label=\"10 failed\", style=dotted, color=red, fontcolor=red];"))
        #expect(dot.hasSuffix("}\n"))
        // Graphviz is installed from apt where CI runs; without it only the text is checked.
        guard let graphviz = which("dot") else { return }
        let svg = try run(graphviz, ["-Tsvg"], input: Data(dot.utf8))
        #expect(svg.status == 0)
        #expect(svg.standardError.isEmpty)
        #expect(svg.standardOutput.contains("<svg"))
        #expect(svg.standardOutput.contains("</svg>"))
    }

    @Test func planRefusesWhatItCannotPlan() throws {
        let lan = try arbor("plan", "topologies/lan.yaml")
        #expect(lan.status == 1)
        #expect(lan.standardError.hasPrefix("error: lan.chat lists no nodes"))
        let unknown = try arbor("plan", "topologies/nasdaq.yaml", "--fail", "reuter")
        #expect(unknown.status == 1)
        #expect(unknown.standardError == "error: 'reuter' is not a node of nasdaq.quotes; did you mean 'reuters'?\n")
        let both = try arbor("plan", "topologies/nasdaq.yaml", "--json", "--dot")
        #expect(both.status != 0)
    }
}
