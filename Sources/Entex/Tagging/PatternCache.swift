import Foundation

/// A pattern block as read, checked and expanded, before PCRE2 compiles it: what
/// `RegexPatterns.describe` makes of a block and `RegexPatterns.compile` turns into a
/// `RegexPattern`. The pattern cache stores these.
struct PatternSpec {
    var name: String
    var type: EntityType
    var language: String
    var priority: Int32
    var triggers: UInt64 = 0
    var requires: UInt64 = 0
    var starts: UInt64 = 0
    var shape: StartShape?
    var normalizer: NormalizerKind
    /// The token kind of a token block (no regex).
    var tokenKind: TokenKind?
    /// The pattern with its word lists spliced in, its PCRE2 flags and the line of its
    /// `pattern:` (for errors); nil for a token block.
    var regex: (expanded: String, flags: UInt32, line: Int)?
    var matches: [RegexPattern.Example]
    var nomatches: [RegexPattern.Example]
    /// The file's name in the patterns folder (the folder itself is not stored).
    var file: String
    var line: Int

    init(name: String, type: EntityType, language: String, priority: Int32, normalizer: NormalizerKind,
         matches: [RegexPattern.Example], nomatches: [RegexPattern.Example], file: String, line: Int) {
        self.name = name
        self.type = type
        self.language = language
        self.priority = priority
        self.normalizer = normalizer
        self.matches = matches
        self.nomatches = nomatches
        self.file = file
        self.line = line
    }
}

/// Everything `RegexPatterns` is made from besides PCRE2's work: the three word-list
/// files as read and every block as described, in file order.
struct PatternSources {
    /// `words.txt`, `words-en.txt` and `words-es.txt` as read (not yet merged).
    var neutral: WordLists
    var english: WordLists
    var spanish: WordLists
    var specs: [PatternSpec] = []
    /// PCRE2's compiled code of the regex blocks (`RegexPatterns.compiledCode`), when the
    /// cache holds it; empty: `RegexPatterns.assemble` compiles the expanded patterns.
    var compiled: [UInt8] = []
    /// The trigger bits and tables of the word lists (`RegexPatterns.triggerSetup`), when
    /// the cache holds them; nil: `RegexPatterns.assemble` makes them.
    var triggers: RegexPatterns.TriggerSetup?
}

/// The on-disk cache of `PatternSources`.
///
/// Reading the pattern files byte by byte into blocks, splicing the word lists into
/// alternations and building the shapes' automata took two thirds of loading the
/// patterns, which runs at every start; compiling them with PCRE2 took most of the
/// rest. The cache stores the result and PCRE2's compiled code (its serialized form)
/// under a key of the bytes of every file in the patterns folder (names included), the
/// running executable's identity (a rebuilt entex may read or splice differently), the
/// ICU version (word keys), the PCRE2 version (compiled code) and `formatVersion`. The
/// patterns' examples are still checked at every load. A file that is truncated, damaged
/// (checksum, or any value out of range) or of another key is ignored and the
/// sources are read again; an unwritable directory only means reading every time.
enum PatternCache {
    /// Bump when the layout, or what a spec holds, changes.
    static let formatVersion: UInt32 = 3
    static let magic: [UInt8] = Array("ENTXPAT\u{0}".utf8)

    /// The cache key of the patterns folder `folder` whose pattern files are `files`, or nil
    /// when one of them cannot be read (parsing then reports why).
    static func key(folder: String, files: [String]) -> UInt64? {
        var hasher = ContentHasher()
        hasher.add(Array("entex-patterns v\(formatVersion) icu \(LibraryVersions.icu) pcre2 \(LibraryVersions.pcre2)".utf8))
        let program = FileIdentity.key("executable", [FileIdentity.File(path: FileIdentity.executablePath,
                                                                         label: "executable", required: false)])
        hasher.add(withUnsafeBytes(of: program) { Array($0) })
        let lists = RegexPatterns.wordListFiles
        let wordLists = [lists.neutral, lists.english, lists.spanish]
        for name in wordLists + files {
            guard let data = FileManager.default.contents(atPath: folder + "/" + name) else {
                if wordLists.contains(name) {
                    hasher.add(Array(("absent:" + name).utf8))
                    continue
                }
                return nil
            }
            hasher.add(Array(("file:" + name).utf8))
            data.withUnsafeBytes { hasher.add(UnsafeBufferPointer(start: $0.baseAddress?.assumingMemoryBound(to: UInt8.self), count: $0.count)) }
        }
        return hasher.value
    }

