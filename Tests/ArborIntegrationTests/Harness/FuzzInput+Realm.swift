import ArborTrust
import ArborWire
import NIOCore

extension FuzzInput {
    /// One connection's worth of bytes for the peer port of a node with a realm secret: a
    /// realm HELLO (with a fresh key share, a random or low-order one, a bad length or
    /// version), then records of random content and lengths (in range, at the limits, out of
    /// range), mutated and cut short; or what a peer without a secret sends (``peerCase()``).
    mutating func realmCase() -> [UInt8] {
        if chance(20) { return peerCase() }
        var hello = ByteBuffer()
        RealmHandshake(key: try! RealmKey(secret: bytes(8) + [UInt8](repeating: 0x61, count: 32))).writeHello(into: &hello)
        var bytes = Array(hello.readableBytesView)
        switch int(0...9) {
        case 0: bytes.replaceSubrange(6..<38, with: (0..<32).map { _ in u8() })
        case 1: bytes.replaceSubrange(6..<38, with: [UInt8](repeating: 0, count: 32))
        case 2: bytes[5] = u8()
        case 3: bytes[3] = u8()
        default: break
        }
        for _ in 0..<int(0...4) {
            let length: UInt32
            switch int(0...9) {
            case 0: length = [0, 1, 16, 65_553, .max][int(0...4)]
            case 1: length = 65_552
            default: length = UInt32(int(17...300))
            }
            var record = withUnsafeBytes(of: length.bigEndian) { Array($0) }
            record += (0..<min(Int(length), 70_000)).map { _ in u8() }
            bytes += maybeMutated(record)
        }
        if chance(15) { bytes.removeLast(int(1...min(8, bytes.count))) }
        return bytes
    }
}
