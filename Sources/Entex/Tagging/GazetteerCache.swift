import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a gazetteer was obtained, for `entex bench` and `entex lexicon`.
public struct GazetteerLoadInfo: Sendable {
    /// Whether it was compiled from the TSV files (false: read from the binary cache).
    public var compiled: Bool
    /// Seconds spent compiling or reading the cache (finding its key included).
    public var seconds: Double
    /// The cache file read or written, if any.
    public var cachePath: String?
    /// Bad rows skipped when compiling leniently (`--lenient`), each naming file and line.
    public var skippedRows: [DataFileError] = []
}

/// The binary form of a compiled `Gazetteer` and the on-disk cache of it.
///
/// A cache file holds a header (magic, format version, content key), every
/// array of the gazetteer (the derived matching tables too) as a count followed
/// by its raw bytes, padded to 8 bytes, and a checksum. Reading maps the file
/// into memory and the gazetteer's arrays are views of its pages: nothing is
/// copied, parsed or built, and pages are read from the page cache when matching
/// first touches them. The content
/// key hashes the bytes of every lexicon file, its name and kind, and the
/// tokenizer's own data files (which decide how names are split), so any
/// change to them gives a new key. Hashing a million entries' files takes
/// longer than reading the cache, so the content key is also remembered in a
/// small `.key` file named by the files' identities (`statKey`): unchanged
/// files are hashed once, not at every start. Files are written to a temporary name
/// and renamed, so readers never see half a file; a file that is damaged or
/// from another format version is ignored and the gazetteer is recompiled.
///
/// A file is validated (checksum, `isConsistent`, derived tables equal to what
/// `Gazetteer.derive` makes of the rest) the first time it is read; that it passed
/// is remembered in a `.valid` memo named by the file's identity (`FileIdentity`:
/// any write to it changes its status-change time), so later starts trust it
/// without touching every page.
public enum GazetteerCache {
    /// Bump when the layout or the matching semantics change.
    public static let formatVersion: UInt32 = 6
    static let magic: [UInt8] = Array("ENTXGAZ\u{0}".utf8)

    /// `$XDG_CACHE_HOME/entex` or `~/.cache/entex`.
    ///
    /// The two variables are read with `getenv`: `ProcessInfo.environment` copies the whole
    /// environment into a dictionary of strings at every call (0.7 M instructions, on each
    /// of the two threads that load caches at start-up).
    public static var defaultDirectory: String? {
        if let xdg = environmentValue("XDG_CACHE_HOME") { return xdg + "/entex" }
        if let home = environmentValue("HOME") { return home + "/.cache/entex" }
        return nil
    }

    /// The value of environment variable `name`, nil when it is unset or empty.
    static func environmentValue(_ name: String) -> String? {
        guard let value = getenv(name), value.pointee != 0 else { return nil }
        return String(cString: value)
    }

    /// The content key of `sources` plus the tokenizer data under `lexicons/text`.
    public static func contentKey(_ sources: [GazetteerSource], lexicons: String) throws(DataFileError) -> UInt64 {
        var hasher = ContentHasher()
        hasher.add(Array("entex-gazetteer v\(formatVersion)".utf8))
        for source in sources {
            guard let data = FileManager.default.contents(atPath: source.path) else {
                throw DataFileError(file: source.path, line: nil, message: "cannot read file")
            }
            let label = (source.isUser ? "user:" : "bundled:") + URL(fileURLWithPath: source.path).lastPathComponent
            hasher.add(Array(label.utf8))
            data.withUnsafeBytes { hasher.add(UnsafeBufferPointer(start: $0.baseAddress?.assumingMemoryBound(to: UInt8.self), count: $0.count)) }
        }
        for name in tokenizerFiles {
            if let data = FileManager.default.contents(atPath: lexicons + "/text/" + name) {
                hasher.add(Array(name.utf8))
                data.withUnsafeBytes { hasher.add(UnsafeBufferPointer(start: $0.baseAddress?.assumingMemoryBound(to: UInt8.self), count: $0.count)) }
            }
        }
        return hasher.value
    }

    /// Text files besides the lexicons that decide how names are tokenized, and so enter the key.
    static let tokenizerFiles = ["abbreviations-en.txt", "abbreviations-es.txt",
                                 "elongation-exceptions-en.txt", "elongation-exceptions-es.txt"]

