import ArborControl
import ArgumentParser

/// `arbor reload`: the node rereads its topology files.
struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make arbord reread its topology files (like SIGHUP, or systemctl reload arbord).",
        discussion: """
            Asks the running arbord through RUN_DIR/control.sock (POST /v1/reload). Files \
            without errors replace the definitions loaded before; they are flooded, and the \
            highest version of each topology applies on every node, without dropping links \
            or clients. A file with an error changes nothing: each error is printed with its \
            file, line and column, and the exit status is 1.
            """
    )

    @OptionGroup var node: NodeOptions

    func run() throws {
        let response = try node.fetch(ControlPath.reload, post: true)
        let document = try node.decode(ReloadDocument.self, from: response)
        if node.json {
            writeOut(response.body)
        } else {
            print(render(document), terminator: "")
        }
        if !document.reloaded {
            throw ExitCode(1)
        }
    }

    func render(_ document: ReloadDocument) -> String {
        var out = ""
        for line in document.errors + document.warnings {
            out += line + "\n"
        }
        let files = "\(document.files.count) file\(document.files.count == 1 ? "" : "s")"
        guard document.reloaded else {
            return out + "not reloaded: \(document.errors.count) error(s) in \(files); the definitions in force are kept\n"
        }
        let changed = document.changed.isEmpty ? "no definition changed" : "changed: " + document.changed.joined(separator: ", ")
        return out + "reloaded \(document.definitions.count) topolog\(document.definitions.count == 1 ? "y" : "ies") from \(files); \(changed)\n"
    }
}
