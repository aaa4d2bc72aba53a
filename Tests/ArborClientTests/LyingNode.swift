import ArborCore
import ArborTestSupport
import ArborWire
import NIOCore

/// How the test node lies when it is made with `lying` (``TestNode``), for libarbor's
/// robustness test (clib/tests/robustness.c): the client names the scenario in its HELLO,
/// and the node answers as the scenario says, with frames of ArborWire's encoder, cut or
/// changed where the lie is in the bytes. What goes first (after HELLO), then the answer
/// to each further request; `nil` in the answers: close there; `nil` for the answers:
/// close after the first. Past the last answer the node reads until the client leaves.
struct LyingScenario {
    let first: [UInt8]
    let answers: [[UInt8]?]?

    init(_ name: String, helloID: UInt32) {
        let welcome = Self.encode(.welcome(id: helloID, version: 1, node: TestNode.nodeID, nodeName: "liar", maximumMessageSize: 1 << 20))
        // The client's second request (its SUBSCRIBE) has id 2.
        let ok = Self.encode(.ok(id: 2))
        switch name {
        case "zero-length":
            (first, answers) = ([0, 0, 0, 0], [])
        case "huge-length":
            (first, answers) = ([0xff, 0xff, 0xff, 0xff, ClientFrameType.welcome.rawValue], [])
        case "welcome-overrun":
            // The node name's length says 200; 5 bytes follow.
            var frame = Self.encode(.welcome(id: helloID, version: 1, node: TestNode.nodeID, nodeName: "short", maximumMessageSize: 1 << 20))
            frame[frame.count - 6] = 200
            (first, answers) = (frame, [])
        case "close-mid-frame":
            (first, answers) = (Array(welcome.prefix(20)), nil)
        case "limit-at-connect":
            (first, answers) = (Self.encode(.error(id: 0, code: ClientErrorCode(rawValue: 11), text: "at most 1 client connections (arbord --max-clients)")), nil)
        case "refuse":
            (first, answers) = (welcome, [Self.encode(.error(id: 2, code: .notPermitted, text: "not permitted in t"))])
        case "events-during-answer":
            (first, answers) = (welcome, [Self.message(sequence: 1) + Self.gap + Self.message(sequence: 4) + ok])
        case "payload-overrun":
            // The payload's length says 0xFFFFFFF0; 3 bytes follow.
            var frame = Self.message(sequence: 1, payload: Array("xyz".utf8))
            frame.replaceSubrange(frame.count - 7 ..< frame.count - 3, with: [0xff, 0xff, 0xff, 0xf0])
            (first, answers) = (welcome, [ok + frame])
        case "topic-overrun":
            // A topic of 2,000 bytes, over the protocol's limit of 1,024.
            let frame = Self.message(sequence: 1, payload: [])
            let topicAt = frame.count - 4 - 3
            (first, answers) = (welcome, [ok + Self.splice(frame, at: topicAt, removing: 3, inserting: [0x07, 0xd0] + Array(repeating: UInt8(ascii: "k"), count: 2000))])
        case "empty-topology":
            let frame = Self.message(sequence: 1)
            let topologyAt = 5 + 16 + 8 + 8
            (first, answers) = (welcome, [ok + Self.splice(frame, at: topologyAt, removing: 2, inserting: [0])])
        case "trailing-bytes":
            (first, answers) = (welcome, [ok + Self.splice(Self.gap, at: Self.gap.count, removing: 0, inserting: Array("!".utf8))])
        case "slow-consumer":
            (first, answers) = (welcome, [ok + Self.encode(.error(id: 0, code: .slowConsumer, text: "read too slowly")), nil])
        case let name where name.hasPrefix("fuzz-"):
            var generator = SplitMix64(seed: UInt64(name.dropFirst(5)) ?? 0)
            let frames = (0 ..< Int.random(in: 1 ... 5, using: &generator)).flatMap { _ in Self.fuzzFrame(&generator) }
            (first, answers) = (welcome, [frames, nil])
        default:
            (first, answers) = (welcome, [])
        }
    }

    /// A frame of a random type (one of the protocol's answers, or none) with a random
    /// body: half of them with a plausible count (0, 1, or at and over the limits), a tenth
    /// with a length prefix that is not the frame's.
    static func fuzzFrame(_ generator: inout SplitMix64) -> [UInt8] {
        let type = [0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x00, 0x7f, 0xff].randomElement(using: &generator)!
        var body = (0 ..< Int.random(in: 0 ..< 80, using: &generator)).map { _ in UInt8.random(in: 0 ... 255, using: &generator) }
        if Bool.random(using: &generator) {
            let count = [0, 1, 1024, 1025, 65535].randomElement(using: &generator)!
            body = Array(body.prefix(Int.random(in: 0 ... body.count, using: &generator))) + [UInt8(count >> 8), UInt8(count & 0xff)]
        }
        let length = Int.random(in: 0 ..< 10, using: &generator) == 0
            ? [0, 1_114_113, 0xFFFF_FFFF].randomElement(using: &generator)!
            : body.count + 1
        return [UInt8(length >> 24 & 0xff), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), UInt8(type)] + body
    }

    static func encode(_ response: ClientResponse) -> [UInt8] {
        var buffer = ByteBuffer()
        try! ClientFrameEncoder().encode(response, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// A MESSAGE of topology `t`, topic `k`, from the node's stream.
    static func message(sequence: UInt64, payload: [UInt8] = Array("v".utf8)) -> [UInt8] {
        encode(.message(DeliveredMessage(topology: TopologyName("t")!, origin: TestNode.nodeID, originIncarnation: 1, sequence: sequence, topic: "k", payload: payload)))
    }

    static let gap = encode(.gap(GapNotice(topology: TopologyName("t")!, origin: TestNode.nodeID, originIncarnation: 1, first: 2, last: 3)))

    /// `frame` with `removing` bytes at `offset` replaced by `inserting`, its length prefix
    /// made to fit.
    static func splice(_ frame: [UInt8], at offset: Int, removing: Int, inserting: [UInt8]) -> [UInt8] {
        var changed = frame
        changed.replaceSubrange(offset ..< offset + removing, with: inserting)
        let length = UInt32(changed.count - 4)
        changed.replaceSubrange(0 ..< 4, with: [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)])
        return changed
    }
}

/// Answers one connection as the scenario its HELLO names says (``LyingScenario``).
final class LyingNodeHandler: ChannelInboundHandler {
    typealias InboundIn = Result<ClientRequest, MalformedClientRequest>
    typealias OutboundOut = ByteBuffer

    private var answers: [[UInt8]?]?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .success(let request) = unwrapInboundIn(data) else { return }
        if answers == nil, case .hello(let id, _, let name) = request {
            let scenario = LyingScenario(name, helloID: id)
            answers = scenario.answers ?? [nil]
            send(scenario.first, context: context)
        } else if let next = answers?.first, let answer = next {
            answers!.removeFirst()
            send(answer, context: context)
        }
    }

    /// Writes `bytes`, and closes when the next answer is a close.
    private func send(_ bytes: [UInt8], context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
        if case .some(.none) = answers?.first {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
