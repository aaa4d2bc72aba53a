import ArborTestSupport
import Foundation
import Testing

/// Keeps docs/architecture.md's table "Where each rule and protocol lives" honest: every
/// type it names as the one place is declared in the module it names, and the code the
/// table says has one place has no second.
@Suite struct ArchitectureTableTests {
    /// Each row's "the one place" column: the module (or folder) and the names in it.
    @Test func everyPlaceTheTableNamesIsDeclaredThere() throws {
        let rows = try tableRows()
        #expect(rows.count >= 10)
        for row in rows {
            let place = row[1]
            let folder = try #require(
                place.hasPrefix("`") ? place.split(separator: "`").first.map(String.init) : place.split(separator: " ").first.map { "Sources/" + $0 },
                "no module in \(place)"
            )
            let sources = try swiftSources(in: folder)
            #expect(!sources.isEmpty, "\(folder), named by the row '\(row[0])', holds no Swift source")
            for name in backticked(place) where isSymbol(name) {
                let parts = name.split(separator: ".").map(String.init)
                #expect(declares(sources, type: parts[0]), "\(folder) declares no \(parts[0]) (row '\(row[0])')")
                if parts.count == 2 {
                    #expect(declares(sources, member: parts[1]), "\(folder) declares no \(name) (row '\(row[0])')")
                }
            }
        }
    }

    /// The places the table says are the only ones, checked by the code they hold.
    @Test(arguments: [
        // Builds a Unix socket address; arbord's systemd notifier may need an abstract one.
        ("sun_path", ["Sources/ArborControl/UnixSocket.swift", "Sources/arbord/SystemdNotifier.swift"]),
        // Starts child processes (tests only).
        ("posix_spawn(", ["Tests/ArborTestSupport/Spawn.swift"]),
        ("let repositoryRoot", ["Tests/ArborTestSupport/Programs.swift"]),
        // Starts an arbord: the multi-process harnesses share one.
        ("builtProgram(\"arbord\")", ["Tests/ArborTestSupport/ArbordProcess.swift"]),
    ])
    func codeWithOnePlaceHasNoSecond(code: String, places: [String]) throws {
        var found: [String] = []
        for folder in ["Sources", "Tests"] {
            // This file names the code it looks for.
            for file in try swiftSources(in: folder) where file.text.contains(code) && !file.path.hasSuffix("/ArchitectureTableTests.swift") {
                found.append(file.path)
            }
        }
        #expect(found.sorted() == places.sorted(), "\(code)")
    }

    private struct Source {
        let path: String
        let text: String
    }

    /// The rows of the table, each split into its cells.
    private func tableRows() throws -> [[String]] {
        let text = try String(contentsOf: repositoryRoot.appending(path: "docs/architecture.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let heading = try #require(lines.firstIndex(of: "### Where each rule and protocol lives"))
        let table = lines[heading...].drop { !$0.hasPrefix("|") }.prefix { $0.hasPrefix("|") }
        return table.dropFirst(2).map { line in
            line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    private func backticked(_ cell: String) -> [String] {
        cell.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// A type or `Type.member`, not a file pattern or path.
    private func isSymbol(_ name: String) -> Bool {
        name.first?.isUppercase == true && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." }
    }

    private func declares(_ sources: [Source], type: String) -> Bool {
        let pattern = try! Regex("(struct|enum|class|actor|protocol|typealias) \(type)\\b")
        return sources.contains { $0.text.contains(pattern) }
    }

    private func declares(_ sources: [Source], member: String) -> Bool {
        let pattern = try! Regex("(func|var|let) \(member)\\b")
        return sources.contains { $0.text.contains(pattern) }
    }

    private func swiftSources(in folder: String) throws -> [Source] {
        let root = repositoryRoot.appending(path: folder)
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        return try walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.map { relative in
            Source(path: folder + "/" + relative, text: try String(contentsOf: root.appending(path: relative), encoding: .utf8))
        }
    }
}