    /// The `FileIdentity` key of the lexicons and the tokenizer's text files: the key of
    /// the content-key memo. Nil when a lexicon cannot be examined (the content key then reports why).
    static func statKey(_ sources: [GazetteerSource], lexicons: String) -> UInt64? {
        var files = sources.map { FileIdentity.File(path: $0.path, label: $0.isUser ? "user" : "bundled", required: true) }
        files += tokenizerFiles.map { FileIdentity.File(path: lexicons + "/text/" + $0, label: "text", required: false) }
        return FileIdentity.key("entex-gazetteer-stat v\(formatVersion)", files)
    }

    /// The content key of the files, remembered in `directory` under their `statKey`, so
    /// that loading an unchanged set of lexicons does not read and hash all their bytes
    /// (52 MB for a million entries). A missing or unreadable memo just means hashing.
    static func rememberedContentKey(_ sources: [GazetteerSource], lexicons: String,
                                     directory: String) throws(DataFileError) -> UInt64 {
        guard let fast = statKey(sources, lexicons: lexicons) else {
            return try contentKey(sources, lexicons: lexicons)
        }
        let memo = directory + "/gazetteer-" + String(fast, radix: 16) + ".key"
        if let data = FileManager.default.contents(atPath: memo),
           let text = String(data: data, encoding: .utf8),
           let key = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) {
            return key
        }
        let key = try contentKey(sources, lexicons: lexicons)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = memo + ".tmp\(getpid())"
        if FileManager.default.createFile(atPath: temporary, contents: Data((String(key, radix: 16) + "\n").utf8)) {
            if rename(temporary, memo) != 0 {
                unlink(temporary)
            } else {
                // Every clone or copy of the lexicons has its own identity, so memos pile up
                // even when the cache file itself is found: prune them where they are made.
                pruneKeyMemos(directory)
            }
        }
        return key
    }

    /// Loads the gazetteer for `sources` from the cache in `directory`, or
    /// compiles it and tries to save it there (an unwritable directory is
    /// not an error). With a nil `directory` it always compiles. With
    /// `lenient`, bad rows are skipped and listed in `GazetteerLoadInfo.skippedRows`.
    public static func load(_ sources: [GazetteerSource], lexicons: String, text: TextResources,
                            directory: String? = GazetteerCache.defaultDirectory, lenient: Bool = false) throws(DataFileError)
        -> (Gazetteer, GazetteerLoadInfo) {
        let t0 = StageBenchmark.now()
        if lenient {
            // A cache file exists only for files without bad rows, so a hit is still right;
            // a lenient compile that skipped rows is never cached (its warnings would be lost).
            let key: UInt64
            if let directory {
                key = try rememberedContentKey(sources, lexicons: lexicons, directory: directory)
            } else {
                key = try contentKey(sources, lexicons: lexicons)
            }
            let path = directory.map { $0 + "/gazetteer-" + String(key, radix: 16) + ".bin" }
            if let path, let g = read(path, key: key, stateLimit: Gazetteer.stateLimit, trustDirectory: directory)?.gazetteer {
                return (g, GazetteerLoadInfo(compiled: false, seconds: StageBenchmark.now() - t0, cachePath: path))
            }
            var builder = try GazetteerBuilder(text: text)
            builder.lenient = true
            for source in sources { try builder.add(source) }
            let skipped = builder.skipped
            let g = (consume builder).build()
            var saved = false
            if let path, let directory, skipped.isEmpty {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                saved = write(g, key: key, to: path)
            }
            return (g, GazetteerLoadInfo(compiled: true, seconds: StageBenchmark.now() - t0,
                                         cachePath: saved ? path : nil, skippedRows: skipped))
        }
        guard let directory else {
            let g = try GazetteerBuilder.compile(sources, text: text)
            return (g, GazetteerLoadInfo(compiled: true, seconds: StageBenchmark.now() - t0, cachePath: nil))
        }
        let key = try rememberedContentKey(sources, lexicons: lexicons, directory: directory)
        let path = directory + "/gazetteer-" + String(key, radix: 16) + ".bin"
        if let g = read(path, key: key, stateLimit: Gazetteer.stateLimit, trustDirectory: directory)?.gazetteer {
            return (g, GazetteerLoadInfo(compiled: false, seconds: StageBenchmark.now() - t0, cachePath: path))
        }
        let g = try GazetteerBuilder.compile(sources, text: text)
        let seconds = StageBenchmark.now() - t0
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let saved = write(g, key: key, to: path)
        if saved { prune(directory, keeping: path) }
        return (g, GazetteerLoadInfo(compiled: true, seconds: seconds, cachePath: saved ? path : nil))
    }

    /// Cache files kept per folder (one per combination of lexicons recently used).
    public static let keptFiles = 8

    /// Deletes the least recently written cache files beyond `keptFiles`.
    /// Cache files of other kinds (`prefix`, e.g. `namerules-`) share the rule.
    static func prune(_ directory: String, keeping path: String, prefix: String = "gazetteer-") {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else { return }
        pruneKeyMemos(directory, names: names, prefix: prefix)
        let files = names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".bin") }.map { directory + "/" + $0 }
        guard files.count > keptFiles else { return }
        let dated = files.map { ($0, (try? fm.attributesOfItem(atPath: $0)[.modificationDate] as? Date) ?? .distantPast) }
        for (file, _) in dated.sorted(by: { $0.1 > $1.1 }).dropFirst(keptFiles) where file != path {
            try? fm.removeItem(atPath: file)
        }
    }

    /// Key memos kept per folder before pruning starts; a prune keeps the newest `keptKeyMemos / 2`.
    /// They are a few bytes each, so many more are kept than cache files.
    public static let keptKeyMemos = 8 * keptFiles

    /// Deletes the least recently written memos (`.key`, or `.valid` ones) beyond `keptKeyMemos`.
    static func pruneKeyMemos(_ directory: String, names: [String]? = nil, prefix: String = "gazetteer-",
                              suffix: String = ".key") {
        let fm = FileManager.default
        guard let names = names ?? (try? fm.contentsOfDirectory(atPath: directory)) else { return }
        let memos = names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }.map { directory + "/" + $0 }
        guard memos.count > keptKeyMemos else { return }
        let dated = memos.map { ($0, (try? fm.attributesOfItem(atPath: $0)[.modificationDate] as? Date) ?? .distantPast) }
        for (file, _) in dated.sorted(by: { $0.1 > $1.1 }).dropFirst(keptKeyMemos / 2) { try? fm.removeItem(atPath: file) }
    }

    // MARK: - Writing

    /// Writes `g` to `path` (through a temporary file); returns whether it worked.
    @discardableResult
    public static func write(_ g: Gazetteer, key: UInt64, to path: String) -> Bool {
        guard var out = BinaryCacheWriter(path: path, checksummed: true, aligned: true) else { return false }
        out.put(magic)
        out.put([formatVersion])
        out.put([key])
        out.put(g.vocabulary.pool); out.put(g.vocabulary.ends); out.put(g.vocabulary.slots); out.put(g.rootTargets)
        out.put(g.transitionKeys); out.put(g.transitionTargets)
        out.put(g.outputStarts); out.put(g.outputEntries); out.put(g.outputForms); out.put(g.outputCapitals)
        out.put(g.entryTypes); out.put(g.entryFlags); out.put(g.entryLanguages); out.put(g.entryFiles)
        out.put(g.entryCanonical); out.put(g.entryKB)
        out.put(g.stringPool); out.put(g.stringEnds)
        out.put(Array(g.files.joined(separator: "\n").utf8))
        out.put(g.fileIsUser.map { $0 ? UInt8(1) : 0 })
        // The derived tables, so that reading builds nothing.
        out.put(g.stateFlags); out.put(g.termValues); out.put(g.termFollows); out.put(g.termSeconds)
        out.put(g.termFilter.words); out.put([UInt64(g.longestTerm)]); out.put(g.outputRecords)
        out.putChecksum()
        return out.finish()
    }

    // MARK: - Reading

    /// Reads a cache file; nil when it is absent, of another version or key, or damaged.
    /// The file is always validated (no memo is read or written).
    public static func read(_ path: String, key: UInt64? = nil) -> Gazetteer? {
        read(path, key: key, stateLimit: Gazetteer.stateLimit)?.gazetteer
    }

    /// How old (seconds) a cache file's last change must be for its validation to be
    /// remembered: file times have a clock tick's resolution, so a file changed again
    /// within the tick it was validated in could keep its identity. One changed after
    /// the validation started gets a later time than this margin allows, so another identity.
    static let trustAge: Double = 2

    /// Reads the cache file at `path` (mapped, see `MappedFile`); nil when it is absent,
    /// of another version or key, or damaged. `stateLimit` is `Gazetteer.stateLimit` except
    /// in tests: a file with more states than matching can handle is refused like a damaged one.
    ///
    /// With a `trustDirectory`, a file validated before (a `.valid` memo there names its
    /// identity) is trusted without validation, and one validated now is remembered if its
    /// last change is at least `trustAge` seconds old. `validated` says whether it was validated.
    static func read(_ path: String, key: UInt64?, stateLimit: Int, trustDirectory: String? = nil,
                     trustAge: Double = GazetteerCache.trustAge) -> (gazetteer: Gazetteer, validated: Bool)? {
        let startTime = wallClock()
        guard let file = MappedFile(path: path) else { return nil }
        let memo = trustDirectory.map {
            ValidationMemo(directory: $0, prefix: "gazetteer-", domain: "entex-gazetteer-valid v\(formatVersion) states \(stateLimit)",
                           path: path, identity: file.identity)
        }
        let trusted = memo?.exists ?? false
        let input = MappedCacheReader(file, checksummed: !trusted)
        guard input.get(UInt8.self).elementsEqual(magic), input.get(UInt32.self).elementsEqual([formatVersion]) else { return nil }
        let stored = input.get(UInt64.self)
        guard stored.count == 1, key == nil || stored[0] == key else { return nil }
        let core = Gazetteer.Core(
            vocabulary: TermTable(pool: input.get(UInt8.self), ends: input.get(UInt32.self), slots: input.get(UInt64.self)),
            rootTargets: input.get(UInt32.self), transitionKeys: input.get(UInt64.self), transitionTargets: input.get(UInt32.self),
            outputStarts: input.get(UInt32.self), outputEntries: input.get(UInt32.self),
            outputForms: input.get(UInt32.self), outputCapitals: input.get(UInt32.self),
            entryTypes: input.get(UInt8.self), entryFlags: input.get(UInt8.self),
            entryLanguages: input.get(UInt8.self), entryFiles: input.get(UInt16.self),
            entryCanonical: input.get(UInt32.self), entryKB: input.get(UInt32.self),
            stringPool: input.get(UInt8.self), stringEnds: input.get(UInt32.self),
            files: String(decoding: input.get(UInt8.self), as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
            fileIsUser: input.get(UInt8.self).map { $0 != 0 })
        let stateFlags = input.get(UInt8.self), termValues = input.get(UInt64.self)
        let termFollows = input.get(UInt64.self), termSeconds = input.get(UInt64.self)
        let filterWords = input.get(UInt64.self), longest = input.get(UInt64.self)
        let outputRecords = input.get(Gazetteer.OutputRecord.self)
        guard longest.count == 1, longest[0] <= UInt64(Int.max),
              let termFilter = KeyHashFilter(words: filterWords),
              input.checksumMatches(), input.isComplete else { return nil }
        let derived = Gazetteer.Derived(stateFlags: stateFlags, termValues: termValues, termFollows: termFollows,
                                        termSeconds: termSeconds, termFilter: termFilter, longestTerm: Int(longest[0]),
                                        outputRecords: outputRecords)
        let g = Gazetteer(core, derived)
        if trusted { return (g, false) }
        guard isConsistent(g, stateLimit: stateLimit), derivedMatch(g, core) else { return nil }
        // Changed in place while being validated: what was checked is not what is mapped.
        let now = FileIdentity.identity(path)
        if let now, now[0] == file.identity[0], now[1] == file.identity[1], now != file.identity { return nil }
        if now == file.identity { memo?.remember(startTime: startTime, trustAge: trustAge) }
        return (g, true)
    }

    /// Whether the derived tables of `g` (as read) are what `Gazetteer.derive` makes of `core`.
    static func derivedMatch(_ g: Gazetteer, _ core: Gazetteer.Core) -> Bool {
        let d = Gazetteer.derive(core)
        return sameBytes(g.stateFlags, d.stateFlags) && sameBytes(g.termValues, d.termValues)
            && sameBytes(g.termFollows, d.termFollows) && sameBytes(g.termSeconds, d.termSeconds)
            && g.termFilter.words == d.termFilter.words && g.longestTerm == d.longestTerm
            && sameBytes(g.outputRecords, d.outputRecords)
    }

    /// Whether `a` and `b` hold the same bytes.
    static func sameBytes<T>(_ a: MappableArray<T>, _ b: [T]) -> Bool {
        a.count == b.count && a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count * MemoryLayout<T>.stride) == 0
            }
        }
    }

    /// The `.valid` memo in a cache folder that says the cache file `path`, as it is now
    /// (`identity`), passed a full check: its name is a key of the path and identity under
    /// `domain`, so any write to the file (or a file put in its place) leaves it unnamed.
    struct ValidationMemo {
        let path: String
        /// The memo names' prefix in the folder (memos of one kind are pruned together).
        let prefix: String
        /// The cache file's identity it names.
        let identity: [Int64]

        init(directory: String, prefix: String, domain: String, path file: String, identity: [Int64]) {
            self.prefix = prefix
            self.identity = identity
            path = directory + "/" + prefix + String(FileIdentity.key(domain, path: file, fields: identity), radix: 16) + ".valid"
        }

        /// Whether the file was checked before (and is unchanged since).
        var exists: Bool { GazetteerCache.hasMemo(path) }

        /// Writes the memo after a check that started at `startTime`, if the file's last
        /// change is at least `trustAge` seconds older than that: a file changed within
        /// the tick it was checked in could keep its identity through a later change.
        func remember(startTime: Double, trustAge: Double) {
            guard Double(max(identity[3], identity[5])) + 1 < startTime - trustAge else { return }
            GazetteerCache.writeMemo(path, prefix: prefix)
        }
    }

    /// Whether the validation memo `path` exists (its content is its own name's key).
    static func hasMemo(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return false }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return String(decoding: data, as: UTF8.self) == name + "\n"
    }

    /// Writes the validation memo `path` (through a temporary file) and prunes old ones
    /// (memos whose names start with `prefix`).
    static func writeMemo(_ path: String, prefix: String = "gazetteer-") {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let temporary = path + ".tmp\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((name + "\n").utf8)) else { return }
        if rename(temporary, path) != 0 {
            unlink(temporary)
        } else {
            pruneKeyMemos(URL(fileURLWithPath: path).deletingLastPathComponent().path, prefix: prefix, suffix: ".valid")
        }
    }

    /// Seconds since 1970 (the clock of file times).
    static func wallClock() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_REALTIME, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Checks every index a damaged file could make point outside its array,
    /// and that the states are few enough to be matched.
    static func isConsistent(_ g: Gazetteer, stateLimit: Int = Gazetteer.stateLimit) -> Bool {
        func endsOK(_ ends: MappableArray<UInt32>, _ poolCount: Int) -> Bool {
            var previous: UInt32 = 0
            for e in ends {
                if e < previous { return false }
                previous = e
            }
            return Int(previous) == poolCount
        }
        func tableOK(_ t: TermTable) -> Bool {
            let n = t.ends.count
            guard t.slots.count >= 16, t.slots.count & (t.slots.count - 1) == 0,
                  t.slots.count > n, endsOK(t.ends, t.pool.count) else { return false }
            return !t.slots.contains { Int(UInt32(truncatingIfNeeded: $0)) > n }
        }
        guard tableOK(g.vocabulary), endsOK(g.stringEnds, g.stringPool.count) else { return false }
        // Every term labels a transition: fewer terms than states (matching keeps term ids in 29 bits).
        guard g.vocabulary.count < g.outputStarts.count else { return false }
        let states = g.outputStarts.count - 1
        let entries = g.entryTypes.count
        let outputs = g.outputEntries.count
        let tableSize = g.transitionKeys.count
        guard states >= 1, states <= stateLimit, tableSize > 0, tableSize & (tableSize - 1) == 0, g.transitionTargets.count == tableSize,
              g.outputForms.count == outputs, g.outputCapitals.count == outputs,
              g.entryFlags.count == entries, g.entryLanguages.count == entries, g.entryFiles.count == entries,
              g.entryCanonical.count == entries, g.entryKB.count == entries,
              g.files.count == g.fileIsUser.count, g.outputStarts.first == 0, Int(g.outputStarts[states]) == outputs
        else { return false }
        // A full table would make a failed lookup loop forever.
        guard g.transitionKeys.contains(Gazetteer.emptySlot), g.vocabulary.slots.contains(0),
              g.rootTargets.count == g.vocabulary.count else { return false }
        for s in 0..<states where g.outputStarts[s] > g.outputStarts[s + 1] { return false }
        if g.rootTargets.contains(where: { Int($0) >= states }) { return false }
        for i in 0..<tableSize where g.transitionKeys[i] != Gazetteer.emptySlot && Int(g.transitionTargets[i]) >= states {
            return false
        }
        let stringCount = UInt32(g.stringEnds.count)
        for o in 0..<outputs {
            if Int(g.outputEntries[o]) >= entries { return false }
            let form = g.outputForms[o]
            if form != Gazetteer.noForm && form >= stringCount { return false }
        }
        for e in 0..<entries {
            if EntityType(rawValue: g.entryTypes[e]) == nil || Int(g.entryFiles[e]) >= g.files.count
                || g.entryCanonical[e] >= stringCount || (g.entryKB[e] != Gazetteer.noForm && g.entryKB[e] >= stringCount)
                || Gazetteer.Language(rawValue: g.entryLanguages[e]) == nil {
                return false
            }
        }
        return true
    }
}

