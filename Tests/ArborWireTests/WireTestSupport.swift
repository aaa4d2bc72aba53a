import ArborCore
import ArborWire
import NIOCore

/// Encodes one peer frame into a fresh buffer.
func encoded(_ frame: PeerFrame, limit: Int = WireLimits.defaultMaximumFrameLength) throws -> ByteBuffer {
    var buffer = ByteBuffer()
    try PeerFrameEncoder(maximumFrameLength: limit).encode(frame, into: &buffer)
    return buffer
}

func encoded(_ request: ClientRequest) throws -> ByteBuffer {
    var buffer = ByteBuffer()
    try ClientFrameEncoder().encode(request, into: &buffer)
    return buffer
}

func encoded(_ response: ClientResponse) throws -> ByteBuffer {
    var buffer = ByteBuffer()
    try ClientFrameEncoder().encode(response, into: &buffer)
    return buffer
}

/// A decoder in the phase where `frame` may arrive first.
func decoder(for frame: PeerFrame, limit: Int = WireLimits.defaultMaximumFrameLength) -> PeerFrameDecoder {
    switch frame {
    case .handshake, .handshakeReject:
        return PeerFrameDecoder(maximumFrameLength: limit, phase: .awaitingHandshake)
    case .message, .proof:
        return PeerFrameDecoder(maximumFrameLength: limit, phase: .established)
    }
}

extension ByteBuffer {
    /// `bytes` as a buffer.
    init(bytes: [UInt8]) {
        self.init()
        writeBytes(bytes)
    }

    /// The readable bytes as an array.
    var bytes: [UInt8] { Array(readableBytesView) }

    /// The first `count` bytes of a frame with its length field rewritten to match, so the
    /// frame is complete but its body cut short.
    func frame(truncatedTo count: Int) -> ByteBuffer {
        var cut = ByteBuffer(bytes: Array(readableBytesView.prefix(count)))
        cut.setInteger(UInt32(count - 4), at: cut.readerIndex)
        return cut
    }
}

/// Hexadecimal text (spaces and newlines ignored) as bytes.
func hexBytes(_ text: String) -> [UInt8] {
    let digits = text.filter { $0.isHexDigit }.map { UInt8(String($0), radix: 16)! }
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}
