import ArborWire
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The client's only channel handler: decodes the node's frames with ArborWire's
/// ``FrameStream`` of ``ClientFrameDecoder``, hands each read burst to the ``ClientCore`` in one batch, holds
/// reads back while the events consumer is behind, and reports writability and the end.
///
/// Outbound bytes pass through untouched: ``ClientCore`` encodes requests itself, in
/// batches, and writes them as `ByteBuffer`s.
final class ApplicationSideClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let core: ClientCore
    private var responses: FrameStream<ClientFrameDecoder.Responses>
    private var events: [ArborEvent] = []
    private var payloadBytes = 0
    private var answers: [ClientResponse] = []

    init(core: ClientCore) {
        self.core = core
        self.responses = FrameStream(ClientFrameDecoder.Responses(maximumFrameLength: core.configuration.maximumFrameLength))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard var bytes = responses.take(appending: unwrapInboundIn(data)) else { return }
        // Locals, not properties, in the loop: no exclusivity checks per frame.
        var events = self.events
        self.events = []
        var payloadBytes = self.payloadBytes
        var failure: WireError?
        do {
            while let response = try responses.next(from: &bytes) {
                Self.sort(response, events: &events, payloadBytes: &payloadBytes, answers: &answers)
            }
        } catch {
            failure = error
        }
        self.events = events
        self.payloadBytes = payloadBytes
        if let failure {
            // What came before the bad frame is delivered; the connection ends.
            responses.stop()
            deliver()
            core.noteCloseReason(.protocolViolation(failure.description))
            context.close(promise: nil)
        } else {
            _ = responses.keep(bytes)
        }
    }

    @inline(__always)
    private static func sort(
        _ response: consuming ClientResponse,
        events: inout [ArborEvent],
        payloadBytes: inout Int,
        answers: inout [ClientResponse]
    ) {
        switch consume response {
        case .message(let message):
            payloadBytes &+= message.payload.count
            events.append(.message(message))
        case .gap(let gap):
            events.append(.gap(gap))
        case let answer:
            answers.append(answer)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        deliver()
        context.fireChannelReadComplete()
    }

    private func deliver() {
        guard !events.isEmpty || !answers.isEmpty else { return }
        core.receive(events: &events, payloadBytes: payloadBytes, answers: &answers)
        payloadBytes = 0
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        core.writabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        // Resumed by the consumer (`channel.read()`) once it took the buffered events.
        if core.readPaused { return }
        context.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        core.noteCloseReason(.connectionClosed(reason: Self.describe(error)))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deliver()
        if responses.finish() != nil {
            core.noteCloseReason(.connectionClosed(reason: "the stream ended inside a frame"))
        }
        core.connectionEnded()
        context.fireChannelInactive()
    }

    /// A short reason for an I/O error: `connection reset`, not NIO's full rendering.
    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNRESET: return "connection reset"
            case EPIPE: return "broken pipe"
            default: return String(cString: strerror(error.errnoCode))
            }
        }
        return "\(error)"
    }
}