    // MARK: - Writing

    /// Writes `sources` to `path` (through a temporary file); returns whether it worked.
    @discardableResult
    static func write(_ sources: PatternSources, key: UInt64, to path: String) -> Bool {
        var body = ByteWriter()
        for lists in [sources.neutral, sources.english, sources.spanish] {
            let names = lists.lists.keys.sorted()
            body.int(names.count)
            for name in names {
                let entries = lists.lists[name]!
                body.string(name)
                body.int(entries.count)
                for e in entries {
                    body.string(e.text)
                    body.string(e.key)
                    body.optional(e.value)
                }
            }
        }
        body.int(sources.specs.count)
        for s in sources.specs {
            body.string(s.name)
            body.int(Int(s.type.rawValue))
            body.string(s.language)
            body.int(Int(s.priority))
            body.word(s.triggers)
            body.word(s.requires)
            body.word(s.starts)
            body.string(s.normalizer.rawValue)
            body.int(s.tokenKind.map { Int($0.rawValue) } ?? -1)
            if let shape = s.shape {
                let a = shape.automaton
                body.int(1)
                body.string(shape.source)
                body.int(a.always ? 1 : 0)
                body.int(a.start)
                body.int(a.classCount)
                body.array(a.classes)
                body.array(a.table)
            } else {
                body.int(0)
            }
            if let regex = s.regex {
                body.int(1)
                body.string(regex.expanded)
                body.int(Int(regex.flags))
                body.int(regex.line)
            } else {
                body.int(0)
            }
            for examples in [s.matches, s.nomatches] {
                body.int(examples.count)
                for e in examples {
                    body.string(e.text)
                    body.string(e.expected)
                    body.optional(e.value)
                    body.int(e.line)
                }
            }
            body.string(s.file)
            body.int(s.line)
        }
        if let triggers = sources.triggers {
            body.int(1)
            let names = triggers.bits.keys.sorted()
            body.int(names.count)
            for name in names {
                body.string(name)
                body.word(triggers.bits[name]!)
            }
            let languages = triggers.tables.keys.sorted()
            body.int(languages.count)
            for lang in languages {
                let (table, masks) = triggers.tables[lang]!
                body.string(lang)
                body.array(table.pool)
                body.words(table.ends)
                body.words(table.slots)
                body.words(table.hashes)
                body.words(masks)
            }
        } else {
            body.int(0)
        }
        guard var out = BinaryCacheWriter(path: path, checksummed: true) else { return false }
        out.put(magic)
        out.put([formatVersion])
        out.put([key])
        out.put(body.bytes)
        out.put(sources.compiled)
        out.putChecksum()
        return out.finish()
    }

    // MARK: - Reading

