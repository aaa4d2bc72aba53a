import ArgumentParser

/// A command that shows one control-API document: fetched from the node at ``target``,
/// printed as text by ``render(_:)`` (or as the node's JSON with `--json`).
protocol DocumentCommand: ParsableCommand {
    associatedtype Document: Decodable
    var node: NodeOptions { get }
    /// The request target, `ControlPath`'s.
    var target: String { get }
    func render(_ document: Document) -> String
}

extension DocumentCommand {
    func run() throws {
        guard let document = try node.document(target, as: Document.self) else { return }
        print(render(document), terminator: "")
    }
}
