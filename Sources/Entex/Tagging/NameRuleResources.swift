import Foundation

/// The word lists the name rules read, loaded once from `Lexicons/` and
/// shared by every thread.
///
/// - `rules/titles-{en,es}.txt`: title and role phrases (`president`, `el presidente`, `sr`).
/// - `rules/org-heads-{en,es}.txt`: organisation head words, matched case-sensitively as written.
/// - `rules/connectors.txt`: lowercase words allowed inside names (`of`, `de la`, `van`).
/// - `names/first_names.tsv`: known first names (extra columns are ignored).
/// - `common/{en,es}.txt`: common lowercase words, to tell a capitalised
///   sentence-initial word from a name.
///
/// Title, first-name, connector and common-word tables are keyed by match
/// keys (`Tokenizer.key`); organisation heads by their exact UTF-8 bytes.
public struct NameRuleResources: Sendable {
    /// What a title phrase is.
    public enum TitleKind: UInt8, Sendable {
        /// Courtesy or academic form of address (`Mr`, `Dr`, `señora`).
        case honorific
        /// Office, rank or job (`President`, `ministra`, `Director`).
        case role
    }

    /// Where an organisation head word stands in a name.
    public struct HeadPosition: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Starts a name: `Ministry of Defence`, `Banco Central de Venezuela`.
        public static let first = HeadPosition(rawValue: 1)
        /// Ends a name: `Labour Party`, `Acme Inc.`.
        public static let last = HeadPosition(rawValue: 2)
    }

    /// Where a connector may stand.
    public struct ConnectorUse: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let org = ConnectorUse(rawValue: 1)
        public static let person = ConnectorUse(rawValue: 2)
        /// Joins coordinated parts (`and`, `y`): only after an `of`/`de` phrase.
        public static let coordinating = ConnectorUse(rawValue: 4)
    }

    /// Title phrases per language; a phrase's key is its words' keys joined by one space.
    public var titles: [String: ByteStringTable] = [:]
    public var titleKinds: [String: [TitleKind]] = [:]
    /// Longest title phrase, in words.
    public var maxTitleWords = 1
    /// First words of all title phrases (any language), to skip most tokens quickly.
    public var titleFirstWords = ByteStringTable()

    public var orgHeads = ByteStringTable()
    public var orgHeadPositions: [HeadPosition] = []

    public var connectors = ByteStringTable()
    public var connectorUses: [ConnectorUse] = []

    public var firstNames = ByteStringTable()
    /// Whether the first name, lowercased, is also a common word (`Will`, `Rosa`).
    public var firstNameIsCommon: [Bool] = []

    /// Common lowercase words per language.
    ///
    /// Read from the name-rule cache, the tables stay in the mapped file until first asked
    /// for (the rules stage asks only their sizes, `commonWordCounts`: it looks words up in
    /// `wordIndex`), so that the 2.5 MB of them are not copied at every start.
    public var commonWords: [String: ByteStringTable] {
        get { commonWordStore.tables }
        set { commonWordStore = CommonWordTables(newValue) }
    }

    /// The number of keys of each `commonWords` table, without making the tables.
    var commonWordCounts: [String: Int] { commonWordStore.counts }

    private var commonWordStore = CommonWordTables([:])

    /// First names and common words of every language in one table, so that one
    /// probe answers all of them for a token. `load` builds it; after changing
    /// `firstNames` or `commonWords` by hand, call `buildWordIndex()` (the rules
    /// stage builds its own when the sizes no longer match).
    public internal(set) var wordIndex = WordIndex()

    public init() {}

    /// Rebuilds `wordIndex` from `firstNames` and `commonWords`.
    public mutating func buildWordIndex() {
        wordIndex = WordIndex(firstNames: firstNames, commonWords: commonWords)
    }

    /// Loads every list from a `Lexicons` folder. A malformed row is an
    /// error naming its file and line; an absent optional file (first names,
    /// common words, connectors) leaves its table empty.
    ///
    /// Folding some 100 000 words into match keys costs more than the rest of
    /// start-up, so the prepared tables are kept in a binary cache in
    /// `cacheDirectory` (see `NameRuleCache`), read back while the list files
    /// and the executable are unchanged. A nil directory always builds.
    public static func load(from lexicons: String,
                            cacheDirectory: String? = GazetteerCache.defaultDirectory) throws(DataFileError) -> NameRuleResources {
        try NameRuleCache.load(from: lexicons, directory: cacheDirectory).resources
    }

    /// The list files `build(from:)` reads, and whether each must exist.
    static func sourceFiles(_ lexicons: String) -> [(path: String, required: Bool)] {
        var files: [(path: String, required: Bool)] = []
        for lang in ["en", "es"] {
            files.append(("\(lexicons)/rules/titles-\(lang).txt", true))
            files.append(("\(lexicons)/rules/org-heads-\(lang).txt", true))
            files.append(("\(lexicons)/common/\(lang).txt", false))
        }
        files.append(("\(lexicons)/rules/connectors.txt", false))
        files.append(("\(lexicons)/names/first_names.tsv", false))
        return files
    }

    /// Builds every table from the list files (no cache).
    static func build(from lexicons: String) throws(DataFileError) -> NameRuleResources {
        var r = NameRuleResources()
        for lang in ["en", "es"] {
            let titlePath = "\(lexicons)/rules/titles-\(lang).txt"
            var table = ByteStringTable()
            var kinds: [TitleKind] = []
            for row in try DataFile.rows(titlePath, minimumColumns: 2) {
                let kind: TitleKind
                switch row.fields[1].trimmedField {
                case "honorific": kind = .honorific
                case "role": kind = .role
                default:
                    throw DataFileError(file: titlePath, line: row.line, message: "unknown title kind '\(row.fields[1])' (honorific, role)")
                }
                let words = phraseWords(String(row.fields[0]))
                guard !words.isEmpty else {
                    throw DataFileError(file: titlePath, line: row.line, message: "empty title phrase")
                }
                r.maxTitleWords = max(r.maxTitleWords, words.count)
                r.titleFirstWords.insert(Tokenizer.key(words[0]))
                let id = table.insert(joinedKey(words))
                if id == kinds.count { kinds.append(kind) }
            }
            r.titles[lang] = table
            r.titleKinds[lang] = kinds

            let headPath = "\(lexicons)/rules/org-heads-\(lang).txt"
            for row in try DataFile.rows(headPath, minimumColumns: 2) {
                let position: HeadPosition
                switch row.fields[1].trimmedField {
                case "first": position = .first
                case "last": position = .last
                case "both": position = [.first, .last]
                default:
                    throw DataFileError(file: headPath, line: row.line, message: "unknown head position '\(row.fields[1])' (first, last, both)")
                }
                let word = ICUFold.nfc(row.fields[0].trimmedField)
                let id = r.orgHeads.insert(Array(word.utf8))
                if id == r.orgHeadPositions.count {
                    r.orgHeadPositions.append(position)
                } else {
                    r.orgHeadPositions[id].formUnion(position)
                }
            }

            let commonPath = "\(lexicons)/common/\(lang).txt"
            var common = ByteStringTable(minimumCapacity: 60_000)
            if FileExists.at(commonPath) {
                var key: [UInt8] = []
                try DataFile.forEachFirstField(commonPath) { word, _ in
                    key.removeAll(keepingCapacity: true)
                    Tokenizer.appendKey(word, to: &key)
                    key.withUnsafeBufferPointer { _ = common.insert($0) }
                }
            }
            r.commonWords[lang] = common
        }

        let connectorPath = "\(lexicons)/rules/connectors.txt"
        if FileExists.at(connectorPath) {
            for row in try DataFile.rows(connectorPath, minimumColumns: 2) {
                let word = row.fields[0].trimmedField
                var use: ConnectorUse
                switch row.fields[1].trimmedField {
                case "org": use = .org
                case "person": use = .person
                case "both": use = [.org, .person]
                default:
                    throw DataFileError(file: connectorPath, line: row.line, message: "unknown connector use '\(row.fields[1])' (org, person, both)")
                }
                if ["and", "y", "e", "&"].contains(word) { use.insert(.coordinating) }
                let id = r.connectors.insert(Tokenizer.key(word))
                if id == r.connectorUses.count { r.connectorUses.append(use) } else { r.connectorUses[id].formUnion(use) }
            }
        }

        let namesPath = "\(lexicons)/names/first_names.tsv"
        if FileExists.at(namesPath) {
            // Sized for the bundled list (some 7 800 names; it grows past that): the rules
            // find first names through the word index, so these slots are probed only while
            // building, and the name-rule cache stores them (131 072 of them were 512 KB).
            r.firstNames = ByteStringTable(minimumCapacity: 8_000)
            for row in try DataFile.rows(namesPath) {
                let name = row.fields[0].trimmedField
                guard !name.isEmpty else { continue }
                // Tolerant of added columns: the common flag is the 4th when present.
                let common = row.fields.count >= 4 && row.fields[3].trimmedField == "1"
                let id = r.firstNames.insert(Tokenizer.key(name))
                if id == r.firstNameIsCommon.count {
                    r.firstNameIsCommon.append(common)
                } else if common {
                    r.firstNameIsCommon[id] = true
                }
            }
        }
        r.buildWordIndex()
        return r
    }

    /// Words of a title phrase: split on spaces and hyphens, trailing dots dropped.
    static func phraseWords(_ phrase: String) -> [String] {
        phrase.split(whereSeparator: { $0 == " " || $0 == "-" || $0 == "\t" })
            .map { word in
                var w = Substring(word)
                while w.hasSuffix(".") { w = w.dropLast() }
                return String(w)
            }
            .filter { !$0.isEmpty }
    }

    static func joinedKey(_ words: [String]) -> [UInt8] {
        var key: [UInt8] = []
        for (i, w) in words.enumerated() {
            if i > 0 { key.append(0x20) }
            key.append(contentsOf: Tokenizer.key(w))
        }
        return key
    }
}

