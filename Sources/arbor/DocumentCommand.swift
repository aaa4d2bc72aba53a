import ArgumentParser

/// A command that shows one control-API document: fetched from the node at ``target``,
/// printed as text by ``render(_:)`` (or as the node's JSON with `--json`).
protocol DocumentCommand: ParsableCommand {
    associatedtype Document: Decodable
    var node: NodeOptions { get }
    /// The request target, `ControlPath`'s.
    static var target: String { get }
    func render(_ document: Document) -> String
}

extension DocumentCommand {
    func run() throws {
        guard let document = try node.document(Self.target, as: Document.self) else { return }
        print(render(document), terminator: "")
    }
}

extension DocumentCommand {
    /// The command's configuration: `abstract`, and a discussion naming where it asks.
    static func describing(_ abstract: String) -> CommandConfiguration {
        CommandConfiguration(abstract: abstract, discussion: "Asks the running arbord through RUN_DIR/control.sock (GET \(target)).")
    }
}
