#if canImport(Glibc)
import Glibc
#endif

/// The `rules` stage: proposes PERSON and ORG candidates for names no list
/// holds, from the shape of the text around them.
///
/// Rules (each candidate has `source: .rule` and `rule` set to the name in brackets):
/// - `[title-person]` a title or role phrase from `rules/titles-*.txt`, then a
///   capitalised sequence: `President Nicolas Maduro`, `la ministra Carolina
///   Darias`, `Dr. Smith`. The title is not part of the span.
/// - `[first-name-person]` a known first name followed by capitalised words.
/// - `[lone-first-name]` a known first name alone mid-sentence, with priority -1
///   so that any other proposal for the same span wins.
/// - `[initials-person]` initials and a surname (`P. Simmons`).
/// - `[lowercase-name]` in casual English text (a handle, hashtag, emoji or
///   URL, a sentence opening in lower case, or no final punctuation), a known first name written in lower
///   case, with the uncommon lowercase word after it (`jessica biel`), with
///   priority -1.
/// - `[unknown-name]` one to three capitalised words mid-sentence that no list
///   knows (not common words, not proposed by an earlier tagger): PERSON with
///   priority -2, the weakest proposal.
/// - `[name-handle]` `Name (@handle)`: the name (PERSON, or ORG when it holds an
///   organisation head word) and the HANDLE, linked by a shared `cluster`.
/// - `[org-head]` a capitalised sequence ending or starting with a head word of
///   `rules/org-heads-*.txt`, with connectors inside (`China Academy of
///   Aerospace Technology`, `Banco Central de Venezuela`).
/// - `[lone-head]` a head word that is also a common word, capitalised alone in
///   mid-sentence (`el Gobierno`, `the Senate`), with priority -1.
/// - `[team-score]` a gazetteer place followed by a score (`Liverpool 3 Chelsea 2`):
///   ORG, with priority above the place's.
/// - `[acronym-definition]` `Long Name (ACR)` and `ACR (Long Name)` where the
///   acronym's letters follow the long name's words: both mentions get the long
///   name's type (from an earlier candidate with that exact span, else ORG) and
///   a shared `cluster`.
///
/// A "name word" is a capitalised word that is not a stopword; at the start
/// of a sentence, in an all-capitals sentence, or written all in capitals, it
/// must also not be a common word of the document's language, so headlines and
/// sentence-initial words do not all become names.
///
/// `cluster` values set here only link candidates of one document; the
/// `alias` stage renumbers them. Spans are UTF-8 byte offsets on token
/// boundaries and cross no sentence boundary, except after an initial
/// (`P. Simmons`), which the sentence splitter may take for a sentence end.
public final class NameRules: Stage {
    public let name = "rules"
    /// Byte offset of `Token.kind` in a token, with `flags` in the byte after it: the scan's
    /// skip loop reads both as one `UInt16` (asserted there, and pinned by a test).
    static let tokenKindOffset = 16
    public let requires: Layers = [.tokens, .sentences, .language]
    public let produces: Layers = [.candidates]

    /// Title, stopword and common-word tables for documents in English, in Spanish, and in
    /// anything else, each built the first time a document asks for it (building all three
    /// cost 2.8 M instructions at every start, and most inputs are of one language).
    private var english: LanguageTables?, spanish: LanguageTables?, other: LanguageTables?
    /// The same tables, unretained: a document borrows its language's (`process`) instead of
    /// retaining it and releasing it (one retain and one release a document fewer).
    private var englishRef: Unmanaged<LanguageTables>?, spanishRef: Unmanaged<LanguageTables>?, otherRef: Unmanaged<LanguageTables>?
    /// Builds the tables for a language code (nil: any other language).
    private let makeTables: (String?) -> LanguageTables
    // Scratch buffers kept between documents (one stage object per thread).
    private var found: [Entity] = []
    private var phrase: [UInt8] = []
    /// Per-token and per-sentence buffers, as raw memory: no array access checks per document.
    private var scratch = RuleScratch()
    /// Open-addressed table of `found` keys kept: slot → index in `doc.candidates` + 1 (0 = empty).
    private var kept: [Int32] = []
    /// Word-index answers of recent words, kept between documents (empty without `prefilter`).
    private let memo: WordMemo
    /// Filters and shortcuts on (see `init`); false: the reference they are tested against.
    private let prefilter: Bool

    /// - Parameter prefilter: turn most tokens away from the word, title and
    ///   head tables with small filters and a memo (the default); false asks
    ///   the tables for every token, the reference the filters are tested against.
    public init(resources: Resources, prefilter: Bool = true) {
        let lists = resources.nameRules
        let stopwords = resources.text.stopwords
        // First names and common words in one table (the resources' own unless it is out of date).
        let words = lists.wordIndex.matches(firstNameCount: lists.firstNames.count, commonWordCounts: lists.commonWordCounts)
            ? lists.wordIndex : WordIndex(firstNames: lists.firstNames, commonWords: lists.commonWords)
        let filters = TableFilters(titleFirstShapes: ShapeFilter(prefilter ? lists.titleFirstWords : nil),
                                   titleFirstWords: HashFilter(prefilter ? lists.titleFirstWords : nil),
                                   orgHeadShapes: ShapeFilter(prefilter ? lists.orgHeads : nil),
                                   orgHeads: HashFilter(prefilter ? lists.orgHeads : nil),
                                   firstNames: prefilter ? words.firstNameFilter : .acceptingAll,
                                   words: prefilter ? words.wordFilter : .acceptingAll)
        func tables(_ language: String?) -> LanguageTables {
            let langs = language.map { [$0] } ?? ["en", "es"]
            let titles = langs.compactMap { l in lists.titles[l].map { ($0, lists.titleKinds[l] ?? []) } }
            // Every title phrase and each of its first words (cut at a space), and every
            // word of a phrase but its first.
            var prefixes = ByteStringTable()
            var laterWords = ByteStringTable()
            for (table, _) in titles {
                for id in 0..<table.count {
                    let key = table.key(id)
                    var wordStart: Int?
                    for j in key.indices where key[j] == 0x20 {
                        prefixes.insert(key[..<j])
                        if let w = wordStart { laterWords.insert(key[w..<j]) }
                        wordStart = j + 1
                    }
                    if let w = wordStart { laterWords.insert(key[w...]) }
                    prefixes.insert(key)
                }
            }
            // The words that start a title here: a first word of a title phrase (of any
            // language) that is also a prefix of this language's phrases, and whether
            // it is a whole title itself; one probe answers both (`Scan.titleStartBits`).
            var starts = ByteStringTable()
            var startIsTitle: [Bool] = []
            for id in 0..<prefixes.count {
                let key = prefixes.key(id)
                guard lists.titleFirstWords.lookup(key) != nil else { continue }
                starts.insert(key)
                startIsTitle.append(titles.contains { $0.0.lookup(key) != nil })
            }
            // The stopwords of every language asked, in one table: one probe per token. The
            // first language's table is taken as it is (only its keys are asked, and their
            // hashes), the others' keys added to it: one language costs no insert.
            let stopTables = langs.compactMap { stopwords[$0] }
            var stop = stopTables.first ?? ByteStringTable()
            for table in stopTables.dropFirst() {
                for id in 0..<table.count { stop.insert(table.key(id)) }
            }
            return LanguageTables(
                titles: titles, titlePrefixes: prefixes, laterTitleWords: laterWords,
                titleStarts: starts, titleStartIsTitle: startIsTitle,
                titleStartFilter: prefilter ? KeyHashFilter([starts]) : nil,
                stop: stop, common: words.commonMask(language: language),
                lists: lists, words: words, filters: filters)
        }
        makeTables = tables
        memo = WordMemo(slots: prefilter ? 4096 : 0)
        self.prefilter = prefilter
    }

    deinit {
        memo.deallocate()
        scratch.deallocate()
    }