/// The common-word tables of a `NameRuleResources`: tables of their own, or the arrays of
/// a mapped name-rule cache file, made into tables once, when first asked for. Shared by
/// the copies of the resources; the tables it gives never change.
final class CommonWordTables: @unchecked Sendable {
    // Sendable: `built` is written once, under `lock`, and never changed after.
    /// One table's arrays in a mapped cache file.
    struct Mapped {
        var pool: MappableArray<UInt8>
        var ends: MappableArray<UInt32>
        var hashes: MappableArray<UInt32>
        var slots: MappableArray<UInt32>
    }

    /// The number of keys of each table.
    let counts: [String: Int]
    private let mapped: [String: Mapped]
    private let lock = NSLock()
    private var built: [String: ByteStringTable]?

    init(_ tables: [String: ByteStringTable]) {
        counts = tables.mapValues(\.count)
        mapped = [:]
        built = tables
    }

    init(mapped: [String: Mapped]) {
        counts = mapped.mapValues(\.ends.count)
        self.mapped = mapped
    }

    var tables: [String: ByteStringTable] {
        lock.lock()
        defer { lock.unlock() }
        if let built { return built }
        let tables = mapped.mapValues {
            ByteStringTable(pool: $0.pool.array, ends: $0.ends.array, slots: $0.slots.array, hashes: $0.hashes.array)
        }
        built = tables
        return tables
    }
}

