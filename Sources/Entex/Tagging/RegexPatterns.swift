import CPCRE2
import Foundation

/// A PCRE2 pattern compiled once and shared read-only by every thread; it is
/// JIT-compiled (when the JIT is available) on its first match, not at load:
/// JIT-compiling every pattern was a third of entex's start-up.
public final class CompiledRegex: @unchecked Sendable {
    // Safe to share: PCRE2 compiled code is immutable after compilation except
    // for the JIT compile, which the C shim makes once under a lock;
    // match state lives in per-thread `entex_matcher`s.
    let handle: OpaquePointer
    /// Capture groups, group 0 excluded.
    public let captureCount: Int
    /// Whether the pattern runs JIT-compiled (makes the JIT compile if not yet made).
    public var isJIT: Bool { entex_regex_is_jit(handle) != 0 }
    /// Whether the JIT compile has been made (or found unavailable) yet.
    var jitTried: Bool { entex_regex_jit_tried(handle) != 0 }

    /// Compiles `pattern`; on failure the message carries PCRE2's error and byte offset.
    init(pattern: String, flags: UInt32) throws(CompileFailure) {
        var offset = 0
        var message = [CChar](repeating: 0, count: 256)
        var bytes = Array(pattern.utf8)
        let compiled = bytes.withUnsafeMutableBufferPointer { p in
            entex_regex_compile(p.baseAddress, p.count, flags, &offset, &message, message.count)
        }
        guard let compiled else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw CompileFailure(message: text, offset: offset)
        }
        bytes.removeAll()
        handle = compiled
        captureCount = Int(entex_regex_capture_count(compiled))
    }

    /// Takes over a pattern the C shim made (from a cache file's compiled code).
    private init(handle: OpaquePointer) {
        self.handle = handle
        captureCount = Int(entex_regex_capture_count(handle))
    }

    deinit { entex_regex_free(handle) }

    /// The compiled code of `regexes` as one byte string (PCRE2's serialized form,
    /// readable by this PCRE2 version only), for the pattern cache; nil on failure.
    static func serialize(_ regexes: [CompiledRegex]) -> [UInt8]? {
        guard !regexes.isEmpty else { return nil }
        var size = 0
        let handles: [OpaquePointer?] = regexes.map(\.handle)
        guard let bytes = handles.withUnsafeBufferPointer({ entex_regex_serialize($0.baseAddress, UInt32(regexes.count), &size) }) else {
            return nil
        }
        defer { entex_regex_serialized_free(bytes) }
        return Array(UnsafeBufferPointer(start: bytes, count: size))
    }

    /// The `count` patterns `serialize` made into `bytes`, or nil when the bytes are not
    /// those of `count` patterns of this PCRE2 version. PCRE2 checks only their header:
    /// the bytes must come from a file whose checksum matched.
    static func deserialize(_ bytes: [UInt8], count: Int) -> [CompiledRegex]? {
        guard count > 0, count <= Int(Int32.max) else { return nil }
        var handles = [OpaquePointer?](repeating: nil, count: count)
        let made = bytes.withUnsafeBufferPointer { b in
            handles.withUnsafeMutableBufferPointer { h in
                entex_regex_deserialize(b.baseAddress, b.count, UInt32(count), h.baseAddress)
            }
        }
        guard made == Int32(count) else { return nil }
        return handles.map { CompiledRegex(handle: $0!) }
    }

    /// Numbers of the groups called `name` (several under `(?J)`), ascending.
    public func groupNumbers(_ name: String) -> [Int] {
        var numbers = [UInt32](repeating: 0, count: 8)
        let count = name.withCString { entex_regex_group_numbers(handle, $0, &numbers, 8) }
        return numbers.prefix(Int(min(count, 8))).map(Int.init)
    }

    /// `groupNumbers` of each of `names` that has groups, by name: one pass over PCRE2's
    /// table of named groups rather than a search of it per name.
    func groupNumbers(named names: Set<String>) -> [String: [Int]] {
        var count: UInt32 = 0, size: UInt32 = 0
        guard let table = entex_regex_name_table(handle, &count, &size), size > 2 else { return [:] }
        var groups: [String: [Int]] = [:]
        groups.reserveCapacity(Int(count))
        // The table is sorted by name: a name's groups are next to each other, and are
        // stored in one piece (not appended to the dictionary's entry one by one).
        var name = "", wanted = false, numbers: [Int] = []
        for i in 0..<Int(count) {
            let entry = table + i * Int(size)
            let entryName = String(cString: entry + 2)
            if entryName != name {
                if wanted { groups[name] = numbers }
                name = entryName
                wanted = names.contains(name)
                numbers = []
            }
            // As `groupNumbers`: at most 8 numbers, in the table's order.
            if wanted && numbers.count < 8 { numbers.append(Int(entry[0]) << 8 | Int(entry[1])) }
        }
        if wanted { groups[name] = numbers }
        return groups
    }

    struct CompileFailure: Error {
        var message: String
        var offset: Int
    }
}

/// Named word lists (`Lexicons/patterns/words*.txt`) for one language:
/// entries to splice into patterns, and key → value maps for normalizers.
public struct WordLists: Sendable {
    public struct Entry: Sendable {
        /// As written in the file (lowercase, with accents).
        public var text: String
        /// Match key (`Tokenizer.key`), accents removed.
        public var key: String
        public var value: String?
    }
    public private(set) var lists: [String: [Entry]] = [:]

    public init() {}

    mutating func add(list: String, entry: Entry) {
        lists[list, default: []].append(entry)
    }

    /// `add(list:entry:)` for each of `entries` in turn. No key → value map is kept:
    /// `value` reads the entries (it serves the reference normalizers only, while making
    /// the maps at every start took 1.7 M instructions; the tagger's values come from
    /// `WordValues`).
    mutating func add(list: String, entries: [Entry]) {
        guard !entries.isEmpty else { return }
        lists[list, default: []].append(contentsOf: entries)
    }