/// A key of files' identities rather than their bytes: path, device, inode, size,
/// modification and status-change times. Any write to a file changes its status-change
/// time, which no tool can set back, so an unchanged key means unchanged files.
enum FileIdentity {
    struct File {
        var path: String
        /// Written into the key with the path (what the file is to the cache).
        var label: String
        /// A required file that cannot be examined makes the key nil; an optional
        /// one enters the key as absent (so creating it later changes the key).
        var required: Bool
    }

    /// The key of `files` under `domain` (a name and format version), or nil when a
    /// required file cannot be examined.
    static func key(_ domain: String, _ files: [File]) -> UInt64? {
        var hasher = ContentHasher()
        hasher.add(Array(domain.utf8))
        for file in files {
            guard let fields = identity(file.path) else {
                if file.required { return nil }
                hasher.add(Array(("absent:" + file.label + "\u{0}" + file.path).utf8))
                continue
            }
            hasher.add(Array((file.label + "\u{0}" + file.path).utf8))
            fields.withUnsafeBytes { hasher.add(UnsafeBufferPointer(start: $0.baseAddress?.assumingMemoryBound(to: UInt8.self), count: $0.count)) }
        }
        return hasher.value
    }

    /// The running executable's own path (readlink, not a stat through the link: under
    /// valgrind the link's target is the tool while readlink still names the program).
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
    }

    /// The key of one file, `path`, whose `identity` is `fields`, under `domain`.
    static func key(_ domain: String, path: String, fields: [Int64]) -> UInt64 {
        var hasher = ContentHasher()
        hasher.add(Array(domain.utf8))
        hasher.add(Array(path.utf8))
        fields.withUnsafeBytes { hasher.add(UnsafeBufferPointer(start: $0.baseAddress?.assumingMemoryBound(to: UInt8.self), count: $0.count)) }
        return hasher.value
    }

    /// Device, inode, size, modification and status-change times of `path`, or nil.
    static func identity(_ path: String) -> [Int64]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return fields(info)
    }

    /// `identity` of the open file `descriptor`.
    static func identity(descriptor: Int32) -> [Int64]? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        return fields(info)
    }

    /// The identity fields of `info`: seconds at indices 3 and 5, nanoseconds after each.
    private static func fields(_ info: stat) -> [Int64] {
        [Int64(bitPattern: UInt64(info.st_dev)), Int64(bitPattern: UInt64(info.st_ino)),
                Int64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec),
                Int64(info.st_ctim.tv_sec), Int64(info.st_ctim.tv_nsec)]
    }
}