extension NameRuleResources {
    /// Sets the common-word tables to the arrays `mapped` (of a mapped name-rule cache file).
    mutating func setCommonWords(mapped: [String: CommonWordTables.Mapped]) {
        commonWordStore = CommonWordTables(mapped: mapped)
    }
}

/// Match keys of first names and common words of every language, each with
/// what it is: the common-word languages (one bit per language of
/// `languages`) and the id in the first-name table.
public struct WordIndex: Sendable {
    /// The keys' bytes, one after another, ids in insertion order; key `id` ends at
    /// `keyEnds[id]` (and starts at `keyEnds[id - 1]`, or 0). Only `slots` finds them:
    /// the `ByteStringTable` they were gathered in is not kept, as its own slots and
    /// hashes (1.4 MB of the name-rule cache file) answered nothing `slots` does not.
    ///
    /// Every array may view a mapped name-rule cache file (`NameRuleCache`): a run touches
    /// only the pages its probes reach, instead of copying 3.8 MB at every start.
    private(set) var keyPool = MappableArray<UInt8>()
    private(set) var keyEnds = MappableArray<UInt32>()
    /// Open-addressed slots `hash << 32 | (id + 1)` (0 = empty): a probe reads the
    /// stored hash without another array.
    private(set) var slots = MappableArray<UInt64>([0])
    /// Per id: bit `k` set when the key is a common word of `languages[k]`.
    private(set) var commonIn = MappableArray<UInt16>()
    /// Per id: the id in `NameRuleResources.firstNames`, or -1.
    private(set) var firstName = MappableArray<Int32>()
    /// Languages of the common-word bits (at most 16), sorted.
    public private(set) var languages: [String] = []
    /// Sizes of the tables it was built from (first names, then each language).
    private(set) var sourceCounts: [Int] = [0]
    /// The hashes of the first names, and of the first names and every language's
    /// common words: the filters the rules stage puts in front of the index. Built with
    /// the index and stored with it in the name-rule cache (inserting some 100 000
    /// hashes was a tenth of start-up).
    public private(set) var firstNameFilter = KeyHashFilter([])
    public private(set) var wordFilter = KeyHashFilter([])

