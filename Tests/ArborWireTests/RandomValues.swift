import ArborCore
import ArborTestSupport
import ArborWire

/// Random protocol values within every protocol limit: strings, topics and byte fields
/// sometimes reach their limits; list lengths stay at most `scale`.
struct RandomValues {
    var generator: SplitMix64
    /// Upper bound for list lengths and typical byte counts.
    var scale: Int
    /// Upper bound for every string and byte field, to keep frames small where a test
    /// works on every byte of them.
    var lengthCap: Int

    init(seed: UInt64, scale: Int = 8, lengthCap: Int = .max) {
        generator = SplitMix64(seed: seed)
        self.scale = scale
        self.lengthCap = lengthCap
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
    mutating func bool() -> Bool { Bool.random(using: &generator) }
    mutating func u8() -> UInt8 { UInt8.random(in: .min ... .max, using: &generator) }
    mutating func u16() -> UInt16 { UInt16.random(in: .min ... .max, using: &generator) }
    mutating func u32() -> UInt32 { UInt32.random(in: .min ... .max, using: &generator) }
    mutating func u64() -> UInt64 { generator.next() }
    mutating func i64() -> Int64 { Int64(bitPattern: generator.next()) }
    mutating func nodeID() -> NodeID { NodeID.random(using: &generator) }

    mutating func exactly(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in u8() }
    }

    mutating func bytes(_ maximum: Int) -> [UInt8] {
        (0..<int(0...min(maximum, lengthCap))).map { _ in u8() }
    }

    /// Text of up to `maximumBytes` UTF-8 bytes mixing one- to four-byte characters.
    mutating func text(_ maximumBytes: Int) -> String {
        let alphabet: [Character] = ["a", "Z", "0", " ", ".", "-", "é", "ß", "€", "字", "😀", "\u{0}"]
        var result = ""
        let target = int(0...min(maximumBytes, lengthCap))
        while true {
            let next = alphabet[int(0...alphabet.count - 1)]
            if result.utf8.count + String(next).utf8.count > target { return result }
            result.append(next)
        }
    }

    mutating func topologyName() -> TopologyName {
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789-".utf8)
        var words: [String] = []
        for _ in 0..<int(1...3) {
            var word = [letters[int(0...35)]]
            for _ in 0..<int(0...7) { word.append(letters[int(0...36)]) }
            words.append(String(decoding: word, as: UTF8.self))
        }
        return TopologyName(words.joined(separator: "."))!
    }

    mutating func topic() -> Topic {
        Topic(bytes(int(0...3) == 0 ? WireLimits.maximumTopicLength : scale))
    }

    mutating func list<Element>(_ maximum: Int, _ make: (inout RandomValues) -> Element) -> [Element] {
        (0..<int(0...maximum)).map { _ in make(&self) }
    }

    mutating func optional<Value>(_ make: (inout RandomValues) -> Value) -> Value? {
        bool() ? make(&self) : nil
    }

    // MARK: Peer protocol

    mutating func dataMessage() -> DataMessage {
        DataMessage(
            topology: topologyName(),
            origin: nodeID(),
            originIncarnation: u64(),
            sequence: u64(),
            hops: u8(),
            topic: topic(),
            payload: bytes(scale * 8)
        )
    }

    mutating func definition() -> TopologyDefinition {
        TopologyDefinition(
            name: topologyName(),
            version: u64(),
            description: text(scale * 4),
            root: optional { $0.text(12) },
            fallbacks: list(scale) { $0.text(12) },
            nodes: optional { $0.list($0.scale) { $0.text(12) } },
            links: optional { $0.list($0.scale) { LinkRule($0.text(8), $0.text(8), cost: $0.u32()) } },
            publishers: optional { $0.list($0.scale) { $0.text(12) } },
            maxMessageSize: optional { Int($0.i64()) },
            admins: optional { values in values.list(values.scale) { $0.nodeID() } },
            slowSubscribers: bool() ? .pushBack : .drop
        )
    }

    mutating func seal() -> RecordSeal {
        RecordSeal(
            digest: exactly(RecordSeal.digestLength),
            publicKey: exactly(RecordSeal.publicKeyLength),
            signature: exactly(RecordSeal.signatureLength)
        )
    }

    mutating func sealedVersion() -> RecordVersion {
        RecordVersion(origin: nodeID(), incarnation: u64(), sequence: u64(), seal: optional { $0.seal() })
    }

    mutating func record() -> LinkStateRecord {
        LinkStateRecord(
            origin: nodeID(),
            name: text(WireLimits.maximumNameLength),
            incarnation: u64(),
            sequence: u64(),
            links: list(scale) { Link(neighbor: $0.nodeID(), cost: $0.u32()) },
            definitions: list(2) { $0.definition() },
            addresses: list(min(scale, LinkStateRecord.maximumAddresses)) {
                OverlayAddress(host: "h" + $0.text(38), port: $0.int(1...65_535))
            },
            seal: optional { $0.seal() }
        )
    }

