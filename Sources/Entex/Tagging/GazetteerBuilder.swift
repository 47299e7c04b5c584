import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One lexicon file to compile into a gazetteer.
public struct GazetteerSource: Sendable, Hashable {
    /// Path of a TSV file (see `Lexicons/README.md`).
    public var path: String
    /// A user lexicon (`--lexicon`): its entries get `EntitySource.user`, win
    /// over bundled entries with the same key sequence, and may use the short
    /// `name<TAB>type` form.
    public var isUser: Bool

    public init(path: String, isUser: Bool) {
        self.path = path
        self.isUser = isUser
    }

    /// The bundled `gazetteers/*.tsv` of a Lexicons folder, sorted by name, then the user files.
    public static func all(lexicons: String, userLexicons: [String] = []) throws(DataFileError) -> [GazetteerSource] {
        let folder = lexicons + "/gazetteers"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw DataFileError(file: folder, line: nil, message: "cannot list the gazetteer folder")
        }
        let bundled = names.filter { $0.hasSuffix(".tsv") }.sorted().map { GazetteerSource(path: folder + "/" + $0, isUser: false) }
        return bundled + userLexicons.map { GazetteerSource(path: $0, isUser: true) }
    }
}

/// Compiles lexicon rows into a `Gazetteer`.
///
/// Every name and alias is tokenized exactly as documents are (the real
/// `Tokenizer`, so `EE. UU.` is one abbreviation token and `Guinea-Bissau`
/// three), punctuation and symbols at either edge are dropped, and the
/// remaining token keys are added to the trie. Rows are checked as they are
/// read: a bad row throws a `DataFileError` naming the file and line.
///
/// Row forms:
/// - `name<TAB>type<TAB>id<TAB>lang<TAB>aliases<TAB>flags` (any file);
/// - `name<TAB>type` (user lexicons only): no id, language `*`, flag `cs`
///   when the name is a short all-capitals acronym (`ACME`, `U.N.`), else none.
public struct GazetteerBuilder {
    private let tokenizer: Tokenizer
    private var vocabulary = ByteStringTable(minimumCapacity: 1 << 12)
    private var strings = ByteStringTable(minimumCapacity: 1 << 12)
    private var transitions = TransitionBuilder()
    private var stateCount = 1

    private var outStates: [UInt32] = []
    private var outEntries: [UInt32] = []
    private var outForms: [UInt32] = []
    private var outCapitals: [UInt32] = []

    private var entryTypes: [UInt8] = []
    private var entryFlags: [UInt8] = []
    private var entryLanguages: [UInt8] = []
    private var entryFiles: [UInt16] = []
    private var entryCanonical: [UInt32] = []
    private var entryKB: [UInt32] = []
    private var files: [String] = []
    private var fileIsUser: [Bool] = []

    /// Scratch for tokenizing one form: (key range in `formKeys`, capitalized).
    private var formTokens: [(start: Int, end: Int, capitalized: Bool)] = []
    private var formKeys: [UInt8] = []
    /// The last type column read and its value (files list many rows of one type).
    private var lastTypeName: [UInt8] = []
    private var lastType: EntityType?

    /// Skip bad rows (recording them in `skipped`) instead of throwing (`--lenient`).
    /// A file that cannot be read at all still throws.
    public var lenient = false
    /// The rows skipped in lenient mode, in file order: file, line and what was wrong.
    public private(set) var skipped: [DataFileError] = []
    /// The most trie states (the root included) the gazetteer may have: `Gazetteer.stateLimit`,
    /// lowered only by tests, which cannot build 2^29 states.
    var stateLimit = Gazetteer.stateLimit

    public init(text: TextResources) throws(DataFileError) {
        do {
            tokenizer = try Tokenizer(resources: text)
        } catch {
            throw DataFileError(file: "ICU", line: nil, message: "cannot make the tokenizer: \(error)")
        }
    }

    /// Compiles `sources` in order.
    public static func compile(_ sources: [GazetteerSource], text: TextResources) throws(DataFileError) -> Gazetteer {
        var builder = try GazetteerBuilder(text: text)
        for source in sources { try builder.add(source) }
        return (consume builder).build()
    }

