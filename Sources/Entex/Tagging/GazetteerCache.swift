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
/// A cache file holds a header (magic, format version, content key) and
/// every array of the gazetteer as a count followed by its raw bytes, so
/// loading is one `fread` per array and no per-entry parsing. The content
/// key hashes the bytes of every lexicon file, its name and kind, and the
/// tokenizer's own data files (which decide how names are split), so any
/// change to them gives a new key. Hashing a million entries' files takes
/// longer than reading the cache, so the content key is also remembered in a
/// small `.key` file named by the files' identities (`statKey`): unchanged
/// files are hashed once, not at every start. Files are written to a temporary name
/// and renamed, so readers never see half a file; a file that is damaged or
/// from another format version is ignored and the gazetteer is recompiled.
public enum GazetteerCache {
    /// Bump when the layout or the matching semantics change.
    public static let formatVersion: UInt32 = 3
    static let magic: [UInt8] = Array("ENTXGAZ\u{0}".utf8)

    /// `$XDG_CACHE_HOME/entex` or `~/.cache/entex`.
    public static var defaultDirectory: String? {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/entex" }
        if let home = env["HOME"], !home.isEmpty { return home + "/.cache/entex" }
        return nil
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

    /// A key of the files' identities rather than their bytes: path, device, inode, size,
    /// modification and status-change times. Any write to a file changes its status-change
    /// time, which no tool can set back, so an unchanged key means unchanged files.
    /// Nil when a file cannot be examined (the content key then reports why).
    static func statKey(_ sources: [GazetteerSource], lexicons: String) -> UInt64? {
        var hasher = ContentHasher()
        hasher.add(Array("entex-gazetteer-stat v\(formatVersion)".utf8))
        func add(_ path: String, label: String, required: Bool) -> Bool {
            var info = stat()
            guard stat(path, &info) == 0 else { return !required }
            hasher.add(Array((label + "\u{0}" + path).utf8))
            let fields: [Int64] = [Int64(bitPattern: UInt64(info.st_dev)), Int64(bitPattern: UInt64(info.st_ino)),
                                   Int64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec),
                                   Int64(info.st_ctim.tv_sec), Int64(info.st_ctim.tv_nsec)]
            fields.withUnsafeBytes { hasher.add(UnsafeBufferPointer(start: $0.baseAddress?.assumingMemoryBound(to: UInt8.self), count: $0.count)) }
            return true
        }
        for source in sources where !add(source.path, label: source.isUser ? "user" : "bundled", required: true) {
            return nil
        }
        for name in tokenizerFiles where !add(lexicons + "/text/" + name, label: "text", required: false) {
            return nil
        }
        return hasher.value
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
        if FileManager.default.createFile(atPath: temporary, contents: Data((String(key, radix: 16) + "\n").utf8)),
           rename(temporary, memo) != 0 {
            unlink(temporary)
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
            if let path, let g = read(path, key: key) {
                return (g, GazetteerLoadInfo(compiled: false, seconds: StageBenchmark.now() - t0, cachePath: path))
            }
            var builder = try GazetteerBuilder(text: text)
            builder.lenient = true
            for source in sources { try builder.add(source) }
            let g = builder.build()
            var saved = false
            if let path, let directory, builder.skipped.isEmpty {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                saved = write(g, key: key, to: path)
            }
            return (g, GazetteerLoadInfo(compiled: true, seconds: StageBenchmark.now() - t0,
                                         cachePath: saved ? path : nil, skippedRows: builder.skipped))
        }
        guard let directory else {
            let g = try GazetteerBuilder.compile(sources, text: text)
            return (g, GazetteerLoadInfo(compiled: true, seconds: StageBenchmark.now() - t0, cachePath: nil))
        }
        let key = try rememberedContentKey(sources, lexicons: lexicons, directory: directory)
        let path = directory + "/gazetteer-" + String(key, radix: 16) + ".bin"
        if let g = read(path, key: key) {
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
    static func prune(_ directory: String, keeping path: String) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else { return }
        // Key memos are a few bytes each; keep many more of them than cache files.
        let memos = names.filter { $0.hasPrefix("gazetteer-") && $0.hasSuffix(".key") }.map { directory + "/" + $0 }
        if memos.count > 8 * keptFiles {
            let dated = memos.map { ($0, (try? fm.attributesOfItem(atPath: $0)[.modificationDate] as? Date) ?? .distantPast) }
            for (file, _) in dated.sorted(by: { $0.1 > $1.1 }).dropFirst(4 * keptFiles) { try? fm.removeItem(atPath: file) }
        }
        let files = names.filter { $0.hasPrefix("gazetteer-") && $0.hasSuffix(".bin") }.map { directory + "/" + $0 }
        guard files.count > keptFiles else { return }
        let dated = files.map { ($0, (try? fm.attributesOfItem(atPath: $0)[.modificationDate] as? Date) ?? .distantPast) }
        for (file, _) in dated.sorted(by: { $0.1 > $1.1 }).dropFirst(keptFiles) where file != path {
            try? fm.removeItem(atPath: file)
        }
    }

    // MARK: - Writing

    /// Writes `g` to `path` (through a temporary file); returns whether it worked.
    @discardableResult
    public static func write(_ g: Gazetteer, key: UInt64, to path: String) -> Bool {
        let temporary = path + ".tmp\(getpid())"
        guard let f = fopen(temporary, "wb") else { return false }
        var ok = true
        func put<T>(_ array: [T]) {
            var count = UInt64(array.count)
            ok = ok && fwrite(&count, 8, 1, f) == 1
            if array.isEmpty { return }
            array.withUnsafeBytes { raw in
                ok = ok && fwrite(raw.baseAddress!, 1, raw.count, f) == raw.count
            }
        }
        put(magic)
        put([formatVersion])
        put([key])
        put(g.vocabulary.pool); put(g.vocabulary.ends); put(g.vocabulary.slots); put(g.rootTargets)
        put(g.transitionKeys); put(g.transitionTargets)
        put(g.outputStarts); put(g.outputEntries); put(g.outputForms); put(g.outputCapitals)
        put(g.entryTypes); put(g.entryFlags); put(g.entryLanguages); put(g.entryFiles)
        put(g.entryCanonical); put(g.entryKB)
        put(g.stringPool); put(g.stringEnds)
        put(Array(g.files.joined(separator: "\n").utf8))
        put(g.fileIsUser.map { $0 ? UInt8(1) : 0 })
        ok = fclose(f) == 0 && ok
        if ok { ok = rename(temporary, path) == 0 }
        if !ok { unlink(temporary) }
        return ok
    }

    // MARK: - Reading

    /// Reads a cache file; nil when it is absent, of another version or key, or damaged.
    /// `stateLimit` is `Gazetteer.stateLimit` except in tests: a file with more states
    /// than matching can handle is refused like a damaged one.
    public static func read(_ path: String, key: UInt64? = nil) -> Gazetteer? {
        read(path, key: key, stateLimit: Gazetteer.stateLimit)
    }

    static func read(_ path: String, key: UInt64?, stateLimit: Int) -> Gazetteer? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var info = stat()
        guard fstat(fileno(f), &info) == 0 else { return nil }
        var remaining = Int(info.st_size)
        var failed = false
        func get<T>(_: T.Type) -> [T] {
            if failed { return [] }
            var count: UInt64 = 0
            guard remaining >= 8, fread(&count, 8, 1, f) == 1 else { failed = true; return [] }
            remaining -= 8
            let bytes = Int(clamping: count).multipliedReportingOverflow(by: MemoryLayout<T>.stride)
            guard !bytes.overflow, bytes.partialValue <= remaining else { failed = true; return [] }
            remaining -= bytes.partialValue
            let n = Int(count)
            return [T](unsafeUninitializedCapacity: n) { buffer, initialized in
                if n > 0 && fread(buffer.baseAddress!, MemoryLayout<T>.stride, n, f) != n { failed = true }
                initialized = n  // POD element types: any bytes are valid values.
            }
        }
        guard get(UInt8.self) == magic, get(UInt32.self) == [formatVersion] else { return nil }
        let stored = get(UInt64.self)
        guard stored.count == 1, key == nil || stored[0] == key else { return nil }
        let vocabulary = TermTable(pool: get(UInt8.self), ends: get(UInt32.self), slots: get(UInt64.self))
        let rootTargets = get(UInt32.self)
        let transitionKeys = get(UInt64.self), transitionTargets = get(UInt32.self)
        let outputStarts = get(UInt32.self), outputEntries = get(UInt32.self)
        let outputForms = get(UInt32.self), outputCapitals = get(UInt32.self)
        let entryTypes = get(UInt8.self), entryFlags = get(UInt8.self)
        let entryLanguages = get(UInt8.self), entryFiles = get(UInt16.self)
        let entryCanonical = get(UInt32.self), entryKB = get(UInt32.self)
        let stringPool = get(UInt8.self), stringEnds = get(UInt32.self)
        let files = String(decoding: get(UInt8.self), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let fileIsUser = get(UInt8.self).map { $0 != 0 }
        guard !failed, remaining == 0 else { return nil }
        let g = Gazetteer(
            vocabulary: vocabulary, rootTargets: rootTargets, transitionKeys: transitionKeys, transitionTargets: transitionTargets,
            outputStarts: outputStarts, outputEntries: outputEntries, outputForms: outputForms,
            outputCapitals: outputCapitals, entryTypes: entryTypes, entryFlags: entryFlags,
            entryLanguages: entryLanguages, entryFiles: entryFiles, entryCanonical: entryCanonical,
            entryKB: entryKB, stringPool: stringPool, stringEnds: stringEnds, files: files, fileIsUser: fileIsUser)
        return isConsistent(g, stateLimit: stateLimit) ? g : nil
    }

    /// Checks every index a damaged file could make point outside its array,
    /// and that the states are few enough to be matched.
    static func isConsistent(_ g: Gazetteer, stateLimit: Int = Gazetteer.stateLimit) -> Bool {
        func endsOK(_ ends: [UInt32], _ poolCount: Int) -> Bool {
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
            let sources = try GazetteerSource.all(lexicons: lexiconsPath, userLexicons: userLexicons)
            return try GazetteerCache.load(sources, lexicons: lexiconsPath, text: text, lenient: lenient)
        }.0
    }

    /// How the gazetteer was loaded, once `gazetteer()` has been called.
    public var gazetteerLoadInfo: GazetteerLoadInfo? { lazyGazetteer.loaded?.1 }
}