/// Writes a binary cache file: arrays of plain values, each as a count (8 bytes)
/// followed by its raw bytes, into a temporary file that `finish()` renames into
/// place, so readers never see half a file.
///
/// An `aligned` file (for `MappedCacheReader`) pads every array to a multiple of 8
/// bytes, so that each starts 8-byte aligned in a mapping of the file, and its
/// checksum covers the counts as well as the arrays.
struct BinaryCacheWriter {
    private let path: String
    private let temporary: String
    private let file: UnsafeMutablePointer<FILE>
    private var ok = true
    private let aligned: Bool
    /// Hash of every array put so far, when the file carries a checksum (`putChecksum`).
    private var hasher: ContentHasher?

    /// Opens a temporary file beside `path`; with `checksummed`, `putChecksum` can end the file.
    init?(path: String, checksummed: Bool = false, aligned: Bool = false) {
        self.path = path
        self.aligned = aligned
        if checksummed { hasher = ContentHasher() }
        temporary = path + ".tmp\(getpid())"
        guard let f = fopen(temporary, "wb") else { return nil }
        file = f
    }

    /// Appends `array` (plain values only: no references, no `String`s).
    mutating func put<T>(_ array: [T]) {
        array.withUnsafeBytes { put($0, count: array.count) }
    }