    /// Reads a cache file; nil when it is absent, of another version or key, or damaged.
    static func read(_ path: String, key: UInt64) -> PatternSources? {
        guard let input = BinaryCacheReader(path: path, checksummed: true) else { return nil }
        guard input.get(UInt8.self) == magic, input.get(UInt32.self) == [formatVersion],
              input.get(UInt64.self) == [key] else { return nil }
        let body = input.get(UInt8.self), compiled = input.get(UInt8.self)
        guard input.checksumMatches(), input.isComplete else { return nil }
        var reader = ByteReader(bytes: body)
        do throws(ByteReader.Damaged) {
            var words: [WordLists] = []
            for _ in 0..<3 {
                var lists = WordLists()
                for _ in 0..<(try reader.count()) {
                    let name = try reader.string()
                    let n = try reader.count()
                    var entries: [WordLists.Entry] = []
                    entries.reserveCapacity(min(n, 1 << 16))
                    for _ in 0..<n {
                        let text = try reader.string(), key = try reader.string(), value = try reader.optional()
                        entries.append(.init(text: text, key: key, value: value))
                    }
                    lists.add(list: name, entries: entries)
                }
                words.append(lists)
            }
            var sources = PatternSources(neutral: words[0], english: words[1], spanish: words[2], compiled: compiled)
            for _ in 0..<(try reader.count()) {
                let name = try reader.string()
                guard let type = EntityType(rawValue: UInt8(clamping: try reader.int())) else { throw ByteReader.Damaged() }
                let language = try reader.string()
                guard let priority = Int32(exactly: try reader.int()) else { throw ByteReader.Damaged() }
                let triggers = try reader.word(), requires = try reader.word(), starts = try reader.word()
                guard let normalizer = NormalizerKind(rawValue: try reader.string()) else { throw ByteReader.Damaged() }
                let kind = try reader.int()
                var tokenKind: TokenKind?
                if kind >= 0 {
                    guard let k = TokenKind(rawValue: UInt8(clamping: kind)) else { throw ByteReader.Damaged() }
                    tokenKind = k
                }
                var shape: StartShape?
                if try reader.int() == 1 {
                    let source = try reader.string()
                    let always = try reader.int() == 1, start = try reader.int(), classCount = try reader.int()
                    let classes = try reader.array(), table = try reader.array()
                    guard let restored = StartShape(source: source, always: always, start: start, classCount: classCount,
                                                    classes: classes, table: table) else { throw ByteReader.Damaged() }
                    shape = restored
                }
                var regex: (expanded: String, flags: UInt32, line: Int)?
                if try reader.int() == 1 {
                    let expanded = try reader.string()
                    guard let flags = UInt32(exactly: try reader.int()) else { throw ByteReader.Damaged() }
                    regex = (expanded, flags, try reader.int())
                }
                var examples: [[RegexPattern.Example]] = []
                for _ in 0..<2 {
                    var list: [RegexPattern.Example] = []
                    for _ in 0..<(try reader.count()) {
                        let text = try reader.string(), expected = try reader.string(), value = try reader.optional()
                        list.append(RegexPattern.Example(text: text, expected: expected, value: value, line: try reader.int()))
                    }
                    examples.append(list)
                }
                var spec = PatternSpec(name: name, type: type, language: language, priority: priority, normalizer: normalizer,
                                       matches: examples[0], nomatches: examples[1], file: try reader.string(), line: try reader.int())
                spec.triggers = triggers
                spec.requires = requires
                spec.starts = starts
                spec.tokenKind = tokenKind
                spec.shape = shape
                spec.regex = regex
                // A file name that leaves the patterns folder is not one the parser stored.
                guard !spec.file.utf8.contains(UInt8(ascii: "/")), (tokenKind == nil) != (regex == nil) else { throw ByteReader.Damaged() }
                sources.specs.append(spec)
            }
            if try reader.int() == 1 {
                var bits: [String: UInt64] = [:]
                for _ in 0..<(try reader.count()) {
                    let name = try reader.string()
                    bits[name] = try reader.word()
                }
                var tables: [String: (table: ByteStringTable, masks: [UInt64])] = [:]
                for _ in 0..<(try reader.count()) {
                    let lang = try reader.string()
                    let pool = try reader.array()
                    let ends: [UInt32] = try reader.words(), slots: [UInt32] = try reader.words(), hashes: [UInt32] = try reader.words()
                    let masks: [UInt64] = try reader.words()
                    guard PatternCache.isTable(pool: pool, ends: ends, slots: slots, hashes: hashes), masks.count == ends.count else {
                        throw ByteReader.Damaged()
                    }
                    tables[lang] = (ByteStringTable(pool: pool, ends: ends, slots: slots, hashes: hashes), masks)
                }
                sources.triggers = (bits, tables)
            }
            guard reader.isAtEnd else { return nil }
            return sources
        } catch {
            return nil
        }
    }
}

