/// The 64-bit hash of a match key (or of any byte string) that the
/// tokenizer stores for every token in `Document.keyHashes`, so that the
/// stages that look keys up in hash tables (gazetteer terms, name-rule word
/// lists, regex triggers, alias interning) hash each key once, in the
/// tokenizer, not once per stage. A table built with `KeyHash.hash` of its
/// keys can be probed with `doc.keyHashes[i]` directly.
///
/// Definition (stable: tables may be cached with it). The key's bytes are
/// read as little-endian 64-bit words `w0 … w(m-1)`, the last one padded
/// with zero bytes, and `m = max(1, ⌈count / 8⌉)`. With `mix(a, b)` the
/// high and low halves of the 128-bit product `a × b` xored together:
///
///     s = count
///     for each word but the last: s = mix(w ^ k2, s ^ k1)
///     hash = mix(w(m-1) ^ k0, s ^ k1)
///
/// so a key of up to 8 bytes costs one multiplication, and every bit of
/// the result depends on every input bit (both the low bits, used to pick a
/// slot of a power-of-two table, and the high bits, used by bit filters).
/// The length is part of the hash: keys that differ only by trailing zero
/// bytes differ. Not a cryptographic hash.
public enum KeyHash {
    static let k0: UInt64 = 0x9E37_79B9_7F4A_7C15
    static let k1: UInt64 = 0xBF58_476D_1CE4_E5B9
    static let k2: UInt64 = 0x94D0_49BB_1331_11EB

    /// High and low halves of the full product, xored (one `mul` on x86-64 and arm64).
    @inline(__always)
    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    /// The hash of a key of at most 8 bytes given as one little-endian word
    /// (key byte k in bits 8k..8k+7), whose bytes from `count` on are zero.
    @inline(__always)
    public static func hash(word: UInt64, count: Int) -> UInt64 {
        mix(word ^ k0, UInt64(truncatingIfNeeded: count) ^ k1)
    }

    /// The hash of a key of 9 to 16 bytes given as two little-endian words,
    /// the second one zero from key byte `count` on.
    @inline(__always)
    public static func hash(_ word0: UInt64, _ word1: UInt64, count: Int) -> UInt64 {
        mix(word1 ^ k0, mix(word0 ^ k2, UInt64(truncatingIfNeeded: count) ^ k1) ^ k1)
    }

    /// The hash of the `count` bytes at `base`.
    @inline(__always)
    public static func hash(_ base: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        var s = UInt64(truncatingIfNeeded: count)
        var i = 0
        while count &- i > 8 {
            s = mix(load(base + i) ^ k2, s ^ k1)
            i &+= 8
        }
        return mix(loadPartial(base + i, count &- i) ^ k0, s ^ k1)
    }

    /// The hash of a byte string.
    @inline(__always)
    public static func hash(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let base = key.baseAddress else { return hash(word: 0, count: 0) }
        return hash(base, count: key.count)
    }

    /// The hash of a byte string (arrays, slices, a string's `utf8`).
    public static func hash(_ key: some Collection<UInt8>) -> UInt64 {
        if let h = key.withContiguousStorageIfAvailable({ hash($0) }) { return h }
        return Array(key).withUnsafeBufferPointer { hash($0) }
    }

    /// `hash(base, count:)` for a key followed by at least 8 readable bytes
    /// (whatever they hold): whole-word loads, the last one masked.
    @inline(__always)
    static func hash(padded base: UnsafePointer<UInt8>, count: Int) -> UInt64 {
        var s = UInt64(truncatingIfNeeded: count)
        var i = 0
        while count &- i > 8 {
            s = mix(load(base + i) ^ k2, s ^ k1)
            i &+= 8
        }
        let rest = count &- i
        let mask: UInt64 = rest == 0 ? 0 : ~0 &>> UInt64(64 &- 8 &* rest)
        return mix((load(base + i) & mask) ^ k0, s ^ k1)
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UnsafeRawPointer(p).loadUnaligned(as: UInt64.self).littleEndian
    }

    /// The `count` (0...8) bytes at `p` as a little-endian word, zero above;
    /// reads only those bytes.
    @inline(__always)
    static func loadPartial(_ p: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        let raw = UnsafeRawPointer(p)
        if count >= 4 {
            // Two 4-byte loads that overlap when count < 8: the shared bytes agree.
            let first = UInt64(raw.loadUnaligned(as: UInt32.self).littleEndian)
            let last = UInt64(raw.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self).littleEndian)
            return first | last &<< UInt64(8 &* (count &- 4))
        }
        guard count > 0 else { return 0 }
        // Bytes 0, count/2 and count-1 cover every byte of 1 to 3.
        let middle = count &>> 1
        return UInt64(p[0]) | UInt64(p[middle]) &<< UInt64(8 &* middle) | UInt64(p[count &- 1]) &<< UInt64(8 &* (count &- 1))
    }
}