    public init() {}

    /// An index from the arrays of one built before (`NameRuleCache`), its `slots`
    /// included: they are the caller's to check (`NameRuleCache.slotsAreConsistent`).
    init(keyPool: MappableArray<UInt8>, keyEnds: MappableArray<UInt32>, slots: MappableArray<UInt64>,
         commonIn: MappableArray<UInt16>, firstName: MappableArray<Int32>,
         languages: [String], sourceCounts: [Int], firstNameFilter: KeyHashFilter, wordFilter: KeyHashFilter) {
        self.keyPool = keyPool
        self.keyEnds = keyEnds
        self.slots = slots
        self.commonIn = commonIn
        self.firstName = firstName
        self.languages = languages
        self.sourceCounts = sourceCounts
        self.firstNameFilter = firstNameFilter
        self.wordFilter = wordFilter
    }

    public init(firstNames: ByteStringTable, commonWords: [String: ByteStringTable]) {
        languages = Array(commonWords.keys.sorted().prefix(16))
        sourceCounts = [firstNames.count] + languages.map { commonWords[$0]!.count }
        var keys = ByteStringTable()
        var commonIn: [UInt16] = [], firstName: [Int32] = []
        func add(_ key: ArraySlice<UInt8>) -> Int {
            let id = keys.insert(key)
            if id == commonIn.count {
                commonIn.append(0)
                firstName.append(-1)
            }
            return id
        }
        for (bit, language) in languages.enumerated() {
            let table = commonWords[language]!
            for id in 0..<table.count {
                let w = add(table.key(id))
                commonIn[w] |= 1 << UInt16(bit)
            }
        }
        for id in 0..<firstNames.count {
            let w = add(firstNames.key(id))
            firstName[w] = Int32(id)
        }
        var (pool, ends, hashes) = keys.takeKeys()
        placeSlots(hashes)
        keyPool = MappableArray(taking: &pool)
        keyEnds = MappableArray(taking: &ends)
        self.commonIn = MappableArray(taking: &commonIn)
        self.firstName = MappableArray(taking: &firstName)
        firstNameFilter = KeyHashFilter([firstNames])
        wordFilter = KeyHashFilter([firstNames] + commonWords.keys.sorted().map { commonWords[$0]! })
    }

    /// Fills `slots` from the keys' hashes (`hashes[id]`).
    private mutating func placeSlots(_ hashes: [UInt32]) {
        var size = 16
        while size < hashes.count * 2 { size <<= 1 }
        slots = MappableArray(repeating: 0, count: size) { slots in
            let mask = size - 1
            for id in 0..<hashes.count {
                let h = hashes[id]
                var i = Int(h) & mask
                while slots[i] != 0 { i = (i + 1) & mask }
                slots[i] = UInt64(h) << 32 | UInt64(id + 1)
            }
        }
    }

