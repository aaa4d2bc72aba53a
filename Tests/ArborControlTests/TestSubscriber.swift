import ArborCore
import ArborWire
import NIOCore

/// An application attached to a node over its client socket, speaking the client
/// protocol with ArborWire's codecs: HELLO, then subscriptions, each confirmed by an OK.
/// The subscriptions last as long as the value.
final class TestSubscriber {
    private let stream: UnixStream
    private var buffer = ByteBuffer()
    private var nextID: UInt32 = 1

    init(socketPath: String) throws {
        stream = try UnixStream(path: socketPath)
        let welcome = try request(.hello(id: nextRequestID(), versions: ClientProtocol.versions, clientName: "control-tests"))
        guard case .welcome = welcome else { throw OverlayError("expected WELCOME, got \(welcome)") }
    }

    func subscribe(_ topology: String, _ prefix: String) throws {
        let answer = try request(.subscribe(id: nextRequestID(), topology: TopologyName(topology)!, prefix: Topic(prefix)))
        guard case .ok = answer else { throw OverlayError("expected OK to SUBSCRIBE, got \(answer)") }
    }

    private func nextRequestID() -> UInt32 {
        defer { nextID += 1 }
        return nextID
    }

    /// Sends `request` and returns the first response that is not a delivered message.
    private func request(_ request: ClientRequest) throws -> ClientResponse {
        var out = ByteBuffer()
        try ClientFrameEncoder().encode(request, into: &out)
        guard stream.write(Array(out.readableBytesView)) else { throw OverlayError("the node closed the client socket") }
        while true {
            if let response = try ClientFrameDecoder().nextResponse(from: &buffer) {
                if case .message = response { continue }
                return response
            }
            let chunk = stream.read()
            guard !chunk.isEmpty else { throw OverlayError("no answer to \(request.type) from the node") }
            buffer.writeBytes(chunk)
        }
    }
}
