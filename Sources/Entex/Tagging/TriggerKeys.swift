/// Token key → trigger bits for the regex stage: a `ByteStringTable` of the keys, pinned
/// (`ByteStringTable.Pinned`) so the pass over every token makes no reference counting,
/// behind a Bloom filter probed with the key's `KeyHash` (the tokenizer's
/// `Document.keyHashes`), so that most tokens are ruled out without their key being read.
///
/// The 32 768-bit filter (two bits per hash) holds the `KeyHash` of every key and of every
/// key with a '.' appended: a token whose hash misses it is neither a key nor a key
/// followed by '.', so it gets no bits. A hash that passes is looked up in the table (its
/// own hash is the `KeyHash` folded, `ByteStringTable.hash(folding:)`), so the result is
/// exact. Plain pointers, made once in `init` and freed by `deallocate()` (the owner's
/// `deinit`): copies of the struct share them and count no references.
struct TriggerKeys {
    /// Words of the Bloom filter (a power of two).
    static let filterWords = 512

    private let filter: UnsafeMutablePointer<UInt64>
    private let table: ByteStringTable.Pinned
    /// The bits of each key id of `table`.
    private let masks: UnsafeMutablePointer<UInt64>
    /// Number of keys.
    var count: Int { table.count }

    /// A table of the keys of `keys` with their bits `masks` (`masks[id]` for key `id`).
    init(_ keys: ByteStringTable, masks keyMasks: [UInt64]) {
        precondition(keys.count == keyMasks.count)
        table = ByteStringTable.Pinned(keys)
        filter = .allocate(capacity: TriggerKeys.filterWords)
        filter.initialize(repeating: 0, count: TriggerKeys.filterWords)
        masks = .allocate(capacity: max(keys.count, 1))
        masks.initialize(from: keyMasks, count: keys.count)
        for id in 0..<keys.count {
            let key = Array(keys.key(id))
            addToFilter(KeyHash.hash(key))
            addToFilter(KeyHash.hash(key + [UInt8(ascii: ".")]))
        }
    }

    /// Frees the storage (once, by the owner).
    func deallocate() {
        filter.deallocate()
        table.deallocate()
        masks.deallocate()
    }

    private func addToFilter(_ h: UInt64) {
        let a = Int(h >> 49), b = Int((h >> 34) & 0x7FFF)
        filter[a >> 6] |= 1 << UInt64(a & 63)
        filter[b >> 6] |= 1 << UInt64(b & 63)
    }

    /// Whether a key with `KeyHash` `h`, or with `h` the hash of a key followed by '.',
    /// may be in the table (false: certainly not).
    @inline(__always)
    func mayHave(_ h: UInt64) -> Bool {
        let a = Int(truncatingIfNeeded: h &>> 49), b = Int(truncatingIfNeeded: (h &>> 34) & 0x7FFF)
        return filter[a &>> 6] & (1 &<< UInt64(a & 63)) != 0 && filter[b &>> 6] & (1 &<< UInt64(b & 63)) != 0
    }

    /// The bits of `key`, whose `KeyHash` is `h`, or nil when it is not a key.
    @inline(__always)
    func bits(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> UInt64? {
        guard let id = table.lookup(key, hash: ByteStringTable.hash(folding: h)) else { return nil }
        return masks[id]
    }

    /// The bits of a token's key: those of the key, else, for a key of two bytes or more
    /// ending in '.', those of the key without it (a key in the table with no bits blocks
    /// that retry); 0 when neither is a key. `h` is the key's `KeyHash`.
    /// The caller has checked `mayHave(h)` (without it, the answer is 0).
    @inline(__always)
    func tokenBits(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> UInt64 {
        if let b = bits(key, hash: h) { return b }
        return withoutDot(key)
    }

    /// The retry without a final '.' (rare: kept out of line).
    @inline(never)
    private func withoutDot(_ key: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let count = key.count
        guard count > 1, key[count - 1] == UInt8(ascii: ".") else { return 0 }
        let stem = UnsafeBufferPointer(rebasing: key[..<(count - 1)])
        return bits(stem, hash: KeyHash.hash(stem)) ?? 0
    }
}
