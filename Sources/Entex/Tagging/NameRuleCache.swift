import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The on-disk cache of prepared `NameRuleResources` tables.
///
/// Building the tables folds about 100 000 list words into match keys (ICU for
/// every non-ASCII word) and hashes them into tables: most of entex's start-up.
/// The cache stores the finished arrays, hash slots included (placing 100 000
/// keys again in cleared slot arrays was most of reading the cache; the word
/// index as its keys and its own slots, not the table its keys were gathered in), in
/// `BinaryCacheWriter`'s aligned format (the gazetteer cache's: counts and raw bytes padded to 8
/// bytes, so that the file is mapped and its arrays used in place) under a key of the list files'
/// identities (`FileIdentity`: any write to a list changes it), the running
/// executable's identity (a rebuilt entex may fold differently), the ICU
/// version and `formatVersion`. A file that is truncated, damaged (checksum,
/// or any index out of range) or of another key is ignored and the tables are
/// built again; an unwritable directory only means building every time.
enum NameRuleCache {
    /// Bump when the layout or the way keys are made changes (5: arrays padded to 8 bytes, for mapping).
    static let formatVersion: UInt32 = 5
    static let magic: [UInt8] = Array("ENTXNRR\u{0}".utf8)
    /// Languages of the per-language tables, in file order.
    static let languages = ["en", "es"]

    /// The resources of `lexicons`, from the cache in `directory` when it is current,
    /// else built (and saved there). `fromCache` tells which, for tests and benchmarks.
    static func load(from lexicons: String, directory: String?) throws(DataFileError)
        -> (resources: NameRuleResources, fromCache: Bool) {
        guard let directory, let key = key(lexicons) else {
            return (try NameRuleResources.build(from: lexicons), false)
        }
        let path = directory + "/namerules-" + String(key, radix: 16) + ".bin"
        if let cached = read(path, key: key, trustDirectory: directory) { return (cached, true) }
        let built = try NameRuleResources.build(from: lexicons)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if write(built, key: key, to: path) {
            GazetteerCache.prune(directory, keeping: path, prefix: "namerules-")
        }
        return (built, false)
    }

    /// The cache key of the lists under `lexicons`, or nil when a required list cannot be
    /// examined (building then reports why).
    static func key(_ lexicons: String) -> UInt64? {
        var files = NameRuleResources.sourceFiles(lexicons).map {
            FileIdentity.File(path: $0.path, label: "list", required: $0.required)
        }
        files.append(FileIdentity.File(path: FileIdentity.executablePath, label: "executable", required: false))
        return FileIdentity.key("entex-namerules v\(formatVersion) icu \(LibraryVersions.icu)", files)
    }

    // MARK: - Writing

    /// Writes `r` to `path` (through a temporary file); returns whether it worked.
    @discardableResult
    static func write(_ r: NameRuleResources, key: UInt64, to path: String) -> Bool {
        guard var out = BinaryCacheWriter(path: path, checksummed: true, aligned: true) else { return false }
        func put(_ table: ByteStringTable) {
            out.put(table.pool); out.put(table.ends); out.put(table.hashes); out.put(table.slots)
        }
        out.put(magic)
        out.put([formatVersion])
        out.put([key])
        for lang in languages {
            put(r.titles[lang] ?? ByteStringTable())
            out.put((r.titleKinds[lang] ?? []).map(\.rawValue))
            put(r.commonWords[lang] ?? ByteStringTable())
        }
        out.put([Int64(r.maxTitleWords)])
        put(r.titleFirstWords)
        put(r.orgHeads)
        out.put(r.orgHeadPositions.map(\.rawValue))
        put(r.connectors)
        out.put(r.connectorUses.map(\.rawValue))
        put(r.firstNames)
        out.put(r.firstNameIsCommon.map { $0 ? UInt8(1) : 0 })
        let index = r.wordIndex
        out.put(index.keyPool)
        out.put(index.keyEnds)
        out.put(index.slots)
        out.put(index.commonIn)
        out.put(index.firstName)
        out.put(Array(index.languages.joined(separator: "\n").utf8))
        out.put(index.sourceCounts.map { Int64($0) })
        out.put(index.firstNameFilter.words)
        out.put(index.wordFilter.words)
        out.putChecksum()
        return out.finish()
    }

