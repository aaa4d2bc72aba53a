/// Constants of the peer protocol (docs/peer-protocol.md).
public enum PeerProtocol {
    /// The first four bytes of every handshake body: "ARBR".
    public static let magic: [UInt8] = Array("ARBR".utf8)
    /// Protocol versions this build speaks. Version 2 proves node ids (a PROOF frame after
    /// the handshake) and seals records; version 1 did neither and is not spoken any more.
    public static let versions: ClosedRange<UInt16> = 2...2
    /// TCP port a node listens on unless told otherwise.
    public static let defaultPort: UInt16 = 7450
    /// Limit of the first frame in each direction, before the peer is known: an
    /// unauthenticated connection cannot make a node buffer more than this.
    public static let handshakeFrameLimit = 16 << 10
    /// Most listening addresses in a handshake.
    public static let maximumAddresses = 16
    /// Most extensions in a handshake, and the largest value of one.
    public static let maximumExtensions = 8
    public static let maximumExtensionLength = 1024
    /// Longest description in a topology definition, in UTF-8 bytes.
    public static let maximumDescriptionLength = 4096
    /// The type byte of a realm HELLO, the first frame of a node with a realm secret
    /// (docs/peer-protocol.md, "Realm links"; ArborTrust's `RealmHandshake`). It is no
    /// peer frame: a node without a secret refuses it as such (``WireError/realmSecretRequired``).
    public static let realmHelloType: UInt8 = 0x04
    /// The type byte of DATA_RUN: consecutive messages of one stream in one frame
    /// (docs/peer-protocol.md, "DATA_RUN"). No ``PeerFrame`` of its own: its messages
    /// decode as that many `.message(.data(_))`, and the encoder writes it for a forwarded
    /// run's messages (``PeerFrameEncoder/encode(data:from:into:)``).
    public static let dataRunType: UInt8 = 0x1B

    /// The version two peers speak: the highest in both ranges, `nil` when they do not overlap.
    public static func negotiate(_ local: ClosedRange<UInt16>, _ remote: ClosedRange<UInt16>) -> UInt16? {
        local.overlaps(remote) ? Swift.min(local.upperBound, remote.upperBound) : nil
    }
}

/// The type byte of a peer frame.
public enum PeerFrameType: UInt8, CaseIterable, Sendable {
    case handshake = 0x01
    case handshakeReject = 0x02
    case proof = 0x03
    case linkState = 0x10
    case interest = 0x11
    case data = 0x12
    case heartbeat = 0x13
    case goodbye = 0x14
    case repairRequest = 0x15
    case repairData = 0x16
    case flush = 0x17
    case summary = 0x18
    case request = 0x19
    case repairEnd = 0x1A
}
