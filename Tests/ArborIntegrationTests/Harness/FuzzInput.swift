import ArborCore
import ArborTestSupport
import ArborTrust
import ArborWire
import NIOCore

/// Byte strings to throw at a live node: random bytes, and valid frames of both protocols
/// with random content, mutated (bit flips, replaced, inserted and removed bytes, lengths
/// made consistent or not) and cut short.
///
/// Fake peers use realm `default`, random node ids, and names that no node of the test
/// uses; they carry no key, so the node refuses their handshakes (node id not proven).
struct FuzzInput {
    var random: SplitMix64
    /// The topology the test runs; some frames target it (data, interest, publications).
    let topology: TopologyName

    init(seed: UInt64, topology: String) {
        random = SplitMix64(seed: seed)
        self.topology = TopologyName(topology)!
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
    mutating func u8() -> UInt8 { UInt8.random(in: .min ... .max, using: &random) }
    mutating func u64() -> UInt64 { random.next() }
    mutating func bytes(_ maximum: Int) -> [UInt8] { (0..<int(0...maximum)).map { _ in u8() } }
    mutating func nodeID() -> NodeID { NodeID.random(using: &random) }

    mutating func name() -> String { "fuzz-\(int(0...99_999))" }

    mutating func topologyName() -> TopologyName {
        chance(30) ? topology : TopologyName("fuzz.t\(int(0...20))")!
    }

    mutating func topic() -> Topic {
        switch int(0...3) {
        case 0: return Topic("AAPL")
        case 1: return Topic("AAPL.\(int(0...9))")
        case 2: return Topic(bytes(12))
        default: return Topic("")
        }
    }

    // MARK: - Peer protocol

    mutating func handshake() -> Handshake {
        Handshake(
            versions: chance(90) ? PeerProtocol.versions : UInt16(int(0...3))...UInt16(int(3...9)),
            node: nodeID(),
            incarnation: u64() >> 1,
            name: name(),
            realm: chance(90) ? "default" : "fuzz-realm",
            addresses: chance(50) ? [.ipv4(0x7f00_0001, port: UInt16(int(1...65535)))] : [],
            extensions: chance(20) ? [HandshakeExtension(tag: UInt16(int(0...65535)), value: bytes(40))] : []
        )
    }

    mutating func dataMessage() -> DataMessage {
        DataMessage(
            topology: topologyName(),
            origin: nodeID(),
            originIncarnation: u64() >> 1,
            sequence: UInt64(int(1...1000)),
            hops: UInt8(int(0...255)),
            topic: topic(),
            payload: bytes(64)
        )
    }

    mutating func peerMessage() -> PeerMessage {
        switch int(0...8) {
        case 0:
            let record = LinkStateRecord(
                origin: nodeID(),
                name: name(),
                incarnation: u64() >> 1,
                sequence: UInt64(int(0...100)),
                links: (0..<int(0...3)).map { _ in Link(neighbor: nodeID(), cost: UInt32(int(1...100))) },
                definitions: []
            )
            return .linkState([record])
        case 1:
            switch int(0...2) {
            case 0: return .interest(topologyName(), .full(PrefixSet((0..<int(0...3)).map { _ in topic() })))
            case 1: return .interest(topologyName(), .delta(added: [topic()], removed: chance(50) ? [topic()] : []))
            default: return .interest(topologyName(), .leave)
            }
        case 2, 3: return .data(dataMessage())
        case 4: return .heartbeat(Heartbeat(timestamp: Int64(int(0...1_000_000_000)), echo: 0, echoDelay: 0))
        case 5: return .goodbye
        case 6:
            return .repairRequest(RepairRequest(topology: topologyName(), origin: nodeID(), originIncarnation: 1, first: 1, last: UInt64(int(1...100))))
        case 7: return .repairData((0..<int(0...2)).map { _ in dataMessage() })
        default:
            // Sometimes inconsistent (kept below first, last below first - 1): the
            // receiver must take it without harm.
            let first = UInt64(int(1...100))
            return .repairEnd(RepairEnd(
                topology: topologyName(), origin: nodeID(), originIncarnation: u64() >> 1,
                first: first, last: UInt64(int(0...200)), kept: UInt64(int(0...200))
            ))
        }
    }

    /// One connection's worth of bytes for a peer port.
    mutating func peerCase() -> [UInt8] {
        connectionCase(frameTypes: PeerFrameType.allCases.map(\.rawValue) + [PeerProtocol.dataRunType], frames: 1...5) { input, _ in
            // A handshake (mutated when it is all there is).
            Self.encoded { try PeerFrameEncoder().encode(.handshake(input.handshake()), into: &$0) }
        } frame: { input in
            Self.encoded { try PeerFrameEncoder().encode(.message(input.peerMessage()), into: &$0) }
        }
    }

    // MARK: - Client protocol

    mutating func clientRequest() -> ClientRequest {
        let id = UInt32(int(0...1000))
        switch int(0...6) {
        case 0: return .attach(id: id, topology: topologyName())
        case 1: return .detach(id: id, topology: topologyName())
        case 2: return .subscribe(id: id, topology: topologyName(), prefix: topic())
        case 3: return .unsubscribe(id: id, topology: topologyName(), prefix: topic())
        case 4, 5: return .publish(id: id, topology: topologyName(), topic: topic(), payload: bytes(64))
        default: return .ping(id: id)
        }
    }

    /// One connection's worth of bytes for a client socket.
    mutating func clientCase() -> [UInt8] {
        connectionCase(frameTypes: ClientFrameType.allCases.map(\.rawValue), frames: 1...6) { input, valid in
            // A HELLO; the one mutated when it is all there is offers random versions.
            let versions = valid ? ClientProtocol.versions : UInt16(input.int(0...2))...UInt16(input.int(2...5))
            return Self.encoded { try ClientFrameEncoder().encode(.hello(id: 1, versions: versions, clientName: input.name()), into: &$0) }
        } frame: { input in
            Self.encoded { try ClientFrameEncoder().encode(input.clientRequest(), into: &$0) }
        }
    }

    /// One connection's worth of bytes for a protocol whose connections start with an
    /// `opening` frame: random bytes (half the time behind a plausible header), a mutated
    /// opening alone, a `frame` without the opening (refused: the opening is expected), or
    /// the opening and then frames, some mutated, the last perhaps cut short. `opening`
    /// is told whether it starts a valid connection.
    private mutating func connectionCase(
        frameTypes: [UInt8],
        frames: ClosedRange<Int>,
        opening: (inout FuzzInput, _ valid: Bool) -> [UInt8],
        frame: (inout FuzzInput) -> [UInt8]
    ) -> [UInt8] {
        switch int(0...9) {
        case 0, 1:
            return randomBytes(frameTypes: frameTypes)
        case 2:
            return mutated(opening(&self, false))
        case 3:
            return maybeMutated(frame(&self))
        default:
            var bytes = opening(&self, true)
            for _ in 0..<int(frames) {
                bytes += maybeMutated(frame(&self))
            }
            if chance(15) { bytes.removeLast(int(1...min(8, bytes.count))) }
            return bytes
        }
    }

    /// The bytes `encode` writes (none when it refuses).
    private static func encoded(_ encode: (inout ByteBuffer) throws -> Void) -> [UInt8] {
        var buffer = ByteBuffer()
        try? encode(&buffer)
        return Array(buffer.readableBytesView)
    }

    // MARK: - Mutation

    /// Random bytes; half the time behind a plausible header (length of what follows and
    /// a known type), so that body parsers are reached.
    private mutating func randomBytes(frameTypes: [UInt8]) -> [UInt8] {
        var bytes = bytes(chance(25) ? 600 : 60)
        if bytes.count >= 5, chance(50) {
            bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(bytes.count - 4).bigEndian, Array.init))
            bytes[4] = frameTypes[int(0...frameTypes.count - 1)]
        }
        return bytes
    }

    mutating func maybeMutated(_ bytes: [UInt8]) -> [UInt8] {
        chance(40) ? mutated(bytes) : bytes
    }

    private mutating func mutated(_ original: [UInt8]) -> [UInt8] {
        var bytes = original
        for _ in 0..<int(1...4) where !bytes.isEmpty {
            let index = int(0...bytes.count - 1)
            switch int(0...6) {
            case 0: bytes[index] ^= 1 << UInt8(int(0...7))
            case 1: bytes[index] = u8()
            case 2: bytes[index] = [0x00, 0x01, 0x7f, 0x80, 0xff][int(0...4)]
            case 3: bytes.remove(at: index)
            case 4: bytes.insert(u8(), at: index)
            case 5:
                // A huge or zero length field.
                if bytes.count >= 4 {
                    let length: UInt32 = chance(50) ? 0 : UInt32.random(in: 1 << 20 ... .max, using: &random)
                    bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: length.bigEndian, Array.init))
                }
            default:
                // Keep the length field consistent with a changed body so parsers see it.
                if bytes.count >= 5 {
                    bytes.replaceSubrange(0..<4, with: withUnsafeBytes(of: UInt32(bytes.count - 4).bigEndian, Array.init))
                }
            }
        }
        return bytes
    }
}

