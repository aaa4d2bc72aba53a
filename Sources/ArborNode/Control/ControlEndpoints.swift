import ArborControl
import ArborCore
import NIOCore
import NIOHTTP1

/// What each route of the control API (``ControlRoute``, the one table of paths) answers
/// with (docs/control-api.md). Runs on the node's event loop.
struct ControlEndpoints {
    let runtime: NodeRuntime

    /// Answers one request, now or (long polls of `/v1/events`) later: POST for
    /// `/v1/reload`, which changes the node, GET for every other path.
    func respond(to head: HTTPRequestHead, answer: @escaping (HTTPAnswer) -> Void) {
        do {
            let request = try ControlRequest(target: head.uri)
            let changes = ControlRoute.match(request.path)?.route.changesTheNode ?? false
            guard head.method == (changes ? .POST : .GET) else {
                var refusal = HTTPAnswer.error(.methodNotAllowed, "/\(request.path.joined(separator: "/")) answers \(changes ? "POST" : "GET") only")
                refusal.extraHeaders = [("Allow", changes ? "POST" : "GET")]
                answer(refusal)
                return
            }
            try route(request, answer: answer)
        } catch {
            answer(error.answer)
        }
    }

    private func route(_ request: ControlRequest, answer: @escaping (HTTPAnswer) -> Void) throws(ControlError) {
        guard let (route, topology) = ControlRoute.match(request.path) else {
            let known = ControlAPI.endpoints.joined(separator: ", ")
            throw ControlError(.notFound, "no such endpoint: /\(request.path.joined(separator: "/")); the endpoints are \(known)")
        }
        try request.allowParameters(route.parameters)
        let view = ControlView(runtime)
        switch route {
        case .status:
            answer(.json(view.status()))
        case .peers:
            answer(.json(view.peers()))
        case .topologies:
            answer(.json(view.topologies()))
        case .routes:
            answer(.json(view.routerView.routes()))
        case .route:
            answer(.json(view.routerView.route(try view.knownTopology(topology ?? ""))))
        case .tree:
            answer(.json(view.routerView.tree(try view.knownTopology(topology ?? ""))))
        case .trace:
            let name = try view.knownTopology(topology ?? "")
            answer(.json(view.routerView.trace(name, topic: try topic(of: request))))
        case .events:
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
        case .stats:
            answer(.json(view.stats()))
        case .reload:
            answer(.json(runtime.reloadTopologies()))
        }
    }

    /// The topic of a trace: `topic` (text) or `topic_hex`, exactly one of them.
    private func topic(of request: ControlRequest) throws(ControlError) -> Topic {
        switch (request.query["topic"], request.query["topic_hex"]) {
        case (let text?, nil):
            return Topic(text)
        case (nil, let hex?):
            guard let bytes = Hex.bytes(String(decoding: hex, as: UTF8.self)) else {
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
