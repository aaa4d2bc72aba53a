import ArgumentParser

/// `--dot` of the commands that can draw what they show (`plan`, `tree`, `trace`), which
/// excludes their `--json`.
struct GraphOption: ParsableArguments {
    @Flag(help: "Print it as a Graphviz graph (render with dot -Tsvg).")
    var dot = false

    /// Refuses `--dot` together with `--json`.
    func validate(json: Bool) throws {
        if json && dot {
            throw ValidationError("--json and --dot exclude each other: choose one")
        }
    }
}