    /// Reads and adds every row of one file.
    ///
    /// The file is read `readChunk` bytes at a time (each chunk ends at a line end), never
    /// whole: a million entries' file is 49 MB, which stayed resident while the trie was built.
    /// Without `lenient`, a first pass checks that all of it is UTF-8 before any row is added,
    /// as `add(bytes:source:)` does.
    public mutating func add(_ source: GazetteerSource) throws(DataFileError) {
        let cannotRead = DataFileError(file: source.path, line: nil, message: "cannot read file")
        if !lenient {
            var line = 1
            try GazetteerBuilder.readLines(source.path, chunk: readChunk) { (p: UnsafeBufferPointer<UInt8>) throws(DataFileError) in
                if let bad = UTF8Repair.firstInvalid(p) {
                    line = p[..<bad].reduce(line) { $0 + ($1 == 0x0A ? 1 : 0) }
                    throw DataFileError(file: source.path, line: line, message: "invalid UTF-8")
                }
                line = p.reduce(line) { $0 + ($1 == 0x0A ? 1 : 0) }
            } orThrow: { cannotRead }
        }
        let file = try addFile(source)
        var lines = 0
        try GazetteerBuilder.readLines(source.path, chunk: readChunk) { (p: UnsafeBufferPointer<UInt8>) throws(DataFileError) in
            lines = try addRows(p, file: file, source: source, linesBefore: lines)
        } orThrow: { cannotRead }
    }

    /// How many bytes `add(_:)` reads at a time (lowered by tests).
    var readChunk = 1 << 20