    mutating func merge(_ other: WordLists) {
        for (name, entries) in other.lists.sorted(by: { $0.key < $1.key }) { add(list: name, entries: entries) }
    }

    /// The value of `text` in list `list` (matched by key: case, accents, white-space runs and a
    /// final `.` ignored); "" for an entry without value; nil when absent.
    /// The first entry of a key wins.
    public func value(_ list: String, _ text: String) -> String? {
        guard let entries = lists[list] else { return nil }
        func value(of key: String) -> String? {
            entries.first { $0.key == key }.map { $0.value ?? "" }
        }
        let key = WordLists.key(text)
        if let v = value(of: key) { return v }
        if key.hasSuffix(".") { return value(of: String(key.dropLast())) }
        return nil
    }

    public func contains(_ list: String) -> Bool { lists[list] != nil }

    static func key(_ text: String) -> String {
        // Fast path: ASCII without white space is only lowercased.
        if text.utf8.allSatisfy({ $0 < 0x80 && $0 > 0x20 }) { return text.lowercased() }
        let collapsed = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return String(decoding: Tokenizer.key(collapsed), as: UTF8.self)
    }
}

/// What a pattern's normalizer turns a match into (see `Normalizers`).
public enum NormalizerKind: String, Sendable, CaseIterable {
    case none, date, time, money, number, percent, ordinal, quantity, phone, hashtag, cashtag
}

/// One block of a pattern file: a regex (or a token kind) with its type,
/// language, priority, triggers, normalizer and examples. A class so the
/// tagger's hot loop reads it without copying; never changed after loading.
public final class RegexPattern: @unchecked Sendable {
    public struct Example: Sendable {
        public var text: String
        /// The part of `text` the pattern must find (`text` itself unless written with `=>`).
        public var expected: String
        /// The normalized value as JSON, when the file gives one.
        public var value: String?
        public var line: Int
    }

    public var name: String
    public var type: EntityType
    /// `en`, `es` or `*`.
    public var language: String
    public var priority: Int32
    /// Trigger bits (`RegexPatterns.triggerBit`); 0 for token blocks.
    public var triggers: UInt64
    /// Word-list bits of `require:`: every match contains a token of one of
    /// these lists, so the tagger skips trigger windows without one; 0 when none.
    public var requires: UInt64 = 0
    /// Bits of `start:` (`digit`, `digit-word` or word lists): every match starts at a token
    /// with one of them, so the tagger tries no other token start; 0 when any may.
    public var starts: UInt64 = 0
    /// The `shape:` every match begins with (see `StartShape`): the tagger calls PCRE2
    /// only at token starts where it matches; nil when the file gives none.
    public var shape: StartShape?
    public var normalizer: NormalizerKind
    /// The compiled pattern (nil for token blocks).
    public var regex: CompiledRegex?
    /// The same pattern anchored at the start offset (`\G(?:…)`): the tagger
    /// tries it only at token starts near a trigger. PCRE2's JIT ignores
    /// `PCRE2_ANCHORED` at match time, so anchoring is compiled in.
    public var anchored: CompiledRegex?
    /// The token kind turned into entities (token blocks only).
    public var tokenKind: TokenKind?
    /// Group numbers by name, for the names the normalizers read.
    public var groups: [String: [Int]]
    public var matches: [Example]
    public var nomatches: [Example]
    public var file: String
    public var line: Int

    init(name: String, type: EntityType, language: String, priority: Int32, triggers: UInt64,
         normalizer: NormalizerKind, regex: CompiledRegex?, tokenKind: TokenKind?, groups: [String: [Int]],
         matches: [Example], nomatches: [Example], file: String, line: Int) {
        self.name = name
        self.type = type
        self.language = language
        self.priority = priority
        self.triggers = triggers
        self.normalizer = normalizer
        self.regex = regex
        self.tokenKind = tokenKind
        self.groups = groups
        self.matches = matches
        self.nomatches = nomatches
        self.file = file
        self.line = line
    }
}

/// Every pattern of `Lexicons/patterns/`, compiled once and shared by all threads.
///
/// Loading fails with a `DataFileError` naming file and line for an unknown
/// key, a missing field, an unknown type, trigger or list, a pattern that does
/// not compile, or a `match:` example the pattern does not find.
public final class RegexPatterns: Sendable {
    /// All blocks, in file order (files sorted by name).
    public let patterns: [RegexPattern]
    /// Word lists by language code (`en`, `es`, and `*` for the union).
    public let words: [String: WordLists]
    /// Trigger name → bit. Bit 0 is `digit`, bit 1 `digit-word`.
    public let triggerBits: [String: UInt64]
    /// Token key → trigger mask, per language (`en`, `es`, `*`).
    let triggerTables: [String: (table: ByteStringTable, masks: [UInt64])]
    /// Blocks skipped by a lenient load (`--lenient`): file, line and why, in file order.
    public let skippedRows: [DataFileError]

    public static let digitTrigger: UInt64 = 1
    /// `digit-word`: a token with a digit that is not a number token (1990s, 21st, 5pm, F-16).
    public static let digitWordTrigger: UInt64 = 2

    /// Named groups the normalizers read.
    static let groupNames = ["year", "month", "day", "weekday", "shift", "unit", "count", "ago", "deictic",
                             "decade", "decadeword", "century", "centuryword", "roman", "hour", "minute", "ampm",
                             "daypart", "amount", "scale", "currency", "word", "approx"]

    /// `groupNames`, each also with a `2` (a second group of the same role).
    static let groupNameVariants = Set(groupNames + groupNames.map { $0 + "2" })

    /// No patterns (a pipeline without the regex stage).
    public convenience init() {
        self.init(patterns: [], words: [:], triggerBits: ["digit": 1, "digit-word": 2], triggerTables: [:])
    }

