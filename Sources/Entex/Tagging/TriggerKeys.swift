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
///
/// Keys are *eager* or *late*: a key whose bits include none of the `eager` bits given to
/// `init` (in the regex stage, a word that only names a `start:` class, such as `the`) is
/// left out of the first filter and kept in a second one (`mayHaveLate`): the pass over
/// every token skips it, and only the tokens near a trigger are looked up in it. Keys
/// without bits (they only block the retry without '.') are in both filters.
struct TriggerKeys {
    /// Words of the Bloom filter (a power of two).
    static let filterWords = 512

    private let filter: UnsafeMutablePointer<UInt64>
    /// The filter of the late keys (the same size and hashing as `filter`).
    private let lateFilter: UnsafeMutablePointer<UInt64>
    private let table: ByteStringTable.Pinned
    /// The bits of each key id of `table`.
    private let masks: UnsafeMutablePointer<UInt64>
    /// Number of keys.
    var count: Int { table.count }

    /// A table of the keys of `keys` with their bits `masks` (`masks[id]` for key `id`);
    /// keys with bits but none of `eager` are late (all keys are eager by default).
    init(_ keys: ByteStringTable, masks keyMasks: [UInt64], eager: UInt64 = ~0) {
        precondition(keys.count == keyMasks.count)
        table = ByteStringTable.Pinned(keys)
        filter = .allocate(capacity: TriggerKeys.filterWords)
        filter.initialize(repeating: 0, count: TriggerKeys.filterWords)
        lateFilter = .allocate(capacity: TriggerKeys.filterWords)
        lateFilter.initialize(repeating: 0, count: TriggerKeys.filterWords)
        masks = .allocate(capacity: max(keys.count, 1))
        masks.initialize(from: keyMasks, count: keys.count)
        for id in 0..<keys.count {
            let key = Array(keys.key(id))
            let late = keyMasks[id] != 0 && keyMasks[id] & eager == 0
            let eagerToo = keyMasks[id] == 0 || !late
            for h in [KeyHash.hash(key), KeyHash.hash(key + [UInt8(ascii: ".")])] {
                if eagerToo { TriggerKeys.add(h, to: filter) }
                if !eagerToo || keyMasks[id] == 0 { TriggerKeys.add(h, to: lateFilter) }
            }
        }
    }

    /// Frees the storage (once, by the owner).
    func deallocate() {
        filter.deallocate()
        lateFilter.deallocate()
        table.deallocate()
        masks.deallocate()
    }

    private static func add(_ h: UInt64, to filter: UnsafeMutablePointer<UInt64>) {
        let a = Int(h >> 49), b = Int((h >> 34) & 0x7FFF)
        filter[a >> 6] |= 1 << UInt64(a & 63)
        filter[b >> 6] |= 1 << UInt64(b & 63)
    }

    @inline(__always)
    private static func test(_ h: UInt64, _ filter: UnsafeMutablePointer<UInt64>) -> Bool {
        let a = Int(truncatingIfNeeded: h &>> 49), b = Int(truncatingIfNeeded: (h &>> 34) & 0x7FFF)
        return filter[a &>> 6] & (1 &<< UInt64(a & 63)) != 0 && filter[b &>> 6] & (1 &<< UInt64(b & 63)) != 0
    }

    /// The eager filter's words (`filterWords` of them), for `entex_regex_stops`, which
    /// tests a hash as `mayHave` does (the same two bits).
    var filterBase: UnsafePointer<UInt64> { UnsafePointer(filter) }

    /// Whether an eager key (or a key without bits) with `KeyHash` `h`, or with `h` the
    /// hash of such a key followed by '.', may be in the table (false: certainly not).
    @inline(__always)
    func mayHave(_ h: UInt64) -> Bool { TriggerKeys.test(h, filter) }

    /// `mayHave` for the late keys (and the keys without bits).
    @inline(__always)
    func mayHaveLate(_ h: UInt64) -> Bool { TriggerKeys.test(h, lateFilter) }

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
