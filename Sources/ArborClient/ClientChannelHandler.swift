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
/// ``ClientFrameDecoder``, hands each read burst to the ``ClientCore`` in one batch, holds
/// reads back while the events consumer is behind, and reports writability and the end.
///
/// Outbound bytes pass through untouched: ``ClientCore`` encodes requests itself, in
/// batches, and writes them as `ByteBuffer`s.
final class ClientChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let core: ClientCore
    private let decoder: ClientFrameDecoder
    /// Bytes of a frame that has not fully arrived.
    private var cumulation: ByteBuffer?
    private var events: [ArborEvent] = []
    private var payloadBytes = 0
    private var answers: [ClientResponse] = []
    private var broken = false

    init(core: ClientCore) {
        self.core = core
        self.decoder = ClientFrameDecoder(maximumFrameLength: core.configuration.maximumFrameLength)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !broken else { return }
        var buffer = unwrapInboundIn(data)
        if var earlier = cumulation {
            cumulation = nil
            earlier.writeBuffer(&buffer)
            buffer = earlier
        }
        do {
            while let response = try decoder.nextResponse(from: &buffer) {
                switch response {
                case .message(let message):
                    payloadBytes &+= message.payload.count
                    events.append(.message(message))
                case .gap(let gap):
                    events.append(.gap(gap))
                case .welcome, .ok, .error, .pong:
                    answers.append(response)
                }
            }
        } catch {
            broken = true
            deliver()
            core.noteCloseReason(.protocolViolation(error.description))
            context.close(promise: nil)
            return
        }
        if buffer.readableBytes > 0 {
            cumulation = buffer
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
        if let cumulation, cumulation.readableBytes > 0, !broken {
            core.noteCloseReason(.connectionClosed(reason: "the stream ended inside a frame"))
        }
        cumulation = nil
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
