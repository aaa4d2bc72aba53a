import ArborControl
import ArborCore
import ArborTopology

extension NodeRuntime {
    /// Located errors kept in a refused reload's event (the document has them all).
    static let reloadErrorsInEvent = 20

    /// Reads the topology files of `configuration.topologyPaths` again (SIGHUP, `POST
    /// /v1/reload`). Without errors their definitions replace the loaded ones: the router
    /// floods them in this node's record and every node applies the highest version;
    /// links and clients stay. With an error nothing changes. Either way the outcome is an
    /// event (`arbor events`) and a log line. Reads the files on the event loop: topology
    /// files are small (at most 4 MiB each).
    func reloadTopologies() -> ReloadDocument {
        eventLoop.preconditionInEventLoop()
        let loaded = TopologyFile.load(paths: configuration.topologyPaths)
        let errors = loaded.diagnostics.filter { $0.severity == .error }.map(\.description)
        let warnings = loaded.diagnostics.filter { $0.severity != .error }.map(\.description)
        for warning in warnings {
            logger.warning("\(warning)")
        }
        let names = loaded.definitions.map(\.name.rawValue)
        guard errors.isEmpty else {
            record(.definitionsRefused(errors: Array(errors.prefix(Self.reloadErrorsInEvent))))
            return .refused(files: loaded.files, definitions: names, errors: errors, warnings: warnings)
        }
        let changed = Router.changedNames(from: router.ownDefinitions, to: loaded.definitions)
        handle(.loadDefinitions(loaded.definitions))
        return .reloaded(files: loaded.files, definitions: names, changed: changed.map(\.rawValue), warnings: warnings)
    }
}
