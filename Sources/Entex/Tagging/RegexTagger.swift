import CPCRE2

/// The `regex` stage: proposes DATE, TIME, MONEY, PERCENT, QUANTITY,
/// CARDINAL, ORDINAL, PHONE and PRODUCT (designation) candidates from the
/// patterns of `Lexicons/patterns/`, and URL, EMAIL, HANDLE, HASHTAG and
/// CASHTAG candidates straight from the tokenizer's tokens.
///
/// Patterns never scan the whole text: each runs only in windows around its
/// trigger tokens (a digit, a month or weekday word, a currency symbol, …):
/// the pattern, compiled anchored, is tried only at the token starts from 5
/// tokens before each trigger up to the trigger, inside its sentence, so a
/// match must contain a trigger token. Matches must start and end on token
/// boundaries; others are dropped. Values are normalized only for the
/// candidates that survive. Candidates are appended to
/// `doc.candidates` with `source: .regex`, `rule:` the pattern name, the
/// pattern's priority and a normalized `value`; a regex candidate inside a
/// longer regex candidate (`20` inside `$20 million`), or with the same span
/// and a lower priority, is not proposed. A search that exceeds the PCRE2
/// limits is abandoned for that window with a `regex-limit` warning.
public final class RegexTagger: Stage {
    public let name = "regex"
    public let requires: Layers = [.tokens, .sentences, .language]
    public let produces: Layers = [.candidates]

    /// Backtracking steps allowed per match attempt (PCRE2 match limit).
    public static let matchLimit: UInt32 = 1_000_000
    /// Nesting allowed per match attempt (PCRE2 depth limit; the JIT uses its own stack, 1 MiB).
    public static let depthLimit: UInt32 = 10_000
    /// How many tokens before a trigger token a match may start.
    static let tokensBefore = 5
    /// How many tokens after a trigger token a match may end.
    static let tokensAfter = 12

    /// Date for resolving relative dates when the document has none (`date`,
    /// tweet `created_at` or `timestamp_ms`). Without either, relative dates get no value.
    public var referenceDate: CivilDate?

    private let patterns: RegexPatterns
    /// Pattern indexes per document language bucket: `en`, `es`, `*` (other languages).
    private let buckets: [String: [Int]]
    private let tokenPatterns: [String: [TokenKind: Int]]
    private let matcher: OpaquePointer
    private var ovector: [Int]
    private let pairs: Int

    // Per-document scratch.
    private var tokenMasks: [UInt64] = []
    private var triggerTokens: [Int32] = []
    private var sentenceOfToken: [Int32] = []
    private var sentenceTokens: [(start: Int32, end: Int32)] = []
    private var found: [Found] = []
    private var captureStore: [Int] = []
    /// Word lists for each pattern's language, looked up once.
    private let wordsByPattern: [WordLists]

    public init(patterns: RegexPatterns) {
        self.patterns = patterns
        var buckets: [String: [Int]] = [:]
        var tokenPatterns: [String: [TokenKind: Int]] = [:]
        for lang in ["en", "es", "*"] {
            let indexes = patterns.patterns.indices.filter {
                let l = patterns.patterns[$0].language
                return lang == "*" || l == "*" || l == lang
            }
            buckets[lang] = indexes.filter { patterns.patterns[$0].regex != nil }
            var byKind: [TokenKind: Int] = [:]
            for i in indexes { if let kind = patterns.patterns[i].tokenKind, byKind[kind] == nil { byKind[kind] = i } }
            tokenPatterns[lang] = byKind
        }
        self.buckets = buckets
        self.tokenPatterns = tokenPatterns
        self.wordsByPattern = patterns.patterns.map { patterns.words[$0.language] ?? WordLists() }
        pairs = (patterns.patterns.compactMap { $0.regex?.captureCount }.max() ?? 0) + 1
        ovector = [Int](repeating: 0, count: 2 * pairs)
        guard let m = entex_matcher_create(UInt32(pairs), RegexTagger.matchLimit, RegexTagger.depthLimit) else {
            fatalError("PCRE2 match state: out of memory")
        }
        matcher = m
    }

    deinit { entex_matcher_free(matcher) }

    public func process(_ doc: inout Document) {
        defer { doc.layers.insert(.candidates) }
        guard !doc.tokens.isEmpty else { return }
        let lang = doc.language == "en" || doc.language == "es" ? doc.language! : "*"
        let reference = RegexTagger.documentDate(doc) ?? referenceDate
        found.removeAll(keepingCapacity: true)
        captureStore.removeAll(keepingCapacity: true)
        tagTokens(doc, lang: lang)
        let union = computeTriggers(doc, lang: lang)
        if union != 0 {
            mapSentences(doc)
            for index in buckets[lang]! where patterns.patterns[index].triggers & union != 0 {
                run(index, doc: &doc, reference: reference)
            }
        }
        appendOutermost(to: &doc, reference: reference)
    }

