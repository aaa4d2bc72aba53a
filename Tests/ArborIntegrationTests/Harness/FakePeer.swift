import ArborCore
import ArborTestSupport
import ArborTrust
import ArborWire
import NIOCore

/// A peer written with ArborWire and ArborTrust, as an attacker on the LAN would write one:
/// it handshakes with any node id it likes, proves it with whatever key it has, and sends
/// whatever frames it likes. Blocking, with every read bounded by a timeout.
final class FakePeer {
    let socket: Socket
    let key: NodeKey
    /// The handshake it sent (its nonce and public key in the extensions).
    let handshake: Handshake
    private var decoder = PeerFrameDecoder()
    private var buffer = ByteBuffer()
    /// The node's handshake, once read.
    private(set) var nodeHandshake: Handshake?

    /// Connects to the node on `port` and sends a handshake claiming `id` (the key's own
    /// id unless given) with the key's public part (or `publicKey`, e.g. the victim's).
    init(
        port: Int,
        key: NodeKey = NodeKey(),
        claiming id: NodeID? = nil,
        publicKey: [UInt8]? = nil,
        name: String,
        incarnation: UInt64 = 1,
        realm: String = "default"
    ) throws {
        socket = try Socket.tcp(port: port)
        socket.setReadTimeout(.seconds(5))
        self.key = key
        var extensions = PeerProof.extensions(key: key, nonce: PeerProof.freshNonce())
        if let publicKey {
            extensions[1] = HandshakeExtension(tag: HandshakeExtension.publicKeyTag, value: publicKey)
        }
        handshake = Handshake(node: id ?? key.id, incarnation: incarnation, name: name, realm: realm, extensions: extensions)
        try send(.handshake(handshake))
    }

    func send(_ frame: PeerFrame) throws {
        var bytes = ByteBuffer()
        try PeerFrameEncoder().encode(frame, into: &bytes)
        try socket.write(Array(bytes.readableBytesView))
    }

    /// The next frame from the node; `nil` when the connection ended (or the read timed out).
    func next() throws -> PeerFrame? {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let frame = try decoder.next(from: &buffer) {
                if case .handshake(let handshake) = frame { nodeHandshake = handshake }
                return frame
            }
            guard let count = try chunk.withUnsafeMutableBytes({ try socket.read(into: $0) }) else { return nil }
            buffer.writeBytes(chunk[0..<count])
        }
    }

    /// Reads the node's handshake and answers it with a proof made with this peer's key
    /// (valid only when the key owns the id claimed); returns the node's next frame: its
    /// PROOF when it accepted the handshake, else its HANDSHAKE_REJECT (or `nil`).
    func prove() throws -> PeerFrame? {
        guard case .handshake(let node)? = try next() else {
            throw HarnessError("the node did not send its handshake first")
        }
        if let proof = PeerProof.prove(handshake, to: node, with: key) {
            try? send(.proof(proof))
        }
        return try next()
    }

    /// Opens a link as an honest peer would (its own key and id): fails unless the node's
    /// proof checks.
    func link() throws {
        guard case .proof(let proof)? = try prove(), let node = nodeHandshake else {
            throw HarnessError("the node did not prove its handshake")
        }
        guard PeerProof.check(proof, of: node, to: handshake) else {
            throw HarnessError("the node's proof does not check")
        }
    }

    /// Frames the node sends until it has sent nothing for `quiet` (or closed), bounded by
    /// `limit` frames.
    func drain(quiet: Duration = .milliseconds(300), limit: Int = 10_000) throws -> [PeerFrame] {
        socket.setReadTimeout(quiet)
        defer { socket.setReadTimeout(.seconds(5)) }
        var frames: [PeerFrame] = []
        while frames.count < limit, let frame = try next() {
            frames.append(frame)
        }
        return frames
    }

    /// A record of this peer, sealed with its key.
    func ownRecord(sequence: UInt64, links: [Link], definitions: [TopologyDefinition] = []) -> LinkStateRecord {
        var record = LinkStateRecord(
            origin: key.id,
            name: handshake.name,
            incarnation: handshake.incarnation,
            sequence: sequence,
            links: links,
            definitions: definitions
        )
        record.seal = RecordNotary(key: key).seal(record)
        return record
    }

    func close() {
        socket.close()
    }
}