    // MARK: - Reading

    /// Reads a cache file; nil when it is absent, of another version or key, or damaged.
    ///
    /// With a `trustDirectory`, the checksum of a file validated before (a `.valid` memo
    /// there names its identity: any write to the file changes it) is not computed again,
    /// as for the gazetteer cache (`GazetteerCache.read`): hashing the 3.7 MB file was a
    /// third of reading it. Nor are its offsets and indexes checked again (the key ends,
    /// `slotsAreConsistent`, the word index's first-name ids: passes over some 300 000
    /// values, more than reading the file): only a validation checks them, as the gazetteer
    /// cache's `isConsistent`. Counts that must agree are checked at every read.
    /// A file validated now is remembered if its last change is at least `trustAge` seconds old.
    static func read(_ path: String, key: UInt64, trustDirectory: String? = nil,
                     trustAge: Double = GazetteerCache.trustAge) -> NameRuleResources? {
        readReporting(path, key: key, trustDirectory: trustDirectory, trustAge: trustAge)?.resources
    }

    /// `read`, and whether the file was validated (checksummed) rather than trusted.
    ///
    /// The file is mapped (`MappedFile`): the word index, its filters and the common-word
    /// tables view its pages, so a run touches only the pages its lookups reach (reading
    /// the 6.8 MB into new arrays was some 1 670 page faults, half of a short run's).
    /// The other tables, a few kilobytes each, are copied.
    static func readReporting(_ path: String, key: UInt64, trustDirectory: String?,
                              trustAge: Double) -> (resources: NameRuleResources, validated: Bool)? {
        let startTime = GazetteerCache.wallClock()
        guard let file = MappedFile(path: path) else { return nil }
        let identity = file.identity
        let memo = trustDirectory.map {
            GazetteerCache.ValidationMemo(directory: $0, prefix: "namerules-", domain: "entex-namerules-valid v\(formatVersion)",
                                          path: path, identity: identity)
        }
        let trusted = memo?.exists ?? false
        let input = MappedCacheReader(file, checksummed: !trusted)
        func arrays() -> CommonWordTables.Mapped? {
            let pool = input.get(UInt8.self), ends = input.get(UInt32.self), hashes = input.get(UInt32.self)
            let slots = input.get(UInt32.self)
            guard hashes.count == ends.count,
                  trusted || (endsAreConsistent(ends, poolCount: pool.count) && slotsAreConsistent(slots, count: ends.count))
            else { return nil }
            return CommonWordTables.Mapped(pool: pool, ends: ends, hashes: hashes, slots: slots)
        }
        func table() -> ByteStringTable? {
            arrays().map { ByteStringTable(pool: $0.pool.array, ends: $0.ends.array, slots: $0.slots.array, hashes: $0.hashes.array) }
        }
        guard input.get(UInt8.self).elementsEqual(magic), input.get(UInt32.self).elementsEqual([formatVersion]),
              input.get(UInt64.self).elementsEqual([key]) else { return nil }
        var r = NameRuleResources()
        var commonWords: [String: CommonWordTables.Mapped] = [:]
        for lang in languages {
            guard let titles = table() else { return nil }
            let kinds = input.get(UInt8.self).compactMap(NameRuleResources.TitleKind.init(rawValue:))
            guard kinds.count == titles.count, let common = arrays() else { return nil }
            r.titles[lang] = titles
            r.titleKinds[lang] = kinds
            commonWords[lang] = common
        }
        r.setCommonWords(mapped: commonWords)
        guard let maxTitleWords = input.get(Int64.self).first, let titleFirstWords = table(),
              let orgHeads = table() else { return nil }
        let positions = input.get(UInt8.self).map(NameRuleResources.HeadPosition.init(rawValue:))
        guard positions.count == orgHeads.count, let connectors = table() else { return nil }
        let uses = input.get(UInt8.self).map(NameRuleResources.ConnectorUse.init(rawValue:))
        guard uses.count == connectors.count, let firstNames = table() else { return nil }
        let firstNameIsCommon = input.get(UInt8.self).map { $0 != 0 }
        guard firstNameIsCommon.count == firstNames.count else { return nil }
        let keyPool = input.get(UInt8.self), keyEnds = input.get(UInt32.self)
        guard trusted || endsAreConsistent(keyEnds, poolCount: keyPool.count) else { return nil }
        let indexSlots = input.get(UInt64.self)
        let commonIn = input.get(UInt16.self), firstName = input.get(Int32.self)
        let indexLanguages = String(decoding: input.get(UInt8.self), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        let sourceCounts = input.get(Int64.self).map { Int(clamping: $0) }
        guard let firstNameFilter = KeyHashFilter(words: input.get(UInt64.self)),
              let wordFilter = KeyHashFilter(words: input.get(UInt64.self)),
              input.checksumMatches(), input.isComplete else { return nil }

        // An index that points outside its arrays would crash a lookup: check every one.
        guard commonIn.count == keyEnds.count, firstName.count == keyEnds.count,
              trusted || slotsAreConsistent(indexSlots, count: keyEnds.count),
              trusted || firstName.allSatisfy({ $0 >= -1 && Int($0) < firstNames.count }),
              indexLanguages.count <= 16, sourceCounts.count == indexLanguages.count + 1
        else { return nil }
        r.maxTitleWords = Int(clamping: maxTitleWords)
        r.titleFirstWords = titleFirstWords
        r.orgHeads = orgHeads
        r.orgHeadPositions = positions
        r.connectors = connectors
        r.connectorUses = uses
        r.firstNames = firstNames
        r.firstNameIsCommon = firstNameIsCommon
        r.wordIndex = WordIndex(keyPool: keyPool, keyEnds: keyEnds, slots: indexSlots, commonIn: commonIn, firstName: firstName,
                                languages: indexLanguages, sourceCounts: sourceCounts,
                                firstNameFilter: firstNameFilter, wordFilter: wordFilter)
        guard r.wordIndex.matches(firstNameCount: r.firstNames.count, commonWordCounts: r.commonWordCounts) else { return nil }
        if !trusted, FileIdentity.identity(path) == identity { memo?.remember(startTime: startTime, trustAge: trustAge) }
        return (r, !trusted)
    }

    /// Whether `ends` are the end offsets of keys in a pool of `poolCount` bytes.
    static func endsAreConsistent<C: Collection<UInt32>>(_ ends: C, poolCount: Int) -> Bool {
        var previous: UInt32 = 0
        for e in ends {
            if e < previous { return false }
            previous = e
        }
        return Int(previous) == poolCount
    }

    /// Whether `slots` can be the open-addressed slots (`id + 1`, 0 empty) of a table of
    /// `count` keys without a probe reading outside the table: a power of two of them,
    /// more than `count` (a probe ends at an empty one), `count` of them used, each with
    /// an id below `count`. A slot in the wrong place only makes its key not found: the
    /// checksum, not this, tells a damaged file.
    static func slotsAreConsistent<C: Collection<UInt32>>(_ slots: C, count: Int) -> Bool {
        guard slots.count > count, slots.count & (slots.count - 1) == 0 else { return false }
        var used = 0
        var largest: UInt32 = 0
        for s in slots {
            used &+= s == 0 ? 0 : 1
            largest = max(largest, s)
        }
        return used == count && Int(largest) <= count
    }

    /// `slotsAreConsistent` for the word index's slots, `hash << 32 | (id + 1)` (0 empty):
    /// a used slot's low half is never 0.
    static func slotsAreConsistent<C: Collection<UInt64>>(_ slots: C, count: Int) -> Bool {
        guard slots.count > count, slots.count & (slots.count - 1) == 0 else { return false }
        var used = 0
        var largest: UInt32 = 0
        var hashWithoutID = false
        for s in slots {
            let id = UInt32(truncatingIfNeeded: s)
            used &+= id == 0 ? 0 : 1
            largest = max(largest, id)
            hashWithoutID = hashWithoutID || (id == 0 && s != 0)
        }
        return !hashWithoutID && used == count && Int(largest) <= count
    }
}