    init(patterns: [RegexPattern], words: [String: WordLists], triggerBits: [String: UInt64],
         triggerTables: [String: (table: ByteStringTable, masks: [UInt64])], skippedRows: [DataFileError] = []) {
        self.skippedRows = skippedRows
        self.patterns = patterns
        self.words = words
        self.triggerBits = triggerBits
        self.triggerTables = triggerTables
    }

    /// Loads `<lexicons>/patterns/`; a missing folder gives no patterns. With
    /// `lenient`, a block that fails to compile (or to match its examples) or
    /// reuses a name is skipped and listed in `skippedRows`; malformed files still throw.
    ///
    /// Reading the files, splicing word lists into the patterns and building the
    /// shapes' automata is most of the work, and its result depends only on the
    /// files and the program: it is kept in a cache file in `cacheDirectory`
    /// (`PatternCache`) and read back while both are unchanged, with PCRE2's compiled
    /// code of the patterns; their examples are checked at every load either way.
    /// A nil directory always reads the files.
    public static func load(from lexicons: String, lenient: Bool = false,
                            cacheDirectory: String? = GazetteerCache.defaultDirectory) throws(DataFileError) -> RegexPatterns {
        let folder = "\(lexicons)/patterns"
        guard FileExists.at(folder) else { return RegexPatterns() }
        let files = patternFiles(folder)
        guard let directory = cacheDirectory, let key = PatternCache.key(folder: folder, files: files) else {
            return try parse(folder: folder, files: files, lenient: lenient).patterns
        }
        let path = directory + "/patterns-" + String(key, radix: 16) + ".bin"
        if let cached = PatternCache.read(path, key: key), let patterns = try? assemble(cached, folder: folder) {
            return patterns
        }
        var parsed = try parse(folder: folder, files: files, lenient: lenient)
        // A load that skipped blocks is not kept: its warnings would be lost.
        if parsed.patterns.skippedRows.isEmpty {
            parsed.sources.compiled = compiledCode(parsed.patterns.patterns) ?? []
            parsed.sources.triggers = (parsed.patterns.triggerBits, parsed.patterns.triggerTables)
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if PatternCache.write(parsed.sources, key: key, to: path) {
                GazetteerCache.prune(directory, keeping: path, prefix: "patterns-")
            }
        }
        return parsed.patterns
    }

