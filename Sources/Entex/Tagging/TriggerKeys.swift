/// Token key → trigger bits for the regex stage, probed with the key's `KeyHash` (the
/// tokenizer's `Document.keyHashes`), so that the pass over every token reads no key
/// bytes for most tokens and makes no reference counting for any.
///
/// A 32 768-bit Bloom filter (two bits per hash) holds the `KeyHash` of every key and of
/// every key with a '.' appended: a token whose hash misses it is neither a key nor a key
/// followed by '.', so it gets no bits. A hash that passes is looked up in an
/// open-addressed table of the keys' full hashes, and a hit is confirmed on the bytes, so
/// the result is exact. Plain pointers, made once in `init` and freed by `deallocate()`
/// (the owner's `deinit`): copies of the struct share them and count no references.
struct TriggerKeys {
    /// Words of the Bloom filter (a power of two).
    static let filterWords = 512

    private let filter: UnsafeMutablePointer<UInt64>
    /// Slot → key id, -1 when empty; `slotMask + 1` slots, at most a quarter full.
    private let slots: UnsafeMutablePointer<Int32>
    private let slotMask: Int
    /// Per key id: its `KeyHash`, its bits, and its bytes at `pool[offsets[id]..<offsets[id + 1]]`.
    private let hashes: UnsafeMutablePointer<UInt64>
    private let masks: UnsafeMutablePointer<UInt64>
    private let offsets: UnsafeMutablePointer<Int32>
    private let pool: UnsafeMutablePointer<UInt8>
    /// Number of keys.
    let count: Int

    /// A table of `keys` (distinct) with their bits `masks`.
    init(keys: [[UInt8]], masks keyMasks: [UInt64]) {
        precondition(keys.count == keyMasks.count)
        count = keys.count
        var size = 16
        while size < 4 * max(count, 1) { size <<= 1 }
        slotMask = size - 1
        filter = .allocate(capacity: TriggerKeys.filterWords)
        filter.initialize(repeating: 0, count: TriggerKeys.filterWords)
        slots = .allocate(capacity: size)
        slots.initialize(repeating: -1, count: size)
        hashes = .allocate(capacity: max(count, 1))
        masks = .allocate(capacity: max(count, 1))
        offsets = .allocate(capacity: count + 1)
        let total = keys.reduce(0) { $0 + $1.count }
        pool = .allocate(capacity: max(total, 1))
        var offset = 0
        offsets[0] = 0
        for (id, key) in keys.enumerated() {
            for (k, b) in key.enumerated() { pool[offset + k] = b }
            offset += key.count
            offsets[id + 1] = Int32(offset)
            let h = KeyHash.hash(key)
            hashes[id] = h
            masks[id] = keyMasks[id]
            var i = TriggerKeys.slot(h) & slotMask
            while slots[i] >= 0 { i = (i + 1) & slotMask }
            slots[i] = Int32(id)
            addToFilter(h)
            addToFilter(KeyHash.hash(key + [UInt8(ascii: ".")]))
        }
    }

    /// Frees the storage (once, by the owner).
    func deallocate() {
        filter.deallocate()
        slots.deallocate()
        hashes.deallocate()
        masks.deallocate()
        offsets.deallocate()
        pool.deallocate()
    }

    @inline(__always)
    private static func slot(_ h: UInt64) -> Int { Int(truncatingIfNeeded: h ^ (h >> 29)) }

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
        var i = TriggerKeys.slot(h) & slotMask
        while true {
            let id = Int(slots[i])
            if id < 0 { return nil }
            if hashes[id] == h {
                let start = Int(offsets[id]), length = Int(offsets[id + 1]) - start
                if length == key.count && (length == 0 || memcmpEqual(pool + start, key.baseAddress!, length)) {
                    return masks[id]
                }
            }
            i = (i + 1) & slotMask
        }
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