    /// Appends `array`.
    mutating func put<T>(_ array: MappableArray<T>) {
        array.withUnsafeBufferPointer { put(UnsafeRawBufferPointer($0), count: $0.count) }
    }

    /// Appends `count` elements, whose bytes are `raw`.
    private mutating func put(_ raw: UnsafeRawBufferPointer, count elements: Int) {
        var count = UInt64(elements)
        ok = ok && fwrite(&count, 8, 1, file) == 1
        if aligned {
            withUnsafeBytes(of: &count) { hasher?.add(UnsafeBufferPointer(start: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: 8)) }
        }
        if raw.isEmpty { return }
        ok = ok && fwrite(raw.baseAddress!, 1, raw.count, file) == raw.count
        hasher?.add(UnsafeBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: UInt8.self), count: raw.count))
        let padding = aligned ? (8 - raw.count & 7) & 7 : 0
        if padding > 0 {
            var zeros: UInt64 = 0
            ok = ok && fwrite(&zeros, 1, padding, file) == padding
        }
    }

    /// Appends the hash of everything put so far, for `BinaryCacheReader.checksumMatches()`
    /// (or `MappedCacheReader`'s, for an aligned file).
    mutating func putChecksum() {
        put([hasher?.value ?? 0])
    }

    /// Closes the file and renames it into place; returns whether every step worked
    /// (on failure the temporary file is removed).
    mutating func finish() -> Bool {
        ok = fclose(file) == 0 && ok
        if ok { ok = rename(temporary, path) == 0 }
        if !ok { unlink(temporary) }
        return ok
    }
}

