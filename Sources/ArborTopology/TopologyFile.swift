import Foundation
import Yams

/// Loads topology files: the API `arbor check`, `arbor plan` and the daemon's
/// `--topologies DIR_OR_FILE` share.
public enum TopologyFile {
    /// Largest file accepted, in bytes (4 MiB).
    public static let maximumSize = YAMLDocument.maximumSize

    /// Diagnostics reported per file at most; one more line says how many were left out.
    public static let maximumDiagnosticsPerFile = 100

    /// Loads every path: a file is read as it is; a directory contributes every `*.yaml`
    /// and `*.yml` file directly in it (not hidden ones, not subdirectories), sorted by name.
    /// Never throws: unreadable paths, bad files and bad topologies become diagnostics, and
    /// a topology name declared in two places is an error at the second.
    public static func load(paths: [String]) -> TopologyLoadResult {
        var result = TopologyLoadResult()
        var firstDeclaration: [String: SourceLocation] = [:]
        for path in paths {
            let (files, problems) = expand(path)
            result.diagnostics += problems
            for file in files {
                result.files.append(file)
                let bytes: [UInt8]
                switch read(file) {
                case .success(let contents):
                    bytes = contents
                case .failure(let diagnostic):
                    result.diagnostics.append(diagnostic)
                    continue
                }
                let parsed = parse(bytes: bytes, file: file)
                result.diagnostics += parsed.diagnostics
                for topology in parsed.topologies {
                    let name = topology.name.rawValue
                    if let first = firstDeclaration[name] {
                        result.diagnostics.append(Diagnostic(.error, at: topology.location,
                            "topology '\(name)' is already declared at \(first): give one of them another name, or remove one"))
                        continue
                    }
                    firstDeclaration[name] = topology.location
                    result.topologies.append(topology)
                }
            }
        }
        return result
    }

    /// Parses and validates the contents of one file; `file` is only used in locations.
    /// Topologies declared twice in the file are reported at the second.
    public static func parse(bytes: [UInt8], file: String) -> TopologyLoadResult {
        var result = TopologyLoadResult()
        result.files = [file]
        let source = SourceText(file: file, bytes: bytes)
        let root: Node
        switch YAMLDocument.compose(source) {
        case .success(let node):
            root = node
        case .failure(let diagnostic):
            result.diagnostics = [diagnostic]
            return result
        }
        var reader = YAMLReader(source)
        let drafts = TopologySchema.read(root, with: &reader)
        if reader.isExhausted {
            // What was read before the budget ran out is partial; checking it would only
            // add noise to the one error that matters.
            result.diagnostics = reader.diagnostics
            return result
        }
        var validator = TopologyValidator()
        var seen: [String: SourceLocation] = [:]
        for draft in drafts {
            if let name = draft.name, let first = seen[name.value] {
                reader.error(name.location,
                    "topology '\(name.value)' is already declared at \(TopologyValidator.position(first, from: name.location)): give one of them another name, or remove one")
                continue
            }
            if let name = draft.name {
                seen[name.value] = name.location
            }
            if let topology = validator.validate(draft) {
                result.topologies.append(topology)
            }
        }
        let all = (reader.diagnostics + validator.diagnostics).sorted {
            ($0.line, $0.column, $0.severity) < ($1.line, $1.column, $1.severity)
        }
        result.diagnostics = Array(all.prefix(maximumDiagnosticsPerFile))
        if all.count > maximumDiagnosticsPerFile, let last = result.diagnostics.last {
            let more = all.count - maximumDiagnosticsPerFile
            let severity: Diagnostic.Severity = all.dropFirst(maximumDiagnosticsPerFile).contains { $0.severity == .error } ? .error : .warning
            result.diagnostics.append(Diagnostic(severity, at: last.location,
                "\(more) more problems in this file are not shown: fix the ones above first"))
        }
        return result
    }

    /// The files a path stands for, or why it stands for none.
    private static func expand(_ path: String) -> (files: [String], problems: [Diagnostic]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return ([], [Diagnostic(.error, at: SourceLocation(file: path, line: 1, column: 1),
                "no such file or directory: check the path")])
        }
        guard isDirectory.boolValue else { return ([path], []) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            return ([], [Diagnostic(.error, at: SourceLocation(file: path, line: 1, column: 1),
                "cannot list the directory: \(error.localizedDescription)")])
        }
        let directory = path.hasSuffix("/") ? path : path + "/"
        let files = names.filter { name in
            !name.hasPrefix(".") && (name.hasSuffix(".yaml") || name.hasSuffix(".yml"))
        }.sorted().map { directory + $0 }.filter { file in
            var isSubdirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: file, isDirectory: &isSubdirectory) && !isSubdirectory.boolValue
        }
        if files.isEmpty {
            return ([], [Diagnostic(.warning, at: SourceLocation(file: path, line: 1, column: 1),
                "directory holds no *.yaml or *.yml files, so it declares no topology")])
        }
        return (files, [])
    }

    /// The bytes of `file`, reading at most one byte past the size limit (so the limit is
    /// enforced without reading a huge file, and works for pipes and devices).
    private static func read(_ file: String) -> Result<[UInt8], Diagnostic> {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            return .failure(Diagnostic(.error, at: SourceLocation(file: file, line: 1, column: 1),
                "cannot open the file: check that it exists and is readable"))
        }
        defer { try? handle.close() }
        do {
            var bytes: [UInt8] = []
            while bytes.count <= maximumSize, let chunk = try handle.read(upToCount: maximumSize + 1 - bytes.count),
                !chunk.isEmpty
            {
                bytes += chunk
            }
            return .success(bytes)
        } catch {
            return .failure(Diagnostic(.error, at: SourceLocation(file: file, line: 1, column: 1),
                "cannot read the file: \(error.localizedDescription)"))
        }
    }
}
