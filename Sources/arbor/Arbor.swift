import ArgumentParser

/// The `arbor` command: one subcommand per file in this directory.
@main
struct Arbor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arbor",
        abstract: "Inspect and plan Arbor pub/sub topologies; publish and subscribe through the local node.",
        subcommands: [Check.self, Plan.self, Pub.self, Sub.self]
    )
}