    public var count: Int { keyEnds.count }

    /// The bytes of key `id`.
    func key(_ id: Int) -> ArraySlice<UInt8> {
        ArraySlice(keyPool.extracting((id == 0 ? 0 : Int(keyEnds[id - 1]))..<Int(keyEnds[id])))
    }

    /// Whether this index was built from tables of these sizes (and languages).
    public func matches(firstNames: ByteStringTable, commonWords: [String: ByteStringTable]) -> Bool {
        matches(firstNameCount: firstNames.count, commonWordCounts: commonWords.mapValues(\.count))
    }

    /// `matches(firstNames:commonWords:)` from the tables' sizes (`NameRuleResources.commonWordCounts`).
    func matches(firstNameCount: Int, commonWordCounts: [String: Int]) -> Bool {
        let languages = Array(commonWordCounts.keys.sorted().prefix(16))
        return languages == self.languages && commonWordCounts.count <= 16
            && sourceCounts == [firstNameCount] + languages.map { commonWordCounts[$0]! }
    }

    /// Bits of common-word languages: `language`'s alone when it has a list, else all.
    public func commonMask(language: String?) -> UInt16 {
        if let language, let bit = languages.firstIndex(of: language) { return 1 << UInt16(bit) }
        return languages.isEmpty ? 0 : UInt16(truncatingIfNeeded: (1 << languages.count) - 1)
    }

    /// The id of `key` (whose `ByteStringTable.hash` is `h`), or nil.
    @inline(__always)
    public func find(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> Int? {
        // Read through the arrays `self` holds (`element(unchecked:)`): the slots are a power
        // of two of them with an empty one (`NameRuleCache.slotsAreConsistent`), ids below `count`.
        let mask = slots.count - 1
        var i = Int(h) & mask
        while true {
            let slot = slots.element(unchecked: i)
            if slot == 0 { return nil }
            if UInt32(truncatingIfNeeded: slot >> 32) == h {
                let id = Int(UInt32(truncatingIfNeeded: slot)) - 1
                let start = id == 0 ? 0 : Int(keyEnds.element(unchecked: id - 1))
                if Int(keyEnds.element(unchecked: id)) - start == key.count
                    && (key.count == 0 || memcmpEqual(keyPool.baseAddress.unsafelyUnwrapped + start, key.baseAddress!, key.count)) {
                    return id
                }
            }
            i = (i + 1) & mask
        }
    }
}

/// A small Bloom filter over `ByteStringTable.hash` values, put in front of a
/// large table so that most keys the table lacks are turned away without
/// touching it: the word index is megabytes (a probe is a cache miss), the
/// filter a few kilobytes to a few hundred.
///
/// Never rejects a hash it was built from (a clear answer is exact: "not in
/// the table"); accepts about 1 % of other hashes. Each hash sets three bits
/// of one 64-bit word, so a test reads one word.
public struct KeyHashFilter: Sendable {
    /// The filter's bits (a power-of-two count of words), as a cache file stores them: a
    /// filter read from a mapped cache file views the file's pages (a million gazetteer
    /// terms' filter is 4 MB, which copying faulted in page by page at every start).
    private(set) var words: MappableArray<UInt64>
    /// `64 - log2(words.count)`: the shift that takes a mixed hash to a word index.
    private let shift: UInt64

    /// The filter whose bits are `words` (as read from a cache file, viewed in place);
    /// nil unless their count is a power of two.
    init?(words: MappableArray<UInt64>) {
        guard words.count > 0, words.count & (words.count - 1) == 0 else { return nil }
        self.words = words
        shift = UInt64(64 - words.count.trailingZeroBitCount)
    }

    /// The filter whose bits are `words`; nil unless their count is a power of two.
    init?(words: [UInt64]) {
        self.init(words: MappableArray(words))
    }