/// Reads what `BinaryCacheWriter(aligned: true)` wrote, from a mapping of the file: each
/// array is a view of the file's pages, not a copy. Every count is checked against the
/// bytes left, so a truncated or damaged file gives empty arrays and `isComplete` false,
/// never a view past the end; the caller still checks that the values make sense.
final class MappedCacheReader {
    private let file: MappedFile
    private var offset = 0
    private(set) var failed = false
    private var hasher: ContentHasher?

    /// Reads `file`; with `checksummed`, every count and array read enters the hash
    /// `checksumMatches()` compares (which reads every page of the file).
    init(_ file: MappedFile, checksummed: Bool) {
        self.file = file
        if checksummed { hasher = ContentHasher() }
    }

    /// The next array (empty once anything failed).
    func get<T: BitwiseCopyable>(_: T.Type) -> MappableArray<T> {
        let size = file.bytes.count
        guard !failed, MemoryLayout<T>.alignment <= 8, size - offset >= 8 else { failed = true; return MappableArray() }
        let base = file.bytes.baseAddress!
        // The mapping is page-aligned and every array starts at a multiple of 8.
        let count = base.load(fromByteOffset: offset, as: UInt64.self)
        let bytes = Int(clamping: count).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        let padded = bytes.partialValue.addingReportingOverflow(7)
        guard !bytes.overflow, !padded.overflow, padded.partialValue & ~7 <= size - offset - 8 else {
            failed = true
            return MappableArray()
        }
        if hasher != nil {
            hasher!.add(UnsafeBufferPointer(start: (base + offset).assumingMemoryBound(to: UInt8.self), count: 8))
            if bytes.partialValue > 0 {
                hasher!.add(UnsafeBufferPointer(start: (base + offset + 8).assumingMemoryBound(to: UInt8.self),
                                                count: bytes.partialValue))
            }
        }
        let start = UnsafeRawPointer(base + offset + 8).bindMemory(to: T.self, capacity: Int(count))
        offset += 8 + padded.partialValue & ~7
        return count == 0 ? MappableArray() : MappableArray(viewing: start, count: Int(count), in: file)
    }

