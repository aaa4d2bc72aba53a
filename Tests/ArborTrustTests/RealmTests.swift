import ArborCore
import ArborTrust
import ArborWire
import Foundation
import NIOCore
import Testing

/// Realm secrets and the realm link's records, tried as an attacker on the path would:
/// altered, replayed, reordered, cut and oversized records, another secret, bad HELLOs.
@Suite("Realm secrets and sealed records")
struct RealmTests {
    private static let secret = Array("0123456789abcdef0123456789abcdef".utf8)

    /// Two ends of one link: each side's session from its handshake and the other's share.
    private func link(_ a: RealmKey, _ b: RealmKey, recordLimit: UInt64 = RealmSession.defaultRecordLimit) throws -> (RealmSession, RealmSession) {
        let (alice, bob) = (RealmHandshake(key: a), RealmHandshake(key: b))
        return (
            try alice.session(peerShare: bob.publicShare, recordLimit: recordLimit),
            try bob.session(peerShare: alice.publicShare, recordLimit: recordLimit)
        )
    }

    /// Two ends of one link of the realm with `secret`.
    private func linked(recordLimit: UInt64 = RealmSession.defaultRecordLimit) throws -> (RealmSession, RealmSession) {
        let key = try RealmKey(secret: Self.secret)
        return try link(key, key, recordLimit: recordLimit)
    }

    private func sealed(_ text: String, by session: inout RealmSession) throws -> ByteBuffer {
        var out = ByteBuffer()
        try session.sealer.seal(ByteBuffer(string: text), into: &out)
        return out
    }

    @Test("secrets shorter than 32 bytes are refused; a final newline is not part of the secret")
    func secretLength() throws {
        #expect(throws: RealmKeyError.tooShort(0)) { try RealmKey(secret: []) }
        #expect(throws: RealmKeyError.tooShort(31)) { try RealmKey(secret: Array(Self.secret.dropLast()) + [0x0a, 0x20]) }
        // The same secret with and without a newline gives the same key: their records open.
        let (plain, withNewline) = (try RealmKey(secret: Self.secret), try RealmKey(secret: Self.secret + [0x0d, 0x0a]))
        var (a, b) = try link(plain, withNewline)
        var record = try sealed("hello", by: &a)
        #expect(try b.opener.open(from: &record) == Array("hello".utf8))
    }

    @Test("a secret file readable by group or others, empty, short or not a file is refused with a clear error")
    func secretFile() throws {
        let directory = NSTemporaryDirectory() + "realm-\(UInt32.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/secret"
        func write(_ bytes: [UInt8], mode: Int) throws {
            try? FileManager.default.removeItem(atPath: path)
            #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: mode]))
            #expect(chmod(path, mode_t(mode)) == 0)
        }
        try write(Self.secret + [0x0a], mode: 0o600)
        _ = try RealmKey.load(path: path)
        try write(Self.secret, mode: 0o400)
        _ = try RealmKey.load(path: path)
        for mode in [0o640, 0o604, 0o620, 0o666] {
            try write(Self.secret, mode: mode)
            #expect(throws: RealmKeyError.tooOpen(path, mode: UInt32(mode))) { try RealmKey.load(path: path) }
        }
        #expect(RealmKeyError.tooOpen(path, mode: 0o644).description.contains("chmod 600 \(path)"))
        try write([], mode: 0o600)
        #expect(throws: RealmKeyError.tooShortInFile(path, 0)) { try RealmKey.load(path: path) }
        try write(Array("secret\n".utf8), mode: 0o600)
        #expect(throws: RealmKeyError.tooShortInFile(path, 6)) { try RealmKey.load(path: path) }
        try write([UInt8](repeating: 0x41, count: RealmKey.maximumFileLength + 1), mode: 0o600)
        #expect(throws: RealmKeyError.tooLong(path, RealmKey.maximumFileLength + 1)) { try RealmKey.load(path: path) }
        #expect(throws: RealmKeyError.notAFile(directory)) { try RealmKey.load(path: directory) }
        #expect(throws: RealmKeyError.self) { try RealmKey.load(path: directory + "/missing") }
    }

    @Test("two ends with the same secret talk both ways and share a channel binding")
    func sameSecret() throws {
        var (a, b) = try linked()
        #expect(a.binding == b.binding)
        #expect(a.binding.count == 32)
        var toB = try sealed("from a", by: &a)
        var toA = try sealed("from b", by: &b)
        #expect(try b.opener.open(from: &toB) == Array("from a".utf8))
        #expect(try a.opener.open(from: &toA) == Array("from b".utf8))
        // A record sealed by a does not open as one of b's direction (a reflected record).
        var reflected = try sealed("again", by: &a)
        #expect(throws: RealmError.unauthentic(record: 1)) { try a.opener.open(from: &reflected) }
        // Another link of the same realm has another binding.
        let (c, _) = try linked()
        #expect(c.binding != a.binding)
    }

