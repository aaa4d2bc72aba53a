import Crypto
import Foundation
import NIOCore

/// Seals one direction of a realm link into records (docs/peer-protocol.md, "Realm
/// records"): length (4, u32, of what follows) | ciphertext | tag (16), ChaCha20-Poly1305
/// with the 4 length bytes as associated data and the record's number in the direction
/// (0, 1, 2, ...) as the nonce. The receiver expects the numbers in order, so a record
/// replayed, dropped or reordered does not open.
// `@unchecked`: swift-crypto does not mark SymmetricKey Sendable; the key is immutable and
// the struct is confined to its channel's event loop.
public struct RealmSealer: @unchecked Sendable {
    /// Most plaintext bytes in one record.
    public static let maximumPlaintext = 65_536
    public static let tagLength = 16

    private var numbering: RecordNumbering
    /// Records sealed so far: the next record's number.
    public var count: UInt64 { numbering.count }

    /// At most `limit` records are sealed; then ``seal(_:into:)`` throws.
    init(key: SymmetricKey, limit: UInt64) {
        numbering = RecordNumbering(key: key, limit: limit)
    }

    /// Appends the records of `plaintext` (as many as it needs, each of at most
    /// ``maximumPlaintext`` bytes) to `out`; nothing for an empty buffer. Throws
    /// ``RealmError/recordLimitReached(_:)`` instead of sealing past the limit.
    public mutating func seal(_ plaintext: ByteBuffer, into out: inout ByteBuffer) throws(RealmError) {
        var plaintext = plaintext
        out.reserveCapacity(minimumWritableBytes: plaintext.readableBytes + (plaintext.readableBytes / RealmSealer.maximumPlaintext + 1) * 20)
        while plaintext.readableBytes > 0 {
            let nonce = try numbering.nextNonce()
            let chunk = plaintext.readBytes(length: min(plaintext.readableBytes, RealmSealer.maximumPlaintext))!
            let length = UInt32(chunk.count + RealmSealer.tagLength)
            let header = withUnsafeBytes(of: length.bigEndian) { Array($0) }
            // Sealing with a 32-byte key and a 12-byte nonce does not fail.
            guard let box = try? ChaChaPoly.seal(chunk, using: numbering.key, nonce: nonce, authenticating: header) else {
                throw .cannotSeal
            }
            out.writeInteger(length)
            out.writeBytes(box.ciphertext)
            out.writeBytes(box.tag)
            numbering.count += 1
        }
    }
}

/// Opens the records of one direction of a realm link, in order (``RealmSealer``).
// `@unchecked`: as ``RealmSealer``.
public struct RealmOpener: @unchecked Sendable {
    private var numbering: RecordNumbering
    /// Records opened so far: the number the next record must have been sealed with.
    public var count: UInt64 { numbering.count }

    /// At most `limit` records are opened; then ``open(from:)`` throws.
    init(key: SymmetricKey, limit: UInt64) {
        numbering = RecordNumbering(key: key, limit: limit)
    }

    /// The plaintext of the next record on `buffer`, consumed; `nil`, consuming nothing,
    /// until it has fully arrived. A length outside 17...65,552 is refused as soon as its 4
    /// bytes are there; a record that does not open throws ``RealmError/unauthentic(record:)``.
    /// After a throw the link is unusable: close it.
    public mutating func open(from buffer: inout ByteBuffer) throws(RealmError) -> [UInt8]? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length > RealmSealer.tagLength, length <= RealmSealer.maximumPlaintext + RealmSealer.tagLength else {
            throw .badRecordLength(length)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        let nonce = try numbering.nextNonce()
        let header = buffer.readBytes(length: 4)!
        let ciphertext = buffer.readBytes(length: Int(length) - RealmSealer.tagLength)!
        let tag = buffer.readBytes(length: RealmSealer.tagLength)!
        guard let box = try? ChaChaPoly.SealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag),
              let plaintext = try? ChaChaPoly.open(box, using: numbering.key, authenticating: header)
        else { throw .unauthentic(record: count) }
        numbering.count += 1
        return Array(plaintext)
    }
}

/// One direction's key and record numbers, kept alike by its sealer and its opener.
private struct RecordNumbering {
    let key: SymmetricKey
    /// Most records sealed or opened in the direction.
    let limit: UInt64
    /// Records sealed or opened so far: the next record's number.
    var count: UInt64 = 0

    /// The nonce of the next record: 4 zero bytes, then its number (8 bytes, big-endian).
    /// Throws ``RealmError/recordLimitReached(_:)`` once `limit` records were done.
    func nextNonce() throws(RealmError) -> ChaChaPoly.Nonce {
        guard count < limit else { throw .recordLimitReached(limit) }
        var bytes = [UInt8](repeating: 0, count: 4)
        withUnsafeBytes(of: count.bigEndian) { bytes.append(contentsOf: $0) }
        // 12 bytes is the one length a ChaChaPoly nonce takes.
        return try! ChaChaPoly.Nonce(data: bytes)
    }
}