    /// Reads the checksum `putChecksum` wrote; true when it equals the hash of the arrays
    /// read before it, or when the reader is not `checksummed` (the file is trusted).
    func checksumMatches() -> Bool {
        let expected = hasher?.value
        let stored = get(UInt64.self)
        guard let expected else { return stored.count == 1 }
        return stored.elementsEqual([expected])
    }

    /// Whether every read worked and the whole file was read.
    var isComplete: Bool { !failed && offset == file.bytes.count }
}

/// Reads what `BinaryCacheWriter` wrote. Every count is checked against the bytes
/// left, so a truncated or damaged file gives empty arrays and `isComplete` false,
/// never a read past the end; the caller still checks that the values make sense.
final class BinaryCacheReader {
    private let file: UnsafeMutablePointer<FILE>
    private var remaining: Int
    private(set) var failed = false
    private var hasher: ContentHasher?

    /// Opens `path`; with `checksummed`, every array read enters the hash `checksumMatches()` compares.
    init?(path: String, checksummed: Bool = false) {
        if checksummed { hasher = ContentHasher() }
        guard let f = fopen(path, "rb") else { return nil }
        var info = stat()
        guard fstat(fileno(f), &info) == 0 else {
            fclose(f)
            return nil
        }
        file = f
        remaining = Int(info.st_size)
        identity = FileIdentity.identity(descriptor: fileno(f))
    }

