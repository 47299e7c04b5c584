import Foundation

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
        return builder.build()
    }

    /// Reads and adds every row of one file.
    public mutating func add(_ source: GazetteerSource) throws(DataFileError) {
        guard let data = FileManager.default.contents(atPath: source.path) else {
            throw DataFileError(file: source.path, line: nil, message: "cannot read file")
        }
        try add(bytes: [UInt8](data), source: source)
    }

    /// Adds every row of a file's contents (`source.path` names it in errors and `rule`).
    public mutating func add(bytes: [UInt8], source: GazetteerSource) throws(DataFileError) {
        let path = source.path
        if !lenient, let bad = bytes.withUnsafeBufferPointer({ UTF8Repair.firstInvalid($0) }) {
            let line = bytes[..<bad].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw DataFileError(file: path, line: line, message: "invalid UTF-8")
        }
        guard files.count < Int(UInt16.max) else {
            throw DataFileError(file: path, line: nil, message: "too many lexicon files")
        }
        let file = UInt16(files.count)
        files.append(URL(fileURLWithPath: path).lastPathComponent)
        fileIsUser.append(source.isUser)
        try bytes.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(DataFileError) in
            var lineNumber = 0
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
        }
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
                    let next = UInt32(stateCount)
                    stateCount += 1
                    transitions.insert(state, term, next)
                    state = next
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
    public func build() -> Gazetteer {
        let states = stateCount
        var counts = [UInt32](repeating: 0, count: states + 1)
        for s in outStates { counts[Int(s) + 1] += 1 }
        for s in 0..<states { counts[s + 1] += counts[s] }
        var order = [UInt32](repeating: 0, count: outStates.count)
        var fill = counts
        for (o, s) in outStates.enumerated() {
            order[Int(fill[Int(s)])] = UInt32(o)
            fill[Int(s)] += 1
        }
        var starts = [UInt32](repeating: 0, count: states + 1)
        var entries: [UInt32] = [], forms: [UInt32] = [], capitals: [UInt32] = []
        entries.reserveCapacity(outStates.count)
        forms.reserveCapacity(outStates.count)
        capitals.reserveCapacity(outStates.count)
        for s in 0..<states {
            starts[s] = UInt32(entries.count)
            let range = Int(counts[s])..<Int(counts[s + 1])
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
        let table = transitions.compacted()
        var roots = [UInt32](repeating: 0, count: vocabulary.count)
        for (i, key) in table.keys.enumerated() where key != Gazetteer.emptySlot && key >> 32 == 0 {
            roots[Int(key & 0xFFFF_FFFF)] = table.targets[i]
        }
        return Gazetteer(
            vocabulary: TermTable(vocabulary), rootTargets: roots, transitionKeys: table.keys, transitionTargets: table.targets,
            outputStarts: starts, outputEntries: entries, outputForms: forms, outputCapitals: capitals,
            entryTypes: entryTypes, entryFlags: entryFlags, entryLanguages: entryLanguages, entryFiles: entryFiles,
            entryCanonical: entryCanonical, entryKB: entryKB, stringPool: strings.pool, stringEnds: strings.ends,
            files: files, fileIsUser: fileIsUser)
    }
}

/// The growing `(state, term) → state` hash table, kept at most half full.
struct TransitionBuilder {
    var keys = [UInt64](repeating: Gazetteer.emptySlot, count: 1 << 12)
    var targets = [UInt32](repeating: 0, count: 1 << 12)
    var count = 0

    func target(_ state: UInt32, _ term: UInt32) -> UInt32? {
        keys.withUnsafeBufferPointer { k in
            targets.withUnsafeBufferPointer { t in Gazetteer.step(k, t, state, term) }
        }
    }

    mutating func insert(_ state: UInt32, _ term: UInt32, _ target: UInt32) {
        if (count + 1) * 2 > keys.count { grow() }
        place(UInt64(state) << 32 | UInt64(term), target)
        count += 1
    }

    fileprivate mutating func place(_ key: UInt64, _ target: UInt32) {
        let mask = keys.count - 1
        var i = Gazetteer.slot(key, mask: mask)
        while keys[i] != Gazetteer.emptySlot { i = (i + 1) & mask }
        keys[i] = key
        targets[i] = target
    }

    /// The same transitions in the smallest power-of-two table at most two-thirds full
    /// (the growing table is kept at most half full to build fast).
    func compacted() -> (keys: [UInt64], targets: [UInt32]) {
        var size = 16
        while size * 2 < count * 3 { size <<= 1 }
        if size >= keys.count { return (keys, targets) }
        var table = TransitionBuilder()
        table.keys = [UInt64](repeating: Gazetteer.emptySlot, count: size)
        table.targets = [UInt32](repeating: 0, count: size)
        for i in keys.indices where keys[i] != Gazetteer.emptySlot { table.place(keys[i], targets[i]) }
        return (table.keys, table.targets)
    }

    private mutating func grow() {
        let oldKeys = keys, oldTargets = targets
        keys = [UInt64](repeating: Gazetteer.emptySlot, count: oldKeys.count * 2)
        targets = [UInt32](repeating: 0, count: oldKeys.count * 2)
        for i in oldKeys.indices where oldKeys[i] != Gazetteer.emptySlot { place(oldKeys[i], oldTargets[i]) }
    }
}
