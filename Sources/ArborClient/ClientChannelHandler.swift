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
        // Locals, not properties, in the loop: no exclusivity checks per frame.
        var events = self.events
        self.events = []
        var payloadBytes = self.payloadBytes
        var failure: WireError?
        do {
            if var earlier = cumulation {
                // Complete the frame the last read began with just the bytes it lacks,
                // rather than copying this whole read behind it.
                cumulation = nil
                while true {
                    // First the 4 bytes of the length, then the rest of the frame.
                    let length = earlier.getInteger(at: earlier.readerIndex, as: UInt32.self).map { 4 + Int($0) } ?? 4
                    let missing = Swift.min(Swift.max(length - earlier.readableBytes, 0), buffer.readableBytes)
                    // An oversized length is left for the decoder to refuse.
                    guard missing > 0, length <= 4 + decoder.maximumFrameLength,
                        let piece = buffer.readSlice(length: missing)
                    else { break }
                    earlier.writeImmutableBuffer(piece)
                }
                if let response = try decoder.nextResponse(from: &earlier) {
                    Self.sort(response, events: &events, payloadBytes: &payloadBytes, answers: &answers)
                } else {
                    cumulation = earlier
                }
            }
            if cumulation == nil {
                while let response = try decoder.nextResponse(from: &buffer) {
                    Self.sort(response, events: &events, payloadBytes: &payloadBytes, answers: &answers)
                }
            }
        } catch {
            failure = error
        }
        self.events = events
        self.payloadBytes = payloadBytes
        if let failure {
            // What came before the bad frame is delivered; the connection ends.
            broken = true
            deliver()
            core.noteCloseReason(.protocolViolation(failure.description))
            context.close(promise: nil)
        } else if cumulation == nil, buffer.readableBytes > 0 {
            cumulation = buffer
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