    /// The pattern files of `folder` (not the word lists), sorted by name.
    static func patternFiles(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".txt") && !$0.hasPrefix("words") }
            .sorted()
    }

    /// Trigger bits (word-list name → bit) and trigger tables (first word of each entry's key
    /// → bits, per language): what `wordSetup` makes of the word lists besides merging them,
    /// kept in the pattern cache.
    typealias TriggerSetup = (bits: [String: UInt64], tables: [String: (table: ByteStringTable, masks: [UInt64])])

    /// Word lists by language (`en`, `es`, and `*` for the union), trigger bits and trigger
    /// tables, from the three word-list files as read. The bits and tables are taken from
    /// `sources.triggers` when the cache held them (made by this function from the same
    /// files: building the tables was most of this function's work at every start).
    private static func wordSetup(_ sources: PatternSources, folder: String) throws(DataFileError)
        -> (byLanguage: [String: WordLists], bits: [String: UInt64], tables: [String: (table: ByteStringTable, masks: [UInt64])]) {
        let neutral = sources.neutral
        var byLanguage: [String: WordLists] = [:]
        var all = neutral
        for (lang, read) in [("en", sources.english), ("es", sources.spanish)] {
            var lists = read
            lists.merge(neutral)
            all.merge(lists)
            byLanguage[lang] = lists
        }
        byLanguage["*"] = all
        if let triggers = sources.triggers {
            return (byLanguage, triggers.bits, triggers.tables)
        }
        let triggers = try triggerSetup(byLanguage, folder: folder)
        return (byLanguage, triggers.bits, triggers.tables)
    }

    /// The trigger bits and tables of the merged word lists `byLanguage`.
    static func triggerSetup(_ byLanguage: [String: WordLists], folder: String) throws(DataFileError) -> TriggerSetup {
        let all = byLanguage["*"] ?? WordLists()
        var bits: [String: UInt64] = ["digit": digitTrigger, "digit-word": digitWordTrigger]
        for name in all.lists.keys.sorted() {
            guard bits.count < 64 else {
                throw DataFileError(file: folder, line: nil, message: "more than 63 word lists: triggers are a 64-bit mask")
            }
            bits[name] = 1 << UInt64(bits.count)
        }
        var tables: [String: (table: ByteStringTable, masks: [UInt64])] = [:]
        for (lang, lists) in byLanguage {
            var table = ByteStringTable()
            var masks: [UInt64] = []
            for (name, entries) in lists.lists {
                let bit = bits[name]!
                for e in entries {
                    // A multi-word entry triggers on its first word.
                    let id = table.insert(firstWord(e.key))
                    if id == masks.count { masks.append(0) }
                    masks[id] |= bit
                }
            }
            tables[lang] = (table, masks)
        }
        return (bits, tables)
    }

    /// The bytes of the first word of a word-list key: `key.split(separator: " ").first`, or
    /// the whole key when it has no word. On bytes when the key has no space byte (then
    /// no `Character` is a space: the whole key) or is ASCII (where a space byte is a space
    /// `Character`), by `Character` otherwise.
    static func firstWord(_ key: String) -> [UInt8] {
        var key = key
        let bytes = key.withUTF8 { u -> [UInt8]? in
            var ascii = true, space = false
            for b in u {
                if b >= 0x80 { ascii = false } else if b == 0x20 { space = true }
            }
            guard space else { return Array(u) }
            guard ascii else { return nil }
            guard let start = u.firstIndex(where: { $0 != 0x20 }) else { return Array(u) }
            return Array(u[start..<(u[start...].firstIndex(of: 0x20) ?? u.endIndex)])
        }
        return bytes ?? Array((key.split(separator: " ").first.map(String.init) ?? key).utf8)
    }

    /// The word-list files of a patterns folder (each may be absent): read by `parse`,
    /// and part of `PatternCache.key`.
    static let wordListFiles = (neutral: "words.txt", english: "words-en.txt", spanish: "words-es.txt")

    /// Reads, checks and compiles every file of `folder`: the patterns, and the sources
    /// they were made from (for the cache).
    static func parse(folder: String, files: [String], lenient: Bool) throws(DataFileError)
        -> (patterns: RegexPatterns, sources: PatternSources) {
        let lists = wordListFiles
        var sources = PatternSources(neutral: try readWords("\(folder)/\(lists.neutral)"),
                                     english: try readWords("\(folder)/\(lists.english)"),
                                     spanish: try readWords("\(folder)/\(lists.spanish)"))
        let setup = try wordSetup(sources, folder: folder)
        var patterns: [RegexPattern] = []
        var names: [String: String] = [:]
        var skipped: [DataFileError] = []
        // Spliced alternations by language and list as written: most lists serve several patterns.
        var alternations: [String: String] = [:]
        // One match state checks every pattern's examples.
        let matcher = CompiledRegex.makeExampleMatcher()
        defer { entex_matcher_free(matcher) }
        for file in files {
            let path = "\(folder)/\(file)"
            for block in try PatternFileParser.blocks(path) {
                let spec: PatternSpec, pattern: RegexPattern
                do throws(DataFileError) {
                    spec = try describe(block, file: file, path: path, words: setup.byLanguage, bits: setup.bits,
                                        alternations: &alternations)
                    pattern = try compile(spec, path: path, examples: matcher)
                } catch {
                    guard lenient else { throw error }
                    skipped.append(error)
                    continue
                }
                if let previous = names[pattern.name] {
                    let error = DataFileError(file: path, line: block.line, message: "pattern name '\(pattern.name)' already used in \(previous)")
                    if lenient {
                        skipped.append(error)
                        continue
                    }
                    throw error
                }
                names[pattern.name] = "\(file):\(block.line)"
                patterns.append(pattern)
                sources.specs.append(spec)
            }
        }
        return (RegexPatterns(patterns: patterns, words: setup.byLanguage, triggerBits: setup.bits,
                              triggerTables: setup.tables, skippedRows: skipped), sources)
    }

    /// The patterns of sources read from the cache: compiled and checked as `parse` does,
    /// the same patterns `parse` made of the files the sources were taken from.
    ///
    /// PCRE2's compiled code of the patterns (`sources.compiled`, as `compiledCode` made it
    /// when the cache was written) is taken instead of compiling the expanded patterns again
    /// (two thirds of assembling) when it holds the code of every regex block; otherwise
    /// they are compiled. The examples are checked against the code either way.
    static func assemble(_ sources: PatternSources, folder: String) throws(DataFileError) -> RegexPatterns {
        let setup = try wordSetup(sources, folder: folder)
        var patterns: [RegexPattern] = []
        patterns.reserveCapacity(sources.specs.count)
        let regexCount = sources.specs.reduce(0) { $0 + ($1.regex == nil ? 0 : 1) }
        let code = sources.compiled.isEmpty ? nil : CompiledRegex.deserialize(sources.compiled, count: 2 * regexCount)
        // One match state checks every pattern's examples.
        let matcher = CompiledRegex.makeExampleMatcher()
        defer { entex_matcher_free(matcher) }
        var next = 0
        for spec in sources.specs {
            var compiled: (regex: CompiledRegex, anchored: CompiledRegex)?
            if let code, spec.regex != nil {
                compiled = (code[next], code[next + 1])
                next += 2
            }
            patterns.append(try compile(spec, path: "\(folder)/\(spec.file)", compiled: compiled, examples: matcher))
        }
        return RegexPatterns(patterns: patterns, words: setup.byLanguage, triggerBits: setup.bits, triggerTables: setup.tables)
    }

    /// PCRE2's compiled code of `patterns`' regexes, each block's unanchored then anchored
    /// pattern in block order (what `assemble` takes), for the cache; nil when it cannot be made.
    static func compiledCode(_ patterns: [RegexPattern]) -> [UInt8]? {
        var regexes: [CompiledRegex] = []
        for p in patterns {
            guard let regex = p.regex else { continue }
            guard let anchored = p.anchored else { return nil }
            regexes += [regex, anchored]
        }
        return CompiledRegex.serialize(regexes)
    }

    /// Reads a word-list file: `[list]` headers, then `entry<TAB>value` lines.
    static func readWords(_ path: String) throws(DataFileError) -> WordLists {
        var lists = WordLists()
        guard FileExists.at(path) else { return lists }
        var current: String?
        for row in try DataFile.rows(path) {
            let first = row.fields[0].trimmedWhitespace
            if first.hasPrefix("[") {
                guard first.hasSuffix("]"), first.count > 2 else {
                    throw DataFileError(file: path, line: row.line, message: "list header must be [name]")
                }
                current = String(first.dropFirst().dropLast())
                continue
            }
            guard let list = current else {
                throw DataFileError(file: path, line: row.line, message: "entry before the first [list] header")
            }
            let value = row.fields.count > 1 ? row.fields[1].trimmedWhitespace : nil
            let text = first.utf8.allSatisfy({ $0 < 0x80 }) ? first : ICUFold.nfc(first)  // ASCII is NFC
            lists.add(list: list, entry: .init(text: text, key: WordLists.key(text), value: value?.isEmpty == false ? value : nil))
        }
        return lists
    }

    /// Checks a block's fields and makes what its pattern is compiled from: word lists
    /// spliced in, triggers and lists turned into bits, the shape's automaton built.
    static func describe(_ block: PatternFileParser.Block, file: String, path: String, words: [String: WordLists],
                         bits: [String: UInt64], alternations: inout [String: String]) throws(DataFileError) -> PatternSpec {
        func fail(_ message: String, _ line: Int? = nil) -> DataFileError {
            DataFileError(file: path, line: line ?? block.line, message: "[\(block.name)] \(message)")
        }
        func field(_ key: String) -> (value: String, line: Int)? { block.fields[key] }
        guard let typeField = field("type") else { throw fail("missing 'type:'") }
        guard let type = EntityType(name: typeField.value) else { throw fail("unknown type '\(typeField.value)'", typeField.line) }
        guard let langField = field("lang") else { throw fail("missing 'lang:'") }
        guard ["en", "es", "*"].contains(langField.value) else { throw fail("lang must be en, es or *", langField.line) }
        guard let priorityField = field("priority") else { throw fail("missing 'priority:'") }
        guard let priority = Int32(priorityField.value) else { throw fail("priority must be an integer", priorityField.line) }
        guard field("comment") != nil else { throw fail("missing 'comment:'") }
        var normalizer = NormalizerKind.none
        if let n = field("normalizer") {
            guard let kind = NormalizerKind(rawValue: n.value) else {
                throw fail("unknown normalizer '\(n.value)' (\(NormalizerKind.allCases.map(\.rawValue).joined(separator: ", ")))", n.line)
            }
            normalizer = kind
        }
        guard !block.matches.isEmpty else { throw fail("needs at least one 'match:' example") }
        guard !block.nomatches.isEmpty else { throw fail("needs at least one 'nomatch:' example") }
        var spec = PatternSpec(name: block.name, type: type, language: langField.value, priority: priority,
                               normalizer: normalizer, matches: block.matches, nomatches: block.nomatches,
                               file: file, line: block.line)
        switch (field("pattern"), field("token")) {
        case (nil, nil): throw fail("needs 'pattern:' or 'token:'")
        case (.some, .some): throw fail("has both 'pattern:' and 'token:'")
        case (nil, let token?):
            guard let kind = TokenKind.allCases.first(where: { $0.name == token.value }),
                  [.url, .email, .handle, .hashtag, .cashtag].contains(kind) else {
                throw fail("token must be url, email, handle, hashtag or cashtag", token.line)
            }
            spec.tokenKind = kind
            return spec
        case (let source?, nil):
            guard let triggerField = field("trigger") else { throw fail("missing 'trigger:'") }
            for name in triggerField.value.split(separator: ",") {
                let name = name.trimmedWhitespace
                guard let bit = bits[name] else { throw fail("unknown trigger '\(name)' (digit, digit-word or a word-list name)", triggerField.line) }
                spec.triggers |= bit
            }
            if let requireField = field("require") {
                for name in requireField.value.split(separator: ",") {
                    let name = name.trimmedWhitespace
                    guard name != "digit", name != "digit-word", let bit = bits[name] else {
                        throw fail("unknown required word list '\(name)'", requireField.line)
                    }
                    spec.requires |= bit
                }
            }
            if let startField = field("start") {
                for name in startField.value.split(separator: ",") {
                    let name = name.trimmedWhitespace
                    guard let bit = bits[name] else { throw fail("unknown start '\(name)' (digit, digit-word or a word-list name)", startField.line) }
                    spec.starts |= bit
                }
            }
            if let shapeField = field("shape") {
                do throws(StartShape.ParseError) {
                    spec.shape = try StartShape(shapeField.value)
                } catch {
                    throw fail("shape: \(error.message)", shapeField.line)
                }
            }
            var flags = UInt32(ENTEX_RE_EXTENDED) | UInt32(ENTEX_RE_CASELESS)
            if let f = field("flags") {
                flags = UInt32(ENTEX_RE_EXTENDED)
                for name in f.value.split(separator: ",") {
                    switch name.trimmedWhitespace {
                    case "caseless": flags |= UInt32(ENTEX_RE_CASELESS)
                    case "ucp": flags |= UInt32(ENTEX_RE_UCP)
                    case "-": break
                    default: throw fail("unknown flag '\(name)' (caseless, ucp or -)", f.line)
                    }
                }
            }
            let lists = words[langField.value] ?? WordLists()
            let expanded: String
            do throws(SpliceError) {
                expanded = try splice(source.value, lists: lists, memo: &alternations, language: langField.value)
            } catch {
                throw fail("unknown word list '{\(error.name)}'", source.line)
            }
            spec.regex = (expanded, flags, source.line)
            return spec
        }
    }

    /// Compiles a described pattern (`path` is its file's) and checks its `match:` examples.
    /// `compiled`, when given, is PCRE2's code of the pattern and of its anchored form
    /// (from the cache), taken instead of compiling them.
    static func compile(_ spec: PatternSpec, path: String,
                        compiled: (regex: CompiledRegex, anchored: CompiledRegex)? = nil,
                        examples matcher: OpaquePointer? = nil) throws(DataFileError) -> RegexPattern {
        func fail(_ message: String, _ line: Int? = nil) -> DataFileError {
            DataFileError(file: path, line: line ?? spec.line, message: "[\(spec.name)] \(message)")
        }
        let pattern = RegexPattern(name: spec.name, type: spec.type, language: spec.language, priority: spec.priority,
                                   triggers: spec.triggers, normalizer: spec.normalizer, regex: nil, tokenKind: spec.tokenKind,
                                   groups: [:], matches: spec.matches, nomatches: spec.nomatches, file: path, line: spec.line)
        pattern.requires = spec.requires
        pattern.starts = spec.starts
        pattern.shape = spec.shape
        guard let (expanded, flags, sourceLine) = spec.regex else { return pattern }
        if let compiled {
            pattern.regex = compiled.regex
            pattern.anchored = compiled.anchored
        } else {
            do throws(CompiledRegex.CompileFailure) {
                pattern.regex = try CompiledRegex(pattern: expanded, flags: flags)
            // The newline ends a trailing extended-mode comment before the ')'.
                pattern.anchored = try CompiledRegex(pattern: "\\G(?:" + expanded + "\n)", flags: flags)
            } catch {
                throw fail("pattern does not compile: \(error.message) (at byte \(error.offset) of the expanded pattern)", sourceLine)
            }
        }
        pattern.groups = pattern.regex!.groupNumbers(named: groupNameVariants)
        for example in spec.matches {
            let found = matcher.map { pattern.regex!.firstMatch(in: example.text, matcher: $0) } ?? pattern.regex!.firstMatch(in: example.text)
            guard let found else {
                throw fail("'match: \(example.text)' does not match", example.line)
            }
            if found != example.expected {
                throw fail("'match: \(example.text)' finds '\(found)', not '\(example.expected)'", example.line)
            }
            if let shape = pattern.shape {
                let bytes = Array(found.utf8)
                guard bytes.withUnsafeBufferPointer({ shape.matches($0, at: 0, end: $0.count) }) else {
                    throw fail("'match: \(example.text)' finds '\(found)', which does not begin with the shape '\(shape.source)'", example.line)
                }
            }
        }
        return pattern
    }

    struct SpliceError: Error { var name: String }

    /// Replaces `{list}` and `{List}` with alternations of list entries; `memo` keeps each
    /// alternation made, by `language` and the name as written, for the next pattern.
    /// `tries: false` writes every alternation as the plain `a|b|…` of its forms (tests
    /// compare the two; see `alternationBody`).
    ///
    /// A list written more than once in a pattern (`{number} (?: \s+ y \s+ {number})?`) is
    /// spliced once, as a group of a `(?(DEFINE)…)` added at the end of the pattern, and
    /// each `{list}` becomes a call of it (`(?&_list0)`), when `shares` and the call matches
    /// what the alternation matches in its place: the alternation's flags are those of the
    /// whole pattern (no option setting such as `(?-i)` in `source`) or its own (`{List}`,
    /// `(?-i:…)`). PCRE2 (since 10.30) backtracks into a called group as into the group
    /// itself, and list alternations capture nothing, so the matches and the groups' numbers
    /// and offsets are those of the pattern with every alternation written out
    /// (`RegexPatternTests.testWordListTriesFindWhatPlainAlternationsFind`), while PCRE2's
    /// JIT compiles the alternation once: a quarter of the JIT-compile cost of the largest
    /// patterns (Spanish number words twice).
    static func splice(_ source: String, lists: WordLists, tries: Bool = true, shares: Bool = true) throws(SpliceError) -> String {
        var memo: [String: String] = [:]
        return try splice(source, lists: lists, memo: &memo, language: "", tries: tries, shares: shares)
    }

    /// The `{name}` references of `source` (the name as written, in order), as `splice` finds them.
    static func listReferences(_ source: String) -> [String] {
        var names: [String] = []
        var rest = Substring(source)
        while let open = rest.firstIndex(of: "{") {
            let afterOpen = rest.index(after: open)
            guard afterOpen < rest.endIndex, rest[afterOpen].isLetter,
                  let close = rest[afterOpen...].firstIndex(of: "}"),
                  rest[afterOpen..<close].allSatisfy({ $0.isLetter || $0 == "-" }) else {
                rest = rest[afterOpen...]
                continue
            }
            names.append(String(rest[afterOpen..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// Whether `source` sets an option inside the pattern (`(?i)`, `(?-i:…)`, `(?x)`, …):
    /// a `(?` not followed by `:`, `<`, `=`, `!`, `>`, `#`, `|`, `&` or `(`.
    static func setsOptions(_ source: String) -> Bool {
        let u = Array(source.utf8)
        for i in u.indices where u[i] == UInt8(ascii: "(") && i + 2 < u.count && u[i + 1] == UInt8(ascii: "?") {
            if !Array(":<=!>#|&(".utf8).contains(u[i + 2]) { return true }
        }
        return false
    }

    static func splice(_ source: String, lists: WordLists, memo: inout [String: String],
                       language: String, tries: Bool = true, shares: Bool = true) throws(SpliceError) -> String {
        // Lists written twice or more: each gets a group of the `(?(DEFINE)…)` (see above).
        var shared: [String: String] = [:]
        var sharedOrder: [String] = []
        if shares {
            let references = listReferences(source)
            let optionFree = !setsOptions(source)
            var seen = Set<String>()
            for name in references where !seen.insert(name).inserted && shared[name] == nil {
                // A `{List}` alternation carries its own flags; a `{list}` one takes the pattern's.
                guard optionFree || name.first!.isUppercase else { continue }
                shared[name] = "_list\(sharedOrder.count)"
                sharedOrder.append(name)
            }
        }
        var definitions: [String: String] = [:]
        var out = ""
        var rest = Substring(source)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard afterOpen < rest.endIndex, rest[afterOpen].isLetter,
                  let close = rest[afterOpen...].firstIndex(of: "}"),
                  rest[afterOpen..<close].allSatisfy({ $0.isLetter || $0 == "-" }) else {
                out.append("{")
                rest = rest[afterOpen...]
                continue
            }
            let written = String(rest[afterOpen..<close])
            if let group = shared[written] {
                if definitions[written] == nil {
                    definitions[written] = try alternation(written, lists: lists, memo: &memo, language: language, tries: tries)
                }
                out += "(?&\(group))"
                rest = rest[rest.index(after: close)...]
                continue
            }
            out += try alternation(written, lists: lists, memo: &memo, language: language, tries: tries)
            rest = rest[rest.index(after: close)...]
        }
        out += rest
        if !sharedOrder.isEmpty {
            // After the pattern (its first bytes, and so PCRE2's start-of-match analysis, are
            // unchanged); the newline ends a trailing extended-mode comment.
            out += "\n(?(DEFINE)"
            for name in sharedOrder { out += "(?<\(shared[name]!)>\(definitions[name]!))" }
            out += ")"
        }
        return out
    }

    /// The alternation of list `written` (`{written}` in a pattern), from `memo` or made and kept there.
    private static func alternation(_ written: String, lists: WordLists, memo: inout [String: String],
                                    language: String, tries: Bool) throws(SpliceError) -> String {
        let memoKey = language + "\u{0}" + written
        if let made = memo[memoKey] { return made }
        let capitalized = written.first!.isUppercase
        let name = written.lowercased()
        guard let entries = lists.lists[name] else { throw SpliceError(name: written) }
        var forms: [String] = []
        for e in entries {
            // Both forms once (their order does not matter: forms are deduplicated and sorted below).
            for base in e.text == e.key ? [e.text] : [e.text, e.key] {
                if capitalized {
                    forms.append(base.prefix(1).uppercased() + base.dropFirst())
                    forms.append(base.uppercased())
                } else {
                    forms.append(base)
                }
            }
        }
        // Longest first (in characters, counted once per form, not in every comparison).
        let measured: [(length: Int, form: String)] = Set(forms).map { (form: String) in (form.count, form) }
        let ordered = measured.sorted { (a, b) -> Bool in a.length != b.length ? a.length > b.length : a.form < b.form }
        let unique: [String] = ordered.map { $0.form }
        // A lowercase list may be spliced into a caseless pattern (the memo does not
        // know the flags): its trie is checked as if it were.
        let body = tries ? alternationBody(unique, caseless: !capitalized) : unique.map(escape).joined(separator: "|")
        let made = capitalized ? "(?-i:\(body))" : "(?:\(body))"
        memo[memoKey] = made
        return made
    }

    /// The body of a word list's alternation (without the enclosing group): the forms,
    /// escaped, as a trie of their Unicode scalars when that finds what the plain
    /// alternation `a|b|…` of `ordered` (longest first) finds, else that alternation.
    ///
    /// The forms are literals (a space stands for `\s+`), so the ones that match at an
    /// offset are prefixes of one another: the alternation tries them longest first, and
    /// so does the trie, where a form that goes on (`(?:…)?`, greedy) is tried before the
    /// one that ends, and siblings (different next scalars) never match the same text.
    /// Shared prefixes are written once, so the JIT-compiled code tries far fewer
    /// alternatives per call (a third fewer instructions in PCRE2 on the mix); JIT
    /// compiling a trie costs a little more than the plain alternation (nested groups).
    /// The plain alternation is kept when a form is a prefix of one after it in `ordered`
    /// (never, longest first) or two siblings could match the same character
    /// (`caseless` siblings equal once case-folded).
    static func alternationBody(_ ordered: [String], caseless: Bool) -> String {
        let flat = ordered.map(escape).joined(separator: "|")
        guard ordered.count > 1 else { return flat }
        var trie = ScalarTrie()
        for form in ordered {
            guard trie.insert(Array(form.unicodeScalars)) else { return flat }
        }
        guard trie.siblingsAreDisjoint(caseless: caseless) else { return flat }
        return trie.pattern(0)
    }

    /// The trie of `alternationBody`: node 0 is the root; each node's children are in the
    /// order their first form came.
    struct ScalarTrie {
        var children: [[(scalar: Unicode.Scalar, node: Int)]] = [[]]
        var ends: [Bool] = [false]

        /// Adds a form; false when a form inserted before it ends on its path (a prefix of it
        /// came first) or is the same.
        mutating func insert(_ scalars: [Unicode.Scalar]) -> Bool {
            var node = 0
            for s in scalars {
                if ends[node] { return false }
                if let next = children[node].first(where: { $0.scalar == s })?.node {
                    node = next
                } else {
                    children.append([])
                    ends.append(false)
                    children[node].append((s, children.count - 1))
                    node = children.count - 1
                }
            }
            guard !ends[node] else { return false }
            ends[node] = true
            return true
        }

        /// Whether no two siblings can match the same character: different scalars, and
        /// for a `caseless` pattern different once lowercased and once uppercased.
        func siblingsAreDisjoint(caseless: Bool) -> Bool {
            for list in children where list.count > 1 {
                var seen = Set<String>()
                for (s, _) in list {
                    let forms = caseless ? [String(s), String(s).lowercased(), String(s).uppercased()] : [String(s)]
                    for f in Set(forms) where !seen.insert(f).inserted { return false }
                }
            }
            return true
        }

        /// The alternation of the forms below `node`, each escaped as `escape` does.
        func pattern(_ node: Int) -> String {
            children[node].map { child -> String in
                var out = RegexPatterns.escape(String(Character(child.scalar)))
                // A run of single children is a plain sequence.
                var n = child.node
                while !ends[n] && children[n].count == 1 {
                    out += RegexPatterns.escape(String(Character(children[n][0].scalar)))
                    n = children[n][0].node
                }
                if children[n].isEmpty { return out }
                let rest = pattern(n)
                return out + (ends[n] ? "(?:\(rest))?" : children[n].count == 1 ? rest : "(?:\(rest))")
            }.joined(separator: "|")
        }
    }

    /// Escapes an entry for an extended-mode pattern; a space matches any white space.
    static func escape(_ s: String) -> String {
        // Printable ASCII (most entries) byte by byte: each byte is then its own
        // Character, and ASCII letters and digits are exactly its letters and numbers.
        if s.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            var out: [UInt8] = []
            out.reserveCapacity(s.utf8.count + 8)
            for b in s.utf8 {
                if b == 0x20 {
                    out += [0x5C, 0x73, 0x2B]  // \s+
                } else if ByteClass.isAlnum(b) {
                    out.append(b)
                } else {
                    out += [0x5C, b]
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        return escapeCharacters(s)
    }

    /// `escape` by `Character`: the path for entries with non-ASCII or control
    /// characters, and the reference the byte path is tested against.
    static func escapeCharacters(_ s: String) -> String {
        var out = ""
        for c in s {
            if c == " " {
                out += "\\s+"
            } else if c.isASCII, !(c.isLetter || c.isNumber) {
                out += "\\" + String(c)
            } else {
                out.append(c)
            }
        }
        return out
    }
}

extension CompiledRegex {
    /// The first match in `text` as a string (for checking examples at load time:
    /// PCRE2's interpreter, which finds what the JIT finds, so that loading does
    /// not JIT-compile every pattern).
    func firstMatch(in text: String) -> String? {
        guard let matcher = CompiledRegex.makeExampleMatcher() else { return nil }
        defer { entex_matcher_free(matcher) }
        return firstMatch(in: text, matcher: matcher)
    }

    /// `firstMatch(in:)` with match state from `makeExampleMatcher` (any pattern's): a load
    /// checks every example with one, where making one per example (match data, context
    /// and JIT stack) cost more than the matches.
    func firstMatch(in text: String, matcher: OpaquePointer) -> String? {
        var text = text
        return text.withUTF8 { p -> String? in
            // Only the whole match is read: PCRE2 matches the same with room for fewer groups.
            var ovector: (Int, Int) = (0, 0)
            let rc = withUnsafeMutableBytes(of: &ovector) { o in
                entex_regex_match_interpreted(handle, p.baseAddress, p.count, 0, matcher,
                                              o.baseAddress!.assumingMemoryBound(to: size_t.self), 1)
            }
            guard rc > 0 else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: p[ovector.0..<ovector.1]), as: UTF8.self)
        }
    }

    /// Match state for `firstMatch(in:matcher:)`: room for the whole match only, the tagger's limits.
    static func makeExampleMatcher() -> OpaquePointer? {
        entex_matcher_create(1, RegexTagger.matchLimit, RegexTagger.depthLimit)
    }
}

/// Reads the block format of `Lexicons/patterns/*.txt` (see the README there).
enum PatternFileParser {
    struct Block {
        var name: String
        var line: Int
        var fields: [String: (value: String, line: Int)] = [:]
        var matches: [RegexPattern.Example] = []
        var nomatches: [RegexPattern.Example] = []
    }

    static let keys: Set<String> = ["type", "lang", "priority", "trigger", "require", "start", "shape", "normalizer", "flags", "comment",
                                    "pattern", "token", "match", "nomatch", "value"]

    /// The lines of `text`, as `text.split(separator: "\n", omittingEmptySubsequences: false)`
    /// gives them. Without a carriage return every LF byte is a `Character` of its own,
    /// so the split is made on bytes; with one ("\r\n" is one `Character`), on `Character`s.
    static func lines(_ text: String) -> [Substring] {
        let u = text.utf8
        guard !u.contains(0x0D) else { return text.split(separator: "\n", omittingEmptySubsequences: false) }
        var lines: [Substring] = []
        var start = u.startIndex
        while let newline = u[start...].firstIndex(of: 0x0A) {
            lines.append(text[start..<newline])
            start = u.index(after: newline)
        }
        lines.append(text[start...])
        return lines
    }

    static func blocks(_ path: String) throws(DataFileError) -> [Block] {
        let text = try DataFile.readText(path)
        var blocks: [Block] = []
        var current: Block?
        var lastKey: String?
        var number = 0
        func fail(_ message: String) -> DataFileError { DataFileError(file: path, line: number, message: message) }
        for rawLine in lines(text) {
            number += 1
            var line = rawLine
            if line.hasSuffix("\r") { line = line.dropLast() }
            if line.first == "#" { continue }
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { lastKey = nil; continue }
            if line.first == " " || line.first == "\t" {
                // Continuation of the previous key's value.
                guard var block = current, let key = lastKey, key == "pattern" || key == "comment" || key == "shape" else {
                    throw fail("indented line continues only 'pattern:', 'shape:' or 'comment:'")
                }
                let piece = line.trimmedWhitespace
                let old = block.fields[key]!
                block.fields[key] = (old.value + (key == "comment" ? " " : "\n") + piece, old.line)
                current = block
                continue
            }
            if line.first == "[" {
                guard line.last == "]", line.count > 2 else { throw fail("block header must be [name]") }
                if let block = current { blocks.append(block) }
                current = Block(name: String(line.dropFirst().dropLast()), line: number)
                lastKey = nil
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { throw fail("expected 'key: value'") }
            let key = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmedWhitespace
            guard keys.contains(key) else { throw fail("unknown key '\(key)' (\(keys.sorted().joined(separator: ", ")))") }
            guard var block = current else { throw fail("'\(key):' before the first [name] block") }
            switch key {
            case "match", "nomatch":
                guard !value.isEmpty else { throw fail("empty example") }
                var example = RegexPattern.Example(text: value, expected: value, value: nil, line: number)
                if let arrow = value.range(of: " => ") {
                    example.text = String(value[..<arrow.lowerBound])
                    example.expected = String(value[arrow.upperBound...])
                    guard example.text.contains(example.expected) else { throw fail("'\(example.expected)' is not part of '\(example.text)'") }
                }
                if key == "match" { block.matches.append(example) } else { block.nomatches.append(example) }
            case "value":
                guard lastKey == "match", !block.matches.isEmpty else { throw fail("'value:' must follow a 'match:' line") }
                block.matches[block.matches.count - 1].value = value
            default:
                guard block.fields[key] == nil else { throw fail("'\(key):' given twice in [\(block.name)]") }
                block.fields[key] = (value, number)
            }
            current = block
            lastKey = key
        }
        if let block = current { blocks.append(block) }
        return blocks
    }
}

extension LibraryVersions {
    /// The PCRE2 version (its compiled code, kept in the pattern cache, is of one version).
    public static var pcre2: String { String(cString: entex_pcre2_version()) }
}