    /// The identity (`FileIdentity.identity`) of the file opened, from its descriptor.
    let identity: [Int64]?

    deinit { fclose(file) }

    /// The next array (empty once anything failed).
    func get<T>(_: T.Type) -> [T] {
        if failed { return [] }
        var count: UInt64 = 0
        guard remaining >= 8, fread(&count, 8, 1, file) == 1 else { failed = true; return [] }
        remaining -= 8
        let bytes = Int(clamping: count).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
        guard !bytes.overflow, bytes.partialValue <= remaining else { failed = true; return [] }
        remaining -= bytes.partialValue
        let n = Int(count)
        let array = [T](unsafeUninitializedCapacity: n) { buffer, initialized in
            if n > 0 && fread(buffer.baseAddress!, MemoryLayout<T>.stride, n, file) != n { failed = true }
            initialized = n  // Plain element types: any bytes are valid values.
        }
        if !failed, n > 0, hasher != nil {
            array.withUnsafeBytes { hasher!.add(UnsafeBufferPointer(start: $0.baseAddress!.assumingMemoryBound(to: UInt8.self), count: $0.count)) }
        }
        return array
    }

    /// Reads the checksum `putChecksum` wrote and compares it with the arrays read before it;
    /// a reader that is not `checksummed` (the file is trusted) only checks that it is there.
    func checksumMatches() -> Bool {
        // The hash of what was read before the checksum (reading it adds it to the hash).
        let expected = hasher?.value
        let stored = get(UInt64.self)
        guard let expected else { return stored.count == 1 }
        return stored == [expected]
    }

    /// Whether every read worked and the whole file was read.
    var isComplete: Bool { !failed && remaining == 0 }
}

/// A 64-bit hash of byte streams for cache keys (not cryptographic): eight
/// bytes at a time, multiply and rotate, with the length mixed in.
struct ContentHasher {
    private(set) var value: UInt64 = 0x243F_6A88_85A3_08D3

    mutating func add(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { add($0) }
    }

    mutating func add(_ p: UnsafeBufferPointer<UInt8>) {
        var h = value ^ (UInt64(p.count) &* 0x9E37_79B9_7F4A_7C15)
        var i = 0
        if let base = p.baseAddress {
            while i + 8 <= p.count {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                h = ((h ^ w) &* 0xFF51_AFD7_ED55_8CCD)
                h = (h << 29) | (h >> 35)
                i += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < p.count {
                tail |= UInt64(base[i]) << shift
                shift += 8
                i += 1
            }
            h = ((h ^ tail ^ 0x80) &* 0xC4CE_B9FE_1A85_EC53)
        }
        h ^= h >> 33
        value = h
    }
}

/// The gazetteer of a `Resources`, compiled (or read from the cache) once,
/// on first use, by whichever thread asks first.
final class LazyGazetteer: @unchecked Sendable {
    private let lock = NSLock()
    private var value: (Gazetteer, GazetteerLoadInfo)?

    func get(_ make: () throws(DataFileError) -> (Gazetteer, GazetteerLoadInfo)) throws(DataFileError) -> (Gazetteer, GazetteerLoadInfo) {
        lock.lock()
        defer { lock.unlock() }
        if let value { return value }
        let made = try make()
        value = made
        return made
    }

    var loaded: (Gazetteer, GazetteerLoadInfo)? {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

extension Resources {
    /// The gazetteer of the bundled `gazetteers/*.tsv` plus `userLexicons`,
    /// from the binary cache when it is current, else compiled (and cached).
    /// Compiled once per `Resources`; thread-safe.
    public func gazetteer() throws(DataFileError) -> Gazetteer {
        try lazyGazetteer.get { () throws(DataFileError) in
            try Resources.makeGazetteer(lexicons: lexiconsPath, userLexicons: userLexicons, text: text, lenient: lenient)
        }.0
    }

    /// Loads the gazetteer of `lexicons` and `userLexicons` from the cache, or compiles it.
    static func makeGazetteer(lexicons: String, userLexicons: [String], text: TextResources,
                              lenient: Bool) throws(DataFileError) -> (Gazetteer, GazetteerLoadInfo) {
        let sources = try GazetteerSource.all(lexicons: lexicons, userLexicons: userLexicons)
        return try GazetteerCache.load(sources, lexicons: lexicons, text: text, lenient: lenient)
    }

    /// How the gazetteer was loaded, once `gazetteer()` has been called.
    public var gazetteerLoadInfo: GazetteerLoadInfo? { lazyGazetteer.loaded?.1 }
}
