/// An immutable-after-build hash table from byte strings to dense ids
/// (0, 1, 2, … in insertion order), with lookups on borrowed bytes so hot
/// paths never allocate a `String` or an `Array` to ask.
///
/// All keys live in one byte pool; the table is three flat arrays, which
/// also makes it cheap to save to and load from a binary cache.
public struct ByteStringTable: Sendable {
    /// Concatenated key bytes.
    public private(set) var pool: [UInt8] = []
    /// `ends[id]` is the end offset of key `id` in `pool` (start is `ends[id-1]` or 0).
    public private(set) var ends: [UInt32] = []
    /// Open-addressed slots holding `id + 1` (0 = empty); size is a power of two.
    public private(set) var slots: [UInt32]
    /// Stored hash of each id, to skip most byte comparisons.
    public private(set) var hashes: [UInt32] = []

    public init(minimumCapacity: Int = 16) {
        var size = 16
        while size < minimumCapacity * 2 { size <<= 1 }
        slots = [UInt32](repeating: 0, count: size)
    }

    /// Rebuilds a table from arrays previously taken from one (binary cache).
    public init(pool: [UInt8], ends: [UInt32], slots: [UInt32], hashes: [UInt32]) {
        self.pool = pool
        self.ends = ends
        self.slots = slots
        self.hashes = hashes
    }

    public var count: Int { ends.count }

    /// The hash a key is placed and probed by: its `KeyHash`, folded to 32
    /// bits. The tokenizer stores every token's `KeyHash` (`Document.keyHashes`),
    /// so a stage looks a token's whole key up with `hash(folding:)` of the stored
    /// value instead of hashing the key bytes again.
    @inline(__always)
    public static func hash(_ p: UnsafeBufferPointer<UInt8>) -> UInt32 {
        hash(folding: KeyHash.hash(p))
    }