    /// The document's own date: `date`, else `created_at` or `timestamp_ms` kept in `meta`.
    static func documentDate(_ doc: Document) -> CivilDate? {
        if let d = doc.date, let c = CivilDate.parse(d) { return c }
        for m in doc.meta where m.key == "created_at" || m.key == "timestamp_ms" {
            if let t = m.value.scalarText, let c = CivilDate.parse(t) { return c }
        }
        return nil
    }

    // MARK: - Token entities

    private func tagTokens(_ doc: Document, lang: String) {
        let kinds = tokenPatterns[lang]!
        guard !kinds.isEmpty else { return }
        let words = patterns.words[lang] ?? WordLists()
        for token in doc.tokens {
            switch token.kind {
            case .url, .email, .handle, .hashtag, .cashtag:
                guard let index = kinds[token.kind] else { continue }
                let p = patterns.patterns[index]
                var value: JSONValue?
                if p.normalizer != .none {
                    value = Normalizers.normalize(p.normalizer, whole: doc.string(token.span), group: { _ in nil },
                                                  words: words, language: p.language, reference: nil)
                }
                found.append(Found(span: token.span, pattern: index, priority: p.priority,
                                   captureOffset: 0, captures: 0, value: value))
            default: continue
            }
        }
    }

    // MARK: - Triggers and windows

    /// Marks each token with the trigger bits it carries; returns their union.
    private func computeTriggers(_ doc: Document, lang: String) -> UInt64 {
        let n = doc.tokens.count
        tokenMasks.removeAll(keepingCapacity: true)
        tokenMasks.reserveCapacity(n)
        triggerTokens.removeAll(keepingCapacity: true)
        guard let tables = patterns.triggerTables[lang] else { return 0 }
        var union: UInt64 = 0
        doc.tokens.withUnsafeBufferPointer { tokens in
            doc.tokenKeys.withUnsafeBufferPointer { keys in
                for i in 0..<n {
                    let t = tokens[i]
                    var mask: UInt64 = t.flags.contains(.hasDigit) ? RegexPatterns.digitTrigger : 0
                    if t.kind == .word || t.kind == .abbreviation || t.kind == .symbol || t.kind == .punct {
                        var key = UnsafeBufferPointer(rebasing: keys[Int(t.keyStart)..<Int(t.keyEnd)])
                        if let id = tables.table.lookup(key) {
                            mask |= tables.masks[id]
                        } else if key.count > 1, key[key.count - 1] == UInt8(ascii: ".") {
                            key = UnsafeBufferPointer(rebasing: key.dropLast())
                            if let id = tables.table.lookup(key) { mask |= tables.masks[id] }
                        }
                    }
                    tokenMasks.append(mask)
                    if mask != 0 {
                        triggerTokens.append(Int32(i))
                        union |= mask
                    }
                }
            }
        }
        return union
    }

    /// Sentence index of every token and token range of every sentence.
    private func mapSentences(_ doc: Document) {
        let n = doc.tokens.count
        sentenceOfToken.removeAll(keepingCapacity: true)
        sentenceTokens.removeAll(keepingCapacity: true)
        if doc.sentences.isEmpty {
            sentenceOfToken = [Int32](repeating: 0, count: n)
            sentenceTokens.append((0, Int32(n)))
            return
        }
        sentenceOfToken.reserveCapacity(n)
        var s = 0
        var start = 0
        doc.tokens.withUnsafeBufferPointer { tokens in
            doc.sentences.withUnsafeBufferPointer { sentences in
                for i in 0..<n {
                    // Tokens between sentences (none in practice) join the previous one.
                    while s + 1 < sentences.count, tokens[i].start >= sentences[s + 1].start {
                        sentenceTokens.append((Int32(start), Int32(i)))
                        start = i
                        s += 1
                    }
                    sentenceOfToken.append(Int32(sentenceTokens.count))
                }
            }
        }
        sentenceTokens.append((Int32(start), Int32(n)))
    }

