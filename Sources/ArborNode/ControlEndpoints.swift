import ArborControl
import ArborCore
import NIOCore
import NIOHTTP1

/// The control API's routing table: which path answers with which document
/// (docs/control-api.md). Runs on the node's event loop.
struct ControlEndpoints {
    let runtime: NodeRuntime

    /// Answers one request, now or (long polls of `/v1/events`) later: POST for
    /// `/v1/reload`, which changes the node, GET for every other path.
    func respond(to head: HTTPRequestHead, answer: @escaping (HTTPAnswer) -> Void) {
        do {
            let request = try ControlRequest(target: head.uri)
            let changes = request.path == ControlAPI.reloadPath
            guard head.method == (changes ? .POST : .GET) else {
                var refusal = HTTPAnswer.error(.methodNotAllowed, "/\(request.path.joined(separator: "/")) answers \(changes ? "POST" : "GET") only")
                refusal.extraHeaders = [("Allow", changes ? "POST" : "GET")]
                answer(refusal)
                return
            }
            if changes {
                try request.allowParameters([])
                answer(.json(runtime.reloadTopologies()))
                return
            }
            try route(request, answer: answer)
        } catch {
            answer(error.answer)
        }
    }

    private func route(_ request: ControlRequest, answer: @escaping (HTTPAnswer) -> Void) throws(ControlError) {
        let view = ControlView(runtime)
        switch request.path {
        case ["v1", "status"]:
            try request.allowParameters([])
            answer(.json(view.status()))
        case ["v1", "peers"]:
            try request.allowParameters([])
            answer(.json(view.peers()))
        case ["v1", "topologies"]:
            try request.allowParameters([])
            answer(.json(view.topologies()))
        case ["v1", "routes"]:
            try request.allowParameters([])
            answer(.json(view.routes()))
        case let path where path.count == 3 && path[0] == "v1" && path[1] == "routes":
            try request.allowParameters([])
            answer(.json(view.route(try view.knownTopology(path[2]))))
        case let path where path.count == 3 && path[0] == "v1" && path[1] == "tree":
            try request.allowParameters([])
            answer(.json(view.tree(try view.knownTopology(path[2]))))
        case let path where path.count == 3 && path[0] == "v1" && path[1] == "trace":
            try request.allowParameters(["topic", "topic_hex"])
            let name = try view.knownTopology(path[2])
            answer(.json(view.trace(name, topic: try topic(of: request))))
        case ["v1", "events"]:
            try request.allowParameters(["after", "wait"])
            let after = try request.unsigned("after") ?? 0
            guard let wait = try request.unsigned("wait"), wait > 0 else {
                answer(.json(view.events(after: after)))
                return
            }
            let seconds = Int64(min(wait, UInt64(ControlAPI.maximumWait)))
            let runtime = self.runtime
            runtime.followEvents(after: after, wait: .seconds(seconds)) {
                answer(.json(ControlView(runtime).events(after: after)))
            }
        case ["v1", "stats"]:
            try request.allowParameters([])
            answer(.json(view.stats()))
        default:
            let known = ControlAPI.endpoints.joined(separator: ", ")
            throw ControlError(.notFound, "no such endpoint: /\(request.path.joined(separator: "/")); the endpoints are \(known)")
        }
    }

    /// The topic of a trace: `topic` (text) or `topic_hex`, exactly one of them.
    private func topic(of request: ControlRequest) throws(ControlError) -> Topic {
        switch (request.query["topic"], request.query["topic_hex"]) {
        case (let text?, nil):
            return Topic(text)
        case (nil, let hex?):
            guard let bytes = TopicJSON.parseHex(String(decoding: hex, as: UTF8.self)) else {
                throw ControlError(.badRequest, "topic_hex must be an even number of hexadecimal digits")
            }
            return Topic(bytes)
        case (nil, nil):
            throw ControlError(.badRequest, "a trace needs the topic: ?topic=TEXT or ?topic_hex=HEX")
        case (_?, _?):
            throw ControlError(.badRequest, "give the topic once: topic or topic_hex, not both")
        }
    }
}