    /// `hash(key)` from `KeyHash.hash(key)`.
    @inline(__always)
    public static func hash(folding keyHash: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: keyHash ^ (keyHash >> 32))
    }

    @inline(__always)
    private func keyRange(_ id: Int) -> Range<Int> {
        (id == 0 ? 0 : Int(ends[id - 1]))..<Int(ends[id])
    }

    /// The id of `key`, or nil.
    @inline(__always)
    public func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        lookup(key, hash: ByteStringTable.hash(key))
    }

    /// The id of `key`, whose `hash(_:)` the caller already has (one hash for several tables), or nil.
    @inline(__always)
    public func lookup(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> Int? {
        slots.withUnsafeBufferPointer { slots in
            hashes.withUnsafeBufferPointer { hashes in
                ends.withUnsafeBufferPointer { ends in
                    pool.withUnsafeBufferPointer { pool in
                        ByteStringTable.probe(key, hash: h, slots: slots.baseAddress!, mask: slots.count - 1,
                                              hashes: hashes.baseAddress, ends: ends.baseAddress, pool: pool.baseAddress)
                    }
                }
            }
        }
    }

    /// The lookup itself, on the table's storage: linear probing from `hash & mask` to an
    /// empty slot, comparing stored hashes, then lengths and bytes. `hashes`, `ends` and
    /// `pool` are nil only for an empty table (whose slots are all empty).
    @inline(__always)
    static func probe(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt32, slots: UnsafePointer<UInt32>, mask: Int,
                      hashes: UnsafePointer<UInt32>?, ends: UnsafePointer<UInt32>?, pool: UnsafePointer<UInt8>?) -> Int? {
        var i = Int(h) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { return nil }
            let id = Int(slot - 1)
            if hashes.unsafelyUnwrapped[id] == h {
                let ends = ends.unsafelyUnwrapped
                let start = id == 0 ? 0 : Int(ends[id - 1])
                if Int(ends[id]) - start == key.count
                    && (key.count == 0 || memcmpEqual(pool.unsafelyUnwrapped + start, key.baseAddress!, key.count)) {
                    return id
                }
            }
            i = (i + 1) & mask
        }
    }

    public func lookup(_ key: some Collection<UInt8>) -> Int? {
        if let r = key.withContiguousStorageIfAvailable({ lookup($0) }) { return r }
        return Array(key).withUnsafeBufferPointer { lookup($0) }
    }

    public func lookup(_ key: String) -> Int? {
        var key = key
        return key.withUTF8 { lookup($0) }
    }

    /// The bytes of key `id`.
    public func key(_ id: Int) -> ArraySlice<UInt8> { pool[keyRange(id)] }

    /// Inserts `key` if absent; returns its id either way.
    @discardableResult
    public mutating func insert(_ key: some Collection<UInt8>) -> Int {
        if let id = key.withContiguousStorageIfAvailable({ insert($0) }) { return id }
        return Array(key).withUnsafeBufferPointer { insert($0) }
    }

    /// Inserts `key` if absent; returns its id either way.
    @discardableResult
    public mutating func insert(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        insert(key, hash: ByteStringTable.hash(key))
    }

    /// Inserts `key`, whose `hash(_:)` the caller already has (from a stored `KeyHash`), if absent;
    /// returns its id either way.
    @discardableResult
    public mutating func insert(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> Int {
        if let id = lookup(key, hash: h) { return id }
        if (ends.count + 1) * 2 > slots.count { grow() }
        let id = ends.count
        pool.append(contentsOf: key)
        ends.append(UInt32(pool.count))
        hashes.append(h)
        place(id: id, hash: h)
        return id
    }

    /// Removes every key, keeping the storage (a table reused for each document).
    public mutating func removeAll() {
        guard !ends.isEmpty else { return }
        pool.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        slots.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    @discardableResult
    public mutating func insert(_ key: String) -> Int { insert(Array(key.utf8)) }

    /// The keys' bytes, ends and hashes, moved out: the table is left empty and its slots
    /// are freed, so that a large table becomes another structure without two copies of it.
    mutating func takeKeys() -> (pool: [UInt8], ends: [UInt32], hashes: [UInt32]) {
        defer { self = ByteStringTable() }
        var taken: (pool: [UInt8], ends: [UInt32], hashes: [UInt32]) = ([], [], [])
        swap(&taken.pool, &pool)
        swap(&taken.ends, &ends)
        swap(&taken.hashes, &hashes)
        return taken
    }

    private mutating func place(id: Int, hash: UInt32) {
        let mask = slots.count - 1
        var i = Int(hash) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = UInt32(id + 1)
    }

    private mutating func grow() {
        slots = [UInt32](repeating: 0, count: slots.count * 2)
        for id in 0..<ends.count { place(id: id, hash: hashes[id]) }
    }
}

extension ByteStringTable {
    /// The table copied once into memory of its own and read through plain pointers, for
    /// the passes that look a key up for every token: a lookup touches no array, so it
    /// makes no reference counting and no uniqueness or bounds checks, yet it is the
    /// table's own (`ByteStringTable.probe`), with the same ids. Copies of the struct
    /// share the memory; the owner frees it once with `deallocate()` (in its `deinit`).
    struct Pinned: @unchecked Sendable {
        // Safe to share: never changed after `init`.
        private let slots: UnsafeMutablePointer<UInt32>
        private let mask: Int
        private let hashes: UnsafeMutablePointer<UInt32>
        private let ends: UnsafeMutablePointer<UInt32>
        private let pool: UnsafeMutablePointer<UInt8>
        /// Number of keys (ids are `0..<count`).
        let count: Int

        init(_ table: ByteStringTable) {
            count = table.count
            mask = table.slots.count - 1
            slots = .allocate(capacity: table.slots.count)
            slots.initialize(from: table.slots, count: table.slots.count)
            hashes = .allocate(capacity: max(count, 1))
            hashes.initialize(from: table.hashes, count: count)
            ends = .allocate(capacity: max(count, 1))
            ends.initialize(from: table.ends, count: count)
            pool = .allocate(capacity: max(table.pool.count, 1))
            pool.initialize(from: table.pool, count: table.pool.count)
        }

        /// Frees the copy (once, by the owner; no copy of the struct may be used after).
        func deallocate() {
            slots.deallocate()
            hashes.deallocate()
            ends.deallocate()
            pool.deallocate()
        }

        /// The id of `key`, whose `ByteStringTable.hash(_:)` is `h`, or nil.
        @inline(__always)
        func lookup(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> Int? {
            ByteStringTable.probe(key, hash: h, slots: slots, mask: mask, hashes: hashes, ends: ends, pool: pool)
        }
    }
}

@inline(__always)
func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var i = 0
    while i + 8 <= count {
        if UnsafeRawPointer(a + i).loadUnaligned(as: UInt64.self) != UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self) {
            return false
        }
        i += 8
    }
    while i < count {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}
