import CPCRE2
import CSupport

/// The `regex` stage: proposes DATE, TIME, MONEY, PERCENT, QUANTITY,
/// CARDINAL, ORDINAL, PHONE and PRODUCT (designation) candidates from the
/// patterns of `Lexicons/patterns/`, and URL, EMAIL, HANDLE, HASHTAG and
/// CASHTAG candidates straight from the tokenizer's tokens.
///
/// Patterns never scan the whole text: each runs only in windows around its
/// trigger tokens (a digit, a month or weekday word, a currency symbol, …):
/// the pattern, compiled anchored, is tried only at the token starts from 5
/// tokens before each trigger up to the trigger, inside its sentence, so a
/// match must contain a trigger token. A pattern with `start:` is tried only
/// at the token starts of its start classes, one with `shape:` only at token
/// starts whose bytes match its shape, one with `require:` only in windows with a
/// required word (all three skip PCRE2 calls that cannot succeed).
/// Matches must start and end on token boundaries; others are dropped.
/// Values are normalized only for the candidates that survive. Candidates
/// are appended to `doc.candidates` with `source: .regex`, `rule:` the pattern name, the
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

    /// Whether a pattern with `require:` is skipped in a trigger window without
    /// a token of its required lists; tests turn it off to compare.
    var usesRequiredWords = true
    /// Whether a pattern with `start:` is tried only at token starts of its
    /// start classes; tests turn it off to compare.
    var usesStartClasses = true
    /// Whether a pattern with `shape:` is tried only at token starts where its shape
    /// matches; tests turn it off to compare.
    var usesShapes = true
    /// Whether words that only name `start:` classes (late keys of `TriggerKeys`: `the`,
    /// `a`, `about`, …) are looked up only at the tokens a window can start at (the
    /// trigger and the `tokensBefore` tokens before it), not at every token; tests turn
    /// it off to compare with looking up every token.
    var looksUpStartWordsNearTriggers = true
    /// Whether the tokens that are not quiet are listed by `entex_regex_stops` (C, four
    /// tokens a step with AVX2) before the trigger pass, instead of found one after another
    /// by `nextNotQuiet`; tests turn it off to compare.
    var listsStopsInC = true

    private let patterns: RegexPatterns

    /// What runs for documents of one language bucket (`en`, `es`, `*`); a
    /// class so that taking the document's plan copies nothing.
    private final class Plan {
        /// Regex blocks for the bucket, in file order, in groups of at most 64.
        var chunks: [Chunk] = []
        /// Token block per `TokenKind.rawValue` (the first of the bucket), or -1.
        var tokenPattern: [Int] = []
        /// Token key → trigger bits, only bits some pattern of the bucket uses.
        var keys = TriggerKeys(ByteStringTable(), masks: [])
        /// Bits some pattern of the bucket uses (triggers, required words, starts).
        var used: UInt64 = 0
        /// Trigger bits some pattern of the bucket uses: a token with one opens a window.
        var triggering: UInt64 = 0
        /// Word-list bits of the bucket's `require:` keys.
        var required: UInt64 = 0
        /// Bits `1 << TokenKind.rawValue` of the kinds whose key is looked up (none when
        /// no pattern of the bucket uses a table bit), and of the kinds with a token block.
        var lookedUpKinds: UInt32 = 0
        var blockKinds: UInt32 = 0
        var words = WordLists()
        /// `chunks` unretained (`chunks` keeps them) and a copy of `tokenPattern`, made by
        /// `pin()` once the plan is built: read for every document without reference counting.
        private(set) var chunkRefs = UnsafeMutablePointer<Unmanaged<Chunk>>.allocate(capacity: 1)
        private(set) var chunkCount = 0
        private(set) var pinnedTokenPattern = UnsafeMutablePointer<Int>.allocate(capacity: 1)

        func pin() {
            chunkRefs.deallocate()
            chunkRefs = .allocate(capacity: max(1, chunks.count))
            chunkRefs.initialize(from: chunks.map { Unmanaged.passUnretained($0) }, count: chunks.count)
            chunkCount = chunks.count
            pinnedTokenPattern.deallocate()
            pinnedTokenPattern = .allocate(capacity: max(1, tokenPattern.count))
            pinnedTokenPattern.initialize(from: tokenPattern, count: tokenPattern.count)
        }

        deinit {
            keys.deallocate()
            chunkRefs.deallocate()
            pinnedTokenPattern.deallocate()
        }
    }
    /// Up to 64 regex blocks run together in one pass over the trigger tokens:
    /// pattern j of the chunk is bit j of the masks.
    private final class Chunk {
        var patterns: [Int] = []
        /// The anchored compiled pattern of each.
        var handles: [OpaquePointer] = []
        /// Patterns whose triggers include bit b.
        var byTrigger = [UInt64](repeating: 0, count: 64)
        /// Patterns whose match can start with byte b (PCRE2's start-of-match
        /// bitmap; every byte when PCRE2 knows no restriction): a token start
        /// outside the set is not tried, since PCRE2 would fail at once.
        var byFirstByte = [UInt64](repeating: 0, count: 256)
        /// Patterns with a `require:` and, for each pattern, its required word-list bits.
        var requiring: UInt64 = 0
        var requires: [UInt64] = []
        /// Patterns without `start:` (tried at every token start of a window).
        var startAnywhere: UInt64 = 0
        /// Patterns whose `start:` includes bit b, and the union of those bits.
        var byStart = [UInt64](repeating: 0, count: 64)
        var startBits: UInt64 = 0
        /// Patterns with a `shape:`, and each pattern's shape (nil without one).
        var shaped: UInt64 = 0
        var shapes: [StartShape?] = []

        /// Copies of `handles`, `requires`, `byTrigger`, `byStart` and `byFirstByte`
        /// made by `pin()` once the chunk is built: `run` reads them for every
        /// document, and a plain pointer read from the chunk counts no reference.
        private(set) var pinnedHandles: UnsafeMutablePointer<OpaquePointer>?
        private(set) var pinnedRequires = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
        private(set) var pinnedByTrigger = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
        private(set) var pinnedByStart = UnsafeMutablePointer<UInt64>.allocate(capacity: 64)
        private(set) var pinnedByFirstByte = UnsafeMutablePointer<UInt64>.allocate(capacity: 256)
        /// Copies of `patterns` and of `shapes` (unretained: `shapes` keeps them).
        private(set) var pinnedPatterns = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        private(set) var pinnedShapes = UnsafeMutablePointer<Unmanaged<StartShape>?>.allocate(capacity: 64)

        func pin() {
            pinnedHandles = .allocate(capacity: max(1, handles.count))
            pinnedHandles!.initialize(from: handles, count: handles.count)
            pinnedPatterns.initialize(repeating: 0, count: 64)
            pinnedPatterns.update(from: patterns, count: patterns.count)
            pinnedShapes.initialize(repeating: nil, count: 64)
            for (j, shape) in shapes.enumerated() { pinnedShapes[j] = shape.map { Unmanaged.passUnretained($0) } }
            pinnedRequires.initialize(repeating: 0, count: 64)
            pinnedRequires.update(from: requires, count: requires.count)
            pinnedByTrigger.initialize(from: byTrigger, count: 64)
            pinnedByStart.initialize(from: byStart, count: 64)
            pinnedByFirstByte.initialize(from: byFirstByte, count: 256)
        }

        deinit {
            pinnedHandles?.deallocate()
            pinnedRequires.deallocate()
            pinnedByTrigger.deallocate()
            pinnedByStart.deallocate()
            pinnedByFirstByte.deallocate()
            pinnedPatterns.deallocate()
            pinnedShapes.deallocate()
        }
    }
    /// Plans for `en`, `es` and other languages, each made on the first document that needs
    /// it (`makePlanRef(bucket:)`); `emptyPlan` stands in until then.
    private var plans: [Plan?]
    private let emptyPlan: Plan
    /// Each pattern's priority (read for every candidate).
    private let priorities: [Int32]
    /// Each pattern's type, normalizer, and name (the candidates' `rule`), read for every
    /// candidate without touching the pattern object.
    private let types: [EntityType]
    private let normalizers: [NormalizerKind]
    private let ruleIDs: [UInt32]
    /// Whether each pattern is a token block (no regex), and its language: read for
    /// every value without touching the pattern object.
    private let isTokenBlock: [Bool]
    private let languages: [String]
    /// Word-list values by language, each made on the first value of a pattern of that
    /// language (`values(of:)`), not at start-up: a run that writes no value (or values of
    /// one language only) makes none (or only those it needs).
    private var valuesByLanguage: [String: WordValues] = [:]
    /// The values of each pattern's language, unmanaged (`valuesByLanguage` keeps them; nil
    /// until made), and each pattern's language as 0 (`en`), 1 (`es`), 2 (`*`) or 3 (another:
    /// `languages`): `writeValue` passes them to the normalizers without retaining a
    /// `WordValues` and a `String` for every value.
    private var valueRefs: [Unmanaged<WordValues>?]
    private let languageCodes: [UInt8]
    /// Group numbers of every pattern by `NormalizerGroup` (the name's groups, then its `…2`
    /// ones): pattern p, group g has `groupNumbers[groupBounds[p * stride + g]..<groupBounds[p * stride + g + 1]]`.
    private let groupNumbers: [Int32]
    private let groupBounds: [Int32]
    private static let groupStride = NormalizerGroup.allCases.count + 1

    private let matcher: OpaquePointer
    /// Capture offsets of the matcher's last match, read in place (PCRE2's own, set by
    /// `entex_regex_match_in_place`): no copy per match.
    private let offsets: UnsafePointer<Int>

    // Per-document scratch.
    /// The plan for the document's language, unretained (`plans` keeps it): taking a
    /// document's plan counts no reference.
    private var planRef: Unmanaged<Plan>
    private var planRefs: [Unmanaged<Plan>?]
    private var plan: Plan { planRef.takeUnretainedValue() }
    // The buffers below are plain memory kept from document to document (freed in
    // `deinit`): reading or writing them counts no reference and checks no uniqueness.
    /// Trigger tokens and their trigger bits (`triggerCount` entries each).
    private var triggerTokens = GrowableBuffer<Int32>(capacity: 256)
    private var triggerMasks = GrowableBuffer<UInt64>(capacity: 256)
    private var triggerCount: Int { triggerTokens.count }
    /// The bits of every token (`plan.used` bits only: triggers, required words, starts).
    private var tokenMasks = GrowableBuffer<UInt64>(capacity: 1024)
    /// The tokens that are not quiet (`entex_regex_stops`), in order.
    private var stopTokens = GrowableBuffer<Int32>(capacity: 1024)
    /// The tokens with a bit of `plan.required`, in order: a window's required words
    /// are read from these, not from every token of the window.
    private var requiredTokens = GrowableBuffer<Int32>(capacity: 64)
    /// First token of each trigger's window and the subject end offset for it
    /// (`triggerCount` entries each).
    private var windowStarts = GrowableBuffer<Int32>(capacity: 256)
    private var subjectEnds = GrowableBuffer<Int>(capacity: 256)
    /// Matches and token-block candidates waiting for the outermost filter.
    private var found = GrowableBuffer<Found>(capacity: 64)
    /// Where a value is written as JSON before it is copied into the document's `annotationBytes`.
    private var valueBuffer = JSONBuffer(capacity: 64)
    /// The document's new candidates, written here and appended to `doc.candidates` in
    /// one piece: appended one by one, each checked the array's uniqueness and room.
    private var entityBuffer = GrowableBuffer<Entity>(capacity: 64)
    /// Whether values are written as JSON text straight from the text and the
    /// normalizers (plain integers and ASCII hashtags as they are read, the others
    /// by `Normalizers.writeValue`), without a `JSONValue`; off only in tests that
    /// compare with serializing the `JSONValue` of `Normalizers.normalize`.
    var writesValuesDirectly = true
    /// Capture offsets of the entries of `found` (`Found.captureOffset`).
    private var captureStore = GrowableBuffer<Int>(capacity: 256)

    /// The plan of language bucket `lang` (`en`, `es`, `*`): made on the first document of
    /// the bucket (`process`), not at start-up, where a run of one language made three.
    private static func makePlan(_ lang: String, _ patterns: RegexPatterns) -> Plan {
        let plan = Plan()
        let indexes = patterns.patterns.indices.filter {
            let l = patterns.patterns[$0].language
            return lang == "*" || l == "*" || l == lang
        }
        let regexes = indexes.filter { patterns.patterns[$0].regex != nil }
        // Required words are looked up like triggers (they trigger nothing themselves).
        plan.triggering = regexes.reduce(0) { $0 | patterns.patterns[$1].triggers }
        plan.used = regexes.reduce(plan.triggering) { $0 | patterns.patterns[$1].requires | patterns.patterns[$1].starts }
        plan.required = regexes.reduce(0) { $0 | patterns.patterns[$1].requires }
        for first in stride(from: 0, to: regexes.count, by: 64) {
            let chunk = Chunk()
            for (j, index) in regexes[first..<min(first + 64, regexes.count)].enumerated() {
                let p = patterns.patterns[index]
                let regex = p.anchored ?? p.regex!
                chunk.patterns.append(index)
                chunk.handles.append(regex.handle)
                chunk.requires.append(p.requires)
                chunk.shapes.append(p.shape)
                if p.shape != nil { chunk.shaped |= 1 << UInt64(j) }
                if p.requires != 0 { chunk.requiring |= 1 << UInt64(j) }
                if p.starts == 0 { chunk.startAnywhere |= 1 << UInt64(j) }
                chunk.startBits |= p.starts
                for b in 0..<64 where p.starts & (1 << UInt64(b)) != 0 { chunk.byStart[b] |= 1 << UInt64(j) }
                for b in 0..<64 where p.triggers & (1 << UInt64(b)) != 0 { chunk.byTrigger[b] |= 1 << UInt64(j) }
                var bitmap = [UInt8](repeating: 0xFF, count: 32)
                if entex_regex_start_bytes(p.regex!.handle, &bitmap) == 0 {
                    bitmap = [UInt8](repeating: 0xFF, count: 32)
                }
                for b in 0..<256 where bitmap[b >> 3] & (1 << UInt8(b & 7)) != 0 {
                    chunk.byFirstByte[b] |= 1 << UInt64(j)
                }
            }
            chunk.pin()
            plan.chunks.append(chunk)
        }
        plan.tokenPattern = [Int](repeating: -1, count: TokenKind.allCases.count)
        for i in indexes {
            if let kind = patterns.patterns[i].tokenKind, plan.tokenPattern[Int(kind.rawValue)] < 0 {
                plan.tokenPattern[Int(kind.rawValue)] = i
            }
        }
        if let tables = patterns.triggerTables[lang] {
            // Keep only the keys that carry a bit some pattern uses.
            var kept = ByteStringTable()
            var masks: [UInt64] = []
            for id in 0..<tables.table.count {
                let key = tables.table.key(id)
                // A key without used bits still blocks the retry without its final '.'.
                guard tables.masks[id] & plan.used != 0 || key.last == UInt8(ascii: ".") else { continue }
                let newID = kept.insert(key)
                if newID == masks.count { masks.append(0) }
                masks[newID] |= tables.masks[id] & plan.used
            }
            plan.keys.deallocate()
            // Start-class words are late: looked up near triggers only (`computeTriggers`).
            plan.keys = TriggerKeys(kept, masks: masks, eager: plan.triggering | plan.required)
        }
        if plan.used != 0 {
            for kind in [TokenKind.word, .abbreviation, .symbol, .punct] { plan.lookedUpKinds |= 1 << UInt32(kind.rawValue) }
        }
        for kind in TokenKind.allCases where plan.tokenPattern[Int(kind.rawValue)] >= 0 {
            plan.blockKinds |= 1 << UInt32(kind.rawValue)
        }
        plan.words = patterns.words[lang] ?? WordLists()
        plan.pin()
        return plan
    }

    public init(patterns: RegexPatterns) {
        self.patterns = patterns
        plans = [nil, nil, nil]
        planRefs = [nil, nil, nil]
        emptyPlan = Plan()
        planRef = Unmanaged.passUnretained(emptyPlan)
        priorities = patterns.patterns.map(\.priority)
        types = patterns.patterns.map(\.type)
        normalizers = patterns.patterns.map(\.normalizer)
        ruleIDs = patterns.patterns.map { RuleNames.id($0.name) }
        isTokenBlock = patterns.patterns.map { $0.regex == nil }
        languages = patterns.patterns.map(\.language)
        valueRefs = [Unmanaged<WordValues>?](repeating: nil, count: patterns.patterns.count)
        languageCodes = patterns.patterns.map { $0.language == "en" ? 0 : $0.language == "es" ? 1 : $0.language == "*" ? 2 : 3 }
        var groupNumbers: [Int32] = []
        var groupBounds: [Int32] = []
        // Group name → 2 g (the name of `NormalizerGroup` g) or 2 g + 1 (its `…2`): each
        // pattern's own groups are looked up, not every name in every pattern.
        let roleCount = 2 * NormalizerGroup.allCases.count
        var roles: [String: Int] = [:]
        for g in NormalizerGroup.allCases {
            let name = RegexPatterns.groupNames[g.rawValue]
            roles[name] = 2 * g.rawValue
            roles[name + "2"] = 2 * g.rawValue + 1
        }
        var byRole = [[Int]](repeating: [], count: roleCount)
        for p in patterns.patterns {
            for (name, numbers) in p.groups {
                if let role = roles[name] { byRole[role] = numbers }
            }
            for g in NormalizerGroup.allCases {
                groupBounds.append(Int32(groupNumbers.count))
                for role in [2 * g.rawValue, 2 * g.rawValue + 1] where !byRole[role].isEmpty {
                    groupNumbers += byRole[role].map { Int32($0) }
                    byRole[role] = []
                }
            }
            groupBounds.append(Int32(groupNumbers.count))
        }
        self.groupNumbers = groupNumbers
        self.groupBounds = groupBounds
        // Room for every pattern's groups, so a match sets at most this many pairs.
        let pairs = (patterns.patterns.compactMap { $0.regex?.captureCount }.max() ?? 0) + 1
        guard let m = entex_matcher_create(UInt32(pairs), RegexTagger.matchLimit, RegexTagger.depthLimit) else {
            fatalError("PCRE2 match state: out of memory")
        }
        matcher = m
        offsets = entex_matcher_offsets(m)
    }

    deinit {
        entex_matcher_free(matcher)
        valueBuffer.deallocate()
        entityBuffer.deallocate()
        triggerTokens.deallocate()
        triggerMasks.deallocate()
        tokenMasks.deallocate()
        stopTokens.deallocate()
        requiredTokens.deallocate()
        windowStarts.deallocate()
        subjectEnds.deallocate()
        found.deallocate()
        captureStore.deallocate()
    }

    public func process(_ doc: inout Document) {
        defer { doc.layers.insert(.candidates) }
        guard !doc.tokens.isEmpty else { return }
        let bucket = RegexTagger.bucket(doc.languageKind)
        planRef = planRefs[bucket] ?? makePlanRef(bucket: bucket)
        found.count = 0
        captureStore.count = 0
        // `doc` passed `inout` to the helpers, which only read it: passed by value, it was copied.
        let union = computeTriggers(&doc)
        if union != 0 {
            mapWindows(&doc)
            var warnings: [(pattern: Int, warning: Warning)] = []
            let plan = planRef
            doc.text.withUnsafeBufferPointer { text in
                doc.tokens.withUnsafeBufferPointer { tokens in
                    plan._withUnsafeGuaranteedRef { plan in
                        for c in 0..<plan.chunkCount {
                            plan.chunkRefs[c]._withUnsafeGuaranteedRef { run($0, text: text, tokens: tokens, warnings: &warnings) }
                        }
                    }
                }
            }
            // In pattern order, as if each pattern had run on its own (one warning per pattern at most).
            if !warnings.isEmpty {
                warnings.sort { $0.pattern < $1.pattern }
                doc.warnings.append(contentsOf: warnings.map(\.warning))
            }
        }
        appendOutermost(to: &doc)
    }

    /// The plan bucket of a document's language (`Document.languageKind`, kept as the
    /// language is set: no string compared): 0 `en`, 1 `es`, 2 any other (none too).
    @inline(__always)
    static func bucket(_ kind: DocumentLanguage) -> Int {
        switch kind {
        case .en: 0
        case .es: 1
        case .other: 2
        }
    }

    /// The plan of bucket `bucket` (0 `en`, 1 `es`, 2 other), made now (the first document of its bucket).
    @inline(never)
    private func makePlanRef(bucket: Int) -> Unmanaged<Plan> {
        let plan = RegexTagger.makePlan(["en", "es", "*"][bucket], patterns)
        plans[bucket] = plan
        let ref = Unmanaged.passUnretained(plan)
        planRefs[bucket] = ref
        return ref
    }

    /// The word-list values of pattern `index`'s language, made on first use for every
    /// pattern of that language (the patterns' words of that language, or none).
    @inline(__always)
    private func values(of index: Int) -> Unmanaged<WordValues> {
        if let ref = valueRefs[index] { return ref }
        return makeValues(of: index)
    }

    @inline(never)
    private func makeValues(of index: Int) -> Unmanaged<WordValues> {
        let language = languages[index]
        let values = valuesByLanguage[language] ?? WordValues(patterns.words[language] ?? WordLists())
        valuesByLanguage[language] = values
        let ref = Unmanaged.passUnretained(values)
        for p in languages.indices where languages[p] == language { valueRefs[p] = ref }
        return ref
    }

    /// The document's own date: `date`, else `created_at` or `timestamp_ms` kept in `meta`.
    static func documentDate(_ doc: Document) -> CivilDate? {
        if let d = doc.date, let c = CivilDate.parse(d) { return c }
        for m in doc.meta where m.key == "created_at" || m.key == "timestamp_ms" {
            if let t = m.value.scalarText, let c = CivilDate.parse(t) { return c }
        }
        return nil
    }

    // MARK: - Triggers and windows

    /// Lists the tokens that carry trigger bits some pattern of the language
    /// uses, and returns the union of the bits; gives the tokens a window can
    /// start at (a trigger and the `tokensBefore` tokens before it) their `start:`
    /// class bits (other tokens may lack them: no window reads them); turns URL, e-mail, handle,
    /// hashtag and cashtag tokens into candidates of the language's token blocks
    /// (their values are computed in `value(of:)`, for survivors only).
    /// A word, abbreviation, symbol or punctuation token is looked up by its key's
    /// `KeyHash`: the tokenizer's (`Document.keyHashes`), or for documents built
    /// without them, one made here from the key; most are ruled out by the filter of
    /// `TriggerKeys` without their key being read.
    private func computeTriggers(_ doc: inout Document) -> UInt64 {
        // The tokenizer's key hashes, when present for every token; documents built by hand
        // may lack them, and get them here.
        let plan = planRef
        let computed: [UInt64]? = doc.keyHashes.count == doc.tokens.count ? nil : doc.hashingKeys()
        return doc.tokens.withUnsafeBufferPointer { tokens in
            doc.tokenKeys.withUnsafeBufferPointer { keys in
                plan._withUnsafeGuaranteedRef { p -> UInt64 in
                    if let computed {
                        return computed.withUnsafeBufferPointer { computeTriggers(tokens, keys, p, hashes: $0) }
                    }
                    return doc.keyHashes.withUnsafeBufferPointer { computeTriggers(tokens, keys, p, hashes: $0) }
                }
            }
        }
    }

    /// `computeTriggers` with the document's tokens, token keys, plan and key hashes.
    private func computeTriggers(_ tokens: UnsafeBufferPointer<Token>, _ keys: UnsafeBufferPointer<UInt8>, _ p: Plan,
                                 hashes: UnsafeBufferPointer<UInt64>) -> UInt64 {
        let n = tokens.count
        triggerTokens.count = 0
        triggerMasks.count = 0
        requiredTokens.count = 0
        let digit = RegexPatterns.digitTrigger & p.used
        let digitWord = (RegexPatterns.digitTrigger | RegexPatterns.digitWordTrigger) & p.used
        let triggering = p.triggering
        let required = p.required
        let listed = triggering | required
        let lookedUp = p.lookedUpKinds, blockKinds = p.blockKinds
        let table = p.keys
        // Late keys only matter when some pattern has a `start:` class they name.
        let lookUpLate = looksUpStartWordsNearTriggers && p.used & ~listed != 0
        var union: UInt64 = 0
        tokenMasks.count = 0
        tokenMasks.reserve(n)
        tokenMasks.count = n
        let maskBase = tokenMasks.base
        let kinds = p.pinnedTokenPattern
        // Most tokens get no bits: `entex_regex_stops` (or `nextNotQuiet`) gives them 0,
        // and only the tokens it lists (stops at) are looked at here.
        guard let tokenBase = tokens.baseAddress, let hashBase = hashes.baseAddress else { return 0 }
        // Tokens before `lateUntil` have their late bits.
        var lateUntil = 0
        let inC = listsStopsInC
        var stopCount = 0, nextStop = 0
        stopTokens.count = 0
        var i: Int
        if inC { stopTokens.reserve(n) }
        let stops = stopTokens.base
        if inC {
            // `Token` is laid out as `entex_token` (tested).
            stopCount = entex_regex_stops(UnsafeRawPointer(tokenBase).assumingMemoryBound(to: entex_token.self), hashBase, n,
                                          table.filterBase, blockKinds, maskBase, stops)
            i = stopCount > 0 ? Int(stops[0]) : n
        } else {
            i = RegexTagger.nextNotQuiet(from: 0, n, tokenBase, hashBase, maskBase, table, blockKinds: blockKinds)
        }
        while i < n {
            let t = tokens[i]
            let kindBit: UInt32 = 1 &<< UInt32(t.kind.rawValue)
            var mask: UInt64 = 0
            let h = hashes[i]
            if table.mayHave(h) && kindBit & lookedUp != 0 {
                mask = table.tokenBits(UnsafeBufferPointer(rebasing: keys[Int(t.keyStart)..<Int(t.keyEnd)]), hash: h)
            }
            if kindBit & blockKinds != 0 {
                let index = kinds[Int(t.kind.rawValue)]
                found.append(Found(span: t.span, pattern: index, priority: priorities[index],
                                   captureOffset: 0, captures: 0))
            }
            if t.flags.contains(.hasDigit) { mask |= t.kind == .number ? digit : digitWord }
            maskBase[i] = mask
            // One test for most tokens: neither a trigger nor a required word.
            if mask & listed != 0 {
                if mask & triggering != 0 {
                    triggerTokens.append(Int32(i))
                    triggerMasks.append(mask)
                    union |= mask
                    if lookUpLate {
                        // The tokens a window of this trigger can start at get their late
                        // (start-class) bits: the pass skipped those words.
                        let from = max(lateUntil, i - RegexTagger.tokensBefore)
                        RegexTagger.addLateBits(from, i + 1, tokenBase, hashBase, keys, maskBase, table, lookedUp)
                        lateUntil = i + 1
                    }
                }
                if mask & required != 0 { requiredTokens.append(Int32(i)) }
            }
            if inC {
                nextStop += 1
                i = nextStop < stopCount ? Int(stops[nextStop]) : n
            } else {
                i = RegexTagger.nextNotQuiet(from: i + 1, n, tokenBase, hashBase, maskBase, table, blockKinds: blockKinds)
            }
        }
        if !looksUpStartWordsNearTriggers {
            // The reference: every token gets its late bits.
            RegexTagger.addLateBits(0, n, tokenBase, hashBase, keys, maskBase, table, lookedUp)
        }
        return union
    }

    /// Adds to `masks[s]` the bits of the key of each token `s` in `from..<end` of a kind
    /// looked up (`lookedUp`) whose hash may be a late key's of `table` (a word that only
    /// names `start:` classes, which the pass over every token does not look up). The bits
    /// are the key's own (`tokenBits`), so a token already looked up gets nothing new.
    @inline(never)
    private static func addLateBits(_ from: Int, _ end: Int, _ tokens: UnsafePointer<Token>, _ hashes: UnsafePointer<UInt64>,
                                    _ keys: UnsafeBufferPointer<UInt8>, _ masks: UnsafeMutablePointer<UInt64>,
                                    _ table: TriggerKeys, _ lookedUp: UInt32) {
        var s = from
        while s < end {
            let h = hashes[s]
            if table.mayHaveLate(h) {
                let t = tokens[s]
                if (1 &<< UInt32(t.kind.rawValue)) & lookedUp != 0 {
                    masks[s] |= table.tokenBits(UnsafeBufferPointer(rebasing: keys[Int(t.keyStart)..<Int(t.keyEnd)]), hash: h)
                }
            }
            s += 1
        }
    }

    /// The first token from `i` on (or `n`) that is not quiet: a quiet token's key hash
    /// misses the filter of `table` (it is no key, nor a key and '.'), it has no digit and
    /// no token block takes its kind, so it gets no bits (its `masks` entry is set to 0)
    /// and makes no candidate. Most tokens are quiet; this loop reads only their hash,
    /// kind and flags, from registers kept across it (the loop it serves spills them).
    @inline(never)
    static func nextNotQuiet(from i: Int, _ n: Int, _ tokens: UnsafePointer<Token>, _ hashes: UnsafePointer<UInt64>,
                                     _ masks: UnsafeMutablePointer<UInt64>, _ table: TriggerKeys, blockKinds: UInt32) -> Int {
        var i = i
        while i < n {
            if table.mayHave(hashes[i]) { return i }
            let t = tokens[i]
            if (blockKinds &>> UInt32(t.kind.rawValue)) & 1 != 0 || t.flags.contains(.hasDigit) { return i }
            masks[i] = 0
            i += 1
        }
        return n
    }

    /// The window of each trigger token: the first token a match may start
    /// at (`tokensBefore` tokens back, not before its sentence) and the end
    /// offset of the subject (`tokensAfter` tokens on, not past its sentence).
    /// A token belongs to the last sentence starting at or before it (the first
    /// sentence when none).
    private func mapWindows(_ doc: inout Document) {
        let n = doc.tokens.count
        let count = triggerCount
        // Written in place, entries 0..<count: no append per trigger.
        windowStarts.count = 0
        windowStarts.reserve(count)
        windowStarts.count = count
        subjectEnds.count = 0
        subjectEnds.reserve(count)
        subjectEnds.count = count
        let triggerTokens = self.triggerTokens.base
        let windowStarts = self.windowStarts.base, subjectEnds = self.subjectEnds.base
        let textEnd = doc.text.count
        doc.sentences.withUnsafeBufferPointer { sentences in
            doc.tokens.withUnsafeBufferPointer { tokens in
                var s = 0
                let sentenceCount = sentences.count
                var range = (start: 0, end: sentenceCount > 1 ? tokens.firstToken(atOrAfter: sentences[1].start) : n)
                for k in 0..<count {
                    let t = Int(triggerTokens[k])
                    let start = tokens[t].start
                    if s + 1 < sentenceCount && start >= sentences[s + 1].start {
                        repeat { s += 1 } while s + 1 < sentenceCount && start >= sentences[s + 1].start
                        // The first token of sentence s is from the previous sentence's end on and
                        // at most t; its end is after t, most often a few tokens on: searched there.
                        range.start = RegexTagger.firstToken(atOrAfter: sentences[s].start, tokens, from: range.end, to: t + 1)
                        range.end = s + 1 < sentenceCount ? RegexTagger.firstToken(atOrAfter: sentences[s + 1].start, tokens, after: t) : n
                    }
                    windowStarts[k] = Int32(max(range.start, t - RegexTagger.tokensBefore))
                    // A match may reach at most `tokensAfter` tokens past its trigger: bounded
                    // work per attempt, however long the sentence (a list of 100 000 numbers).
                    let lastToken = min(range.end, t + RegexTagger.tokensAfter + 1) - 1
                    subjectEnds[k] = lastToken >= t && lastToken < n ? Int(tokens[lastToken].end) : textEnd
                }
            }
        }
    }

    /// `tokens.firstToken(atOrAfter: offset)` when the answer is in `from...to` (`to` is
    /// returned when no token of `from..<to` starts at or after `offset`).
    static func firstToken(atOrAfter offset: Int32, _ tokens: UnsafeBufferPointer<Token>, from: Int, to: Int) -> Int {
        var low = from, high = to
        while low < high {
            let middle = (low + high) >> 1
            if tokens[middle].start >= offset { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// `tokens.firstToken(atOrAfter: offset)` when token `t` starts before `offset`: searched
    /// in steps of 1, 2, 4, … tokens after `t`, then by halves in the last step.
    static func firstToken(atOrAfter offset: Int32, _ tokens: UnsafeBufferPointer<Token>, after t: Int) -> Int {
        let n = tokens.count
        // Every token before `low` starts before `offset`.
        var low = t + 1, step = 1
        while low + step < n && tokens[low + step - 1].start < offset {
            low += step
            step <<= 1
        }
        return firstToken(atOrAfter: offset, tokens, from: low, to: min(low + step, n))
    }

    /// Tries each anchored pattern of `chunk` at every token start from
    /// `tokensBefore` tokens before each of its trigger tokens up to the
    /// trigger itself, inside its sentence; a match must end on a token
    /// boundary. After a match, that pattern skips starts inside it. One pass
    /// over the trigger tokens serves every pattern of the chunk; each pattern
    /// sees exactly the attempts it would see on its own. Values are computed
    /// later, for survivors only.
    private func run(_ chunk: Chunk, text: UnsafeBufferPointer<UInt8>, tokens: UnsafeBufferPointer<Token>,
                     warnings: inout [(pattern: Int, warning: Warning)]) {
        // Per pattern j: first token index not yet tried, end of its last accepted match.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * chunk.patterns.count) { state in
            let count = chunk.patterns.count
            // Both arrays zeroed in one piece (one `memset` call per chunk and document, not two).
            state.initialize(repeating: 0)
            let nextStart = UnsafeMutableBufferPointer(rebasing: state[0..<count])
            let coveredUntil = UnsafeMutableBufferPointer(rebasing: state[count..<(2 * count)])
            var warned: UInt64 = 0
            let textCount = text.count
            // Local references to the per-document arrays: the loop calls PCRE2 and `record`,
            // across which reads of stored properties would be checked and repeated.
            let triggerTokens = self.triggerTokens.base, triggerMasks = self.triggerMasks.base
            let windowStarts = self.windowStarts.base, subjectEnds = self.subjectEnds.base
            let handles = chunk.pinnedHandles!, matcher = self.matcher, offsets = self.offsets
            let requiring = usesRequiredWords ? chunk.requiring : 0
            let requires = chunk.pinnedRequires
            let startAnywhere = usesStartClasses ? chunk.startAnywhere : ~0
            let startBits = chunk.startBits
            let shaped = usesShapes ? chunk.shaped : 0
            let shapes = chunk.pinnedShapes, chunkPatterns = chunk.pinnedPatterns
            let tokenMasks = self.tokenMasks.base
            let requiredTokens = self.requiredTokens.base, requiredCount = self.requiredTokens.count
            let byTrigger = chunk.pinnedByTrigger, byStart = chunk.pinnedByStart, byFirstByte = chunk.pinnedByFirstByte
            // First entry of `requiredTokens` not before the current window (windows start in order).
            var firstRequired = 0
            for k in 0..<self.triggerCount {
                var bits = triggerMasks[k]
                var relevant: UInt64 = 0
                while bits != 0 {
                    relevant |= byTrigger[bits.trailingZeroBitCount]
                    bits &= bits - 1
                }
                if relevant == 0 { continue }
                let t = Int(triggerTokens[k])
                let subjectEnd = subjectEnds[k]
                // Patterns that need a required word the window lacks: no attempt
                // here can match, so none is made (but they count as tried below).
                var blocked: UInt64 = 0
                if relevant & requiring != 0 {
                    let first = Int(windowStarts[k])
                    while firstRequired < requiredCount && Int(requiredTokens[firstRequired]) < first {
                        firstRequired += 1
                    }
                    let words = RegexTagger.windowWords(from: firstRequired, subjectEnd: subjectEnd, tokens, tokenMasks,
                                                        requiredTokens, requiredCount)
                    var r = relevant & requiring
                    while r != 0 {
                        let j = r.trailingZeroBitCount
                        r &= r - 1
                        if requires[j] & words == 0 { blocked |= 1 << UInt64(j) }
                    }
                }
                // A pattern tries no start before its `nextStart`: the window's first
                // starts are often all tried already (for the trigger just before).
                var first = Int(windowStarts[k])
                var open = relevant & ~blocked
                var earliest = Int.max
                while open != 0 {
                    earliest = min(earliest, nextStart[open.trailingZeroBitCount])
                    open &= open - 1
                }
                first = max(first, earliest)
                if first <= t {
                  for s in first...t {
                    let position = tokens[s].start
                    var candidates = relevant & ~blocked
                    if Int(position) < textCount { candidates &= byFirstByte[Int(text[Int(position)])] }
                    // Patterns with `start:` only where this token is of a start class.
                    var starts = startAnywhere
                    var b = tokenMasks[s] & startBits
                    while b != 0 {
                        starts |= byStart[b.trailingZeroBitCount]
                        b &= b - 1
                    }
                    candidates &= starts
                    while candidates != 0 {
                        let j = candidates.trailingZeroBitCount
                        candidates &= candidates - 1
                        if s < nextStart[j] || Int(position) < coveredUntil[j] { continue }
                        // No match can begin here without the pattern's shape.
                        if shaped & (1 << UInt64(j)) != 0, !shapes[j]!._withUnsafeGuaranteedRef({ $0.matches(text, at: Int(position), end: subjectEnd) }) { continue }
                        let rc = entex_regex_match_in_place(handles[j], text.baseAddress, subjectEnd, Int(position), matcher)
                        if rc < 0 {
                            if warned & (1 << UInt64(j)) == 0 {
                                warned |= 1 << UInt64(j)
                                let pattern = patterns.patterns[chunk.patterns[j]]
                                warnings.append((chunk.patterns[j], Warning(
                                    code: "regex-limit",
                                    message: "pattern '\(pattern.name)' stopped: \(RegexTagger.errorMessage(rc)); match skipped",
                                    offset: position)))
                            }
                            continue
                        }
                        guard rc > 0 else { continue }
                        let matchStart = offsets[0], matchEnd = offsets[1]
                        guard matchStart == Int(position), matchEnd > matchStart, endsToken(at: matchEnd, from: s, tokens) else { continue }
                        record(chunkPatterns[j], matchStart, matchEnd, captures: Int(rc))
                        coveredUntil[j] = matchEnd
                    }
                  }
                }
                // Each pattern triggered here has now tried every start up to t. Trigger tokens
                // come in token order, so t + 1 is past every earlier `nextStart`.
                while relevant != 0 {
                    let j = relevant.trailingZeroBitCount
                    relevant &= relevant - 1
                    nextStart[j] = t + 1
                }
            }
        }
    }

    /// The required-word bits of a window: of the tokens of `requiredTokens` from
    /// entry `first` (the first not before the window) that start before
    /// `subjectEnd`. The same bits of `requires` as the union of every token of
    /// the window, as only these tokens carry any.
    private static func windowWords(from first: Int, subjectEnd: Int, _ tokens: UnsafeBufferPointer<Token>,
                                    _ tokenMasks: UnsafePointer<UInt64>, _ requiredTokens: UnsafePointer<Int32>,
                                    _ requiredCount: Int) -> UInt64 {
        var words: UInt64 = 0
        var j = first
        while j < requiredCount {
            let i = Int(requiredTokens[j])
            guard Int(tokens[i].start) < subjectEnd else { break }
            words |= tokenMasks[i]
            j += 1
        }
        return words
    }

    /// Whether a token ends at `offset`, for a match that starts at token `first`
    /// (so `offset` is after its start): the last token starting before `offset`,
    /// found by walking from `first` (a match spans a few tokens), must end there.
    private func endsToken(at offset: Int, from first: Int, _ tokens: UnsafeBufferPointer<Token>) -> Bool {
        var last = first
        while last + 1 < tokens.count, Int(tokens[last + 1].start) < offset { last += 1 }
        return Int(tokens[last].end) == offset
    }

    /// A match waiting for the outermost filter; its capture offsets are in `captureStore`.
    private struct Found {
        var span: Span
        var pattern: Int
        var priority: Int32
        var captureOffset: Int
        var captures: Int
    }

    private func record(_ index: Int, _ start: Int, _ end: Int, captures: Int) {
        let offset = captureStore.count
        captureStore.append(contentsOf: UnsafeBufferPointer(start: offsets, count: 2 * captures))
        found.append(Found(span: Span(start, end), pattern: index, priority: priorities[index],
                           captureOffset: offset, captures: captures))
    }

    /// Writes the JSON text of the normalized value of a surviving match whose pattern
    /// has a normalizer at the end of `valueBuffer` (which holds the values of the
    /// document's earlier candidates, copied to `annotationBytes` in one piece by
    /// `appendOutermost`), and returns whether there is a value. With
    /// `writesValuesDirectly`, no `JSONValue` is made: a plain integer is its own
    /// digits, an ASCII or Latin-1 hashtag's words are written as a string at once,
    /// and other values are written by `Normalizers.writeValue`; the bytes are those
    /// `JSONBuffer.value` writes for `value(of:…)` (tested).
    private func writeValue(of f: Found, normalizer: NormalizerKind, text: UnsafeBufferPointer<UInt8>,
                            reference: CivilDate?) -> Bool {
        if writesValuesDirectly {
            if normalizer == .number, RegexTagger.isPlainInteger(text, f.span) {
                valueBuffer.raw(UnsafeBufferPointer(rebasing: text[Int(f.span.start)..<Int(f.span.end)]))
                return true
            }
            if isTokenBlock[f.pattern] {
                let bytes = UnsafeBufferPointer(rebasing: text[Int(f.span.start)..<Int(f.span.end)])
                guard normalizer == .hashtag else {
                    return writeSerializedValue(of: f, normalizer: normalizer, text: text, reference: reference)
                }
                // Most tags: ASCII needing no escape, their words written in place.
                if Normalizers.writeASCIIHashtagString(bytes, into: &valueBuffer) { return true }
                // The tag's words (ASCII tags, and Latin-1 ones such as Spanish tags), in a stack buffer.
                let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * bytes.count + 1) { out -> Bool in
                    let length = bytes.contains(where: { $0 >= 0x80 })
                        ? Normalizers.writeSegmentedLatin1Hashtag(bytes, into: out.baseAddress!)
                        : Normalizers.writeSegmentedASCIIHashtag(bytes, into: out.baseAddress!)
                    guard let length else { return false }
                    valueBuffer.string(bytes: UnsafeBufferPointer(rebasing: out[..<length]))
                    return true
                }
                // Other scripts: the Unicode rules, on a `String`.
                return written || writeSerializedValue(of: f, normalizer: normalizer, text: text, reference: reference)
            }
            // `writeValue` writes nothing when it returns false. The language as a literal
            // and the values borrowed: no reference counting per value.
            func write(_ language: String) -> Bool {
                values(of: f.pattern)._withUnsafeGuaranteedRef { values in
                    withMatch(f, text: text) { match in
                        Normalizers.writeValue(normalizer, match, values: values, language: language,
                                               reference: reference, into: &valueBuffer)
                    }
                }
            }
            switch languageCodes[f.pattern] {
            case 0: return write("en")
            case 1: return write("es")
            case 2: return write("*")
            default: return write(languages[f.pattern])
            }
        }
        return writeSerializedValue(of: f, normalizer: normalizer, text: text, reference: reference)
    }

    /// `writeValue` by serializing the `JSONValue` of `value(of:…)`: the reference,
    /// and the path of the rare values with no direct writer (hashtags beyond Latin-1).
    private func writeSerializedValue(of f: Found, normalizer: NormalizerKind, text: UnsafeBufferPointer<UInt8>,
                                      reference: CivilDate?) -> Bool {
        guard let value = value(of: f, normalizer: normalizer, text: text, reference: reference) else { return false }
        valueBuffer.value(value)
        return true
    }

    /// The normalized value of a surviving match whose pattern has a normalizer.
    private func value(of f: Found, normalizer: NormalizerKind, text: UnsafeBufferPointer<UInt8>, reference: CivilDate?) -> JSONValue? {
        let pattern = patterns.patterns[f.pattern]
        guard pattern.regex != nil else {
            // A token block: the token's text alone.
            let bytes = UnsafeBufferPointer(rebasing: text[Int(f.span.start)..<Int(f.span.end)])
            if normalizer == .hashtag, !bytes.contains(where: { $0 >= 0x80 }) {
                return .string(Normalizers.segmentASCIIHashtag(bytes))  // most tags: no String made of the token
            }
            let whole = String(decoding: bytes, as: UTF8.self)
            return Normalizers.normalize(normalizer, whole: whole, group: { _ in nil },
                                         words: plan.words, language: pattern.language, reference: nil)
        }
        if normalizer == .number, let n = RegexTagger.plainInteger(text, f.span) { return .number(n) }
        return withMatch(f, text: text) { match in
            Normalizers.normalize(normalizer, match, values: values(of: f.pattern).takeUnretainedValue(),
                                  language: pattern.language, reference: reference)
        }
    }

    /// Calls `body` with the capture groups of a regex match.
    @inline(__always)
    private func withMatch<R>(_ f: Found, text: UnsafeBufferPointer<UInt8>, _ body: (MatchGroups) -> R) -> R {
        groupNumbers.withUnsafeBufferPointer { numbers in
            groupBounds.withUnsafeBufferPointer { bounds in
                body(MatchGroups(text: text, whole: Int(f.span.start)..<Int(f.span.end),
                                 offsets: UnsafeBufferPointer(start: captureStore.base + f.captureOffset, count: 2 * f.captures),
                                 numbers: numbers,
                                 bounds: UnsafeBufferPointer(rebasing: bounds[(f.pattern * RegexTagger.groupStride)...])))
            }
        }
    }

    /// The text of `span` when it is a plain integer in ASCII digits (most
    /// CARDINALs): its value needs no normalizer.
    static func plainInteger(_ text: UnsafeBufferPointer<UInt8>, _ span: Span) -> String? {
        guard isPlainInteger(text, span) else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: text[Int(span.start)..<Int(span.end)]), as: UTF8.self)
    }

    /// Whether the text of `span` is a plain integer (see `plainInteger`).
    @inline(__always)
    static func isPlainInteger(_ text: UnsafeBufferPointer<UInt8>, _ span: Span) -> Bool {
        let count = Int(span.length)
        guard count > 0, count <= 15 else { return false }
        let start = Int(span.start)
        if count > 1 && text[start] == UInt8(ascii: "0") { return false }
        for i in start..<(start + count) where !ByteClass.isDigit(text[i]) { return false }
        return true
    }

    /// Appends the candidates not inside a longer (or same-span, higher-priority) one, sorted by span.
    private func appendOutermost(to doc: inout Document) {
        guard found.count > 0 else { return }
        var found = UnsafeMutableBufferPointer(start: self.found.base, count: self.found.count)
        @inline(__always) func precedes(_ a: Found, _ b: Found) -> Bool {
            if a.span.start != b.span.start { return a.span.start < b.span.start }
            if a.span.end != b.span.end { return a.span.end > b.span.end }
            if a.priority != b.priority { return a.priority > b.priority }
            return a.pattern < b.pattern
        }
        // Often in order already (a tweet's tags and links, found in token order, and no
        // match): then the (stable) sort would leave it as it is.
        var sorted = true
        for i in 1..<found.count where precedes(found[i], found[i - 1]) {
            sorted = false
            break
        }
        if !sorted { found.sort(by: precedes) }
        var maxEnd: Int32 = -1
        // The reference date is worked out only when a date value needs it.
        var reference: CivilDate??
        entityBuffer.count = 0
        entityBuffer.reserve(found.count)
        // The values are written one after another into `valueBuffer` and copied to the
        // end of `annotationBytes` in one piece after the loop: the same bytes as one
        // append per value, and the value of `valueBuffer` offset `o` will be at `base + o`.
        let base = doc.annotationBytes.count
        valueBuffer.removeAll()
        // One reference to the text for the whole loop (the loop changes other parts of `doc`).
        let text = doc.text
        text.withUnsafeBufferPointer { text in
            for f in found {
                if f.span.end <= maxEnd { continue }
                maxEnd = f.span.end
                let normalizer = normalizers[f.pattern]
                var value = TextRef.none
                if normalizer != .none {
                    if normalizer == .date && reference == nil {
                        reference = .some(RegexTagger.documentDate(doc) ?? referenceDate)
                    }
                    let before = valueBuffer.count
                    if writeValue(of: f, normalizer: normalizer, text: text, reference: reference ?? nil) {
                        value = TextRef(start: UInt32(truncatingIfNeeded: base + before),
                                        end: UInt32(truncatingIfNeeded: base + valueBuffer.count))
                    }
                }
                entityBuffer.append(Entity(span: f.span, type: types[f.pattern], source: .regex, value: value,
                                           priority: f.priority, ruleID: ruleIDs[f.pattern]))
            }
        }
        doc.candidates.append(contentsOf: UnsafeBufferPointer(start: entityBuffer.base, count: entityBuffer.count))
        if valueBuffer.count > 0 {
            valueBuffer.withBytes { doc.annotationBytes.append(contentsOf: $0) }
        }
    }

    static func errorMessage(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        entex_pcre2_error_message(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
