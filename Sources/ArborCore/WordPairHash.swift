/// A hash of two 64-bit words for the dictionaries and sets the routing core and the
/// simulator look up per record, frame and event (node ids, database digests, simulated
/// links): one full-width multiply of the words mixed with the table's seed, where the
/// standard library's `Hasher` (SipHash) took a tenth of a large simulation's time.
///
/// Node ids and digests are random 128-bit values, so a multiply spreads them well; the
/// per-table seed (each `Dictionary` and `Set` passes its own, drawn per process) keeps a
/// peer that picks ids from aiming at one bucket without knowing it. The value is for
/// table lookups only: `hash(into:)` stays the synthesized one, and no order or result
/// depends on it.
@inlinable
public func wordPairHash(_ first: UInt64, _ second: UInt64, seed: Int) -> Int {
    let mixed = UInt64(bitPattern: Int64(seed))
    let product = (first ^ mixed ^ 0xA076_1D64_78BD_642F).multipliedFullWidth(by: second ^ 0xE703_7ED1_A0B4_28DB)
    return Int(bitPattern: UInt(product.high ^ product.low))
}
