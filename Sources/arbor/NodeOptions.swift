import ArborControl
import ArgumentParser
import Foundation

/// Options of every command that asks a running node: which node (its run directory) and
/// whether to print the API's JSON.
struct NodeOptions: ParsableArguments {
    @OptionGroup var runDir: RunDirectoryOption

    @Flag(help: "Print the control API's JSON document unchanged.")
    var json = false

    /// The run directory in force: --run-dir, else ARBOR_RUN_DIR, else /run/arbor.
    var runDirectory: String {
        runDir.path ?? ProcessInfo.processInfo.environment["ARBOR_RUN_DIR"] ?? "/run/arbor"
    }

    var client: ControlClient {
        ControlClient(runDirectory: runDirectory)
    }

    /// GETs (or with `post`, POSTs) `target`; on failure prints one line saying why (with
    /// the socket path when the node cannot be reached) and exits: 2 when the node cannot
    /// be reached, 1 when it refused the request.
    func fetch(_ target: String, post: Bool = false, timeout: Duration = .seconds(10)) throws -> ControlClient.Response {
        let response: ControlClient.Response
        do {
            response = try post ? client.post(target, timeout: timeout) : client.get(target, timeout: timeout)
        } catch {
            printError("arbor: \(error)")
            throw ExitCode(2)
        }
        guard (200..<300).contains(response.status) else {
            let message = (try? ControlJSON.decode(ErrorDocument.self, from: response.body))?.error
            printError("arbor: \(message ?? "arbord answered \(response.status)")")
            throw ExitCode(1)
        }
        return response
    }

    /// Fetches `target` and either prints its body unchanged (`--json`) or decodes it as
    /// `type` for the caller to render (`nil` after printing JSON).
    func document<T: Decodable>(_ target: String, as type: T.Type, post: Bool = false) throws -> T? {
        let response = try fetch(target, post: post)
        if json {
            writeOut(response.body)
            return nil
        }
        return try decode(type, from: response)
    }

    /// Decodes an answer's body as `type`; when it is not one, prints why and exits 1.
    func decode<T: Decodable>(_ type: T.Type, from response: ControlClient.Response) throws -> T {
        do {
            return try ControlJSON.decode(type, from: response.body)
        } catch {
            printError("arbor: unexpected answer from arbord at \(client.socketPath): \(error)")
            throw ExitCode(1)
        }
    }
}

/// Writes bytes to standard output as they are.
func writeOut(_ bytes: [UInt8]) {
    FileHandle.standardOutput.write(Data(bytes))
}
