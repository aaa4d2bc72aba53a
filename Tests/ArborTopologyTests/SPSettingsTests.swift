import ArborCore
import ArborTopology
import Testing

@Suite("SP settings (sp-prefixes, sp-separator, sp-tcp-port)")
struct SPSettingsTests {
    @Test("by default SP subscribers pull nothing, the separator is a space and only ipc is served")
    func defaults() {
        #expect(declared("topologies:\n  - name: t\n")?.sp == SPSettings(prefixes: [], separator: [0x20], tcpPort: nil))
    }

    @Test("the keys are read, and do not change the definition's digest")
    func read() {
        let topology = declared("""
            topologies:
              - name: t
                sp-prefixes: [AAPL, '']
                sp-separator: "|"
                sp-tcp-port: 7460
            """)
        #expect(topology?.sp == SPSettings(prefixes: ["AAPL", ""], separator: Array("|".utf8), tcpPort: 7460))
        #expect(topology?.definition.digest == declared("topologies:\n  - name: t\n")?.definition.digest)
    }

    @Test("an empty or long separator and a port out of range are errors")
    func errors() {
        #expect(problems("topologies:\n  - name: t\n    sp-separator: ''\n").count == 1)
        #expect(problems("topologies:\n  - name: t\n    sp-separator: '\(String(repeating: "-", count: 17))'\n").count == 1)
        #expect(problems("topologies:\n  - name: t\n    sp-tcp-port: 70000\n").count == 1)
        #expect(problems("topologies:\n  - name: t\n    sp-prefixes: AAPL\n").count == 1)
    }
}