/// What a node must make of a connection's bytes, found by running ArborWire's own
/// decoders over them.
enum Verdict: Equatable {
    /// Every frame decodes and the bytes end with a frame: nothing for the framing to refuse.
    case wellFramed
    /// The decoder throws, or the stream ends inside a frame: the node must close the
    /// connection and log why.
    case broken(String)
    /// A well-formed handshake the node must refuse, logging why.
    case refused
}

/// For a peer port, a handshake the node refuses (another realm, no common version, no key
/// that owns its node id) ends the connection before anything after it is read; the node
/// logs the refusal. The fuzzer's handshakes carry no key, so none gets past the proof:
/// the frames after them reach the decoder but not the router.
func peerVerdict(_ bytes: [UInt8], realm: String = "default") -> Verdict {
    var decoder = PeerFrameDecoder()
    var buffer = ByteBuffer(bytes: bytes)
    do {
        var first = true
        while let frame = try decoder.next(from: &buffer) {
            if first, case .handshake(let handshake) = frame,
               handshake.realm != realm || PeerProtocol.negotiate(PeerProtocol.versions, handshake.versions) == nil
               || PeerProof.problem(with: handshake) != nil {
                return .refused
            }
            if first, case .handshakeReject = frame {
                return .refused
            }
            first = false
        }
    } catch {
        return .broken(error.description)
    }
    return buffer.readableBytes == 0 ? .wellFramed : .broken("truncated at the end")
}

func clientVerdict(_ bytes: [UInt8]) -> Verdict {
    let decoder = ClientFrameDecoder()
    var buffer = ByteBuffer(bytes: bytes)
    do {
        while try decoder.nextRequest(from: &buffer) != nil {}
    } catch {
        return .broken(error.description)
    }
    return buffer.readableBytes == 0 ? .wellFramed : .broken("truncated at the end")
}
