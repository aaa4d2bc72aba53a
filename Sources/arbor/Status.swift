import ArborControl
import ArgumentParser

/// `arbor status`: who the node is and how it is set up.
struct Status: DocumentCommand {
    static let configuration = describing("Show the node's identity, addresses, discovery and counts.")
    static let target = ControlPath.status

    @OptionGroup var node: NodeOptions

    func render(_ status: StatusDocument) -> String {
        var fields: [(String, String)] = [
            ("node", "\(status.name) (\(status.id))"),
            ("realm", status.realm + (status.realmSecret ? " (secret: peer links encrypted, members only)" : " (no secret: peer links in the clear)")),
            ("incarnation", String(status.incarnation)),
            ("started", "\(status.startedAt) (up \(Formatting.duration(seconds: status.uptimeSeconds)))"),
            ("peer links on", status.listen),
            ("run dir", status.runDir),
            ("client socket", status.clientSocket),
            ("control socket", status.controlSocket),
            ("metrics", status.metrics.map { "http://\($0)/metrics" } ?? "off"),
        ]
        for backend in status.discovery {
            let detail = backend.detail.map { " (\($0))" } ?? ""
            fields.append(("discovery", "\(backend.backend): \(backend.state)\(detail)"))
        }
        if status.discovery.isEmpty {
            fields.append(("discovery", "none"))
        }
        fields += [
            ("peers up", String(status.peersUp)),
            ("nodes known", String(status.nodesKnown)),
            ("topologies held", String(status.topologies)),
            ("clients", String(status.clients)),
        ]
        let width = fields.map(\.0.count).max() ?? 0
        return fields.map { $0.0 + String(repeating: " ", count: width - $0.0.count) + "  " + $0.1 + "\n" }.joined()
    }
}