    @Test("another secret: the first record does not open, on either side")
    func otherSecret() throws {
        let other = try RealmKey(secret: Array("another secret of at least 32 bytes".utf8))
        var (a, b) = try link(try RealmKey(secret: Self.secret), other)
        #expect(a.binding != b.binding)
        var toB = try sealed("handshake", by: &a)
        var toA = try sealed("handshake", by: &b)
        #expect(throws: RealmError.unauthentic(record: 0)) { try b.opener.open(from: &toB) }
        #expect(throws: RealmError.unauthentic(record: 0)) { try a.opener.open(from: &toA) }
    }

    @Test("every single altered byte of a record (length, ciphertext, tag) is refused")
    func tampering() throws {
        var (a, b) = try linked()
        let record = try sealed("a record of some length", by: &a)
        for index in 0..<record.readableBytes {
            for flip: UInt8 in [0x01, 0x80] {
                var altered = record
                altered.setInteger(record.getInteger(at: index, as: UInt8.self)! ^ flip, at: index)
                var receiver = b
                do {
                    let opened = try receiver.opener.open(from: &altered)
                    // A length made longer waits for bytes that never come (the end of the
                    // stream inside a record then closes the link): never a plaintext.
                    #expect(opened == nil && index < 4, "byte \(index) ^ \(flip) opened as \(String(describing: opened))")
                } catch {
                    #expect(index < 4 || error == .unauthentic(record: 0), "byte \(index) ^ \(flip): \(error)")
                }
            }
        }
        var intact = record
        #expect(try b.opener.open(from: &intact) == Array("a record of some length".utf8))
    }

    @Test("a replayed or reordered record is refused")
    func replayAndReorder() throws {
        var (a, b) = try linked()
        let first = try sealed("first", by: &a)
        let second = try sealed("second", by: &a)
        var replay = b
        var stream = first
        #expect(try replay.opener.open(from: &stream) == Array("first".utf8))
        stream = first
        #expect(throws: RealmError.unauthentic(record: 1)) { try replay.opener.open(from: &stream) }
        var reorder = b
        stream = second
        #expect(throws: RealmError.unauthentic(record: 0)) { try reorder.opener.open(from: &stream) }
        // In order, both open.
        stream = first
        stream.writeImmutableBuffer(second)
        #expect(try b.opener.open(from: &stream) == Array("first".utf8))
        #expect(try b.opener.open(from: &stream) == Array("second".utf8))
    }

    @Test("a truncated record waits and consumes nothing; lengths out of range are refused from 4 bytes")
    func truncationAndLengths() throws {
        var (a, b) = try linked()
        let record = try sealed("truncated", by: &a)
        for cut in 0..<record.readableBytes {
            var partial = record.getSlice(at: 0, length: cut)!
            var receiver = b
            #expect(try receiver.opener.open(from: &partial) == nil)
            #expect(partial.readableBytes == cut)
        }
        for length: UInt32 in [0, 1, 16, 65_553, .max] {
            var header = ByteBuffer()
            header.writeInteger(length)
            var receiver = b
            #expect(throws: RealmError.badRecordLength(length)) { try receiver.opener.open(from: &header) }
        }
        // The longest record: 65,536 bytes of plaintext; more is split into several.
        var big = ByteBuffer()
        try a.sealer.seal(ByteBuffer(repeating: 7, count: 65_536 * 2 + 1), into: &big)
        #expect(big.getInteger(at: 0, as: UInt32.self) == 65_552)
        var sizes: [Int] = []
        var receiver = b
        var first = record
        _ = try receiver.opener.open(from: &first)
        while let plaintext = try receiver.opener.open(from: &big) {
            sizes.append(plaintext.count)
        }
        #expect(sizes == [65_536, 65_536, 1])
    }

    @Test("a direction stops at its record limit instead of reusing a nonce")
    func recordLimit() throws {
        var (a, b) = try linked(recordLimit: 2)
        var records = ByteBuffer()
        try a.sealer.seal(ByteBuffer(string: "1"), into: &records)
        try a.sealer.seal(ByteBuffer(string: "2"), into: &records)
        #expect(throws: RealmError.recordLimitReached(2)) { try a.sealer.seal(ByteBuffer(string: "3"), into: &records) }
        #expect(try b.opener.open(from: &records) == Array("1".utf8))
        #expect(try b.opener.open(from: &records) == Array("2".utf8))
        // A third record (sealed by a sender without the limit) is refused by the opener.
        var (unlimited, _) = try linked()
        var third = try sealed("3", by: &unlimited)
        #expect(throws: RealmError.recordLimitReached(2)) { try b.opener.open(from: &third) }
    }