    /// Calls `body` with the contents of the file at `path` in pieces of whole lines (the last
    /// may lack its line end), each of at most `chunk` bytes unless one line is longer.
    /// Throws `failure()` when the file cannot be opened or read.
    private static func readLines(_ path: String, chunk: Int,
                                  _ body: (UnsafeBufferPointer<UInt8>) throws(DataFileError) -> Void,
                                  orThrow failure: () -> DataFileError) throws(DataFileError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure() }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: max(chunk, 1))
        // `buffer[..<filled]` holds bytes read and not yet passed to `body` (a partial line).
        var filled = 0
        while true {
            if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if got < 0 {
                if errno == EINTR { continue }
                throw failure()
            }
            filled += got
            let atEnd = got == 0
            var end = filled
            if !atEnd {
                while end > 0 && buffer[end - 1] != 0x0A { end -= 1 }
                if end == 0 { continue }
            }
            if end > 0 {
                try buffer.withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt8>) throws(DataFileError) in
                    try body(UnsafeBufferPointer(rebasing: b[..<end]))
                }
                buffer.withUnsafeMutableBufferPointer { b in
                    for k in end..<filled { b[k - end] = b[k] }
                }
                filled -= end
            }
            if atEnd { return }
        }
    }

    /// Adds every row of a file's contents (`source.path` names it in errors and `rule`).
    public mutating func add(bytes: [UInt8], source: GazetteerSource) throws(DataFileError) {
        let path = source.path
        if !lenient, let bad = bytes.withUnsafeBufferPointer({ UTF8Repair.firstInvalid($0) }) {
            let line = bytes[..<bad].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw DataFileError(file: path, line: line, message: "invalid UTF-8")
        }
        let file = try addFile(source)
        try bytes.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(DataFileError) in
            _ = try addRows(p, file: file, source: source, linesBefore: 0)
        }
    }

    /// Records `source` as the next file; returns its index.
    private mutating func addFile(_ source: GazetteerSource) throws(DataFileError) -> UInt16 {
        guard files.count < Int(UInt16.max) else {
            throw DataFileError(file: source.path, line: nil, message: "too many lexicon files")
        }
        files.append(URL(fileURLWithPath: source.path).lastPathComponent)
        fileIsUser.append(source.isUser)
        return UInt16(files.count - 1)
    }

    /// Adds the rows of `p`, whole lines of file `file` after its first `linesBefore` lines;
    /// returns the number of lines read so far.
    private mutating func addRows(_ p: UnsafeBufferPointer<UInt8>, file: UInt16, source: GazetteerSource,
                                  linesBefore: Int) throws(DataFileError) -> Int {
        let path = source.path
        var lineNumber = linesBefore
        var lineStart = 0
        var fields: [Range<Int>] = []
        while lineStart < p.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < p.count && p[lineEnd] != 0x0A { lineEnd += 1 }
            let next = lineEnd + 1
            if lineEnd > lineStart && p[lineEnd - 1] == 0x0D { lineEnd -= 1 }
            defer { lineStart = next }
            if lineEnd == lineStart || p[lineStart] == UInt8(ascii: "#") { continue }
            if p[lineStart..<lineEnd].allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            fields.removeAll(keepingCapacity: true)
            var f = lineStart
            for k in lineStart..<lineEnd where p[k] == 0x09 {
                fields.append(f..<k)
                f = k + 1
            }
            fields.append(f..<lineEnd)
            guard lenient else {
                try addRow(p, fields, file: file, path: path, line: lineNumber, isUser: source.isUser)
                continue
            }
            if UTF8Repair.firstInvalid(UnsafeBufferPointer(rebasing: p[lineStart..<lineEnd])) != nil {
                skipped.append(DataFileError(file: path, line: lineNumber, message: "invalid UTF-8"))
                continue
            }
            do throws(DataFileError) {
                try addRow(p, fields, file: file, path: path, line: lineNumber, isUser: source.isUser)
            } catch {
                skipped.append(error)
            }
        }
        return lineNumber
    }

    private mutating func addRow(_ p: UnsafeBufferPointer<UInt8>, _ fields: [Range<Int>], file: UInt16,
                                 path: String, line: Int, isUser: Bool) throws(DataFileError) {
        func trimmed(_ r: Range<Int>) -> Range<Int> {
            var a = r.lowerBound, b = r.upperBound
            while a < b && p[a] == 0x20 { a += 1 }
            while b > a && p[b - 1] == 0x20 { b -= 1 }
            return a..<b
        }
        func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: p[r]), as: UTF8.self) }
        func isDash(_ r: Range<Int>) -> Bool { r.count == 1 && p[r.lowerBound] == UInt8(ascii: "-") }
        func fail(_ message: String) -> DataFileError { DataFileError(file: path, line: line, message: message) }
        guard fields.count == 6 || (isUser && fields.count == 2) else {
            throw fail("expected 6 tab-separated columns (name, type, id, lang, aliases, flags)"
                       + (isUser ? " or 2 (name, type)" : "") + ", found \(fields.count)")
        }
        let name = trimmed(fields[0])
        guard !name.isEmpty else { throw fail("empty name") }
        let typeRange = trimmed(fields[1])
        let type: EntityType
        if let last = lastType, p[typeRange].elementsEqual(lastTypeName) {
            type = last
        } else {
            guard let t = EntityType(name: text(typeRange)) else { throw fail("unknown entity type '\(text(typeRange))'") }
            type = t
            lastType = t
            lastTypeName = Array(p[typeRange])
        }
        var kb: Range<Int>?
        var language = Gazetteer.Language.any
        var forms = [name]
        var flags: Gazetteer.Flags = []
        if fields.count == 6 {
            let id = trimmed(fields[2])
            if id.isEmpty { throw fail("empty id (write - for none)") }
            kb = isDash(id) ? nil : id
            let lang = trimmed(fields[3])
            guard let l = Gazetteer.Language(code: text(lang)) else { throw fail("unknown language '\(text(lang))' (en, es or *)") }
            language = l
            let aliases = trimmed(fields[4])
            if !aliases.isEmpty && !isDash(aliases) {
                var start = aliases.lowerBound
                for k in aliases.lowerBound...aliases.upperBound where k == aliases.upperBound || p[k] == UInt8(ascii: "|") {
                    let alias = trimmed(start..<k)
                    if alias.isEmpty { throw fail("empty alias in '\(text(aliases))'") }
                    forms.append(alias)
                    start = k + 1
                }
            }
            let flagRange = trimmed(fields[5])
            if !flagRange.isEmpty && !isDash(flagRange) {
                for flag in text(flagRange).split(separator: ",") {
                    switch flag.trimmingCharacters(in: .whitespaces) {
                    case "cs": flags.insert(.caseSensitive)
                    case "cap": flags.insert(.needsCapital)
                    case "lc": flags.insert(.anyCase)
                    default: throw fail("unknown flag '\(flag)' (cs, cap, lc or -)")
                    }
                }
            }
        } else if GazetteerBuilder.isAcronym(UnsafeBufferPointer(rebasing: p[name])) {
            flags.insert(.caseSensitive)
        }
        guard entryTypes.count < Int(UInt32.max) - 1 else { throw fail("too many entries") }
        let entry = UInt32(entryTypes.count)
        entryTypes.append(type.rawValue)
        entryFlags.append(flags.rawValue)
        entryLanguages.append(language.rawValue)
        entryFiles.append(file)
        entryCanonical.append(intern(UnsafeBufferPointer(rebasing: p[name])))
        entryKB.append(kb.map { intern(UnsafeBufferPointer(rebasing: p[$0])) } ?? Gazetteer.noForm)
        for form in forms {
            let formBytes = UnsafeBufferPointer(rebasing: p[form])
            guard let surface = tokenize(formBytes) else { throw fail("'\(text(form))' has no word to match") }
            var state: UInt32 = 0
            var capitals: UInt32 = 0
            let keys = formKeys
            for (k, token) in formTokens.enumerated() {
                let term = keys.withUnsafeBufferPointer { (buffer) -> UInt32 in
                    let key = UnsafeBufferPointer(rebasing: buffer[token.start..<token.end])
                    if let id = vocabulary.lookup(key) { return UInt32(id) }
                    return UInt32(vocabulary.insert(key))
                }
                if let next = transitions.target(state, term) {
                    state = next
                } else {
                    guard stateCount < stateLimit else {
                        throw fail("the lexicons need more than \(stateLimit) trie states (distinct name prefixes), "
                                   + "the most one gazetteer can match; split them or remove entries")
                    }
                    state = transitions.insert(state, term)
                    stateCount += 1
                }
                if token.capitalized && k < 32 { capitals |= 1 << UInt32(k) }
            }
            outStates.append(state)
            outEntries.append(entry)
            outForms.append(flags.contains(.caseSensitive)
                            ? intern(UnsafeBufferPointer(rebasing: formBytes[surface])) : Gazetteer.noForm)
            outCapitals.append(capitals)
        }
    }

    /// The string id of `bytes`, added if new.
    private mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        if let id = strings.lookup(bytes) { return UInt32(id) }
        return UInt32(strings.insert(bytes))
    }

    /// Tokenizes a name or alias into `formTokens`/`formKeys` without edge
    /// punctuation; returns the byte range of the form from its first to its
    /// last kept token, or nil when no token is left.
    ///
    /// Forms of ASCII letters and digits separated by single spaces, with no
    /// letter tripled, take a fast path that gives what the tokenizer gives
    /// them (one word per run, lowercased key; a test checks both agree);
    /// anything else goes through the `Tokenizer`.
    private mutating func tokenize(_ form: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        formTokens.removeAll(keepingCapacity: true)
        formKeys.removeAll(keepingCapacity: true)
        if GazetteerBuilder.isSimple(form) {
            var start = 0
            for k in 0...form.count where k == form.count || form[k] == 0x20 {
                let keyStart = formKeys.count
                for b in form[start..<k] { formKeys.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b) }
                formTokens.append((keyStart, formKeys.count, form[start] >= 0x41 && form[start] <= 0x5A))
                start = k + 1
            }
            return 0..<form.count
        }
        var doc = Document(id: "", bytes: form)
        tokenizer.process(&doc)
        var first = 0, last = doc.tokens.count - 1
        while first <= last && !Gazetteer.canEdge(doc.tokens[first].kind) { first += 1 }
        while last >= first && !Gazetteer.canEdge(doc.tokens[last].kind) { last -= 1 }
        guard first <= last else { return nil }
        for t in first...last {
            let token = doc.tokens[t]
            let start = formKeys.count
            formKeys.append(contentsOf: doc.tokenKeys[Int(token.keyStart)..<Int(token.keyEnd)])
            formTokens.append((start, formKeys.count, token.flags.contains(.capitalized)))
        }
        return Int(doc.tokens[first].start)..<Int(doc.tokens[last].end)
    }

    /// Whether `form` is words of ASCII letters and digits separated by
    /// single spaces, with no letter three times in a row (which the
    /// tokenizer may shorten as an elongation).
    static func isSimple(_ form: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = form.first, first != 0x20, form.last != 0x20 else { return false }
        var previous: UInt8 = 0x20
        var run = 0
        for b in form {
            let folded = b | 0x20
            if b == 0x20 {
                if previous == 0x20 { return false }
                run = 0
            } else if (folded >= 0x61 && folded <= 0x7A) {
                run = folded == (previous | 0x20) ? run + 1 : 1
                if run >= 3 { return false }
            } else if b >= 0x30 && b <= 0x39 {
                run = 0
            } else {
                return false
            }
            previous = b
        }
        return true
    }

    /// Short all-capitals names (`ACME`, `U.N.`, `EE. UU.`): at most six
    /// letters, all ASCII capitals, with digits, dots, spaces, `&` or `-`.
    static func isAcronym(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        var letters = 0
        for b in name {
            if b >= 0x41 && b <= 0x5A { letters += 1; continue }
            if (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x20 || b == 0x26 || b == 0x2D { continue }
            return false
        }
        return letters >= 1 && letters <= 6
    }

    /// Finishes the automaton. Outputs of one state keep lexicon order; a
    /// state that has user entries keeps only those; repeated (entry, form)
    /// outputs are dropped.
    ///
    /// Consumes the builder: each of its arrays is freed as soon as the gazetteer's own
    /// tables are made from it, so that compiling a million entries never holds the
    /// builder's arrays and the gazetteer's whole at once (that peaked at 663 MiB).
    public consuming func build() -> Gazetteer {
        let states = stateCount
        let entryFiles = MappableArray(taking: &self.entryFiles)
        // The outputs bucketed by state, lexicon order kept within a state (a counting sort,
        // filled from the back): `starts[s + 1]` counts, then ends, then begins state `s`'s bucket.
        var starts = [UInt32](repeating: 0, count: states + 1)
        for s in outStates { starts[Int(s) + 1] += 1 }
        for s in 0..<states { starts[s + 1] += starts[s] }
        var order = [UInt32](repeating: 0, count: outStates.count)
        for o in outStates.indices.reversed() {
            let s = Int(outStates[o]) + 1
            starts[s] -= 1
            order[Int(starts[s])] = UInt32(o)
        }
        let outputCount = outStates.count
        outStates = []
        var entries: [UInt32] = [], forms: [UInt32] = [], capitals: [UInt32] = []
        entries.reserveCapacity(outputCount)
        forms.reserveCapacity(outputCount)
        capitals.reserveCapacity(outputCount)
        for s in 0..<states {
            // State `s`'s bucket; its begin is read before `starts[s]` (the previous bucket's
            // begin, no longer needed) becomes its offset among the outputs kept.
            let range = Int(starts[s + 1])..<(s + 1 < states ? Int(starts[s + 2]) : outputCount)
            starts[s] = UInt32(entries.count)
            if range.isEmpty { continue }
            let hasUser = range.contains { fileIsUser[Int(entryFiles[Int(outEntries[Int(order[$0])])])] }
            let first = entries.count
            for k in range {
                let o = Int(order[k])
                let entry = outEntries[o]
                if hasUser && !fileIsUser[Int(entryFiles[Int(entry)])] { continue }
                var duplicate = false
                for e in first..<entries.count where entries[e] == entry && forms[e] == outForms[o] {
                    duplicate = true
                    break
                }
                if duplicate { continue }
                entries.append(entry)
                forms.append(outForms[o])
                capitals.append(outCapitals[o])
            }
        }
        starts[states] = UInt32(entries.count)
        order = []
        outEntries = []
        outForms = []
        outCapitals = []
        let outputStarts = MappableArray(taking: &starts)
        let outputEntries = MappableArray(taking: &entries)
        let outputForms = MappableArray(taking: &forms)
        let outputCapitals = MappableArray(taking: &capitals)
        let rootTargets = transitions.rootTargets(terms: vocabulary.count)
        let table = transitions.compacted()
        transitions = TransitionBuilder()
        var (stringPool, stringEnds, _) = strings.takeKeys()
        let core = Gazetteer.Core(
            vocabulary: TermTable(taking: &vocabulary), rootTargets: rootTargets,
            transitionKeys: table.keys, transitionTargets: table.targets,
            outputStarts: outputStarts, outputEntries: outputEntries, outputForms: outputForms, outputCapitals: outputCapitals,
            entryTypes: MappableArray(taking: &entryTypes), entryFlags: MappableArray(taking: &entryFlags),
            entryLanguages: MappableArray(taking: &entryLanguages), entryFiles: entryFiles,
            entryCanonical: MappableArray(taking: &entryCanonical), entryKB: MappableArray(taking: &entryKB),
            stringPool: MappableArray(taking: &stringPool), stringEnds: MappableArray(taking: &stringEnds),
            files: files, fileIsUser: fileIsUser)
        return Gazetteer(compiled: core)
    }
}

