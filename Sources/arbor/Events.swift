import ArborControl
import ArgumentParser
import Foundation

/// `arbor events [--follow]`: the node's recent events: peers up and down, reroutes.
struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show recent events (peers up/down, reroutes with before and after); --follow waits for more.",
        discussion: """
            GET /v1/events?after=SEQ. With --follow, after printing what the node keeps, \
            waits for new events with long polls (GET /v1/events?after=SEQ&wait=25) until \
            interrupted. With --json each answer's body is printed unchanged, one document \
            per answer that holds events.
            """
    )

    @Flag(help: "Keep waiting for new events.")
    var follow = false

    @Option(help: ArgumentHelp("Only events after this sequence number.", valueName: "seq"))
    var after: UInt64 = 0

    @OptionGroup var node: NodeOptions

    /// Seconds each long poll may wait for an event.
    static let pollSeconds = 25

    func run() throws {
        var cursor = after
        var wait: Int? = nil
        var first = true
        while true {
            let response = try node.fetch(ControlPath.events(after: cursor, wait: wait), timeout: .seconds(Self.pollSeconds + 10))
            let document = try node.decode(EventsDocument.self, from: response)
            if node.json {
                if first || !document.events.isEmpty {
                    writeOut(response.body)
                }
            } else {
                if document.missed > 0 {
                    print("(\(document.missed) older events are no longer kept)")
                }
                if first && document.events.isEmpty && !follow {
                    print("no events")
                }
                for event in document.events {
                    print(Self.line(event))
                }
            }
            fflush(nil)  // every output stream: a follower piped to a file sees each event at once
            guard follow else { return }
            first = false
            cursor = max(cursor, document.next)
            wait = Self.pollSeconds
        }
    }

    /// One event on one line: sequence, time, what happened.
    static func line(_ event: EventDocument) -> String {
        let head = "\(event.seq)  \(event.time)  "
        let peer = event.peer ?? "?"
        switch event.type {
        case "peer_up":
            return head + "peer up      \(peer)"
        case "peer_down":
            return head + "peer down    \(peer): \(event.reason ?? "")"
        case "route_changed":
            return head + "reroute      \(event.topology ?? "?"): \(place(event.before)) -> \(place(event.after))"
        case "record_expired":
            return head + "forgotten    \(peer): unreachable for the grace period"
        default:
            let subject = event.topology ?? peer
            return head + "\(event.type.replacingOccurrences(of: "_", with: " "))  \(subject): \(event.reason ?? "")"
        }
    }

    private static func place(_ route: RouteStateDocument?) -> String {
        guard let route else { return "(no place)" }
        let parent = route.parent.map { "parent \($0)" } ?? "root here"
        let children = route.treeNeighbors.filter { $0 != route.parent }
        let list = { (names: [String]) in names.isEmpty ? "none" : names.joined(separator: ",") }
        return "[root \(route.root), \(parent), children \(list(children)), engaged \(list(route.engaged))]"
    }
}
