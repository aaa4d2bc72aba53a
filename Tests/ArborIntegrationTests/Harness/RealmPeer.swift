import ArborCore
import ArborTestSupport
import ArborTrust
import ArborWire
import Foundation
import NIOCore

/// A peer that speaks the realm layer (docs/peer-protocol.md, "Realm links") with whatever
/// realm key it is given, as an outsider that guessed a secret would: it exchanges HELLOs,
/// then sends its peer HANDSHAKE sealed with the session it derived. Blocking, every read
/// bounded by a timeout.
final class RealmPeer {
    let socket: Socket
    let session: RealmSession
    /// The node's bytes after its HELLO, as read so far.
    private var received = ByteBuffer()

    init(port: Int, key: RealmKey, name: String) throws {
        let socket = try Socket.tcp(port: port)
        socket.setReadTimeout(.seconds(5))
        var received = ByteBuffer()
        let handshake = RealmHandshake(key: key)
        var hello = ByteBuffer()
        handshake.writeHello(into: &hello)
        try socket.write(Array(hello.readableBytesView))
        var chunk = [UInt8](repeating: 0, count: 4096)
        var share: [UInt8]?
        while share == nil {
            guard let count = try chunk.withUnsafeMutableBytes({ try socket.read(into: $0) }) else {
                throw HarnessError("the node closed before its realm HELLO")
            }
            received.writeBytes(chunk[0..<count])
            switch try RealmHandshake.readHello(from: &received) {
            case .hello(let value)?: share = value
            case .plaintextFrame(let type)?: throw HarnessError("the node sent a plaintext frame of type \(type), not a realm HELLO")
            case nil: continue
            }
        }
        var session = try handshake.session(peerShare: share!)
        let key = NodeKey()
        let own = Handshake(node: key.id, incarnation: 1, name: name, realm: "default", extensions: PeerProof.extensions(key: key, nonce: PeerProof.freshNonce()))
        var frame = ByteBuffer()
        try PeerFrameEncoder().encode(.handshake(own), into: &frame)
        var sealed = ByteBuffer()
        try session.sealer.seal(frame, into: &sealed)
        try socket.write(Array(sealed.readableBytesView))
        self.socket = socket
        self.session = session
        self.received = received
    }

    /// Everything the node sends after its HELLO until it closes the connection (or 5 s
    /// pass), bounded.
    func readRest() -> ByteBuffer {
        var rest = received
        rest.writeBytes(socket.readToEnd(limit: 1 << 20))
        return rest
    }

    func close() {
        socket.close()
    }
}