    @Test("HELLO: a plaintext peer frame is told apart, a bad length, version or key share is refused")
    func hello() throws {
        let key = try RealmKey(secret: Self.secret)
        let alice = RealmHandshake(key: key)
        var wire = ByteBuffer()
        alice.writeHello(into: &wire)
        #expect(wire.readableBytes == RealmHandshake.helloLength)
        for cut in 0..<wire.readableBytes {
            var partial = wire.getSlice(at: 0, length: cut)!
            #expect(try RealmHandshake.readHello(from: &partial) == nil)
        }
        var whole = wire
        #expect(try RealmHandshake.readHello(from: &whole) == .hello(share: alice.publicShare))
        #expect(whole.readableBytes == 0)
        // A node without a secret opens with its plaintext HANDSHAKE.
        var plaintext = ByteBuffer()
        try PeerFrameEncoder().encode(.handshake(Handshake(node: NodeID(high: 1, low: 2), incarnation: 1, name: "n", realm: "r")), into: &plaintext)
        #expect(try RealmHandshake.readHello(from: &plaintext) == .plaintextFrame(type: PeerFrameType.handshake.rawValue))
        var longer = ByteBuffer(bytes: [0, 0, 0, 35, RealmHandshake.helloType])
        #expect(throws: RealmError.self) { try RealmHandshake.readHello(from: &longer) }
        var version = wire
        version.setInteger(UInt8(2), at: 5)
        #expect(throws: RealmError.self) { try RealmHandshake.readHello(from: &version) }
        // Its own share sent back, a low-order share, a share of zeros.
        let bob = RealmHandshake(key: key)
        #expect(throws: RealmError.self) { try bob.session(peerShare: bob.publicShare) }
        #expect(throws: RealmError.self) { try bob.session(peerShare: [UInt8](repeating: 0, count: 32)) }
        #expect(throws: RealmError.self) { try bob.session(peerShare: [1] + [UInt8](repeating: 0, count: 31)) }
        #expect(throws: RealmError.self) { try bob.session(peerShare: [1, 2, 3]) }
    }

    @Test("a proof made on one realm link does not check on another (channel binding)")
    func proofBinding() throws {
        let (alice, bob) = (NodeKey(), NodeKey())
        let a = Handshake(node: alice.id, incarnation: 1, name: "a", realm: "r", extensions: PeerProof.extensions(key: alice, nonce: PeerProof.freshNonce()))
        let b = Handshake(node: bob.id, incarnation: 1, name: "b", realm: "r", extensions: PeerProof.extensions(key: bob, nonce: PeerProof.freshNonce()))
        let key = try RealmKey(secret: Self.secret)
        let (one, _) = try link(key, key)
        let (two, _) = try link(key, key)
        let proof = try #require(PeerProof.prove(a, to: b, with: alice, binding: one.binding))
        #expect(PeerProof.check(proof, of: a, to: b, binding: one.binding))
        #expect(!PeerProof.check(proof, of: a, to: b, binding: two.binding))
        #expect(!PeerProof.check(proof, of: a, to: b))
    }

    /// Seeded: streams of records altered as a path could alter them (a byte flipped,
    /// bytes cut, dropped, repeated or inserted), fed in random pieces. Whatever happens,
    /// the opener yields only what was sent, in order, and otherwise waits or throws.
    @Test("fuzzed record streams never open as anything but what was sent, in order")
    func fuzzedStreams() throws {
        var random = SplitMix64(seed: 0x5EA1_2026)
        let key = try RealmKey(secret: Self.secret)
        for round in 0..<1_000 {
            var (a, b) = try link(key, key)
            let sent: [[UInt8]] = (0..<Int.random(in: 1...4, using: &random)).map { _ in
                // Now and then one longer than a record (it leaves as two).
                if Int.random(in: 0...9, using: &random) == 0 {
                    return [UInt8](repeating: UInt8(truncatingIfNeeded: round), count: 70_000)
                }
                return (0..<Int.random(in: 1...200, using: &random)).map { _ in UInt8.random(in: 0 ... 255, using: &random) }
            }
            var sealed = ByteBuffer()
            for message in sent {
                try a.sealer.seal(ByteBuffer(bytes: message), into: &sealed)
            }
            var bytes = Array(sealed.readableBytesView)
            let altered = Int.random(in: 0...5, using: &random)
            let at = Int.random(in: 0..<bytes.count, using: &random)
            let span = min(bytes.count - at, Int.random(in: 1...40, using: &random))
            switch altered {
            case 0: bytes[at] ^= UInt8.random(in: 1 ... 255, using: &random)
            case 1: bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
            case 2: bytes.removeSubrange(at..<at + span)
            case 3: bytes.insert(contentsOf: bytes[at..<at + span], at: at)
            case 4: bytes.insert(contentsOf: (0..<span).map { _ in UInt8.random(in: 0 ... 255, using: &random) }, at: at)
            default: break
            }
            var opened: [UInt8] = []
            var buffer = ByteBuffer()
            var offset = 0
            feeding: while offset < bytes.count {
                let piece = min(bytes.count - offset, Int.random(in: 1...9_000, using: &random))
                buffer.writeBytes(bytes[offset..<offset + piece])
                offset += piece
                do {
                    while let plaintext = try b.opener.open(from: &buffer) {
                        opened += plaintext
                    }
                } catch {
                    break feeding
                }
            }
            // Records split messages anywhere: what opened is compared as one byte stream.
            let whole = sent.flatMap { $0 }
            #expect(whole.starts(with: opened), "round \(round) (alteration \(altered)): opened \(opened.count) bytes that were not sent")
            if altered == 5 {
                #expect(opened.count == whole.count, "round \(round): an intact stream did not open whole")
            }
        }
    }
}

/// SplitMix64: a seeded generator, so a fuzzing run replays exactly.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
