import ArborTestSupport
import Foundation
import Testing

/// libarbor (clib/) against the test node lying (``LyingScenario``): every malformed, cut
/// or random answer ends in a status, never in a crash or an overread. The C side is
/// clib/tests/robustness.c, built with AddressSanitizer and UBSan.
@Suite("libarbor against a lying node", .timeLimit(.minutes(3)))
struct LibarborRobustnessTests {
    @Test(.enabled(if: which("gcc") != nil, "needs gcc with AddressSanitizer and UBSan (tools/setup installs it)"))
    func malformedCutAndRandomAnswersEndInAStatus() async throws {
        let directory = try TemporaryDirectory("robustness")
        let clib = repositoryRoot.appendingPathComponent("clib").path
        let build = try run(which("gcc")!, [
            "-std=c99", "-Wall", "-Wextra", "-Werror", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
            "-I\(clib)/include", "-o", directory.path + "/robustness", clib + "/tests/robustness.c", clib + "/src/arbor.c",
        ], timeout: .seconds(120))
        try #require(build.status == 0, "\(build.standardError)")
        let node = try await TestNode(lying: true)
        let result = try run(directory.path + "/robustness", [node.socketPath, "300"], timeout: .seconds(120))
        await node.stop()
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.hasSuffix(" passed, 0 failed\n"), "\(result.standardOutput)")
    }
}