    public func process(_ doc: inout Document) {
        // Most documents (tweets) find nothing, most others one: see `removeAllKeepingCapacity`.
        found.removeAllKeepingCapacity()
        guard !doc.tokens.isEmpty else {
            doc.layers.insert(.candidates)
            return
        }
        let n = doc.tokens.count
        // Per-token buffers only grow: a document writes or clears its first `n` entries.
        scratch.reserve(tokens: n, sentences: doc.sentences.count + 1)
        scratch.reserve(candidates: doc.candidates.count)
        let byTokenStart = prefilter && !doc.candidates.isEmpty
        if byTokenStart { scratch.reserve(bytes: doc.text.count) }
        let scratch = self.scratch
        memset(scratch.facts, 0, n)
        memset(scratch.lookups, 0, n * MemoryLayout<UInt32>.stride)
        // Sentence index of each token, and the token range of each sentence index (whether a
        // sentence is written in capitals is asked later, per sentence: `SentenceMarks.isShouting`):
        // here, not in a function taking the document, which copied it (178 bytes) per document.
        doc.tokens.withUnsafeBufferPointer { tokens in
          doc.sentences.withUnsafeBufferPointer { sentences in
            // With `tokenAt` (see below) written in the same pass over the tokens.
            _ = SentenceMarks.mark(tokens: tokens, sentences: sentences, sentenceOf: scratch.sentenceOf,
                                   groupStart: scratch.groupStart, groupEnd: scratch.groupEnd, shout: scratch.shout,
                                   tokenAt: byTokenStart ? scratch.tokenAt : nil)
          }
        }
        // End offsets of nationality (NORP) candidates, and the spans of the gazetteer's
        // place (GPE) candidates with their last token and kb id: scratch memory, at most one entry per
        // candidate (arrays of the stage object cost a uniqueness test per append and retains).
        var norpCount = 0, placeCount = 0
        var maxCluster: Int32?
        let tokenAt = scratch.tokenAt
        doc.tokens.withUnsafeBufferPointer { tokens in
          doc.candidates.withUnsafeBufferPointer { candidates in  // fields read in place: no entity copies
              let facts = scratch.facts
              // Tokens that earlier taggers (gazetteer, regex) already proposed something for.
              // Candidates come in runs sorted by start (the gazetteer's, then each regex
              // pattern's), so a search from the previous one's token often goes back or
              // far: with filters, the token each token start holds was written first
              // (`tokenAt`, by `SentenceMarks.mark`: the other entries are stale), and a
              // candidate that starts at a token finds it in one read. The others, and the
              // reference, search (`firstToken(atOrAfter:from:)`).
              let bytes = byTokenStart ? doc.text.count : 0
              var previous = 0
              for candidate in candidates.indices {
                let span = candidates[candidate].span
                var t: Int
                let at = Int(span.start)
                if at >= 0, at < bytes, case let k = Int(tokenAt[at]), k >= 0, k < tokens.count, tokens[k].start == span.start {
                    t = k
                } else {
                    t = tokens.firstToken(atOrAfter: span.start, from: previous)
                }
                previous = t
                while t < tokens.count, tokens[t].start < span.end {
                    facts[t] |= Scan.covered
                    t += 1
                }
                if let cluster = candidates[candidate].cluster, maxCluster.map({ cluster > $0 }) ?? true { maxCluster = cluster }
                if candidates[candidate].type == .norp {
                    scratch.norpEnds[norpCount] = span.end
                    norpCount += 1
                }
                // Whether a place is a country is asked only of one before a score (`teamScores`).
                if candidates[candidate].type == .gpe, candidates[candidate].source == .gazetteer, t > 0 {
                    scratch.places[placeCount] = (span, t - 1, candidates[candidate].kb)
                    placeCount += 1
                }
              }
          }
        }
        var norpEnds = UnsafeMutableBufferPointer(start: scratch.norpEnds, count: norpCount)
        // Most documents have no nationality, or one: nothing to sort.
        if norpCount > 1 { norpEnds.sort() }
        let places = UnsafeBufferPointer(start: scratch.places, count: placeCount)
        var nextCluster: Int32 = (maxCluster ?? 0) + 1
        // The code's kind, kept by the document as its language is set: no string compared.
        let isEnglish = doc.languageKind == .en, isSpanish = doc.languageKind == .es
        let tablesRef = isEnglish ? englishRef ?? makeEnglish() : isSpanish ? spanishRef ?? makeSpanish() : otherRef ?? makeOther()
        // The tables live as long as the stage (`english`, `spanish`, `other`): borrowed, not retained.
        tablesRef._withUnsafeGuaranteedRef { tables in
        // Read in place, not copied (the candidates are appended to only after the scan).
        doc.candidates.withUnsafeBufferPointer { earlier in
        doc.tokens.withUnsafeBufferPointer { tokens in
          doc.tokenKeys.withUnsafeBufferPointer { keys in
            doc.keyHashes.withUnsafeBufferPointer { allHashes in
              // The tokenizer's key hashes; documents built by hand may lack them: hashed here
              // then, so that the scan reads every token's hash from one buffer, with no test.
              var tokenHashes = allHashes
              if allHashes.count != n {
                  for t in 0..<n {
                      scratch.keyHashes[t] = KeyHash.hash(UnsafeBufferPointer(rebasing: keys[Int(tokens[t].keyStart)..<Int(tokens[t].keyEnd)]))
                  }
                  tokenHashes = UnsafeBufferPointer(start: scratch.keyHashes, count: n)
              }
              doc.text.withUnsafeBufferPointer { text in
                do {
                    // A constant: the calls below read it in place (a variable was copied, 257 bytes, per call).
                    let scan = Scan(tokens: tokens, keys: keys, text: text, tables: tables,
                                    sentences: scratch.sentences(tokens: n),
                                    norpEnds: SortedOffsets(offsets: UnsafeBufferPointer(norpEnds)),
                                    facts: UnsafeMutableBufferPointer(start: scratch.facts, count: n),
                                    lookups: UnsafeMutableBufferPointer(start: scratch.lookups, count: n),
                                    firstNameIds: UnsafeMutableBufferPointer(start: scratch.firstNameIds, count: n),
                                    heads: scratch.heads, tokenHashes: tokenHashes, memo: memo,
                                    casual: isEnglish && NameRules.isCasual(tokens))
                    scan.run(into: &found, phrase: &phrase, nextCluster: &nextCluster, earlier: earlier)
                    if !places.isEmpty { scan.teamScores(places, names: doc.annotationBytes, into: &found) }
                }
              }
            }
          }
        }
        }
        }
        // Several rules may find the same span: keep one proposal per (span, type),
        // the first that links it to another mention, else the first.
        guard !found.isEmpty else {
            doc.layers.insert(.candidates)
            return
        }
        // One proposal (most documents that have any): nothing to tell apart.
        if found.count == 1 {
            doc.candidates.append(found[0])
            doc.layers.insert(.candidates)
            return
        }
        var size = 16
        while size < found.count * 2 { size <<= 1 }
        // Only the first `size` slots are used: cleared in place (the table only grows).
        if kept.count < size {
            kept = [Int32](repeating: 0, count: size)
        } else {
            kept.withUnsafeMutableBufferPointer { _ = memset($0.baseAddress!, 0, size * MemoryLayout<Int32>.stride) }
        }
        let mask = size - 1
        doc.candidates.reserveCapacity(doc.candidates.count + found.count)
        for e in found {
            let packed = UInt64(UInt32(bitPattern: e.span.start)) | UInt64(UInt32(bitPattern: e.span.end)) << 32
            var slot = Int(truncatingIfNeeded: ((packed ^ UInt64(e.type.rawValue) << 56) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
            while true {
                let k = Int(kept[slot]) - 1
                if k < 0 {
                    kept[slot] = Int32(doc.candidates.count + 1)
                    doc.candidates.append(e)
                    break
                }
                if doc.candidates[k].span == e.span, doc.candidates[k].type == e.type {
                    if doc.candidates[k].cluster == nil, e.cluster != nil { doc.candidates[k] = e }
                    break
                }
                slot = (slot + 1) & mask
            }
        }
        doc.layers.insert(.candidates)
    }

    @inline(never) private func makeEnglish() -> Unmanaged<LanguageTables> {
        let t = makeTables("en")
        english = t
        englishRef = Unmanaged.passUnretained(t)
        return Unmanaged.passUnretained(t)
    }

    @inline(never) private func makeSpanish() -> Unmanaged<LanguageTables> {
        let t = makeTables("es")
        spanish = t
        spanishRef = Unmanaged.passUnretained(t)
        return Unmanaged.passUnretained(t)
    }

    @inline(never) private func makeOther() -> Unmanaged<LanguageTables> {
        let t = makeTables(nil)
        other = t
        otherRef = Unmanaged.passUnretained(t)
        return Unmanaged.passUnretained(t)
    }

    /// The `ByteStringTable` hashes of the match keys (`Tokenizer.key`) of every head of
    /// `heads`, and of every head that ends in '.' without it: a word token whose text
    /// is a head, or is one with the '.' token attached to it, has one of these key
    /// hashes when the tokenizer keyed its text as `Tokenizer.key` does (it shortens the
    /// key of an elongated word: `Scan.keyMayBeHead` does not ask about those).
    static func headKeyHashes(_ heads: ByteStringTable) -> [UInt32] {
        var hashes: [UInt32] = []
        for id in 0..<heads.count {
            let head = heads.key(id)
            var forms = [head]
            if head.last == UInt8(ascii: ".") { forms.append(head.dropLast()) }
            for form in forms {
                let key = Tokenizer.key(String(decoding: form, as: UTF8.self))
                hashes.append(key.withUnsafeBufferPointer { ByteStringTable.hash($0) })
            }
        }
        return hashes
    }

    /// Whether a knowledge-base id is an ISO 3166 country code (`iso3166:VE`):
    /// `kb.hasPrefix("iso3166:")`, answered on the UTF-8 bytes when the character
    /// after the prefix is ASCII (a non-ASCII one might combine with the `:`, which
    /// `hasPrefix` compares as characters: it is asked then).
    static func isCountryCode(_ kb: String?) -> Bool {
        guard let kb else { return false }
        return kb.utf8.withContiguousStorageIfAvailable { isCountryCode(bytes: $0) } ?? kb.hasPrefix("iso3166:")
    }

    /// `isCountryCode` of a kb id kept in a document's `annotationBytes` (`names`).
    static func isCountryCode(_ kb: TextRef, in names: [UInt8]) -> Bool {
        guard !kb.isNone else { return false }
        return names.withUnsafeBufferPointer { isCountryCode(bytes: UnsafeBufferPointer(rebasing: $0[Int(kb.start)..<Int(kb.end)])) }
    }

    /// `isCountryCode` of a kb id's UTF-8 bytes.
    static func isCountryCode(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let prefix: StaticString = "iso3166:"
        let n = prefix.utf8CodeUnitCount
        guard bytes.count >= n, memcmp(bytes.baseAddress!, prefix.utf8Start, n) == 0 else { return false }
        return bytes.count == n || bytes[n] < 0x80 ? true : String(decoding: bytes, as: UTF8.self).hasPrefix("iso3166:")
    }

}

/// A gazetteer place (GPE) candidate for `Scan.teamScores`: its span, its last token and its kb id.
private typealias Place = (span: Span, last: Int, kb: TextRef)

/// The rules' per-token and per-sentence buffers, kept by one stage object between
/// documents as raw memory that only grows (a copy shares the memory: the stage
/// object owns it and frees it once).
private struct RuleScratch {
    private(set) var tokenCapacity = 0, sentenceCapacity = 0
    private(set) var facts = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    private(set) var lookups = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    /// Each token's `KeyHash`, for a document that lacks `Document.keyHashes` (built by hand).
    private(set) var keyHashes = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
    private(set) var firstNameIds = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private(set) var sentenceOf = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    /// The tokens with organisation head bits, in text order (`Scan.run` writes them).
    private(set) var heads = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    /// Per byte offset of the text: the token starting there, where one does (other entries
    /// are stale: a reader checks the token's start). Zeros when allocated.
    private(set) var tokenAt = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private(set) var byteCapacity = 0
    /// Per candidate of the document (at most one entry each): the end offsets of its
    /// nationality candidates, and its places (see `Place`).
    private(set) var norpEnds = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private(set) var places = UnsafeMutablePointer<Place>.allocate(capacity: 1)
    private(set) var candidateCapacity = 0
    /// Per sentence index: first token, end token, and `SentenceMarks` shout state.
    private(set) var groupStart = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private(set) var groupEnd = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private(set) var shout = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

    /// Room for `n` tokens and `m` sentence indices (contents are not kept when it grows:
    /// every document writes what it reads). The test in line: most documents fit.
    @inline(__always) mutating func reserve(tokens n: Int, sentences m: Int) {
        if n > tokenCapacity || m > sentenceCapacity { grow(tokens: n, sentences: m) }
    }

    @inline(never) private mutating func grow(tokens n: Int, sentences m: Int) {
        if n > tokenCapacity {
            let c = max(n, 2 * tokenCapacity)
            facts.deallocate(); lookups.deallocate(); keyHashes.deallocate(); firstNameIds.deallocate(); sentenceOf.deallocate()
            heads.deallocate()
            heads = .allocate(capacity: c)
            facts = .allocate(capacity: c)
            lookups = .allocate(capacity: c)
            keyHashes = .allocate(capacity: c)
            firstNameIds = .allocate(capacity: c)
            sentenceOf = .allocate(capacity: c)
            tokenCapacity = c
        }
        if m > sentenceCapacity {
            let c = max(m, 2 * sentenceCapacity)
            groupStart.deallocate(); groupEnd.deallocate(); shout.deallocate()
            groupStart = .allocate(capacity: c)
            groupEnd = .allocate(capacity: c)
            shout = .allocate(capacity: c)
            sentenceCapacity = c
        }
    }

    /// Room for `n` candidates in `norpEnds` and `places` (contents are not kept when it grows).
    @inline(__always) mutating func reserve(candidates n: Int) {
        if n > candidateCapacity { grow(candidates: n) }
    }

    @inline(never) private mutating func grow(candidates n: Int) {
        let c = max(n, 2 * candidateCapacity)
        norpEnds.deallocate(); places.deallocate()
        norpEnds = .allocate(capacity: c)
        places = .allocate(capacity: c)
        candidateCapacity = c
    }

    /// Room for `n` bytes in `tokenAt` (contents are not kept when it grows).
    @inline(__always) mutating func reserve(bytes n: Int) {
        if n > byteCapacity { grow(bytes: n) }
    }

    @inline(never) private mutating func grow(bytes n: Int) {
        let c = max(n, 2 * byteCapacity)
        tokenAt.deallocate()
        tokenAt = .allocate(capacity: c)
        tokenAt.initialize(repeating: 0, count: c)
        byteCapacity = c
    }

    func sentences(tokens n: Int) -> SentenceMarks {
        SentenceMarks(sentenceOf: UnsafeBufferPointer(start: sentenceOf, count: n),
                      groupStart: groupStart, groupEnd: groupEnd, shout: shout)
    }

    func deallocate() {
        facts.deallocate(); lookups.deallocate(); keyHashes.deallocate(); firstNameIds.deallocate(); sentenceOf.deallocate()
        heads.deallocate(); tokenAt.deallocate(); norpEnds.deallocate(); places.deallocate()
        groupStart.deallocate(); groupEnd.deallocate(); shout.deallocate()
    }
}

/// Each token's sentence index, and whether a sentence is written in capitals
/// (most words in capitals: a headline, a shouted tweet), computed the first
/// time a rule asks about one of its tokens: most sentences never are.
struct SentenceMarks {
    static let unknown: UInt8 = 0, calm: UInt8 = 1, shouted: UInt8 = 2
    let sentenceOf: UnsafeBufferPointer<Int32>
    /// Per sentence index: the tokens `groupStart[s]..<groupEnd[s]`, and the shout state.
    let groupStart: UnsafeMutablePointer<Int32>
    let groupEnd: UnsafeMutablePointer<Int32>
    let shout: UnsafeMutablePointer<UInt8>

    /// Whether the sentence of token `i` of `tokens` is written in capitals: at least three
    /// letter words, six in ten of them in capitals (one-letter words do not count as capitals).
    @inline(__always) func isShouting(_ i: Int, _ tokens: UnsafeBufferPointer<Token>) -> Bool {
        let s = Int(sentenceOf[i])
        var state = shout[s]
        if state == SentenceMarks.unknown {
            state = SentenceMarks.isShouting(UnsafeBufferPointer(rebasing: tokens[Int(groupStart[s])..<Int(groupEnd[s])]))
                ? SentenceMarks.shouted : SentenceMarks.calm
            shout[s] = state
        }
        return state == SentenceMarks.shouted
    }

    /// Fills `sentenceOf` (one entry per token: the index of the first sentence that ends
    /// after the token starts) and, for each sentence index that has tokens, its token
    /// range and an unknown shout state (`sentences.count + 1` entries each: tokens after
    /// the last sentence get index `sentences.count`); the marks read those buffers.
    /// With `tokenAt` (one entry per byte offset of the text), also writes there the
    /// index of the token that starts at each token start.
    static func mark(tokens: UnsafeBufferPointer<Token>, sentences: UnsafeBufferPointer<Span>,
                     sentenceOf: UnsafeMutablePointer<Int32>, groupStart: UnsafeMutablePointer<Int32>,
                     groupEnd: UnsafeMutablePointer<Int32>, shout: UnsafeMutablePointer<UInt8>,
                     tokenAt: UnsafeMutablePointer<Int32>? = nil) -> SentenceMarks {
        let n = tokens.count
        // The tokens of one sentence index are a run; its end is found by binary search
        // (token starts increase), not by a compare per token, unless every token start
        // is read anyway for `tokenAt`: then one pass does both.
        var sentence = 0
        var start = 0
        while start < n {
            while sentence < sentences.count, sentences[sentence].end <= tokens[start].start { sentence += 1 }
            let limit = sentence < sentences.count ? sentences[sentence].end : Int32.max
            if let tokenAt {
                groupStart[sentence] = Int32(start)
                shout[sentence] = SentenceMarks.unknown
                let s = Int32(truncatingIfNeeded: sentence)
                // Token `start` starts before `limit` (the loop above).
                repeat {
                    let offset = tokens[start].start
                    if offset >= limit { break }
                    sentenceOf[start] = s
                    tokenAt[Int(offset)] = Int32(truncatingIfNeeded: start)
                    start &+= 1
                } while start < n
                groupEnd[sentence] = Int32(start)
                continue
            }
            // Token `start` starts before `limit` (the loop above): the run's end is after it.
            var end = start + 1, high = n
            while end < high {
                let mid = (end + high) >> 1
                if tokens[mid].start < limit { end = mid + 1 } else { high = mid }
            }
            groupStart[sentence] = Int32(start)
            groupEnd[sentence] = Int32(end)
            shout[sentence] = SentenceMarks.unknown
            UnsafeMutableBufferPointer(start: sentenceOf + start, count: end - start).update(repeating: Int32(sentence))
            start = end
        }
        return SentenceMarks(sentenceOf: UnsafeBufferPointer(start: sentenceOf, count: n),
                             groupStart: groupStart, groupEnd: groupEnd, shout: shout)
    }

    /// Whether the tokens of one sentence are written in capitals (see `isShouting(_:_:)`).
    ///
    /// `caps * 10 >= letters * 6` is `4 * caps - 6 * others >= 0` (`others`: the letter
    /// words not in capitals), kept as a budget with the most the tokens not yet read
    /// could add (4 each): it starts at `4 * count` and only falls, by 10 for a letter
    /// word not in capitals and by 4 for any other token but a word in capitals. Once
    /// below zero no ending can bring it back, and the answer is known: a calm sentence
    /// (most are) is left about halfway. The answer is `isShoutingReference`'s (tested).
    static func isShouting(_ tokens: UnsafeBufferPointer<Token>) -> Bool {
        var budget = 4 &* tokens.count
        var letters = 0
        for t in tokens {
            if t.kind == .word && t.flags.contains(.hasLetter) {
                letters &+= 1
                if t.flags.contains(.allCaps) && t.end &- t.start > 1 { continue }
                budget &-= 10
            } else {
                budget &-= 4
            }
            if budget < 0 { return false }
        }
        return letters >= 3
    }

    /// `isShouting(_:)` by counting every token: the reference its early exit is tested against.
    static func isShoutingReference(_ tokens: UnsafeBufferPointer<Token>) -> Bool {
        var letters = 0, caps = 0
        for t in tokens where t.kind == .word && t.flags.contains(.hasLetter) {
            letters += 1
            if t.flags.contains(.allCaps), t.end - t.start > 1 { caps += 1 }
        }
        return letters >= 3 && caps * 10 >= letters * 6
    }
}

/// The tables the rules read for one document language, with the lists of
/// every language: one object, so that starting a document's scan copies one
/// reference, not the dozens of arrays the lists hold.
private final class LanguageTables: Sendable {
    let titles: [(ByteStringTable, [NameRuleResources.TitleKind])]
    /// The title phrases and their word prefixes (`vice`, `vice president`).
    let titlePrefixes: ByteStringTable
    /// Every word of the title phrases but their first (`president` of `vice president`).
    let laterTitleWords: ByteStringTable
    /// The words a title of this language starts with (keys of `titlePrefixes` that are
    /// in `NameRuleResources.titleFirstWords`), and whether each is a whole title.
    let titleStarts: ByteStringTable
    let titleStartIsTitle: [Bool]
    /// A filter of `titleStarts`' hashes, or nil for the reference path (no filters:
    /// every token is asked the way the rules first asked it, with three tables).
    let titleStartFilter: KeyHashFilter?
    /// `titleStartFilter`'s probe (for the scan: no reference counting), valid while these tables live.
    let titleStartProbe: KeyHashFilter.Probe?
    /// A bit per hash of `titleStarts` (`starts`) and of `titleStarts` and the first
    /// names (`casualStarts`): the one-probe test `Scan.run`'s skip loop asks of every
    /// lowercase word before the two filters (empty without filters).
    let starts: StartBits, casualStarts: StartBits
    /// A bit per hash of the title starts that are whole titles (`wholeTitles`) and of
    /// `laterTitleWords` (`laterWords`): a title start that is no title by itself
    /// ("the", "his", "su") begins a title only before a later title word, and
    /// `Scan.titleMayBegin` says from these bits that most such tokens begin none
    /// (empty without filters).
    let wholeTitles: StartBits, laterWords: StartBits
    /// A bit per hash of the match keys of the organisation heads (`NameRuleResources.orgHeads`,
    /// which are looked up by their text) and of those keys without a final '.' (a head
    /// written as a word and an attached '.'), or nil for the reference path: a word
    /// whose key has no bit is no head (`Scan.keyMayBeHead`). See `NameRules.headKeyHashes`.
    let headKeyBits: StartBits?
    /// Stopwords of the language (of English and Spanish for any other language).
    let stop: ByteStringTable
    /// A bit per hash of `stop`'s keys, or nil for the reference path: most capitalised
    /// words are no stopword, and one probe says so without the table (`Scan.isStopword`).
    let stopBits: StartBits?
    /// Common-word language bits of `WordIndex` for the language (all of them when it has no list).
    let common: UInt16
    /// Common-word language bits of every language.
    let anyCommon: UInt16
    let lists: NameRuleResources
    let words: WordIndex
    let filters: TableFilters
    init(titles: [(ByteStringTable, [NameRuleResources.TitleKind])], titlePrefixes: ByteStringTable, laterTitleWords: ByteStringTable,
         titleStarts: ByteStringTable, titleStartIsTitle: [Bool], titleStartFilter: KeyHashFilter?,
         stop: ByteStringTable, common: UInt16, lists: NameRuleResources, words: WordIndex, filters: TableFilters) {
        self.titles = titles
        self.titlePrefixes = titlePrefixes
        self.laterTitleWords = laterTitleWords
        self.titleStarts = titleStarts
        self.titleStartIsTitle = titleStartIsTitle
        self.titleStartFilter = titleStartFilter
        titleStartProbe = titleStartFilter?.probe
        starts = StartBits(titleStartFilter == nil ? [] : [titleStarts.hashes], log2Bits: 16)
        casualStarts = StartBits(titleStartFilter == nil ? [] : [titleStarts.hashes, lists.firstNames.hashes], log2Bits: 18)
        let wholeTitleHashes = titleStarts.hashes.indices.filter { titleStartIsTitle[$0] }.map { titleStarts.hashes[$0] }
        wholeTitles = StartBits(titleStartFilter == nil ? [] : [wholeTitleHashes], log2Bits: 16)
        laterWords = StartBits(titleStartFilter == nil ? [] : [laterTitleWords.hashes], log2Bits: 15)
        headKeyBits = titleStartFilter == nil ? nil : StartBits([NameRules.headKeyHashes(lists.orgHeads)], log2Bits: 14)
        self.stop = stop
        stopBits = titleStartFilter == nil ? nil : StartBits([stop.hashes], log2Bits: 14)
        self.common = common
        anyCommon = words.commonMask(language: nil)
        self.lists = lists
        self.words = words
        self.filters = filters
    }

    deinit {
        starts.deallocate()
        casualStarts.deallocate()
        wholeTitles.deallocate()
        laterWords.deallocate()
        headKeyBits?.deallocate()
        stopBits?.deallocate()
    }
}

/// A bit per hash (its top bits) of a few tables' keys: a clear
/// bit means no key of that hash was given, in one probe and without the three
/// bits of a `KeyHashFilter`. Sized to hold about 1 bit in 30 (a few percent of
/// other hashes pass, and go on to the tables' own filters).
struct StartBits: @unchecked Sendable {
    /// The bits, read in place by the scan (an array here cost a retain and a release per call).
    let bits: UnsafeMutablePointer<UInt64>
    /// `32 - log2(bit count)`.
    let shift: UInt32

    /// Bits for the hashes of `tables`; the owner frees them with `deallocate`.
    init(_ tables: [[UInt32]], log2Bits: Int) {
        precondition(log2Bits >= 6 && log2Bits <= 31)
        let words = 1 << (log2Bits - 6)
        bits = .allocate(capacity: words)
        bits.initialize(repeating: 0, count: words)
        shift = UInt32(32 - log2Bits)
        for hashes in tables {
            for h in hashes {
                let b = StartBits.index(h, shift: shift)
                bits[b >> 6] |= 1 << UInt64(b & 63)
            }
        }
    }

    func deallocate() { bits.deallocate() }

    /// The hash's top bits as they are: every bit of a `KeyHash` depends on every key
    /// byte, and so does every bit of its fold (`ByteStringTable.hash(folding:)`), so no
    /// multiply is needed to mix them first. `&>>`: `shift` is 1...26 (see `init`), so
    /// no overshift test is needed.
    @inline(__always) static func index(_ h: UInt32, shift: UInt32) -> Int { Int(truncatingIfNeeded: h &>> shift) }

    /// False when none of the hashes given has the bit of `h`.
    @inline(__always) func mayContain(_ h: UInt32) -> Bool {
        let b = StartBits.index(h, shift: shift)
        return bits[b >> 6] & (1 << UInt64(b & 63)) != 0
    }
}

/// A bit per hash value (modulo its size) of a table's keys: a clear bit means
/// the key is not in the table, without probing it.
private struct HashFilter: Sendable {
    private var bits = [UInt64](repeating: 0, count: 1 << 9)  // 32 768 bits, 4 KB

    /// A filter of `table`'s hashes; nil: a filter that rejects nothing.
    init(_ table: ByteStringTable?) {
        guard let table else {
            bits = [UInt64](repeating: ~0, count: bits.count)
            return
        }
        for h in table.hashes {
            let b = Int(h) & (bits.count * 64 - 1)
            bits[b >> 6] |= 1 << UInt64(b & 63)
        }
    }

    @inline(__always) func mayContain(_ h: UInt32) -> Bool {
        let b = Int(h) & (bits.count * 64 - 1)
        return bits.withUnsafeBufferPointer { $0[b >> 6] } & (1 << UInt64(b & 63)) != 0
    }
}

/// A bit per (length, low 5 bits of the first byte, low 5 bits of the second)
/// of a table's keys (lengths from 15 up share one row; 2 KB): a clear bit
/// means the key is not in the table, without hashing it. Two bytes tell far
/// more words apart than one ("the" has no title's shape, "tax" has `tsar`'s length only).
private struct ShapeFilter: Sendable {
    private var bits = [UInt64](repeating: 0, count: 16 * 32 * 32 / 64)

    /// A filter of `table`'s keys; nil: a filter that rejects nothing.
    init(_ table: ByteStringTable?) {
        guard let table else {
            bits = [UInt64](repeating: ~0, count: bits.count)
            return
        }
        for id in 0..<table.count {
            let b = table.key(id).withUnsafeBufferPointer { ShapeFilter.bit($0) }
            bits[b >> 6] |= 1 << UInt64(b & 63)
        }
    }

    @inline(__always) private static func bit(_ key: UnsafeBufferPointer<UInt8>) -> Int {
        let n = key.count
        let first = n > 0 ? Int(key[0] & 31) : 0, second = n > 1 ? Int(key[1] & 31) : 0
        return min(n, 15) << 10 | first << 5 | second
    }

    @inline(__always) func mayContain(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let b = ShapeFilter.bit(key)
        return bits.withUnsafeBufferPointer { $0[b >> 6] } & (1 << UInt64(b & 63)) != 0
    }
}

/// Filters of the small tables every word token is looked up in.
private struct TableFilters: Sendable {
    let titleFirstShapes: ShapeFilter
    let titleFirstWords: HashFilter
    /// Most capitalised words have no head's length and first byte: they are not hashed.
    let orgHeadShapes: ShapeFilter
    let orgHeads: HashFilter
    /// Hashes of the first names: most tokens are turned away before the word index.
    let firstNames: KeyHashFilter.Probe
    /// Hashes of every key of the word index (first names and common words).
    let words: KeyHashFilter.Probe
    /// The filters of the two probes, kept alive with them.
    private let filters: [KeyHashFilter]

    init(titleFirstShapes: ShapeFilter, titleFirstWords: HashFilter, orgHeadShapes: ShapeFilter, orgHeads: HashFilter,
         firstNames: KeyHashFilter, words: KeyHashFilter) {
        self.titleFirstShapes = titleFirstShapes
        self.titleFirstWords = titleFirstWords
        self.orgHeadShapes = orgHeadShapes
        self.orgHeads = orgHeads
        self.firstNames = firstNames.probe
        self.words = words.probe
        filters = [firstNames, words]
    }
}

extension UnsafeBufferPointer where Element == Token {
    /// `firstToken(atOrAfter:)` sought from token `hint` (the answer for an
    /// earlier offset): up to eight tokens forward, then by binary search over
    /// the rest (or over the tokens before `hint` when the offset lies there).
    /// The same answer for any hint.
    @inline(__always)
    func firstToken(atOrAfter offset: Int32, from hint: Int) -> Int {
        var low = 0, high = count
        if hint > 0, hint <= count, self[hint - 1].start >= offset {
            high = hint - 1
        } else {
            low = Swift.min(Swift.max(hint, 0), count)
            let near = Swift.min(low + 8, count)
            while low < near {
                if self[low].start >= offset { return low }
                low += 1
            }
        }
        while low < high {
            let mid = (low + high) / 2
            if self[mid].start < offset { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// Sorted byte offsets, asked by binary search.
private struct SortedOffsets {
    let offsets: UnsafeBufferPointer<Int32>
    func contains(_ offset: Int32) -> Bool {
        var low = 0, high = offsets.count
        while low < high {
            let mid = (low + high) / 2
            if offsets[mid] < offset { low = mid + 1 } else { high = mid }
        }
        return low < offsets.count && offsets[low] == offset
    }
}

/// One document's read-only view for the rules: tokens, keys and text as buffers.
private struct Scan {
    let tokens: UnsafeBufferPointer<Token>
    let keys: UnsafeBufferPointer<UInt8>
    let text: UnsafeBufferPointer<UInt8>
    /// The lists and tables of the document's language.
    let tables: LanguageTables
    @inline(__always) var lists: NameRuleResources { tables.lists }
    /// Sentence index of each token, and which sentences are written in capitals.
    let sentences: SentenceMarks
    @inline(__always) var sentenceOf: UnsafeBufferPointer<Int32> { sentences.sentenceOf }
    @inline(__always) var titleTables: [(ByteStringTable, [NameRuleResources.TitleKind])] { tables.titles }
    @inline(__always) var titlePrefixes: ByteStringTable { tables.titlePrefixes }
    /// End offsets of nationality (NORP) candidates proposed by earlier stages.
    let norpEnds: SortedOffsets
    /// English text written the way social media writes (see `isCasual`): the
    /// only place `lowercaseName` looks.
    let casual: Bool
    /// Per-token facts, computed on first use (see `fact`).
    let facts: UnsafeMutableBufferPointer<UInt8>
    /// First names and common words; the common-word bits of the document's language, and of all.
    @inline(__always) var words: WordIndex { tables.words }
    @inline(__always) var filters: TableFilters { tables.filters }
    let commonMask: UInt16, anyCommonMask: UInt16
    /// Per-token word-list answers, each computed on first use: flags in the low
    /// 16 bits, the token's common-word languages in the high 16 (see `wordBits`);
    /// with the hash of the token's key and its first-name id.
    let lookups: UnsafeMutableBufferPointer<UInt32>
    let firstNameIds: UnsafeMutableBufferPointer<Int32>
    /// Room for a token index per token: `run` lists the tokens with head bits here for `orgHeads`.
    let heads: UnsafeMutablePointer<Int32>
    /// With filters (`tables.titleStartFilter`): tokens are answered from their kind and
    /// flags where those decide (`isNameWord`, `headPosition`, `isTitleWord`, the heads
    /// `run` lists); the reference computes every fact it asks about.
    let filtered: Bool
    /// `KeyHash` of each token's key (from the tokenizer: `Document.keyHashes`).
    let tokenHashes: UnsafeBufferPointer<UInt64>
    let memo: WordMemo

    init(tokens: UnsafeBufferPointer<Token>, keys: UnsafeBufferPointer<UInt8>, text: UnsafeBufferPointer<UInt8>,
         tables: LanguageTables,
         sentences: SentenceMarks, norpEnds: SortedOffsets,
         facts: UnsafeMutableBufferPointer<UInt8>, lookups: UnsafeMutableBufferPointer<UInt32>,
         firstNameIds: UnsafeMutableBufferPointer<Int32>,
         heads: UnsafeMutablePointer<Int32>,
         tokenHashes: UnsafeBufferPointer<UInt64>, memo: WordMemo,
         casual: Bool = false) {
        self.casual = casual
        self.memo = memo
        self.heads = heads
        filtered = tables.titleStartFilter != nil
        self.tokenHashes = tokenHashes
        self.facts = facts
        self.tokens = tokens
        self.keys = keys
        self.text = text
        self.tables = tables
        self.sentences = sentences
        self.norpEnds = norpEnds
        commonMask = tables.common
        anyCommonMask = tables.anyCommon
        self.lookups = lookups
        self.firstNameIds = firstNameIds
    }

    var count: Int { tokens.count }

    // MARK: Token facts

    @inline(__always) func key(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: keys[Int(tokens[i].keyStart)..<Int(tokens[i].keyEnd)])
    }

    @inline(__always) func bytes(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: text[Int(tokens[i].start)..<Int(tokens[i].end)])
    }

    @inline(__always) func isByte(_ i: Int, _ c: UInt8) -> Bool {
        i >= 0 && i < count && tokens[i].end - tokens[i].start == 1 && text[Int(tokens[i].start)] == c
    }

    /// Whether token `i`'s sentence is written in capitals (see `SentenceMarks`).
    @inline(__always) func isShouting(_ i: Int) -> Bool { sentences.isShouting(i, tokens) }

    @inline(__always) func sameSentence(_ a: Int, _ b: Int) -> Bool { sentenceOf[a] == sentenceOf[b] }

    /// Whether a name that started at `a` may go on at `b`: same sentence, or
    /// right after an initial the sentence splitter took for a sentence end ("P. Simmons").
    func nameContinues(_ a: Int, _ b: Int) -> Bool {
        guard a >= 0, b > a, b < count else { return false }
        return sameSentence(a, b) || (b > 0 && isInitialLetter(b - 1) && sentenceOf[b] == sentenceOf[b - 1] + 1 && sameSentence(a, b - 1))
    }

    @inline(__always) func isWordish(_ i: Int) -> Bool {
        let t = tokens[i]
        return (t.kind == .word || t.kind == .abbreviation) && t.flags.contains(.hasLetter)
    }

    // Lookup bits: for each answer a "known" bit and the answer (bit 1 is free).
    static let stopKnown: UInt32 = 2, stop: UInt32 = 4, wordKnown: UInt32 = 8
    static let connectorKnown: UInt32 = 256, connectorShift: UInt32 = 9  // 3 bits of ConnectorUse, 1 "is one"
    static let isConnector: UInt32 = 1 << 12
    /// `firstNameIds[i]` is known (-1: the first-name filter turned the token away) without `wordKnown`.
    static let firstKnown: UInt32 = 16

    /// A token's kind and flag bytes read as one little-endian `UInt16` (kind low): the
    /// bits `run`'s skip loop tests (the kind, `capitalized`, `allCaps`, `hasLetter`), and
    /// their value for a plain lowercase word (kind `word`, only `hasLetter` of the three).
    /// (Literals, so that the loop reads constants: the test pins them to the kind and flags.)
    static let kindFlagsMask: UInt16 = 0x07FF
    static let plainWord: UInt16 = 0x0400

    /// The hash of token `i`'s match key, folded from its `KeyHash`.
    @inline(__always) func keyHash(_ i: Int) -> UInt32 {
        ByteStringTable.hash(folding: tokenHashes[i])
    }

    @inline(__always) func isStopword(_ i: Int) -> Bool {
        let l = lookups[i]
        if l & Scan.stopKnown != 0 { return l & Scan.stop != 0 }
        let h = keyHash(i)
        // Most keys are turned away by one bit; the few others probe the table.
        let mayBeStop = tables.stopBits?.mayContain(h) ?? true
        let answer = mayBeStop && tables.stop.lookup(key(i), hash: h) != nil
        lookups[i] |= Scan.stopKnown | (answer ? Scan.stop : 0)
        return answer
    }

    /// The word index's answer for `key` (hash `h`): its common-word languages and
    /// first-name id (0 and -1 when absent). The filter turns most absent keys away,
    /// the memo answers most frequent ones; the rest probe the index.
    @inline(__always) func wordAnswer(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> (common: UInt16, first: Int32) {
        guard filters.words.mayContain(h) else { return (0, -1) }
        if let known = memo.answer(key, hash: h) { return known }
        var answer: (common: UInt16, first: Int32) = (0, -1)
        if let id = words.find(key, hash: h) { answer = (words.commonIn[id], words.firstName[id]) }
        memo.remember(key, hash: h, answer)
        return answer
    }

    /// The common-word languages of token `i`'s key (first-name id on the side), one probe per token.
    @inline(__always) func wordBits(_ i: Int) -> UInt16 {
        var l = lookups[i]
        if l & Scan.wordKnown == 0 {
            let (common, first) = wordAnswer(key(i), hash: keyHash(i))
            firstNameIds[i] = first
            l = lookups[i] | Scan.wordKnown | UInt32(common) << 16
            lookups[i] = l
        }
        return UInt16(truncatingIfNeeded: l >> 16)
    }

    /// Whether token `i` is a common word of the document's language (an
    /// abbreviation without its final dot).
    func isCommon(_ i: Int) -> Bool {
        if tokens[i].kind == .abbreviation, key(i).last == UInt8(ascii: ".") {
            let k = UnsafeBufferPointer(rebasing: key(i).dropLast())
            return wordAnswer(k, hash: ByteStringTable.hash(k)).common & commonMask != 0
        }
        return wordBits(i) & commonMask != 0
    }

    /// Whether token `i`'s key is a common word of any language.
    func isCommonInAnyLanguage(_ i: Int) -> Bool { wordBits(i) & anyCommonMask != 0 }

    /// The id of token `i`'s key among the known first names.
    func firstNameId(_ i: Int) -> Int? {
        if lookups[i] & (Scan.wordKnown | Scan.firstKnown) == 0 {
            // Most tokens are no first name: the small filter says so without the word index.
            if filters.firstNames.mayContain(keyHash(i)) {
                _ = wordBits(i)
            } else {
                firstNameIds[i] = -1
                lookups[i] |= Scan.firstKnown
            }
        }
        let id = firstNameIds[i]
        return id < 0 ? nil : Int(id)
    }

    /// First word of a sentence, or right after opening or separating punctuation.
    @inline(__always) func isInitial(_ i: Int) -> Bool {
        if tokens[i].flags.contains(.sentenceStart) || i == 0 { return true }
        if !sameSentence(i - 1, i) { return true }
        let p = tokens[i - 1]
        if p.kind == .punct || p.kind == .symbol || p.kind == .emoji {
            return !(isByte(i - 1, UInt8(ascii: ",")) || isByte(i - 1, UInt8(ascii: ")")) || isByte(i - 1, UInt8(ascii: ";")))
        }
        return false
    }

    // Fact bits: known, name word, title word, title start, head first, head last, head with dot.
    static let known: UInt8 = 0x80, nameWord: UInt8 = 1, titleWord: UInt8 = 2, titleStart: UInt8 = 4
    static let headFirst: UInt8 = 8, headLast: UInt8 = 16, headDot: UInt8 = 32
    /// Set before the scan: an earlier tagger proposed an entity over this token.
    static let covered: UInt8 = 64

    /// The facts of token `i`, computed once per document: most asks find them
    /// known, and are answered here without a call (`computeFact` is kept apart
    /// so that this part stays small enough to inline).
    @inline(__always) func fact(_ i: Int) -> UInt8 {
        let f = facts[i]
        if f & Scan.known != 0 { return f }
        return computeFact(i)
    }

    /// The facts of token `i`, whose `known` bit is clear: computed and stored.
    @inline(never) func computeFact(_ i: Int) -> UInt8 {
        let f = facts[i]
        var computed = Scan.known | (f & Scan.covered)
        // A name word (see `NameRules`): written here, not in functions of their own, which
        // the compiler kept as calls per capitalised word despite `@inline(__always)`.
        let t = tokens[i]
        // Both one-bit tests below ask the same hash: folded once.
        let h = keyHash(i)
        if t.flags.contains(.capitalized), t.kind == .word || t.kind == .abbreviation, t.flags.contains(.hasLetter),
           t.end &- t.start != 1 {  // "I", "A"
            // Most capitalised words are no stopword: one bit of `stopBits` says so (`isStopword`'s
            // first test), here without a call; the others ask `isStopword`.
            let stopword: Bool
            if let bits = tables.stopBits, lookups[i] & Scan.stopKnown == 0, !bits.mayContain(h) {
                stopword = false
            } else {
                stopword = isStopword(i)
            }
            if !stopword,
               !(isInitial(i) || (t.flags.contains(.allCaps) && t.end &- t.start > 5) || isShouting(i)) || !isCommon(i) {
                computed |= Scan.nameWord
            }
        }
        if !isWordish(i) {
            // No title word: only head bits below.
        } else if let filter = tables.titleStartProbe {
            // A key without final dots is its own title key, of the tokenizer's hash: one bit
            // of `starts` (the same hashes as `filter`) turns most words away, here in line
            // (a call per word cost a third of the test); the others ask `titleStartBits`.
            let t = tokens[i]
            if t.keyEnd > t.keyStart, keys[Int(t.keyEnd) - 1] != UInt8(ascii: "."), !tables.starts.mayContain(h) {
                // No title starts with this word.
            } else {
                computed |= titleStartBits(i, filter)
            }
        } else {
            // The reference (no filters): first words of every language, then this language's prefixes, then its titles.
            var word = key(i)
            while word.last == UInt8(ascii: ".") { word = UnsafeBufferPointer(rebasing: word.dropLast()) }
            if filters.titleFirstShapes.mayContain(word) {
              let h = word.count == tokens[i].keyEnd - tokens[i].keyStart ? keyHash(i) : ByteStringTable.hash(word)
              // A first word of another language's titles only ("el" in English text) starts
              // no title here: `title(at:)` would find none.
              if filters.titleFirstWords.mayContain(h), lists.titleFirstWords.lookup(word, hash: h) != nil,
                 titlePrefixes.lookup(word, hash: h) != nil {
                computed |= Scan.titleStart
                for (table, _) in titleTables where table.lookup(word, hash: h) != nil {
                    computed |= Scan.titleWord
                    break
                }
              }
            }
        }
        // `mayBeHead`, with the shape's answer kept for the look-up.
        if !tokens[i].flags.isDisjoint(with: [.capitalized, .allCaps]), keyMayBeHead(i, hash: h),
           case let exactShape = filters.orgHeadShapes.mayContain(bytes(i)), exactShape || hasAttachedDot(i),
           let (position, end) = computeHeadPosition(i, exactShape: exactShape) {
            if position.contains(.first) { computed |= Scan.headFirst }
            if position.contains(.last) { computed |= Scan.headLast }
            if end == i + 2 { computed |= Scan.headDot }
        }
        facts[i] = computed
        return computed
    }

    /// The key of word token `i` without its final dots, and that key's hash
    /// (the tokenizer's when nothing was cut).
    @inline(__always) func titleKey(_ i: Int) -> (UnsafeBufferPointer<UInt8>, hash: UInt32) {
        let whole = key(i)
        var word = whole
        while word.last == UInt8(ascii: ".") { word = UnsafeBufferPointer(rebasing: word.dropLast()) }
        return (word, word.count == whole.count ? keyHash(i) : ByteStringTable.hash(word))
    }

    /// `titleStart` and `titleWord` of word token `i`, whose one-bit test of
    /// `tables.starts` (in `computeFact`) let it through: the filter, and for the few
    /// tokens it lets through one probe of `titleStarts` (the same answer as the
    /// reference's three tables: see `NameRules.init`).
    @inline(never) func titleStartBits(_ i: Int, _ filter: KeyHashFilter.Probe) -> UInt8 {
        let (word, h) = titleKey(i)
        guard filter.mayContain(h), let id = tables.titleStarts.lookup(word, hash: h) else { return 0 }
        return tables.titleStartIsTitle[id] ? Scan.titleStart | Scan.titleWord : Scan.titleStart
    }

    /// False when `title(at: i)` finds no title at token `i`, whose key (without
    /// final dots) has hash `h`: the word is no whole title (`wholeTitles`) and the
    /// token after it is no word that a title phrase has after its first word
    /// (`laterWords`; a word with final dots and an attached '.' or '-', which
    /// `title(at:)` steps over, are let through). Only with filters.
    @inline(__always) func titleMayBegin(_ i: Int, hash h: UInt32) -> Bool {
        tables.wholeTitles.mayContain(h) || titleMayContinue(after: i)
    }

    /// False when no title phrase goes on after token `i` (see `titleMayBegin`). Only with filters.
    @inline(__always) func titleMayContinue(after i: Int) -> Bool {
        let k = i + 1
        guard k < count else { return false }
        let t = tokens[k]
        if t.kind == .punct { return true }
        // `title(at:)` reads on only over wordish tokens.
        guard t.kind == .word || t.kind == .abbreviation else { return false }
        if t.keyEnd > t.keyStart, keys[Int(t.keyEnd) - 1] == UInt8(ascii: ".") { return true }
        return tables.laterWords.mayContain(keyHash(k))
    }

    /// Whether a rule may start at lowercase word `i` (letters, no final dot), whose key
    /// hash `h` has its bit in `starts` (`tables.starts`, or `tables.casualStarts` in casual
    /// text), the last test of `run`'s skip loop: it starts a title, or in casual text a
    /// lowercase name, which needs a first name (`lowercaseName`). A title start is
    /// passed over where `title(at:)` would find no title ("the"
    /// before "market"). Kept out of the loop, which few tokens leave this way.
    ///
    /// The title-start filter is not asked (the first-name one is): it holds the hashes the bit of `starts` was set
    /// from, and most words with the bit are title starts ("the", "his"), which it lets
    /// through; a word it would turn away costs `titleMayBegin`'s bits, or a stop where
    /// `fact` finds no title start (a stop changes no answer: the reference stops at every token).
    @inline(never) func mayStartAfterBit(_ i: Int, hash h: UInt32, firstNames: KeyHashFilter.Probe) -> Bool {
        titleMayBegin(i, hash: h) || (casual && firstNames.mayContain(h))
    }

    /// False when no rule starts at word token `i` (capitalised or in capitals) and it
    /// has no head bits: `run`'s skip loop passes over it without computing its facts
    /// (only with filters).
    ///
    /// A word (no abbreviation) is no initial, and a capitalised or all-capitals one no
    /// lowercase name (`lowercaseName`). A title start and a first name are found by
    /// their key's hash, which sets its bit of `casualStarts` (the title starts' and the
    /// first names' hashes): a clear bit, for a key without final dots (looked up
    /// without them), says neither. No bit of the heads' keys (`keyMayBeHead`), or no
    /// head's shape and no attached '.' (`mayBeHead`): no head bits, so none for
    /// `orgHeads` to miss. That leaves the unknown-name rule, which `run` does not ask
    /// of a word an earlier tagger covered or one in capitals, and which finds none at a
    /// sentence-initial word (`isInitial`), after a number, or in a sentence in capitals
    /// (`unknownNamePerson`).
    ///
    /// The unknown-name tests first (each answer is the same in any order): a word where
    /// that rule may start stops the loop without the bit and shape tests, which its
    /// facts ask again.
    @inline(never) func mayStartAtCapital(_ i: Int) -> Bool {
        let t = tokens[i]
        if facts[i] & Scan.covered == 0, !t.flags.contains(.allCaps),
           !(isInitial(i) || tokens[i - 1].kind == .number || isShouting(i)) { return true }
        if t.keyEnd > t.keyStart, keys[Int(t.keyEnd) &- 1] == UInt8(ascii: ".") { return true }
        let h = keyHash(i)
        return tables.casualStarts.mayContain(h) || (keyMayBeHead(i, hash: h) && mayBeHead(i))
    }

    /// False when word token `i`, whose key has hash `h`, is no organisation head and
    /// is none with an attached '.' either (`computeHeadPosition` would find none): one
    /// bit of `headKeyBits`, which most capitalised words lack, asked before the text's
    /// shape (`mayBeHead`). True for an elongated word (its key is shortened: see
    /// `NameRules.headKeyHashes`), for other kinds, and on the reference path.
    @inline(__always) func keyMayBeHead(_ i: Int, hash h: UInt32) -> Bool {
        guard let bits = tables.headKeyBits else { return true }
        let t = tokens[i]
        return t.kind != .word || t.flags.contains(.elongated) || bits.mayContain(h)
    }

    /// A capitalised word that may be part of a name (see `NameRules`). Only a
    /// capitalised token has the bit (`computeFact`): the others (the lowercase words
    /// and punctuation around names, asked about most) are answered from their flags,
    /// without computing their facts.
    @inline(__always) func isNameWord(_ i: Int) -> Bool {
        i >= 0 && i < count && (tokens[i].flags.contains(.capitalized) || !filtered) && fact(i) & Scan.nameWord != 0
    }

    func connectorUse(_ i: Int) -> NameRuleResources.ConnectorUse? {
        guard i >= 0, i < count, tokens[i].kind == .word || isByte(i, UInt8(ascii: "&")) else { return nil }
        guard !tokens[i].flags.contains(.capitalized) else { return nil }
        var l = lookups[i]
        if l & Scan.connectorKnown == 0 {
            if let id = lists.connectors.lookup(key(i), hash: keyHash(i)) {
                l = lookups[i] | Scan.isConnector | UInt32(lists.connectorUses[id].rawValue & 7) << Scan.connectorShift
            } else {
                l = lookups[i]
            }
            l |= Scan.connectorKnown
            lookups[i] = l
        }
        guard l & Scan.isConnector != 0 else { return nil }
        return NameRuleResources.ConnectorUse(rawValue: UInt8(truncatingIfNeeded: (l >> Scan.connectorShift) & 7))
    }

    /// The organisation head position of token `i` (exact text, or text plus an attached '.').
    @inline(__always) func headPosition(_ i: Int) -> (NameRuleResources.HeadPosition, end: Int)? {
        // Only a capitalised or all-capitals token has head bits (`computeFact`): the others are not looked at.
        guard i >= 0, i < count, !tokens[i].flags.isDisjoint(with: [.capitalized, .allCaps]) || !filtered else { return nil }
        let f = fact(i)
        guard f & (Scan.headFirst | Scan.headLast) != 0 else { return nil }
        var position: NameRuleResources.HeadPosition = []
        if f & Scan.headFirst != 0 { position.insert(.first) }
        if f & Scan.headLast != 0 { position.insert(.last) }
        return (position, f & Scan.headDot != 0 ? i + 2 : i + 1)
    }

    /// False when token `i` has neither a head's shape (`orgHeadShapes`) nor an attached
    /// '.' after it: `computeHeadPosition` would find no head. Written out in `computeFact`
    /// (which keeps the shape's answer for the look-up), so that most capitalised words
    /// are turned away without a call.
    @inline(__always) func mayBeHead(_ i: Int) -> Bool {
        filters.orgHeadShapes.mayContain(bytes(i)) || hasAttachedDot(i)
    }

    /// Whether a '.' token is attached to token `i` (starts where it ends).
    @inline(__always) func hasAttachedDot(_ i: Int) -> Bool {
        // The byte after the token first: a '.' token attached to it starts there.
        let end = Int(tokens[i].end)
        guard end < text.count, text[end] == UInt8(ascii: ".") else { return false }
        return i + 1 < count && isByte(i + 1, UInt8(ascii: ".")) && tokens[i + 1].start == tokens[i].end
    }

    /// The head position of capitalised or all-capitals token `i`, whose text has a
    /// head's shape when `exactShape` (`orgHeadShapes`, which `computeFact` asked
    /// before the call: not asked again here).
    func computeHeadPosition(_ i: Int, exactShape: Bool) -> (NameRuleResources.HeadPosition, end: Int)? {
        if exactShape {
            let exact = bytes(i)
            let h = ByteStringTable.hash(exact)
            if filters.orgHeads.mayContain(h), let id = lists.orgHeads.lookup(exact, hash: h) { return (lists.orgHeadPositions[id], i + 1) }
        }
        if hasAttachedDot(i) {
            let withDot = UnsafeBufferPointer(rebasing: text[Int(tokens[i].start)..<Int(tokens[i + 1].end)])
            guard filters.orgHeadShapes.mayContain(withDot) else { return nil }
            let h = ByteStringTable.hash(withDot)
            if filters.orgHeads.mayContain(h), let id = lists.orgHeads.lookup(withDot, hash: h) { return (lists.orgHeadPositions[id], i + 2) }
        }
        return nil
    }

    func span(_ from: Int, _ to: Int) -> Span { Span(start: tokens[from].start, end: tokens[to - 1].end) }

    // MARK: Rules

    func run(into found: inout [Entity], phrase: inout [UInt8], nextCluster: inout Int32, earlier: UnsafeBufferPointer<Entity>) {
        var personEnd = 0  // tokens before this are inside a PERSON found by a title
        let gate = tables.titleStartProbe, firstNames = filters.firstNames
        let starts = casual ? tables.casualStarts : tables.starts
        // The tokens with head bits, for `orgHeads`: every token the loop stops at or
        // jumps over is looked at; the ones its skip loop passes are neither
        // capitalised nor in capitals, and so have no head bits.
        var headCount = 0
        @inline(__always) func noteHeads(_ range: Range<Int>) {
            for k in range where !tokens[k].flags.isDisjoint(with: [.capitalized, .allCaps])
                && fact(k) & (Scan.headFirst | Scan.headLast) != 0 {
                heads[headCount] = Int32(truncatingIfNeeded: k)
                headCount += 1
            }
        }
        // The skip loop below reads these in locals (it was a function of its own, called
        // at every stop, whose call cost about a fifth of it).
        let n = count
        let hashes = tokenHashes
        let startBits = starts.bits, startShift = starts.shift
        let casual = self.casual
        assert(MemoryLayout<Token>.offset(of: \Token.kind) == NameRules.tokenKindOffset
               && MemoryLayout<Token>.offset(of: \Token.flags) == NameRules.tokenKindOffset + 1)
        var i = 0
        while i < n {
            // Every rule below starts at a title word, a name word or an initial (or, in casual
            // text, a lowercase word: `lowercaseName`).
            // Each rule is asked only where its own first test can pass; most tokens
            // (punctuation, lowercase words) are turned away before their facts are computed.
            if gate != nil {
                // Skip to the first token where a rule may start, from its kind and flags and
                // two filters, without computing facts; stopping means "ask `fact`".
                while i < n {
                    // Most tokens here are plain lowercase words (kind `word`, `hasLetter`, neither
                    // `capitalized` nor `allCaps`): one test of the kind and flag bytes, read
                    // together, lets them through to the key tests below.
                    // (From the token's address: a pointer of its own was kept on the stack.)
                    let kindFlags = UInt16(littleEndian: UnsafeRawPointer(tokens.baseAddress.unsafelyUnwrapped + i)
                        .load(fromByteOffset: NameRules.tokenKindOffset, as: UInt16.self))
                    if kindFlags & Scan.kindFlagsMask != Scan.plainWord {
                        let t = tokens[i]
                        // Every rule start is a word or an abbreviation: a title and a name word are
                        // wordish, an initial is an abbreviation, a casual lowercase name a word.
                        // Abbreviations are few: `fact` decides for them.
                        guard t.kind == .word else {
                            if t.kind == .abbreviation { break }
                            i &+= 1
                            continue
                        }
                        // A name word is capitalised; an all-capitals word ("3M") may be an organisation
                        // head, which is listed below for `orgHeads`. One where no rule can start
                        // (`mayStartAtCapital`) is passed over without its facts.
                        if !t.flags.isDisjoint(with: [.capitalized, .allCaps]) {
                            if !mayStartAtCapital(i) {
                                i &+= 1
                                continue
                            }
                            break
                        }
                        // Without a letter (no plain word: the only case left) no title starts (and
                        // no name word): only a casual lowercase name might.
                        if casual { break }
                        i &+= 1
                        continue
                    }
                    let t = tokens[i]
                    // A key with final dots is looked up without them: `fact` decides.
                    if t.keyEnd > t.keyStart, keys[Int(t.keyEnd) &- 1] == UInt8(ascii: ".") { break }
                    // One bit of `LanguageTables.starts` (or `casualStarts`) turns most words away.
                    let h = ByteStringTable.hash(folding: hashes[i])
                    let b = StartBits.index(h, shift: startShift)
                    if startBits[b &>> 6] & (1 &<< UInt64(b & 63)) != 0,
                       mayStartAfterBit(i, hash: h, firstNames: firstNames) { break }
                    i &+= 1
                }
                if i == n { break }
            }
            let f = fact(i)
            if f & (Scan.headFirst | Scan.headLast) != 0 {
                heads[headCount] = Int32(truncatingIfNeeded: i)
                headCount += 1
            }
            let nameWord = f & Scan.nameWord != 0
            let initial = isInitialLetter(i)
            let lower = casual && tokens[i].kind == .word && !tokens[i].flags.contains(.capitalized)
            if f & Scan.titleStart == 0, !nameWord, !initial, !lower {
                i += 1
                continue
            }
            // A title start that is no title by itself begins one only before a later
            // title word ("The" before "market": never); the reference asks `title(at:)`.
            if f & Scan.titleStart != 0, gate == nil || f & Scan.titleWord != 0 || titleMayContinue(after: i),
               let (_, nameStart) = title(at: i, phrase: &phrase) {
                let end = personName(from: nameStart)
                if end > nameStart, !endsInOrg(nameStart, end) {
                    found.append(Entity(span: span(nameStart, end), type: .person, source: .rule, ruleID: RuleNames.titlePerson))
                    personEnd = end
                    noteHeads((i + 1)..<end)
                    i = end
                    continue
                }
            }
            // Both first-name rules need a first name, and the unknown-name rule an uncovered
            // word not in capitals: with filters, a name word that is none of these is not
            // handed to them (most are not first names); the reference asks each rule.
            // With filters, one bit of `casualStarts` (title starts and first names) turns most
            // name words away here, without the call and the first-name filter's three bits.
            let firstName = nameWord && i >= personEnd
                && (gate == nil || (tables.casualStarts.mayContain(keyHash(i)) && firstNameId(i) != nil))
            if firstName, let end = firstNamePerson(at: i) {
                found.append(Entity(span: span(i, end), type: .person, source: .rule, ruleID: RuleNames.firstNamePerson))
                personEnd = end
                noteHeads((i + 1)..<end)
                i = end
                continue
            }
            if firstName, isLoneFirstName(i) {
                // Weakest evidence: loses to any other proposal of the same span.
                found.append(Entity(span: tokens[i].span, type: .person, source: .rule, priority: -1, ruleID: RuleNames.loneFirstName))
                i += 1
                continue
            }
            if nameWord, i >= personEnd,
               gate == nil || (f & Scan.covered == 0 && tokens[i].kind == .word && !tokens[i].flags.contains(.allCaps)),
               let end = unknownNamePerson(at: i) {
                // Weakest evidence: loses to any other proposal of the same span.
                found.append(Entity(span: span(i, end), type: .person, source: .rule, priority: -2, ruleID: RuleNames.unknownName))
                personEnd = end
                noteHeads((i + 1)..<end)
                i = end
                continue
            }
            if initial, i >= personEnd, let end = initialsPerson(at: i) {
                found.append(Entity(span: span(i, end), type: .person, source: .rule, ruleID: RuleNames.initialsPerson))
                personEnd = end
                noteHeads((i + 1)..<end)
                i = end
                continue
            }
            if lower, i >= personEnd, let end = lowercaseName(at: i) {
                found.append(Entity(span: span(i, end), type: .person, source: .rule, priority: -1, ruleID: RuleNames.lowercaseName))
                personEnd = end
                noteHeads((i + 1)..<end)
                i = end
                continue
            }
            i += 1
        }
        if !filtered {
            // The reference lists them from every token.
            headCount = 0
            noteHeads(0..<count)
        }
        // Most documents (tweets) have no head and no '(': neither pass is called.
        if headCount > 0 { orgHeads(at: UnsafeBufferPointer(start: heads, count: headCount), into: &found) }
        // Both start at a '(' token with a token before it and two after it.
        guard let base = text.baseAddress, memchr(base, 0x28, text.count) != nil else { return }
        let parens = parenTokens()
        if !parens.isEmpty {
            handles(at: parens, into: &found, nextCluster: &nextCluster)
            acronyms(at: parens, into: &found, nextCluster: &nextCluster, earlier: earlier)
        }
    }

    /// The tokens `i` that are a lone '(' with `1 <= i` and `i + 2 < count`, in order:
    /// found by searching the text for the byte (such a token starts at one), not by
    /// visiting every token.
    func parenTokens() -> [Int] {
        var parens: [Int] = []
        guard let base = text.baseAddress else { return parens }
        var offset = 0
        while offset < text.count, let p = memchr(base + offset, 0x28, text.count - offset) {
            let o = UnsafePointer<UInt8>(p.assumingMemoryBound(to: UInt8.self)) - base
            let i = tokens.firstToken(atOrAfter: Int32(o))
            if i >= 1, i + 2 < count, Int(tokens[i].start) == o, isByte(i, UInt8(ascii: "(")) { parens.append(i) }
            offset = o + 1
        }
        return parens
    }

    /// A title phrase starting at `i`: its kind and the token after it.
    func title(at i: Int, phrase: inout [UInt8]) -> (NameRuleResources.TitleKind, Int)? {
        let f = fact(i)
        guard f & Scan.titleStart != 0 else { return nil }
        if !phrase.isEmpty { phrase.removeAll(keepingCapacity: true) }
        var best: (NameRuleResources.TitleKind, Int)?
        // The first word alone: `fact` found it among the title prefixes, and `titleWord`
        // says whether it is a whole title, so only its kind is looked up. The phrase
        // buffer is filled only when a second word may follow ("the" then "market": never).
        var first = key(i)
        while first.last == UInt8(ascii: ".") { first = UnsafeBufferPointer(rebasing: first.dropLast()) }
        var k = i + 1
        if k < count, isByte(k, UInt8(ascii: ".")), tokens[k].start == tokens[i].end { k += 1 }
        if f & Scan.titleWord != 0 {
            let h = first.count == key(i).count ? keyHash(i) : ByteStringTable.hash(first)
            for (table, kinds) in titleTables {
                if let id = table.lookup(first, hash: h) {
                    best = (kinds[id], k)
                    break
                }
            }
        }
        if k < count, isByte(k, UInt8(ascii: "-")), tokens[k].start == tokens[k - 1].end { k += 1 }
        var words = 1
        while k < count, words < lists.maxTitleWords, isWordish(k), sameSentence(i, k) {
            var word = key(k)
            while word.last == UInt8(ascii: ".") { word = UnsafeBufferPointer(rebasing: word.dropLast()) }
            // A word no title has after its first word ends every phrase here ("the"
            // then "market"): one look-up of the token's hash, not a hash of the phrase.
            let h = word.count == key(k).count ? keyHash(k) : ByteStringTable.hash(word)
            guard tables.laterTitleWords.lookup(word, hash: h) != nil else { break }
            if phrase.isEmpty { phrase.append(contentsOf: first) }
            phrase.append(0x20)
            phrase.append(contentsOf: word)
            words += 1
            var next = k + 1
            // An attached '.' after an abbreviated title ("Dr ." when not merged).
            if next < count, isByte(next, UInt8(ascii: ".")), tokens[next].start == tokens[k].end { next += 1 }
            // No title starts with this phrase: none of the longer ones can match either.
            let (hit, isPrefix): ((NameRuleResources.TitleKind, Int)?, Bool) = phrase.withUnsafeBufferPointer { p in
                let h = ByteStringTable.hash(p)
                guard titlePrefixes.lookup(p, hash: h) != nil else { return (nil, false) }
                for (table, kinds) in titleTables {
                    if let id = table.lookup(p, hash: h) { return ((kinds[id], next), true) }
                }
                return (nil, true)
            }
            if let hit { best = hit }
            guard isPrefix else { break }
            // A hyphen joins words of one title ("vice-president").
            if next < count, isByte(next, UInt8(ascii: "-")), tokens[next].start == tokens[next - 1].end { next += 1 }
            k = next
        }
        return best
    }

    /// End of the person name starting at `start` (== start when there is none):
    /// up to four name words, with name particles between them.
    func personName(from start: Int) -> Int {
        guard start < count, isNameWord(start), !isTitleWord(start), headPosition(start) == nil else { return start }
        var end = start + 1
        var words = 1
        while end < count, words < 4, nameContinues(end - 1, end) {
            if isNameWord(end), !isTitleWord(end), headPosition(end) == nil {
                end += 1
                words += 1
                continue
            }
            // Particles: "Luis de Guindos", "Ludwig van Beethoven", "Nicolás de la Cruz".
            var k = end
            while k < count, k - end < 2, let use = connectorUse(k), use.contains(.person) { k += 1 }
            if k > end, k < count, isNameWord(k), headPosition(k) == nil, sameSentence(start, k) {
                end = k + 1
                words += 1
                continue
            }
            break
        }
        return end
    }

    /// Whether the name words `from..<to` are followed by, or hold, an organisation head.
    func endsInOrg(_ from: Int, _ to: Int) -> Bool {
        if to < count, let (pos, _) = headPosition(to), pos.contains(.last) { return true }
        return false
    }

    /// Whether token `i` is a whole title. Only a wordish token has the bit (`computeFact`):
    /// punctuation, numbers and handles are answered without computing their facts.
    @inline(__always) func isTitleWord(_ i: Int) -> Bool { (isWordish(i) || !filtered) && fact(i) & Scan.titleWord != 0 }

    /// A first name at `i` followed by one to three name words: the end of the name.
    func firstNamePerson(at i: Int) -> Int? {
        guard isNameWord(i), let id = firstNameId(i) else { return nil }
        // Inside a longer capitalised sequence, unless what precedes is a nationality ("Australian Tom Moody").
        if i > 0, sameSentence(i - 1, i), isNameWord(i - 1), !norpEnds.contains(tokens[i - 1].end) { return nil }
        if isTitleWord(i) || headPosition(i) != nil { return nil }
        let end = personName(from: i)
        guard end >= i + 2, end - i <= 4 else { return nil }
        // A first name that is also a common word ("Mark", "Will") at the start of a
        // sentence needs an uncommon word after it.
        if lists.firstNameIsCommon[id] && (isInitial(i) || isShouting(i)) && isCommon(i + 1) { return nil }
        if endsInOrg(i, end) { return nil }
        return end
    }

    /// A known first name standing alone mid-sentence ("thanks, Wendy"): not a
    /// common word, not sentence-initial, not in an all-capitals sentence, not
    /// next to another name word.
    func isLoneFirstName(_ i: Int) -> Bool {
        guard isNameWord(i), !isInitial(i), !isShouting(i), !tokens[i].flags.contains(.allCaps),
              let id = firstNameId(i), !lists.firstNameIsCommon[id], !isCommon(i),
              !isTitleWord(i), headPosition(i) == nil else { return false }
        if i > 0, sameSentence(i - 1, i), isNameWord(i - 1) { return false }
        if i + 1 < count, sameSentence(i, i + 1), isNameWord(i + 1) || isInitialLetter(i + 1) { return false }
        return true
    }

    /// One to three capitalised words mid-sentence that no earlier tagger proposed
    /// and that are neither common words (in English or Spanish), nor titles, heads
    /// or acronyms: an unlisted proper
    /// name, most often a person's ("Waqar Younis", "Rivaldo"). The end of the name.
    func unknownNamePerson(at i: Int) -> Int? {
        func unknown(_ k: Int) -> Bool {
            guard k < count else { return false }
            // The token's kind and flags, and the `covered` bit (set before the scan) first:
            // the facts of most tokens turned away here are not asked.
            let t = tokens[k]
            guard t.kind == .word, !t.flags.contains(.allCaps), facts[k] & Scan.covered == 0 else { return false }
            return isNameWord(k) && !isCommonInAnyLanguage(k) && !isTitleWord(k) && headPosition(k) == nil
        }
        guard unknown(i), !isInitial(i), !isShouting(i) else { return nil }
        if i > 0, sameSentence(i - 1, i), isNameWord(i - 1) || tokens[i - 1].kind == .handle { return nil }
        // After a number: a row of a results table, where teams and places dominate.
        if i > 0, tokens[i - 1].kind == .number { return nil }
        var end = i + 1
        while end < count, end - i < 3, sameSentence(i, end), unknown(end) { end += 1 }
        if end < count, sameSentence(i, end), isNameWord(end) { return nil }
        return end
    }

    /// A known first name written in lower case, as tweets write names
    /// (`jessica biel`, `marcus`): neither it nor the lowercase word it takes
    /// after it is a common word or stopword of either language, or proposed
    /// by an earlier tagger. Casual English text only: the Spanish common-word
    /// list lacks most verb forms, match keys drop accents (`dará` is `dara`),
    /// and edited text capitalises names. The end of the name.
    func lowercaseName(at i: Int) -> Int? {
        guard casual else { return nil }
        func lowerWord(_ k: Int) -> Bool {
            guard k < count, tokens[k].kind == .word, tokens[k].end - tokens[k].start >= 3 else { return false }
            let f = tokens[k].flags
            return f.contains(.hasLetter) && !f.contains(.capitalized) && !f.contains(.allCaps) && !f.contains(.hasDigit)
        }
        func plainLower(_ k: Int) -> Bool {
            lowerWord(k) && facts[k] & Scan.covered == 0 && !hasApostrophe(k) && !isStopword(k)
                && !isCommonInAnyLanguage(k)
        }
        // "wasn’t", "jake’s": a contraction or possessive the tokenizer left whole.
        func hasApostrophe(_ k: Int) -> Bool {
            let b = bytes(k)
            for j in b.indices where b[j] == 0x27 || (b[j] == 0xE2 && j + 2 < b.endIndex && b[j + 1] == 0x80 && b[j + 2] == 0x99) {
                return true
            }
            return false
        }
        // The first-name look-up first: it fails for almost every lowercase word.
        guard lowerWord(i), let id = firstNameId(i), !lists.firstNameIsCommon[id], plainLower(i) else { return nil }
        if i > 0, sameSentence(i - 1, i), isNameWord(i - 1) { return nil }
        if i + 1 < count, sameSentence(i, i + 1), plainLower(i + 1) { return i + 2 }
        return i + 1
    }

    /// A place name followed by a score, in a results line or table
    /// (`Liverpool 3 Chelsea 2`, `BOSTON 4`, `Barcelona 4 3 1 0 9 4 10`): the team
    /// that plays for the place, ORG, ranked above the place's GPE. The score
    /// is 1–3 digits followed by the sentence end, a number, punctuation or a
    /// capitalised word (not `Tokyo 3 p.m.`, not a dateline `LONDON 1996-08-30`).
    /// A place of a country (its kb id in `names`, the document's `annotationBytes`)
    /// is not: a country's team is still named as the country (LOC in CoNLL-2003).
    func teamScores(_ places: UnsafeBufferPointer<Place>, names: [UInt8], into found: inout [Entity]) {
        for (span, last, kb) in places {
            let k = last + 1
            guard k < count, sameSentence(last, k), isScore(k), !NameRules.isCountryCode(kb, in: names) else { continue }
            if k + 1 < count, sameSentence(k, k + 1) {
                let next = tokens[k + 1]
                guard next.kind == .number || next.kind == .punct || next.flags.contains(.capitalized) else { continue }
            }
            found.append(Entity(span: span, type: .org, source: .rule, priority: Gazetteer.bundledPriority + 1, ruleID: RuleNames.teamScore))
        }
    }

    /// Whether token `i` is 1 to 3 ASCII digits.
    func isScore(_ i: Int) -> Bool {
        guard tokens[i].kind == .number, tokens[i].end - tokens[i].start <= 3 else { return false }
        for j in Int(tokens[i].start)..<Int(tokens[i].end) where text[j] < 0x30 || text[j] > 0x39 { return false }
        return true
    }

    /// Whether token `i` is an initial: one capital letter and a dot (`J.`).
    func isInitialLetter(_ i: Int) -> Bool {
        guard i < count, tokens[i].kind == .abbreviation, tokens[i].end - tokens[i].start == 2 else { return false }
        let b = text[Int(tokens[i].start)]
        return b >= 0x41 && b <= 0x5A && text[Int(tokens[i].start) + 1] == UInt8(ascii: ".")
    }

    /// One to three initials and one or two name words (`P. Simmons`, `J. R. Smith`): the end of the name.
    func initialsPerson(at i: Int) -> Int? {
        guard isInitialLetter(i), i == 0 || !isInitialLetter(i - 1) else { return nil }
        if i > 0, sameSentence(i - 1, i), isNameWord(i - 1), !norpEnds.contains(tokens[i - 1].end) { return nil }
        var k = i
        while k < count, k - i < 3, isInitialLetter(k), k == i || nameContinues(k - 1, k) { k += 1 }
        guard k < count, nameContinues(k - 1, k), !isInitialLetter(k) else { return nil }
        let end = personName(from: k)
        guard end > k, end - k <= 2, !endsInOrg(k, end) else { return nil }
        return end
    }

    /// `Name (@handle)`.
    func handles(at parens: [Int], into found: inout [Entity], nextCluster: inout Int32) {
        for i in parens {
            guard isByte(i, UInt8(ascii: "(")), tokens[i + 1].kind == .handle, isByte(i + 2, UInt8(ascii: ")")) else { continue }
            var start = i
            var isOrg = false
            while start > 0, i - start < 5, sameSentence(start - 1, i) {
                let k = start - 1
                if isWordish(k), tokens[k].flags.contains(.capitalized), !isStopword(k) {
                    if headPosition(k) != nil { isOrg = true }
                    start = k
                } else if let use = connectorUse(k), !use.isDisjoint(with: [.org, .person]), k > 0, isWordish(k - 1),
                          tokens[k - 1].flags.contains(.capitalized), start < i {
                    start = k
                } else {
                    break
                }
            }
            while start < i, connectorUse(start) != nil { start += 1 }
            guard start < i else { continue }
            let cluster = nextCluster
            nextCluster += 1
            found.append(Entity(span: span(start, i), type: isOrg ? .org : .person, source: .rule, cluster: cluster, ruleID: RuleNames.nameHandle))
            found.append(Entity(span: tokens[i + 1].span, type: .handle, source: .rule, cluster: cluster, ruleID: RuleNames.nameHandle))
        }
    }

    /// Capitalised sequences with an organisation head word, at the tokens `heads`
    /// (every token with head bits, in text order: `run` lists them).
    func orgHeads(at heads: UnsafeBufferPointer<Int32>, into found: inout [Entity]) {
        var next = 0  // tokens before this are inside the head word just read
        for h in heads {
            let i = Int(h)
            guard i >= next, let (position, headEnd) = headPosition(i), isWordish(i) else { continue }
            var start = i, end = headEnd
            var nameWords = 1
            if position.contains(.last) {
                var k = i - 1
                while k >= 0, sameSentence(k, i) {
                    if isNameWord(k), !isTitleWord(k) {
                        start = k
                        nameWords += 1
                        k -= 1
                    } else if let use = connectorUse(k), use.contains(.org), !use.contains(.coordinating),
                              k > 0, isNameWord(k - 1), start == k + 1 {
                        k -= 1  // "Bank of America Corp."
                    } else {
                        break
                    }
                }
            }
            if position.contains(.first) {
                var k = headEnd
                var sawOf = false
                while k < count, sameSentence(i, k) {
                    if isTitleWord(k) { break }  // "… Association President Ramon Manzanares"
                    if isNameWord(k) || (headPosition(k) != nil && tokens[k].flags.contains(.capitalized)) {
                        k += 1
                        end = k
                        nameWords += 1
                        continue
                    }
                    var c = k
                    var coordinating = false
                    while c < count, c - k < 2, let use = connectorUse(c), use.contains(.org) {
                        if use.contains(.coordinating) { coordinating = true }
                        c += 1
                    }
                    if c > k, c < count, isNameWord(c), !isTitleWord(c), sameSentence(i, c), !coordinating || (sawOf && c == k + 1) {
                        if !coordinating { sawOf = true }
                        k = c
                        continue
                    }
                    break
                }
            }
            if nameWords >= 2 {
                found.append(Entity(span: span(start, end), type: .org, source: .rule, ruleID: RuleNames.orgHead))
            } else if isLoneHead(i, end: headEnd) {
                found.append(Entity(span: span(i, headEnd), type: .org, source: .rule, priority: -1, ruleID: RuleNames.loneHead))
            }
            next = max(i + 1, headEnd)
        }
    }

    /// A head word that is also a common word, capitalised on its own in mid-sentence:
    /// the name of an institution the text refers to (`el Gobierno`, `the Senate`).
    func isLoneHead(_ i: Int, end: Int) -> Bool {
        guard end == i + 1, tokens[i].flags.contains(.capitalized), !tokens[i].flags.contains(.allCaps),
              !isInitial(i), !isShouting(i), isCommon(i) else { return false }
        if i > 0, sameSentence(i - 1, i), isNameWord(i - 1) || tokens[i - 1].kind == .handle { return false }
        if end < count, sameSentence(i, end), isNameWord(end) { return false }
        return true
    }

    /// Whether token `i` looks like an acronym: 2 to 10 ASCII capitals.
    func isAcronym(_ i: Int) -> Bool {
        guard i >= 0, i < count, tokens[i].kind == .word else { return false }
        let f = tokens[i].flags
        let length = tokens[i].end - tokens[i].start
        return f.contains(.allCaps) && f.contains(.ascii) && !f.contains(.hasDigit) && (2...10).contains(length)
    }

    /// `Long Name (ACR)` and `ACR (Long Name)`.
    func acronyms(at parens: [Int], into found: inout [Entity], nextCluster: inout Int32, earlier: UnsafeBufferPointer<Entity>) {
        for i in parens {
            if isAcronym(i + 1), isByte(i + 2, UInt8(ascii: ")")) {
                // Long Name (ACR): the shortest run of capitalised words before '(' that fits.
                var start = i
                var candidate: Int?
                while start > 0, i - start < 12, sameSentence(start - 1, i) {
                    let k = start - 1
                    if isWordish(k), tokens[k].flags.contains(.capitalized), !isAcronym(k) || start == i {
                        start = k
                        if acronymFits(i + 1, longName: start..<i) {
                            candidate = start
                            break
                        }
                    } else if connectorUse(k) != nil, k > 0 {
                        start = k
                    } else {
                        break
                    }
                }
                if let s = candidate {
                    link(long: s..<i, acronym: i + 1, into: &found, nextCluster: &nextCluster, earlier: earlier)
                }
            } else if isAcronym(i - 1) {
                // ACR (Long Name)
                var k = i + 1
                while k < count, sameSentence(i, k), !isByte(k, UInt8(ascii: ")")) {
                    guard (isWordish(k) && tokens[k].flags.contains(.capitalized)) || connectorUse(k) != nil else { break }
                    k += 1
                }
                if k < count, isByte(k, UInt8(ascii: ")")), k - (i + 1) >= 2, acronymFits(i - 1, longName: (i + 1)..<k) {
                    link(long: (i + 1)..<k, acronym: i - 1, into: &found, nextCluster: &nextCluster, earlier: earlier)
                }
            }
        }
    }

    func link(long: Range<Int>, acronym: Int, into found: inout [Entity], nextCluster: inout Int32, earlier: UnsafeBufferPointer<Entity>) {
        let longSpan = span(long.lowerBound, long.upperBound)
        let nameTypes: Set<EntityType> = [.org, .gpe, .loc, .fac, .norp, .product, .event, .workOfArt, .law, .person]
        var type = EntityType.org
        if let prior = earlier.first(where: { $0.span == longSpan && nameTypes.contains($0.type) }) { type = prior.type }
        let cluster = nextCluster
        nextCluster += 1
        found.append(Entity(span: longSpan, type: type, source: .rule, cluster: cluster, ruleID: RuleNames.acronymDefinition))
        found.append(Entity(span: tokens[acronym].span, type: type, source: .rule, cluster: cluster, ruleID: RuleNames.acronymDefinition))
    }

    /// Whether the acronym's letters follow the words of `longName` in order:
    /// the first letter is the first word's initial; every content word gives
    /// at least one letter (its initial, or for one word a letter inside it),
    /// further letters may come from inside a word; function words may give
    /// their initial or be skipped.
    func acronymFits(_ acronym: Int, longName: Range<Int>) -> Bool {
        // The first word that gives letters must give the acronym's first one: a test on
        // the keys in place turns most long names away before the arrays below are made
        // (`acronyms` asks for every start it extends to). The reference asks the arrays.
        if filtered, let a = key(acronym).first {
            for k in longName {
                guard let b = key(k).first(where: { ($0 >= 0x61 && $0 <= 0x7A) || $0 >= 0x80 }) else { continue }
                if b != a { return false }
                break
            }
        }
        let letters = Array(key(acronym))
        var words: [(letters: [UInt8], function: Bool)] = []
        for k in longName {
            let word = Array(key(k)).filter { ($0 >= 0x61 && $0 <= 0x7A) || $0 >= 0x80 }
            guard !word.isEmpty else { continue }
            let function = connectorUse(k) != nil || (!tokens[k].flags.contains(.capitalized) && isStopword(k))
            words.append((word, function))
        }
        guard let first = words.first, !first.function, first.letters[0] == letters[0] else { return false }
        let content = words.filter { !$0.function }.count
        guard content <= letters.count, content * 2 >= letters.count || content >= 2 else { return false }

        // Depth-first match; sizes are tiny (≤ 10 letters, ≤ 12 words).
        func atWord(_ a: Int, _ w: Int, _ insideStarts: Int) -> Bool {
            if w == words.count { return a == letters.count }
            let word = words[w]
            if word.function {
                if atWord(a, w + 1, insideStarts) { return true }
                return a < letters.count && word.letters[0] == letters[a] && atWord(a + 1, w + 1, insideStarts)
            }
            guard a < letters.count else { return false }
            if word.letters[0] == letters[a], inWord(a + 1, w, 1, insideStarts) { return true }
            if w > 0, insideStarts == 0 {
                for p in 1..<word.letters.count where word.letters[p] == letters[a] {
                    if inWord(a + 1, w, p + 1, insideStarts + 1) { return true }
                }
            }
            return false
        }
        func inWord(_ a: Int, _ w: Int, _ p: Int, _ insideStarts: Int) -> Bool {
            if atWord(a, w + 1, insideStarts) { return true }
            guard a < letters.count else { return false }
            let word = words[w].letters
            var q = p
            while q < word.count {
                if word[q] == letters[a], inWord(a + 1, w, q + 1, insideStarts) { return true }
                q += 1
            }
            return false
        }
        return atWord(0, 0, 0)
    }
}

/// A direct-mapped memo of word-index answers for keys of up to 16 bytes,
/// kept by one stage object between documents: the words a text repeats
/// ("The", "will", "Government") are answered from 128 KB instead of the
/// multi-megabyte index, whose probes are cache misses. An entry holds the
/// whole key, so an answer is exact; a colliding key replaces it.
struct WordMemo {
    private struct Entry {
        var head: UInt64 = 0, tail: UInt64 = 0
        var hash: UInt32 = 0
        var first: Int32 = -1
        var common: UInt16 = 0
        /// Key length + 1; 0 = empty.
        var length: UInt8 = 0
    }

    private let entries: UnsafeMutableBufferPointer<Entry>
    /// The entries' memory (filled in full at once: `PrefaultedMemory`).
    private let memory: PrefaultedMemory

    /// `slots` entries (a power of two, or 0 for a memo that remembers nothing).
    init(slots: Int) {
        precondition(slots == 0 || slots & (slots - 1) == 0)
        memory = PrefaultedMemory(byteCount: slots * MemoryLayout<Entry>.stride, alignment: MemoryLayout<Entry>.alignment)
        entries = UnsafeMutableBufferPointer(start: memory.base.bindMemory(to: Entry.self, capacity: slots), count: slots)
        entries.initialize(repeating: Entry())
    }

    func deallocate() { memory.deallocate() }

    /// The key's bytes as two zero-padded words (nil when longer than 16 bytes).
    /// Read with unaligned loads inside the key (two of 8 bytes, overlapping, from 8
    /// bytes; `KeyHash.loadPartial` below), not byte by byte; the same words as `bytewiseWords`.
    @inline(__always) static func words(_ key: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        let n = key.count
        guard n <= 16 else { return nil }
        guard let p = key.baseAddress else { return (0, 0) }
        guard n >= 8 else { return (KeyHash.loadPartial(p, n), 0) }
        // The last 8 bytes, shifted down past the ones the first 8 hold.
        let last = KeyHash.load(p + (n - 8))
        return (KeyHash.load(p), n == 8 ? 0 : last >> UInt64(8 * (16 - n)))
    }

    /// The key's bytes as two zero-padded little-endian words, byte by byte (nil when
    /// longer than 16 bytes): the reference for `words`.
    static func bytewiseWords(_ key: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard key.count <= 16 else { return nil }
        var head: UInt64 = 0, tail: UInt64 = 0
        for j in 0..<min(key.count, 8) { head |= UInt64(key[j]) << (8 * UInt64(j)) }
        if key.count > 8 { for j in 8..<key.count { tail |= UInt64(key[j]) << (8 * UInt64(j - 8)) } }
        return (head, tail)
    }

    @inline(__always) private func slot(_ h: UInt32) -> Int { Int(truncatingIfNeeded: (h >> 7) ^ h) & (entries.count - 1) }

    /// The remembered answer for `key`, or nil.
    @inline(__always) func answer(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt32) -> (common: UInt16, first: Int32)? {
        guard entries.count != 0 else { return nil }
        let e = entries[slot(h)]
        guard Int(e.length) == key.count + 1, e.hash == h, let (head, tail) = WordMemo.words(key),
              e.head == head, e.tail == tail else { return nil }
        return (e.common, e.first)
    }

    /// Remembers `answer` for `key` (keys longer than 16 bytes are not kept).
    @inline(__always) func remember(_ key: UnsafeBufferPointer<UInt8>, hash h: UInt32, _ answer: (common: UInt16, first: Int32)) {
        guard entries.count != 0, let (head, tail) = WordMemo.words(key) else { return }
        entries[slot(h)] = Entry(head: head, tail: tail, hash: h, first: answer.first, common: answer.common,
                                 length: UInt8(key.count + 1))
    }
}

extension NameRules {
    /// Whether the text is written the way social media writes: it has a
    /// handle, hashtag, emoji or URL, a sentence that opens in lower case, or
    /// no punctuation at its end. Edited text (news) is not, and skips the
    /// lowercase-name look-ups.
    ///
    /// Edited text is read to its end, so the tokens inside a sentence (no
    /// sentence start, none of the four kinds) are passed over in a small loop
    /// that tests one bit of the kind and the flags' top bit; the answer is
    /// `isCasualReference`'s (tested).
    static func isCasual(_ tokens: UnsafeBufferPointer<Token>) -> Bool {
        if let last = tokens.last, last.kind == .word || last.kind == .number { return true }
        let casualKinds: UInt32 = 1 << UInt32(TokenKind.handle.rawValue) | 1 << UInt32(TokenKind.hashtag.rawValue)
            | 1 << UInt32(TokenKind.emoji.rawValue) | 1 << UInt32(TokenKind.url.rawValue)
        let n = tokens.count
        guard let base = tokens.baseAddress else { return false }
        // A byte per token kind (every raw value is below 16): `sentenceStart`'s bit (0x80)
        // for the four casual kinds, so that one OR of it and a token's flags asks both
        // questions of the loop inside a sentence, and four tokens take one test.
        var marks: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &marks) { marks in
            let stop = TokenFlags.sentenceStart.rawValue
            marks[Int(TokenKind.handle.rawValue)] = stop
            marks[Int(TokenKind.hashtag.rawValue)] = stop
            marks[Int(TokenKind.emoji.rawValue)] = stop
            marks[Int(TokenKind.url.rawValue)] = stop
            @inline(__always) func mark(_ t: UnsafePointer<Token>) -> UInt8 { marks[Int(t.pointee.kind.rawValue)] | t.pointee.flags.rawValue }
            var i = 0
            while true {
                // At a sentence start (or the text's): its first word with a letter must not be in lower case.
                while i < n {
                    let t = tokens[i]
                    if casualKinds & (1 << UInt32(t.kind.rawValue & 31)) != 0 { return true }
                    i += 1
                    if t.kind == .word, t.flags.contains(.hasLetter) {
                        if !t.flags.contains(.capitalized) && !t.flags.contains(.allCaps) { return true }
                        break
                    }
                }
                // Inside the sentence: only a casual kind or the next sentence start matters.
                while i &+ 4 <= n {
                    let t = base + i
                    if (mark(t) | mark(t + 1) | mark(t + 2) | mark(t + 3)) & stop != 0 { break }
                    i &+= 4
                }
                while i < n, mark(base + i) & stop == 0 { i &+= 1 }
                guard i < n else { return false }
            }
        }
    }

    /// `isCasual` token by token: the reference its fast path is tested against.
    static func isCasualReference(_ tokens: UnsafeBufferPointer<Token>) -> Bool {
        if let last = tokens.last, last.kind == .word || last.kind == .number { return true }
        var atStart = true
        for t in tokens {
            switch t.kind {
            case .handle, .hashtag, .emoji, .url: return true
            case .word:
                if t.flags.contains(.sentenceStart) { atStart = true }
                if atStart, t.flags.contains(.hasLetter) {
                    if !t.flags.contains(.capitalized) && !t.flags.contains(.allCaps) { return true }
                    atStart = false
                }
            default:
                if t.flags.contains(.sentenceStart) { atStart = true }
            }
        }
        return false
    }
}
