import ArborTrust
import ArborWire
import NIOCore

/// The realm layer of a peer link, when the node has a realm secret (`--secret-file`):
/// between the byte counter and ``PeerChannelHandler``, it sends this side's HELLO, reads
/// the peer's, and from then on seals what the link writes and opens what it reads
/// (``RealmHandshake``, ``RealmSealer``, ``RealmOpener``). The peer link above it sees
/// plaintext peer frames only once the peer's HELLO arrived, and its first frames
/// (the HANDSHAKE) wait here, unsent, until then.
///
/// When the session is set up it sends ``RealmLinkEstablished`` up the pipeline, before
/// any plaintext: the link's PROOFs sign its channel binding. Anything that fails (a peer
/// without the secret, another secret, a record altered, replayed, reordered, cut or too
/// long) goes up as a ``RealmError``, and nothing more is read or written: the link
/// closes it with the reason logged. A peer that opens with a plaintext HANDSHAKE (no
/// secret) is told so with a HANDSHAKE_REJECT (*authentication failed*), in plaintext.
final class RealmChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        /// HELLO sent; what the link writes waits for the peer's.
        case greeting(RealmHandshake, waiting: [(ByteBuffer, EventLoopPromise<Void>?)], flushed: Bool)
        case established(RealmSession)
        case failed
    }

    private var state: State
    private var received = ByteBuffer()
    private let recordLimit: UInt64

    init(key: RealmKey, recordLimit: UInt64 = RealmSession.defaultRecordLimit) {
        state = .greeting(RealmHandshake(key: key), waiting: [], flushed: false)
        self.recordLimit = recordLimit
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .greeting(let handshake, _, _) = state {
            var hello = context.channel.allocator.buffer(capacity: RealmHandshake.helloLength)
            handshake.writeHello(into: &hello)
            context.writeAndFlush(wrapOutboundOut(hello), promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .failed = state { return }
        var bytes = unwrapInboundIn(data)
        if received.readableBytes == 0 {
            received = bytes
        } else {
            received.writeBuffer(&bytes)
        }
        do throws(RealmError) {
            if case .greeting(let handshake, let waiting, let flushed) = state {
                guard let opening = try RealmHandshake.readHello(from: &received) else { return }
                switch opening {
                case .plaintextFrame(let type):
                    refusePlaintext(type: type, context: context)
                    return
                case .hello(let share):
                    var session = try handshake.session(peerShare: share, recordLimit: recordLimit)
                    let binding = session.binding
                    // What the link wrote meanwhile leaves first, sealed in order.
                    var sealed = context.channel.allocator.buffer(capacity: 0)
                    for (buffer, _) in waiting {
                        try session.sealer.seal(buffer, into: &sealed)
                    }
                    state = .established(session)
                    context.fireUserInboundEventTriggered(RealmLinkEstablished(binding: binding))
                    let promises = waiting.compactMap(\.1)
                    if sealed.readableBytes > 0 || !promises.isEmpty {
                        let written = context.write(wrapOutboundOut(sealed))
                        for promise in promises { written.cascade(to: promise) }
                    }
                    if flushed { context.flush() }
                }
            }
            try openRecords(context: context)
        } catch {
            fail(error, context: context)
        }
    }

    /// Passes on the plaintext of every complete record received.
    private func openRecords(context: ChannelHandlerContext) throws(RealmError) {
        while case .established(var session) = state {
            // The session leaves the state while it is used, so that it is not copied; a
            // throw leaves the state failed.
            state = .failed
            let plaintext = try session.opener.open(from: &received)
            state = .established(session)
            guard let plaintext else { break }
            context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: plaintext)))
        }
        received.discardReadBytes()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .failed = state {} else if received.readableBytes > 0 {
            // Reported, not counted as a failure: a peer killed while writing leaves this.
            context.fireErrorCaught(RealmError.truncated(received.readableBytes))
        }
        state = .failed
        context.fireChannelInactive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let plaintext = unwrapOutboundIn(data)
        switch state {
        case .greeting(let handshake, var waiting, let flushed):
            waiting.append((plaintext, promise))
            state = .greeting(handshake, waiting: waiting, flushed: flushed)
        case .established(var session):
            state = .failed
            var sealed = context.channel.allocator.buffer(capacity: plaintext.readableBytes + 20)
            do throws(RealmError) {
                try session.sealer.seal(plaintext, into: &sealed)
            } catch {
                promise?.fail(error)
                fail(error, context: context)
                return
            }
            state = .established(session)
            context.write(wrapOutboundOut(sealed), promise: promise)
        case .failed:
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    func flush(context: ChannelHandlerContext) {
        switch state {
        case .greeting(let handshake, let waiting, _):
            state = .greeting(handshake, waiting: waiting, flushed: true)
        case .established:
            context.flush()
        case .failed:
            break
        }
    }

    /// A peer that opened with a plaintext HANDSHAKE or HANDSHAKE_REJECT has no secret; a
    /// HANDSHAKE is answered with a plaintext HANDSHAKE_REJECT before closing. Any other
    /// frame only closes.
    private func refusePlaintext(type: UInt8, context: ChannelHandlerContext) {
        let error: RealmError
        switch type {
        case PeerFrameType.handshake.rawValue, PeerFrameType.handshakeReject.rawValue:
            error = .peerWithoutSecret
        default:
            error = .malformedHello("a plaintext frame of type \(type) instead of a realm HELLO")
        }
        if case .greeting(_, let waiting, _) = state {
            for case let (_, promise?) in waiting { promise.fail(error) }
        }
        state = .failed
        if type == PeerFrameType.handshake.rawValue {
            let reject = HandshakeReject(reason: .authenticationFailed, text: "this node's realm has a secret (--secret-file) and the link is encrypted")
            var buffer = context.channel.allocator.buffer(capacity: 128)
            if (try? PeerFrameEncoder().encode(.handshakeReject(reject), into: &buffer)) != nil {
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            }
        }
        context.fireErrorCaught(error)
    }

    private func fail(_ error: RealmError, context: ChannelHandlerContext) {
        if case .greeting(_, let waiting, _) = state {
            for case let (_, promise?) in waiting { promise.fail(error) }
        }
        state = .failed
        received.clear()
        context.fireErrorCaught(error)
    }
}

/// Sent up a peer link's pipeline by ``RealmChannelHandler`` once the realm session is set
/// up, before any plaintext: the channel binding the link's PROOFs sign.
struct RealmLinkEstablished {
    let binding: [UInt8]
}