    mutating func interest() -> InterestUpdate {
        switch int(0...2) {
        case 0: return .full(PrefixSet(list(scale) { $0.topic() }))
        case 1: return .delta(added: list(scale) { $0.topic() }, removed: list(scale) { $0.topic() })
        default: return .leave
        }
    }

    mutating func address() -> HandshakeAddress {
        switch int(0...2) {
        case 0: return .ipv4(u32(), port: u16())
        case 1: return .ipv6(high: u64(), low: u64(), port: u16())
        default: return .host(text(WireLimits.maximumNameLength), port: u16())
        }
    }

    mutating func handshake() -> Handshake {
        let low = u16()
        return Handshake(
            versions: low...UInt16.random(in: low ... .max, using: &generator),
            node: nodeID(),
            incarnation: u64(),
            maximumFrameLength: u32(),
            name: text(WireLimits.maximumNameLength),
            realm: text(WireLimits.maximumNameLength),
            addresses: list(PeerProtocol.maximumAddresses) { $0.address() },
            extensions: list(PeerProtocol.maximumExtensions) {
                HandshakeExtension(tag: $0.u16(), value: $0.bytes($0.int(0...1) == 0 ? 32 : PeerProtocol.maximumExtensionLength / 2))
            }
        )
    }

    /// A frame of the given type with random content.
    mutating func peerFrame(_ type: PeerFrameType) -> PeerFrame {
        switch type {
        case .handshake:
            return .handshake(handshake())
        case .handshakeReject:
            return .handshakeReject(HandshakeReject(reason: RejectReason(rawValue: u8()), text: text(WireLimits.maximumTextLength)))
        case .proof:
            return .proof(HandshakeProof(signature: exactly(HandshakeProof.signatureLength)))
        case .linkState:
            return .message(.linkState(list(scale) { $0.record() }))
        case .interest:
            return .message(.interest(topologyName(), interest()))
        case .data:
            return .message(.data(dataMessage()))
        case .heartbeat:
            return .message(.heartbeat(Heartbeat(timestamp: i64(), echo: i64(), echoDelay: i64())))
        case .goodbye:
            return .message(.goodbye)
        case .repairRequest:
            return .message(.repairRequest(RepairRequest(
                topology: topologyName(),
                origin: nodeID(),
                originIncarnation: u64(),
                first: u64(),
                last: u64()
            )))
        case .repairData:
            return .message(.repairData(list(scale) { $0.dataMessage() }))
        case .repairEnd:
            return .message(.repairEnd(RepairEnd(
                topology: topologyName(),
                origin: nodeID(),
                originIncarnation: u64(),
                first: u64(),
                last: u64(),
                kept: u64()
            )))
        case .flush:
            return .message(.flush(list(scale) { $0.sealedVersion() }))
        case .summary:
            return .message(.summary(list(scale) { RecordVersion(origin: $0.nodeID(), incarnation: $0.u64(), sequence: $0.u64()) }))
        case .request:
            return .message(.request(list(scale) { $0.nodeID() }))
        }
    }

    // MARK: Client protocol

    mutating func clientRequest(_ type: ClientFrameType) -> ClientRequest? {
        let id = u32()
        switch type {
        case .hello:
            let low = u16()
            return .hello(id: id, versions: low...UInt16.random(in: low ... .max, using: &generator), clientName: text(WireLimits.maximumNameLength))
        case .attach: return .attach(id: id, topology: topologyName())
        case .detach: return .detach(id: id, topology: topologyName())
        case .subscribe: return .subscribe(id: id, topology: topologyName(), prefix: topic())
        case .unsubscribe: return .unsubscribe(id: id, topology: topologyName(), prefix: topic())
        case .publish: return .publish(id: id, topology: topologyName(), topic: topic(), payload: bytes(scale * 8))
        case .ping: return .ping(id: id)
        case .welcome, .ok, .error, .message, .gap, .pong: return nil
        }
    }

    mutating func clientResponse(_ type: ClientFrameType) -> ClientResponse? {
        let id = u32()
        switch type {
        case .welcome:
            return .welcome(id: id, version: u16(), node: nodeID(), nodeName: text(WireLimits.maximumNameLength), maximumMessageSize: u32())
        case .ok: return .ok(id: id)
        case .pong: return .pong(id: id)
        case .error: return .error(id: id, code: ClientErrorCode(rawValue: u16()), text: text(WireLimits.maximumTextLength))
        case .message:
            return .message(DeliveredMessage(dataMessage()))
        case .gap:
            return .gap(GapNotice(topology: topologyName(), origin: nodeID(), originIncarnation: u64(), first: u64(), last: u64()))
        case .hello, .attach, .detach, .subscribe, .unsubscribe, .publish, .ping: return nil
        }
    }
}