    /// A filter for `count` keys, about 16 bits each; insert them with `insert`.
    public init(capacity count: Int) {
        var size = 1
        var log = 0
        while size * 64 < max(count, 1) * 16 { size <<= 1; log += 1 }
        words = MappableArray(repeating: 0, count: size) { _ in }
        shift = UInt64(64 - log)
    }

    /// A filter that rejects nothing (a stand-in where no filtering is wanted).
    public static var acceptingAll: KeyHashFilter {
        var filter = KeyHashFilter(capacity: 0)
        filter.words = MappableArray([~0])
        return filter
    }

    /// A filter holding every hash of `tables` (the same hash of one key in two tables is stored once).
    public init(_ tables: [ByteStringTable]) {
        self.init(capacity: tables.reduce(0) { $0 + $1.count })
        insert(contentsOf: tables.lazy.flatMap(\.hashes))
    }

    /// The word index and the three-bit mask of hash `h`.
    @inline(__always) private func place(_ h: UInt32) -> (Int, UInt64) { Self.place(h, shift: shift) }

    @inline(__always) private static func place(_ h: UInt32, shift: UInt64) -> (Int, UInt64) {
        // The table's hash is FNV folded to 32 bits; one multiply spreads it over 64,
        // the top bits pick the word, three 6-bit fields the bits within it.
        let x = (UInt64(h) | UInt64(h) << 32) &* 0x9E37_79B9_7F4A_7C15
        let index = shift == 64 ? 0 : Int(truncatingIfNeeded: x >> shift)
        let mask = (1 as UInt64) << ((x >> 8) & 63) | (1 as UInt64) << ((x >> 16) & 63) | (1 as UInt64) << ((x >> 24) & 63)
        return (index, mask)
    }

    /// Inserts `h`. The words are immutable storage (they may be a cache file's pages), so
    /// each call copies them: insert many hashes with one `insert(contentsOf:)`.
    public mutating func insert(_ h: UInt32) {
        insert(contentsOf: CollectionOfOne(h))
    }

    /// Inserts every hash of `hashes` in one pass over a new copy of the words (a million
    /// vocabulary keys are inserted at every gazetteer compile; one `insert` each, not
    /// inlined, with an array uniqueness check per call, made that load a fifth slower).
    public mutating func insert<S: Sequence>(contentsOf hashes: S) where S.Element == UInt32 {
        let shift = self.shift
        let old = words
        words = MappableArray(repeating: 0, count: old.count) { words in
            old.withUnsafeBufferPointer { _ = words.initialize(fromContentsOf: $0) }
            for h in hashes {
                let (index, mask) = Self.place(h, shift: shift)
                words[index] |= mask
            }
        }
    }

    /// False when no key of hash `h` was inserted.
    @inline(__always) public func mayContain(_ h: UInt32) -> Bool {
        let (index, mask) = place(h)
        // `place` gives an index below the power-of-two count; no retain of the storage.
        return words.element(unchecked: index) & mask == mask
    }

    /// Size in bytes.
    public var byteCount: Int { words.count * 8 }

    /// The filter's test without its storage's reference, for a stage that keeps the filter
    /// (and so its words) alive as long as it uses the probe: copied into a local or passed
    /// in a loop, it is two plain words (a copy of the filter retains and releases its
    /// storage, once per call of the name rules' scan: 28 M instructions on the mix).
    struct Probe: @unchecked Sendable {
        // Sendable: the words are never written once the filter is made.
        private let base: UnsafePointer<UInt64>
        private let shift: UInt64

        fileprivate init(base: UnsafePointer<UInt64>, shift: UInt64) {
            self.base = base
            self.shift = shift
        }

        /// `KeyHashFilter.mayContain`.
        @inline(__always) func mayContain(_ h: UInt32) -> Bool {
            let (index, mask) = KeyHashFilter.place(h, shift: shift)
            return base[index] & mask == mask
        }
    }

    /// The probe of this filter, valid while the filter (or a copy) is alive.
    var probe: Probe { Probe(base: words.baseAddress!, shift: shift) }
}