    /// Tries the anchored pattern at every token start from `tokensBefore`
    /// tokens before each trigger token up to the trigger itself, inside its
    /// sentence; a match must end on a token boundary. After a match, starts
    /// inside it are skipped. Values are computed later, for survivors only.
    private func run(_ index: Int, doc: inout Document, reference: CivilDate?) {
        let pattern = patterns.patterns[index]
        guard let regex = pattern.anchored ?? pattern.regex else { return }
        let mask = pattern.triggers
        var nextStart = 0          // first token index not yet tried
        var coveredUntil: Int32 = 0  // end of the last accepted match
        var warned = false
        let textCount = doc.text.count
        for t32 in triggerTokens where tokenMasks[Int(t32)] & mask != 0 {
            let t = Int(t32)
            let sentence = sentenceTokens[Int(sentenceOfToken[t])]
            let from = max(Int(sentence.start), t - RegexTagger.tokensBefore, nextStart)
            guard from <= t else { continue }
            // A match may reach at most `tokensAfter` tokens past its trigger: bounded
            // work per attempt, however long the sentence (a list of 100 000 numbers).
            let lastToken = min(Int(sentence.end), t + RegexTagger.tokensAfter + 1) - 1
            let subjectEnd = lastToken >= t && lastToken < doc.tokens.count ? Int(doc.tokens[lastToken].end) : textCount
            for s in from...t {
                nextStart = s + 1
                let position = doc.tokens[s].start
                if position < coveredUntil { continue }
                let rc = doc.text.withUnsafeBufferPointer { text in
                    ovector.withUnsafeMutableBufferPointer { o in
                        o.withMemoryRebound(to: size_t.self) { o in
                            entex_regex_match(regex.handle, text.baseAddress, subjectEnd, Int(position), 0, matcher,
                                              o.baseAddress, UInt32(pairs))
                        }
                    }
                }
                if rc < 0 {
                    if !warned {
                        warned = true
                        doc.warnings.append(Warning(code: "regex-limit",
                                                    message: "pattern '\(pattern.name)' stopped: \(RegexTagger.errorMessage(rc)); match skipped",
                                                    offset: position))
                    }
                    continue
                }
                guard rc > 0 else { continue }
                let matchStart = ovector[0], matchEnd = ovector[1]
                guard matchStart == Int(position), matchEnd > matchStart, tokenEnding(at: matchEnd, doc) != nil else { continue }
                record(index, matchStart, matchEnd, captures: Int(rc))
                coveredUntil = Int32(matchEnd)
            }
        }
    }

    private func tokenEnding(at offset: Int, _ doc: Document) -> Int? {
        let i = doc.firstToken(atOrAfter: Int32(offset)) - 1
        return i >= 0 && doc.tokens[i].end == Int32(offset) ? i : nil
    }

    /// A match waiting for the outermost filter; its capture offsets are in `captureStore`.
    private struct Found {
        var span: Span
        var pattern: Int
        var priority: Int32
        var captureOffset: Int
        var captures: Int
        /// Value already known (token blocks).
        var value: JSONValue?
    }

    private func record(_ index: Int, _ start: Int, _ end: Int, captures: Int) {
        let offset = captureStore.count
        captureStore.append(contentsOf: ovector[0..<(2 * captures)])
        found.append(Found(span: Span(start, end), pattern: index, priority: patterns.patterns[index].priority,
                           captureOffset: offset, captures: captures, value: nil))
    }

    private func value(of f: Found, doc: Document, reference: CivilDate?) -> JSONValue? {
        let pattern = patterns.patterns[f.pattern]
        guard pattern.normalizer != .none, pattern.regex != nil else { return f.value }
        if pattern.normalizer == .number, let n = RegexTagger.plainInteger(doc.text, f.span) { return .number(n) }
        let store = captureStore
        let text = doc.text
        func group(_ name: String) -> String? {
            for variant in [name, name + "2"] {
                for number in pattern.groups[variant] ?? [] where number < f.captures {
                    let a = store[f.captureOffset + 2 * number], b = store[f.captureOffset + 2 * number + 1]
                    // Unset groups are SIZE_MAX, which reads as -1 here.
                    if a >= 0, b >= a { return String(decoding: text[a..<b], as: UTF8.self) }
                }
            }
            return nil
        }
        let words = wordsByPattern[f.pattern]
        return Normalizers.normalize(pattern.normalizer,
                                     whole: String(decoding: text[Int(f.span.start)..<Int(f.span.end)], as: UTF8.self),
                                     group: group, words: words, language: pattern.language, reference: reference)
    }

    /// The text of `span` when it is a plain integer in ASCII digits (most
    /// CARDINALs): its value needs no normalizer.
    static func plainInteger(_ text: [UInt8], _ span: Span) -> String? {
        let count = Int(span.length)
        guard count > 0, count <= 15 else { return nil }
        let start = Int(span.start)
        if count > 1 && text[start] == UInt8(ascii: "0") { return nil }
        for i in start..<(start + count) where !ByteClass.isDigit(text[i]) { return nil }
        return String(decoding: text[start..<(start + count)], as: UTF8.self)
    }

    /// Appends the candidates not inside a longer (or same-span, higher-priority) one, sorted by span.
    private func appendOutermost(to doc: inout Document, reference: CivilDate?) {
        guard !found.isEmpty else { return }
        found.sort {
            if $0.span.start != $1.span.start { return $0.span.start < $1.span.start }
            if $0.span.end != $1.span.end { return $0.span.end > $1.span.end }
            if $0.priority != $1.priority { return $0.priority > $1.priority }
            return $0.pattern < $1.pattern
        }
        var maxEnd: Int32 = -1
        for f in found {
            if f.span.end <= maxEnd { continue }
            maxEnd = f.span.end
            let pattern = patterns.patterns[f.pattern]
            doc.candidates.append(Entity(span: f.span, type: pattern.type, source: .regex,
                                         value: value(of: f, doc: doc, reference: reference),
                                         priority: pattern.priority, rule: pattern.name))
        }
    }

    static func errorMessage(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        entex_pcre2_error_message(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
