import Foundation
import Testing

/// ArborCore is the sans-I/O core: it may import only the standard library (its
/// Synchronization module too: the routing cache that routers on several threads share is
/// one locked table) and swift-collections, and must never read a clock.
@Suite struct CorePurityTests {
    @Test func theCoreImportsNothingButCollectionsAndReadsNoClock() throws {
        let directory = coreDirectory()
        let sources = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".swift") }
        #expect(sources.count > 10)
        for file in sources {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("import ") {
                #expect(["import DequeModule", "import HashTreeCollections", "import HeapModule", "import Synchronization"].contains(String(line)), "\(file): \(line)")
            }
            for clock in ["ContinuousClock", "SuspendingClock", "Date()", "DispatchTime", "clock_gettime", "gettimeofday"] {
                #expect(!text.contains(clock), "\(file) reads a clock (\(clock))")
            }
        }
    }

    private func coreDirectory() -> String {
        let here = #filePath
        let root = here.components(separatedBy: "/Tests/")[0]
        return root + "/Sources/ArborCore"
    }
}
