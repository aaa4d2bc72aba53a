import ArborTestSupport
import Foundation

/// Runs the built `arbor`.
func arbor(_ arguments: String..., input: Data? = nil) throws -> ProcessOutput {
    try run(builtProgram("arbor"), arguments, input: input)
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
/// The default is generous: the machine's two cores may be busy with builds.
func eventually(timeout: Duration = .seconds(20), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}