extension PatternCache {
    /// Whether arrays read back can be those of a `ByteStringTable` (every lookup stays in
    /// them): keys end in order inside the pool, the last at its end; a power-of-two slot
    /// count, each slot empty or an id + 1, one empty at least; one hash per key.
    static func isTable(pool: [UInt8], ends: [UInt32], slots: [UInt32], hashes: [UInt32]) -> Bool {
        guard hashes.count == ends.count, Int(ends.last ?? 0) == pool.count, slots.count >= 16,
              slots.count & (slots.count - 1) == 0, slots.count > ends.count else { return false }
        var previous: UInt32 = 0
        for end in ends {
            guard end >= previous else { return false }
            previous = end
        }
        // An empty slot ends every probe.
        let limit = UInt32(ends.count)
        return slots.allSatisfy { $0 <= limit } && slots.contains(0)
    }
}

/// Appends integers, strings and byte arrays to a byte buffer, for `ByteReader`.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func word(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ v: Int) { word(UInt64(bitPattern: Int64(v))) }

    mutating func array(_ b: [UInt8]) {
        int(b.count)
        bytes.append(contentsOf: b)
    }

    mutating func string(_ s: String) { array(Array(s.utf8)) }

    /// A count, then the values' bytes (little-endian), for `ByteReader.words`.
    mutating func words<T: FixedWidthInteger & UnsignedInteger>(_ values: [T]) {
        int(values.count)
        for v in values { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    }

    /// A string that may be absent (a count of -1).
    mutating func optional(_ s: String?) {
        if let s { string(s) } else { int(-1) }
    }
}

/// Reads what a `ByteWriter` wrote; every read is checked against the bytes left, and
/// throws `Damaged` when it would go past them.
struct ByteReader {
    struct Damaged: Error {}
    let bytes: [UInt8]
    private var offset = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func word() throws(Damaged) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw Damaged() }
        // One load, not eight byte reads (3 600 words a start).
        let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self) }
        offset += 8
        return UInt64(littleEndian: v)
    }

    mutating func int() throws(Damaged) -> Int { Int(Int64(bitPattern: try word())) }

    /// A count of items that follow: never negative, and at most the bytes left (each
    /// item takes at least one byte), so that a damaged count cannot make a huge loop.
    mutating func count() throws(Damaged) -> Int {
        let n = try int()
        guard n >= 0, n <= bytes.count - offset else { throw Damaged() }
        return n
    }

    /// What `ByteWriter.words` wrote: copied in one piece, not read value by value.
    mutating func words<T: FixedWidthInteger & UnsignedInteger>() throws(Damaged) -> [T] {
        let n = try int()
        let size = MemoryLayout<T>.size
        guard n >= 0, n <= (bytes.count - offset) / size else { throw Damaged() }
        var values = [T](repeating: 0, count: n)
        values.withUnsafeMutableBytes { out in
            bytes.withUnsafeBytes { b in
                out.copyMemory(from: UnsafeRawBufferPointer(rebasing: b[offset..<offset + n * size]))
            }
        }
        offset += n * size
        #if _endian(big)
        for i in values.indices { values[i] = T(littleEndian: values[i]) }
        #endif
        return values
    }

    mutating func array() throws(Damaged) -> [UInt8] {
        let n = try count()
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    /// Decoded from the bytes in place (no array made for it).
    mutating func string() throws(Damaged) -> String {
        let n = try count()
        defer { offset += n }
        return bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[offset..<offset + n]), as: UTF8.self)
        }
    }

    mutating func optional() throws(Damaged) -> String? {
        let n = try int()
        if n == -1 { return nil }
        guard n >= 0, n <= bytes.count - offset else { throw Damaged() }
        defer { offset += n }
        return bytes.withUnsafeBufferPointer {
            String(decoding: UnsafeBufferPointer(rebasing: $0[offset..<offset + n]), as: UTF8.self)
        }
    }
}
