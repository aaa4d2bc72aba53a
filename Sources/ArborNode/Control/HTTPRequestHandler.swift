import ArborControl
import NIOCore
import NIOHTTP1

/// Serves GET requests of a small HTTP/1.1 server: collects each request (head and body),
/// refuses what is too large, malformed or neither GET nor POST with a JSON error, and hands the rest
/// to `respond`, which answers once, now or later (long polls), on the event loop.
///
/// Errors never escape the connection: a malformed or oversized request closes only it.
/// A request (head and body) must arrive within `timeout` of the connection or of the
/// previous answer, or the connection is closed (with 408 once the head has arrived):
/// slow or idle connections cannot pile up. The wait for an answer (a long poll) is not limited by it.
/// Runs after NIO's HTTP server pipeline (decoder, encoder, pipelining assistance without
/// its error handler: this handler answers parser errors itself, in JSON).
final class HTTPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    typealias Responder = (HTTPRequestHead, @escaping (HTTPAnswer) -> Void) -> Void

    private enum State {
        case idle
        case reading(HTTPRequestHead, size: Int)
        /// An answer is pending; nothing more is read until it is written.
        case answering
        /// The request was refused and the connection is closing.
        case closing
    }

    private let limit: Int
    private let timeout: TimeAmount
    private let respond: Responder
    private var state = State.idle
    private var deadline: Scheduled<Void>?

    /// `limit`: largest request (request line, headers and body) in bytes; larger gets 413.
    init(limit: Int, timeout: TimeAmount, respond: @escaping Responder) {
        self.limit = limit
        self.timeout = timeout
        self.respond = respond
    }

    func handlerAdded(context: ChannelHandlerContext) {
        armDeadline(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
        deadline = nil
    }

    private func armDeadline(_ context: ChannelHandlerContext) {
        deadline?.cancel()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        deadline = context.eventLoop.scheduleTask(in: timeout) {
            let (handler, context) = bound.value
            handler.deadline = nil
            switch handler.state {
            case .idle:
                // No request head yet (NIO answers only requests it has seen): just close.
                handler.state = .closing
                context.close(promise: nil)
            case .reading:
                handler.refuse(context, .requestTimeout, "no complete request within \(handler.timeout.nanoseconds / 1_000_000) ms")
            case .answering, .closing:
                break
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            let size = Self.size(of: head)
            guard size <= limit else {
                refuse(context, .payloadTooLarge, "request head of \(size) bytes is over the limit of \(limit) bytes")
                return
            }
            state = .reading(head, size: size)
        case (.body(let buffer), .reading(let head, let size)):
            let total = size + buffer.readableBytes
            guard total <= limit else {
                refuse(context, .payloadTooLarge, "request of over \(limit) bytes")
                return
            }
            state = .reading(head, size: total)
        case (.end, .reading(let head, _)):
            state = .answering
            deadline?.cancel()
            deadline = nil
            guard head.method == .GET || head.method == .POST else {
                var answer = HTTPAnswer.error(.methodNotAllowed, "method \(head.method) is not allowed: the API answers GET (and POST /v1/reload)")
                answer.extraHeaders = [("Allow", "GET, POST")]
                write(answer, keepAlive: head.isKeepAlive, on: context.channel)
                if case .idle = state {
                    armDeadline(context)
                }
                return
            }
            respond(head) { [self] answer in
                write(answer, keepAlive: head.isKeepAlive, on: context.channel)
                if case .idle = state, context.channel.isActive {
                    armDeadline(context)
                }
            }
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let parserError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        // The decoder closes the connection right after this returns: answer now.
        if case .closing = state { return }
        if parserError == .headerOverflow {
            refuse(context, .payloadTooLarge, "request headers over the limit of \(limit) bytes")
        } else {
            refuse(context, .badRequest, "malformed HTTP request: \(parserError)")
        }
    }

    private func refuse(_ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ message: String) {
        state = .closing
        write(.error(status, message), keepAlive: false, on: context.channel)
    }

    private func write(_ answer: HTTPAnswer, keepAlive: Bool, on channel: Channel) {
        guard channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: answer.contentType)
        headers.add(name: "Content-Length", value: String(answer.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in answer.extraHeaders {
            headers.add(name: name, value: value)
        }
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(version: .http1_1, status: answer.status, headers: headers)
        var body = channel.allocator.buffer(capacity: answer.body.count)
        body.writeBytes(answer.body)
        channel.write(HTTPServerResponsePart.head(head), promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(body)), promise: nil)
        let written = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
        if keepAlive {
            if case .answering = state {
                state = .idle
            }
        } else {
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// Bytes of the request line and headers as sent (close enough: separators counted).
    private static func size(of head: HTTPRequestHead) -> Int {
        var size = head.method.rawValue.utf8.count + head.uri.utf8.count + 12
        for (name, value) in head.headers {
            size += name.utf8.count + value.utf8.count + 4
        }
        return size
    }
}
