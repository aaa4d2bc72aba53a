import ArgumentParser

/// The `arbor` command: one subcommand per file named for it, helpers beside them.
@main
struct Arbor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbor",
        abstract: "Inspect Arbor routers, plan topologies, and publish and subscribe through the local node.",
        discussion: """
            status, peers, topologies, routes, tree, trace, events and stats ask a running \
            arbord through RUN_DIR/control.sock (--run-dir, else $ARBOR_RUN_DIR, else \
            /run/arbor); they exit 2 when no node answers there, 1 when it refuses the \
            request. pub and sub use the node's client socket; check and plan work offline \
            on topology files.
            """,
        subcommands: [
            Status.self, Peers.self, Topologies.self, Routes.self, Tree.self, Trace.self, Events.self, Stats.self, Reload.self,
            Pub.self, Sub.self, Check.self, Plan.self,
        ]
    )
}
