import ArborCore
import ArborTestSupport
import ArborTopology
import Testing

/// One test per kind of problem: each feeds a bad file and checks the exact location and
/// message of what is reported.
@Suite struct DiagnosticTests {
    @Test func unknownKeySuggestsTheNearestKey() {
        #expect(problems("""
            topologies:
              - name: t
                fallback: [a]
            """) == [
                "t.yaml:3:5: error: unknown key 'fallback' in a topology: did you mean 'fallbacks'? (allowed keys: name, version, description, root, fallbacks, nodes, links, publishers, max-message-size, admins, slow-subscribers, sp-prefixes, sp-separator, sp-tcp-port)"
            ])
        #expect(problems("""
            topologies:
              - name: t
                colour: red
            """) == [
                "t.yaml:3:5: error: unknown key 'colour' in a topology: remove it or use a known key (allowed keys: name, version, description, root, fallbacks, nodes, links, publishers, max-message-size, admins, slow-subscribers, sp-prefixes, sp-separator, sp-tcp-port)"
            ])
        #expect(problems("""
            topologies:
              - name: t
                maxMessageSize: 10
            """).first?.hasPrefix("t.yaml:3:5: error: unknown key 'maxMessageSize' in a topology: did you mean 'max-message-size'?") == true)
    }

    @Test func adminsMustBeNodeIDs() {
        #expect(problems("""
            topologies:
              - name: t
                admins: [alice, 0123456789abcdef0123456789abcdef]
            """) == [
                "t.yaml:3:14: error: 'alice' is not a node id: write the 32 hex digits `arbor status` shows"
            ])
        #expect(problems("""
            topologies:
              - name: t
                admins: []
            """) == [
                "t.yaml:3:5: error: 'admins' is empty, so nobody could change this topology: list the node ids that may, or remove the key"
            ])
    }

    @Test func slowSubscribersIsDropOrPushBack() {
        #expect(declared("topologies:\n  - name: t\n")?.definition.slowSubscribers == .drop)
        #expect(declared("topologies:\n  - name: t\n    slow-subscribers: push-back\n")?.definition.slowSubscribers == .pushBack)
        #expect(declared("topologies:\n  - name: t\n    slow-subscribers: drop\n")?.definition.slowSubscribers == .drop)
        #expect(problems("""
            topologies:
              - name: t
                slow-subscribers: wait
            """) == [
                "t.yaml:3:23: error: 'slow-subscribers' must be drop or push-back, not 'wait'"
            ])
    }

    @Test func adminsAndPublishersByNodeID() {
        let topology = declared("""
            topologies:
              - name: t
                nodes: [a, b]
                publishers: [a, 0123456789abcdef0123456789abcdef]
                admins: [00000000000000000000000000000abc]
            """)
        #expect(topology?.definition.publishers == ["a", "0123456789abcdef0123456789abcdef"])
        #expect(topology?.definition.admins?.map(\.description) == ["00000000000000000000000000000abc"])
    }

    @Test func wrongType() {
        #expect(problems("""
            topologies:
              - name: t
                nodes: a
                fallbacks: {a: 1}
                description: [x]
            """) == [
                "t.yaml:3:12: error: 'nodes' must be a list of nodes (names, or mappings with 'name' and 'addresses'); found 'a'",
                "t.yaml:4:16: error: 'fallbacks' must be a list of node names, like [reuters, bloomberg]; found a mapping",
                "t.yaml:5:18: error: 'description' must be text; found a list",
            ])
        #expect(problems("topologies: nasdaq\n") == [
            "t.yaml:1:13: error: 'topologies' must be a list of topologies (each starting with '- name: ...'); found 'nasdaq'"
        ])
        #expect(problems("- name: t\n") == [
            "t.yaml:1:1: error: a topology file (a mapping with the key 'topologies') must be a mapping of keys to values; found a list"
        ])
    }

    @Test func missingTopologiesKey() {
        #expect(problems("name: t\nroot: a\n") == [
            "t.yaml:1:1: error: no 'topologies' key: a topology file is a mapping whose 'topologies' key lists the topologies: to declare one topology, write 'topologies:' on the first line and '- name: ...' with the topology's keys indented under it"
        ])
        #expect(problems("topology: []\n") == [
            "t.yaml:1:1: error: no 'topologies' key: a topology file is a mapping whose 'topologies' key lists the topologies"
        ])
    }

    @Test func missingName() {
        #expect(problems("""
            topologies:
              - description: no name
            """) == ["t.yaml:2:5: error: topology has no 'name': add one, like 'name: nasdaq.quotes'"])
        #expect(problems("""
            topologies:
              - name: t
                nodes: [{addresses: ["127.0.0.1:1"]}]
            """) == ["t.yaml:3:13: error: node has no 'name': add one, like 'name: reuters'"])
    }

    @Test func invalidTopologyName() {
        #expect(problems("""
            topologies:
              - name: Nasdaq.Quotes
              - name: nasdaq..quotes
            """) == [
                "t.yaml:2:11: error: invalid topology name 'Nasdaq.Quotes': character 1 is not allowed: use lowercase dotted words of a-z, 0-9 and '-' (like nasdaq.quotes)",
                "t.yaml:3:11: error: invalid topology name 'nasdaq..quotes': character 8: empty word; use single dots between words and none at either end",
            ])
    }

    @Test func duplicateTopologyInOneFile() {
        #expect(problems("""
            topologies:
              - name: t
              - name: t
            """) == [
                "t.yaml:3:11: error: topology 't' is already declared at line 2: give one of them another name, or remove one"
            ])
    }

    @Test func duplicateTopologyAcrossFiles() throws {
        let directory = try TemporaryDirectory("topology")
        let first = try directory.write("a.yaml", "topologies:\n  - name: shared.name\n")
        let second = try directory.write("b.yml", "# another\ntopologies:\n  - name: shared.name\n")
        try directory.write("notes.txt", "ignored")
        let result = TopologyFile.load(paths: [directory.path])
        #expect(result.files == [first, second])
        #expect(result.topologies.count == 1)
        #expect(result.diagnostics.map(\.description) == [
            "\(second):3:11: error: topology 'shared.name' is already declared at \(first):2:11: give one of them another name, or remove one"
        ])
    }

    @Test func duplicateNode() {
        #expect(problems("""
            topologies:
              - name: t
                nodes:
                  - a
                  - name: a
            """) == ["t.yaml:5:15: error: node 'a' is listed twice (first at line 4): remove one"])
    }

    @Test func invalidNodeName() {
        #expect(problems("""
            topologies:
              - name: t
                nodes: [a, "b c"]
            """) == [
                "t.yaml:3:16: error: invalid node name 'b c': use 1 to 253 letters, digits, '-', '_' and '.', starting with a letter or digit (the name the node's router runs under, by default its host name)"
            ])
    }

    @Test func linkToAnUndeclaredNode() {
        #expect(problems("""
            topologies:
              - name: t
                nodes: [nasdaq, reuters]
                links:
                  - { between: [nasdaq, reuter] }
            """) == [
                "t.yaml:5:29: error: link to 'reuter', which is not among the nodes of 't': add it to 'nodes' or correct the name (did you mean 'reuters'?)"
            ])
        #expect(problems("""
            topologies:
              - name: t
                links: [{ between: [a, b] }]
            """) == ["t.yaml:3:5: error: 'links' needs 'nodes': list every node the links join under 'nodes'"])
    }

    @Test func selfLink() {
        #expect(problems("""
            topologies:
              - name: t
                nodes: [a, b]
                links:
                  - { between: [a, b] }
                  - { between: [b, b], cost: 3 }
            """) == ["t.yaml:6:9: error: link from 'b' to itself: a link joins two different nodes"])
    }

    @Test func duplicateLink() {
        #expect(problems("""
            topologies:
              - name: t
                nodes: [a, b]
                links:
                  - { between: [a, b], cost: 1 }
                  - { between: [b, a], cost: 2 }
            """) == ["t.yaml:6:9: error: link a <-> b is declared twice (first at line 5): keep one"])
    }

    @Test func costNotAPositiveNumber() {
        #expect(problems("""
            topologies:
              - name: t
                nodes: [a, b, c, d]
                links:
                  - { between: [a, b], cost: 0 }
                  - { between: [a, c], cost: -4 }
                  - { between: [a, d], cost: 1.5 }
                  - { between: [b, c], cost: "7" }
                  - { between: [b, d], cost: 16777216 }
            """) == [
                "t.yaml:5:34: error: 'cost' must be a whole number from 1 to 16777215, not 0",
                "t.yaml:6:34: error: 'cost' must be a whole number from 1 to 16777215; found '-4'",
                "t.yaml:7:34: error: 'cost' must be a whole number from 1 to 16777215; found '1.5'",
                "t.yaml:8:34: error: 'cost' must be a whole number from 1 to 16777215; found '7'",
                "t.yaml:9:34: error: 'cost' must be a whole number from 1 to 16777215, not 16777216",
            ])
    }

    @Test func rootOrFallbackNotAmongTheNodes() {
        #expect(problems("""
            topologies:
              - name: t
                root: nasdq
                fallbacks: [reuters, nasdaq, reuters, zzz]
                nodes: [nasdaq, reuters]
                links: [{ between: [nasdaq, reuters] }]
            """) == [
                "t.yaml:3:11: error: root 'nasdq' is not among the nodes of 't': add it to 'nodes' or correct the name (did you mean 'nasdaq'?)",
                "t.yaml:4:34: error: fallback 'reuters' is listed twice (first at line 4, column 17): remove one",
                "t.yaml:4:43: error: fallback 'zzz' is not among the nodes of 't': add it to 'nodes' or correct the name",
            ])
        #expect(problems("""
            topologies:
              - name: t
                root: a
                fallbacks: [a]
            """) == ["t.yaml:4:17: error: fallback 'a' is the root itself: list other nodes as fallbacks"])
    }

    @Test func publisherNotAmongTheNodes() {
        #expect(problems("""
            topologies:
              - name: t
                nodes: [nasdaq]
                publishers: [nasdak]
            """) == [
                "t.yaml:4:18: error: publisher 'nasdak' is not among the nodes of 't': add it to 'nodes' or correct the name (did you mean 'nasdaq'?)"
            ])
        #expect(problems("""
            topologies:
              - name: t
                publishers: []
            """) == [
                "t.yaml:3:5: error: 'publishers' is empty, so nobody could publish: list the nodes that may, or remove the key to let any node publish"
            ])
    }

    @Test func invalidAddressOrPort() {
        #expect(problems("""
            topologies:
              - name: t
                nodes:
                  - name: a
                    addresses:
                      - 198.18.0.1
                      - 198.18.0.300:7450
                      - example.com:7450
                      - "2001:db8::1:7450"
                      - "[2001:db8::g]:7450"
                      - 198.18.0.1:0
                      - 198.18.0.1:65536
                      - 198.18.0.1:http
                      - "[fe80::1%eth0]:7450"
                      - 198.18.0.1:7450
                  - name: b
                    addresses: ["198.18.0.1:7450"]
            """) == [
                "t.yaml:6:13: error: invalid address: '198.18.0.1' has no port: add one, as in 198.18.0.7:7450 or [2001:db8::7]:7450",
                "t.yaml:7:13: error: invalid address: '198.18.0.300' is not an IPv4 address (four numbers 0-255 joined by dots; host names are not accepted)",
                "t.yaml:8:13: error: invalid address: 'example.com' is not an IPv4 address (four numbers 0-255 joined by dots; host names are not accepted)",
                "t.yaml:9:13: error: invalid address: '2001:db8::1:7450': put an IPv6 address in brackets before the port, as in [2001:db8::7]:7450",
                "t.yaml:10:13: error: invalid address: '2001:db8::g' is not an IPv6 address (such as 2001:db8::7 or fe80::1%eth0)",
                "t.yaml:11:13: error: invalid address: port 0 is out of range: use a port from 1 to 65535",
                "t.yaml:12:13: error: invalid address: port 65536 is out of range: use a port from 1 to 65535",
                "t.yaml:13:13: error: invalid address: port 'http' is not a number: use a port from 1 to 65535",
                "t.yaml:17:21: error: address 198.18.0.1:7450 is already given for node 'a' (at line 15): each address belongs to one node, once",
            ])
    }

    @Test func nodesUnreachableFromTheRoot() {
        #expect(problems("""
            topologies:
              - name: t
                root: a
                nodes: [a, b, c, d]
                links:
                  - { between: [a, b] }
                  - { between: [c, d] }
            """) == [
                "t.yaml:5:5: error: nodes unreachable from the root 'a' over the declared links: c, d; add links to them or remove them from 'nodes'"
            ])
        #expect(problems("""
            topologies:
              - name: t
                nodes: [a, b, c]
                links: [{ between: [b, c] }]
            """) == [
                "t.yaml:4:5: error: nodes not connected to 'a' (the first node) by the declared links: b, c; add links to them or remove them from 'nodes'"
            ])
    }

    @Test func emptyFile() {
        let message = "error: file is empty: a topology file holds a 'topologies' list with at least one topology (see docs/topology-format.md)"
        #expect(problems("") == ["t.yaml:1:1: " + message])
        #expect(problems("# nothing but a comment\n\n") == ["t.yaml:1:1: " + message])
        #expect(problems("topologies: []\n") == ["t.yaml:1:13: error: 'topologies' is empty: add at least one topology"])
    }

    @Test func notYAML() {
        #expect(problems("topologies:\n  - name: t\n   nodes: [a\n") == [
            "t.yaml:3:4: error: not valid YAML: did not find expected '-' indicator (while parsing a block collection at line 2, column 3): fix the YAML syntax (indentation, colons, quotes, brackets)"
        ])
        #expect(problems("topologies:\n  - name: t\n    root: a: b\n") == [
            "t.yaml:3:12: error: not valid YAML: mapping values are not allowed in this context: fix the YAML syntax (indentation, colons, quotes, brackets)"
        ])
        #expect(problems("topologies: [\n") == [
            "t.yaml:2:1: error: not valid YAML: did not find expected node content (while parsing a flow node at line 2, column 1): fix the YAML syntax (indentation, colons, quotes, brackets)"
        ])
        #expect(problems("topologies:\n  - name: t\u{7}\n") == [
            "t.yaml:2:12: error: not valid YAML: control characters are not allowed (character U+0007): remove it or write it as an escape inside double quotes"
        ])
        #expect(problems("topologies:\n  - name: a\n---\ntopologies: []\n") == [
            "t.yaml:4:1: error: a second YAML document starts here: a file holds one document; put every topology in its one 'topologies' list"
        ])
    }

    @Test func notUTF8() {
        let latin1 = Array("topologies:\n  - name: caf".utf8) + [0xE9] + Array("\n".utf8)
        #expect(TopologyFile.parse(bytes: latin1, file: "t.yaml").diagnostics.map(\.description) == [
            "t.yaml:2:14: error: file is not UTF-8 text (byte 0xE9 here is not valid UTF-8): save it as UTF-8"
        ])
        let truncated = Array("# é\ntopologies:\n  - name: é".utf8).dropLast()
        #expect(TopologyFile.parse(bytes: Array(truncated), file: "t.yaml").diagnostics.map(\.description) == [
            "t.yaml:3:11: error: file is not UTF-8 text (byte 0xC3 here is not valid UTF-8): save it as UTF-8"
        ])
    }

    @Test func largerThanFourMebibytes() throws {
        let directory = try TemporaryDirectory("topology")
        let padding = "# " + String(repeating: "x", count: 99) + "\n"
        let body = "topologies:\n  - name: t\n" + String(repeating: padding, count: (4 << 20) / padding.utf8.count + 1)
        let file = try directory.write("big.yaml", body)
        #expect(TopologyFile.load(paths: [file]).diagnostics.map(\.description) == [
            "\(file):1:1: error: file is larger than 4 MiB (the limit is 4194304 bytes): split its topologies into several files"
        ])
        let fits = try directory.write("fits.yaml", String(body.utf8.prefix(4 << 20))!)
        #expect(!TopologyFile.load(paths: [fits]).hasErrors)
    }

    @Test func duplicateMappingKey() {
        #expect(problems("""
            topologies:
              - name: t
                root: a
                version: 2
                root: b
            """) == ["t.yaml:5:5: error: key 'root' appears twice in the same mapping (first at line 3): keep one of them"])
    }

    @Test func aliasesCannotBlowUpValidation() {
        // 1,000 aliased topologies of 1,000 aliased nodes of 1,000 addresses each: a billion
        // values from 30 KB of text. Validation stops after a budget and says why.
        let addresses = Array(repeating: "\"127.0.0.1:1\"", count: 1_000).joined(separator: ", ")
        let nodes = Array(repeating: "*n", count: 1_000).joined(separator: ", ")
        let topologies = Array(repeating: "*t", count: 1_000).joined(separator: ", ")
        let bomb = """
            x:
              - &n { name: a, addresses: [\(addresses)] }
              - &t { name: t, nodes: [\(nodes)] }
            topologies: [\(topologies)]
            """
        let found = problems(bomb)
        #expect(found.count <= TopologyFile.maximumDiagnosticsPerFile + 1)
        #expect(found.contains { $0.hasSuffix("the file expands to far more values than it holds (YAML aliases?): write the values out instead of repeating them through aliases") })
    }

    @Test func aliasesAsKeysAreRefusedBeforeParsing() {
        // Yams hashes mapping keys to find duplicates; this key stands for 10^9 values.
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...8 {
            yaml += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        yaml += "m: {? *a8 : 1, ? *a8 : 2}\n"
        #expect(problems(yaml) == [
            "t.yaml:10:7: error: an alias is used as a mapping key here: topology files do not accept aliases as keys; write the key out"
        ])
        #expect(problems("x: &k a\ny:\n  *k : 1\n") == [
            "t.yaml:3:3: error: an alias is used as a mapping key here: topology files do not accept aliases as keys; write the key out"
        ])
        // Aliases as values are fine, and so is text that only looks like an alias key.
        let shared = declared("""
            topologies:
              - name: t
                description: "see *note: below" # *x: y
                nodes: &stations [a, b]
                publishers: *stations
            """)
        #expect(shared?.definition.publishers == ["a", "b"])
        #expect(problems("topologies: [{name: t, description: \"unterminated \\") != [])
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = "topologies: " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "\n"
        let found = problems(deep)
        #expect(found.count == 1)
        #expect(found.first?.contains("not valid YAML") == true)
    }

    @Test func linkThatNoTreeUsesIsAWarning() {
        let result = TopologyFile.parse(bytes: Array("""
            topologies:
              - name: t
                root: a
                nodes: [a, b, c]
                links:
                  - { between: [a, b], cost: 1 }
                  - { between: [b, c], cost: 1 }
                  - { between: [a, c], cost: 1 }
                  - { between: [a, c], cost: 1 }
            """.utf8), file: "t.yaml")
        #expect(result.hasErrors)
        let warning = TopologyFile.parse(bytes: Array("""
            topologies:
              - name: t
                root: a
                nodes: [a, b, c, d]
                links:
                  - { between: [a, b], cost: 1 }
                  - { between: [a, c], cost: 1 }
                  - { between: [b, d], cost: 1 }
                  - { between: [c, d], cost: 5 }
                  - { between: [b, c], cost: 9 }
            """.utf8), file: "t.yaml")
        #expect(!warning.hasErrors)
        #expect(warning.topologies.count == 1)
        #expect(warning.diagnostics.map(\.description) == [
            "t.yaml:10:9: warning: link b <-> c (cost 9) is on no tree, neither as planned nor after any single node or link failure: lower its cost to make it a standby path, or remove it"
        ])
    }

    @Test func examplesAreClean() {
        let result = TopologyFile.load(paths: [repositoryRoot.appendingPathComponent("topologies").path])
        #expect(result.diagnostics.isEmpty)
        #expect(result.topologies.map(\.name.rawValue) == ["diamond", "lan.chat", "nasdaq.quotes"])
        #expect(result.staticAddresses["c"]?.map(\.description) == ["127.0.0.1:7454"])
        let nasdaq = result.topologies.first { $0.name.rawValue == "nasdaq.quotes" }?.definition
        #expect(nasdaq?.publishers == ["nasdaq"])
        #expect(nasdaq?.root == "nasdaq")
        #expect(nasdaq?.version == 1)
        #expect(nasdaq?.maxMessageSize == 65536)
    }

    @Test func versionDefaultsToOneAndMustBePositive() {
        #expect(declared("topologies:\n  - name: t\n")?.definition.version == 1)
        #expect(declared("topologies:\n  - name: t\n    version: 7\n")?.definition.version == 7)
        #expect(problems("topologies:\n  - name: t\n    version: 0\n") == [
            "t.yaml:3:14: error: 'version' must be a whole number from 1 to 4294967295, not 0"
        ])
    }
}
