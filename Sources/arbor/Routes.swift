import ArborControl
import ArgumentParser

/// `arbor routes [TOPOLOGY]`: the node's place in each tree and the interest it exchanges.
struct Routes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show routes: root, parent, tree neighbours, interest per neighbour, next hops.",
        discussion: """
            Without a topology, every topology the node holds or knows a definition of \
            (GET /v1/routes); with one, that topology (GET /v1/routes/TOPOLOGY). 'holds' is \
            the interest a neighbour told this node (what is wanted behind it); 'sent' is \
            what this node told it. A next-hop row says where a message whose topic is \
            exactly that prefix goes.
            """
    )

    @Argument(help: "A topology name.")
    var topology: String?

    @OptionGroup var node: NodeOptions

    func run() throws {
        if let topology {
            guard let route = try node.document(ControlPath.routes(topology), as: RouteDocument.self) else { return }
            print(render(route), terminator: "")
        } else {
            guard let routes = try node.document(ControlPath.routes, as: [RouteDocument].self) else { return }
            print(routes.isEmpty ? "no topologies\n" : routes.map(render).joined(separator: "\n"), terminator: "")
        }
    }

    func render(_ route: RouteDocument) -> String {
        var out = route.topology
        if let root = route.root {
            let parent = route.parent.map { "parent \($0)" } ?? "this node is the root"
            out += ": root \(root) (\(route.rootReason ?? "?")), \(parent)\n"
        } else {
            out += ": this node may not carry it\n"
        }
        if !route.held {
            out += "  not held: no local member and no neighbour's interest; the place shown is where this node would join\n"
        }
        out += "  tree neighbours  \(Formatting.list(route.treeNeighbors))\n"
        out += "  engaged          \(Formatting.list(route.engaged))\n"
        out += "  local interest   \(Formatting.topics(route.localInterest))\n"
        if !route.neighbors.isEmpty {
            var table = Table(["NEIGHBOUR", "ROLE", "LINK", "ENGAGED", "HOLDS (wanted behind it)", "SENT (told to it)"])
            for neighbor in route.neighbors {
                table.add([
                    neighbor.name,
                    neighbor.role,
                    neighbor.linkUp ? "up" : "down",
                    Formatting.yesNo(neighbor.engaged),
                    Formatting.topics(neighbor.interestHeld),
                    Formatting.topics(neighbor.interestSent),
                ])
            }
            out += "\n" + table.render(indent: 2)
        }
        if !route.nextHops.isEmpty {
            var table = Table(["PREFIX", "NEXT HOPS", "LOCAL"])
            for hop in route.nextHops {
                table.add([hop.prefix.description, Formatting.list(hop.via), Formatting.yesNo(hop.local)])
            }
            out += "\n" + table.render(indent: 2)
        }
        return out
    }
}
