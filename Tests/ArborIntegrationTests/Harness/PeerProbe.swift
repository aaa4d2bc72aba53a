import ArborCore
import ArborTestSupport
import ArborWire
import NIOCore

/// Who answers on a peer port: a node sends its HANDSHAKE as soon as a connection opens,
/// so connecting and reading one frame tells its node id and incarnation. The probe then
/// closes without sending anything (the node just sees the connection end).
func handshake(ofNodeOnPort port: Int) throws -> Handshake {
    let socket = try Socket.tcp(port: port)
    defer { socket.close() }
    socket.setReadTimeout(.seconds(5))
    var decoder = PeerFrameDecoder()
    var buffer = ByteBuffer()
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        if let frame = try decoder.next(from: &buffer) {
            guard case .handshake(let handshake) = frame else {
                throw HarnessError("port \(port) answered with a \(frame.type) frame, not a handshake")
            }
            return handshake
        }
        guard let count = try chunk.withUnsafeMutableBytes({ try socket.read(into: $0) }) else {
            throw HarnessError("port \(port) closed before its handshake")
        }
        buffer.writeBytes(chunk[0..<count])
    }
}