/// The growing `(state, term) → state` hash table.
///
/// Every state but the root is the target of exactly one transition, made with it and
/// numbered in the order made; so the table keeps each transition's key once, in
/// `keys[target - 1]`, and its slots hold only the 4-byte target (at most half of
/// them in use), not a 12-byte key and target pair: for a million entries the table
/// takes 54 MB rather than 100 (150 while growing). A slot also keeps three bits of its
/// key's hash beside the target (which fits in 29 bits: `Gazetteer.stateLimit`), so that
/// a probe reads the key of only one slot in eight of those whose key is another.
struct TransitionBuilder {
    /// `keys[s - 1]`: `state << 32 | term` of the transition into state `s`.
    private(set) var keys: [UInt64] = []
    /// Open-addressed slots holding the target state in bits 0–28 (0 = free) and the top three
    /// bits of the key's slot hash above it; size is a power of two.
    private var slots = [UInt32](repeating: 0, count: 1 << 12)

    /// The number of transitions, and of states besides the root.
    var count: Int { keys.count }

    func target(_ state: UInt32, _ term: UInt32) -> UInt32? {
        let key = UInt64(state) << 32 | UInt64(term)
        return slots.withUnsafeBufferPointer { slots in
            keys.withUnsafeBufferPointer { keys in
                let mask = slots.count - 1
                let hash = Gazetteer.slotHash(key)
                let check = TransitionBuilder.checkBits(hash)
                var i = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let slot = slots[i]
                    if slot == 0 { return nil }
                    let target = slot & TransitionBuilder.targetMask
                    if slot & ~TransitionBuilder.targetMask == check && keys[Int(target) - 1] == key { return target }
                    i = (i + 1) & mask
                }
            }
        }
    }

    /// Adds the transition from `state` on `term` to a new state (which must not exist yet):
    /// the state numbered `count + 1`, which it returns.
    mutating func insert(_ state: UInt32, _ term: UInt32) -> UInt32 {
        if (keys.count + 1) * 2 > slots.count { grow() }
        keys.append(UInt64(state) << 32 | UInt64(term))
        let target = UInt32(keys.count)
        place(target)
        return target
    }

    private mutating func place(_ target: UInt32) {
        let mask = slots.count - 1
        let hash = Gazetteer.slotHash(keys[Int(target) - 1])
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = target | TransitionBuilder.checkBits(hash)
    }

    private static let targetMask = UInt32(Gazetteer.stateLimit - 1)

    /// The bits of a slot above its target: the top three of the key's slot hash.
    @inline(__always)
    private static func checkBits(_ hash: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: hash >> 61) << 29
    }

    private mutating func grow() {
        slots = [UInt32](repeating: 0, count: slots.count * 2)
        for target in keys.indices { place(UInt32(target + 1)) }
    }

    /// `rootTargets[term]`: the state the root reaches on `term`, or 0, for `terms` terms.
    func rootTargets(terms: Int) -> MappableArray<UInt32> {
        MappableArray(repeating: 0, count: terms) { roots in
            for (k, key) in keys.enumerated() where key >> 32 == 0 && Int(key) < terms {
                roots[Int(key)] = UInt32(k + 1)
            }
        }
    }

    /// The transitions as the gazetteer matches them: open-addressed keys (`emptySlot` = free)
    /// and targets side by side, in the smallest power-of-two table at most two-thirds full.
    func compacted() -> (keys: MappableArray<UInt64>, targets: MappableArray<UInt32>) {
        var size = 16
        while size * 2 < keys.count * 3 { size <<= 1 }
        let mask = size - 1
        var table = MappableArray<UInt64>()
        let targets = MappableArray<UInt32>(repeating: 0, count: size) { targets in
            table = MappableArray(repeating: Gazetteer.emptySlot, count: size) { table in
                for (k, key) in keys.enumerated() {
                    var i = Gazetteer.slot(key, mask: mask)
                    while table[i] != Gazetteer.emptySlot { i = (i + 1) & mask }
                    table[i] = key
                    targets[i] = UInt32(k + 1)
                }
            }
        }
        return (table, targets)
    }
}
