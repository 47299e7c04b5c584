import CSupport
@testable import Entex
import XCTest

/// The shortcuts of the stages after tokenizing (sentences, language,
/// resolve, alias) against the plain code they stand beside, on many inputs.
final class SmallStageFastPathTests: XCTestCase {
    /// Texts of all sizes: the bundled corpus records and generated ones with
    /// long runs of plain ASCII, sentence ends, controls and non-ASCII letters.
    private func texts() throws -> [String] {
        var texts: [String] = []
        for url in TestSupport.corpusJSONLines { texts += try TestSupport.jsonlTexts(url, limit: 80).map(\.text) }
        var g = Generator(state: 20261126)
        let pieces = ["the ", "said", " ", "  ", "Washington", "U.S.", ". ", "! ", "? ", "...", "\n", "\r\n", "\t",
                      "\u{7F}", "\u{1}", "é", "ñ", "😀", "“", "”", "Mr. ", "Dr. Smith", "2.5", "abcdefgh", "ABCDEFGHIJ",
                      "(", ")", "'", ",", "-", "x", "Z", "0123456789", "¿Qué? ", "el presidente ", "de la ", "and the ",
                      // Characters the 8-byte scan passes, and ones beside them it must not.
                      "É", "Á. ", "á.", "ü", "×", "÷", "’", "‘", "“", "”", "–", "—", "•", "…", "‹", "›", "«", "€",
                      "Nicolás Maduro", "MÉXICO", "acción", "él dijo", "\u{301}", "\u{FE0F}", "\u{A0}"]
        for n in 0..<3000 {
            let count = 1 + Int(g.next() % UInt64(n % 10 == 0 ? 200 : 30))
            texts.append((0..<count).map { _ in g.pick(pieces) }.joined())
        }
        return texts
    }

    func testWordScanFindsTheBoundariesOfTheByteScan() throws {
        var known = 0
        for text in try texts() {
            let bytes = Array(text.utf8)
            for start in [0, 1, 3] where start <= bytes.count {  // every alignment of the 8-byte loads
                let slice = Array(bytes[start...])
                slice.withUnsafeBufferPointer { p in
                    var fast: [Int] = [], slow: [Int] = []
                    let a = SimpleSentenceBreaks.find(p, into: &fast, wordScan: true)
                    let b = SimpleSentenceBreaks.find(p, into: &slow, wordScan: false)
                    XCTAssertEqual(a, b, text.debugDescription)
                    if a && b {
                        known += 1
                        XCTAssertEqual(fast, slow, text.debugDescription)
                    }
                }
            }
        }
        XCTAssertGreaterThan(known, 3000)
    }

    func testSentenceScanStopsWhereTheCharacterByCharacterScanStops() throws {
        // The reference: ASCII passes unless its class stops the scan, other
        // characters when `passableLength` lets them through.
        func reference(_ p: UnsafeBufferPointer<UInt8>, from i: Int) -> Int {
            var j = i
            while j < p.count {
                if p[j] < 0x80 {
                    if SimpleSentenceBreaks.stopsScan(SimpleSentenceBreaks.asciiClasses[Int(p[j])]) { return j }
                    j += 1
                    continue
                }
                let length = SimpleSentenceBreaks.passableLength(p, j)
                if length == 0 { return j }
                j += length
            }
            return p.count
        }
        var g = Generator(state: 6)
        let pieces = ["a", "Z", " ", "\t", "\u{B}", "\u{C}", "\r", "\n", "\u{1}", "\u{7F}", ".", "!", "?", ",", "é", "É", "×", "÷",
                      "ñ", "‘", "’", "“", "”", "–", "—", "•", "…", "€", "‹", "😀", "中", "\u{A0}", "¿", "plain words of ASCII "]
        var texts = try texts()
        for _ in 0..<3000 { texts.append((0..<Int(g.next() % 60)).map { _ in g.pick(pieces) }.joined()) }
        var stops = 0
        for text in texts {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { p in
                guard let base = p.baseAddress else { return }
                // Every start that begins a character, a few per long text (every
                // one in a short text, so each place of the last sixteen bytes, which
                // the vector scan tests in one load of the text's end, is a start).
                let step = p.count <= 64 ? 1 : 1 + p.count / 16
                for i in stride(from: 0, through: p.count, by: step) where i == p.count || p[i] & 0xC0 != 0x80 {
                    let expected = reference(p, from: i)
                    XCTAssertEqual(entex_sentence_scan(base, p.count, i), expected, "\(text.debugDescription) from \(i)")
                    XCTAssertEqual(entex_sentence_scan_scalar(base, p.count, i), expected, "\(text.debugDescription) from \(i)")
                    if expected < p.count { stops += 1 }
                }
            }
        }
        XCTAssertGreaterThan(stops, 10_000)
    }

    /// The language detector as it runs (key-hash filter, short table) and the reference
    /// that looks every token up.
    private func languageDetectors() -> (fast: LanguageDetector, reference: LanguageDetector) {
        let reference = LanguageDetector(resources: TestSupport.resources.text)
        reference.usesHashFilter = false
        return (LanguageDetector(resources: TestSupport.resources.text), reference)
    }

    func testLanguageHashFilterDetectsAsLookingEveryTokenUp() throws {
        let tokenize = try TestSupport.pipeline(["tokenize"])
        let (filtered, plain) = languageDetectors()
        var decided = 0, counted = 0
        for (n, text) in try texts().enumerated() {
            var doc = Document(id: "l\(n)", text: text)
            tokenize.process(&doc)
            let a = filtered.detect(doc)
            XCTAssertEqual(a, plain.detect(doc), text.debugDescription)
            // The evidence itself, not only the decision, is the same.
            let fast = filtered.counts(doc), slow = plain.counts(doc)
            XCTAssertEqual(fast.en, slow.en, text.debugDescription)
            XCTAssertEqual(fast.es, slow.es, text.debugDescription)
            if fast.en + fast.es > 0 { counted += 1 }
            // Without stored key hashes (a document built by hand) too.
            var bare = doc
            bare.keyHashes = []
            XCTAssertEqual(filtered.detect(bare), a, text.debugDescription)
            if a != "und" { decided += 1 }
        }
        XCTAssertGreaterThan(decided, 500)
        XCTAssertGreaterThan(counted, 1000)
    }

    func testSentenceSplitWithTokenSearchSplitsAsTheScan() throws {
        let tokenize = try TestSupport.pipeline(["tokenize"])
        let searching = try SentenceSplitter(resources: TestSupport.resources.text)
        let scanning = try SentenceSplitter(resources: TestSupport.resources.text)
        scanning.searchesTokens = false
        var several = 0
        for (n, text) in try texts().enumerated() {
            var doc = Document(id: "s\(n)", text: text)
            tokenize.process(&doc)
            // What the search relies on: token ends rise.
            XCTAssertTrue(zip(doc.tokens, doc.tokens.dropFirst()).allSatisfy { $0.end <= $1.end }, text.debugDescription)
            var a = doc, b = doc
            searching.process(&a)
            scanning.process(&b)
            XCTAssertEqual(a.sentences, b.sentences, text.debugDescription)
            XCTAssertEqual(a.tokens.map(\.flags.rawValue), b.tokens.map(\.flags.rawValue), text.debugDescription)
            if a.sentences.count > 2 { several += 1 }
        }
        XCTAssertGreaterThan(several, 500)
        // And the search itself, from every start, against the scan.
        var g = Generator(state: 17)
        for _ in 0..<300 {
            var end: Int32 = 0
            let tokens: [Token] = (0..<Int(g.next() % 60)).map { _ in  // past four strides of 9
                let start = end + Int32(g.next() % 3)
                end = start + 1 + Int32(g.next() % 5)
                return Token(start: start, end: end, keyStart: 0, keyEnd: 0, kind: .word, flags: [])
            }
            tokens.withUnsafeBufferPointer { tokens in
                for from in 0...tokens.count {
                    for boundary in 0...Int(end) + 2 {
                        XCTAssertEqual(SentenceSplitter.firstTokenEnding(after: boundary, in: tokens, from: from, search: true),
                                       SentenceSplitter.firstTokenEnding(after: boundary, in: tokens, from: from, search: false))
                    }
                }
            }
        }
    }

    func testPackedKeyReadsTheKeyBytesAtEveryPositionAndLength() {
        var g = Generator(state: 31)
        let bytes = (0..<40).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        bytes.withUnsafeBufferPointer { keys in
            for start in 0...keys.count {
                for length in 0...min(8, keys.count - start) {
                    var expected: UInt64 = 0
                    for k in 0..<length { expected |= UInt64(keys[start + k]) << UInt64(8 * k) }
                    let packed = LanguageDetector.keyMasks.withUnsafeBufferPointer {
                        LanguageDetector.packedKey(keys, start, length, masks: $0.baseAddress!)
                    }
                    XCTAssertEqual(packed, expected, "\(start) \(length)")
                }
            }
        }
    }

    func testLanguageShortTableCountsFunctionWordsOfEveryLength() throws {
        // Every function word alone, in both cases, in a long text and at the very end of the keys.
        let (detector, plain) = languageDetectors()
        let tokenize = try TestSupport.pipeline(["tokenize"])
        var checked = 0
        for lang in ["en", "es"] {
            guard let words = TestSupport.resources.text.stopwords[lang] else { continue }
            for id in 0..<words.count {
                let word = String(decoding: words.key(id), as: UTF8.self)
                for text in [word, word.capitalized, "xx \(word) yy \(word)", "\(word)! ¿\(word)?"] {
                    var doc = Document(id: "w", text: text)
                    tokenize.process(&doc)
                    let fast = detector.counts(doc), slow = plain.counts(doc)
                    XCTAssertEqual(fast.en, slow.en, text)
                    XCTAssertEqual(fast.es, slow.es, text)
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 1000)
    }

    /// The inverted marks ¿ and ¡ count in the short table's loop (slots of
    /// their own) exactly as the reference counts them: 2 for Spanish each when
    /// punctuation, nothing as a word token, and nothing for keys that only
    /// start like them; in runs, after and before function words, at the end.
    func testInvertedMarksCountAsInTheReference() throws {
        let (detector, plain) = languageDetectors()
        let tokenize = try TestSupport.pipeline(["tokenize"])
        var marks = 0
        for text in ["¿Qué?", "¡Hola!", "¿¿¡¡", "el ¿ la ¡ the", "¿", "¡", "¿¡¿¡¿¡¿¡ de", "¿ª ¡º Â¿", "the ¿of?"] {
            var doc = Document(id: "m", text: text)
            tokenize.process(&doc)
            let fast = detector.counts(doc), slow = plain.counts(doc)
            XCTAssertEqual(fast.en, slow.en, text)
            XCTAssertEqual(fast.es, slow.es, text)
            if slow.es >= 2 { marks += 1 }
        }
        XCTAssertGreaterThan(marks, 5)
        // Keys set by hand: a mark as a word token, as punctuation, and keys sharing its first byte.
        let keys: [UInt8] = [0xC2, 0xBF, 0xC2, 0xA1, 0xC2, 0xBF, 0x61, 0xC2, 0xA0]
        for kinds: [TokenKind] in [[.punct, .punct, .word, .punct], [.word, .word, .punct, .punct], [.symbol, .punct, .punct, .word]] {
            var doc = Document(id: "k", text: String(repeating: "x", count: 12))
            doc.tokenKeys = keys
            let ranges: [(Int32, Int32)] = [(0, 2), (2, 4), (4, 7), (7, 9)]
            doc.tokens = zip(ranges, kinds).enumerated().map { n, pair in
                Token(start: Int32(3 * n), end: Int32(3 * n + 2), keyStart: pair.0.0, keyEnd: pair.0.1, kind: pair.1, flags: [])
            }
            doc.keyHashes = ranges.map { KeyHash.hash(Array(keys[Int($0.0)..<Int($0.1)])) }
            let fast = detector.counts(doc), slow = plain.counts(doc)
            XCTAssertEqual(fast.en, slow.en, "\(kinds)")
            XCTAssertEqual(fast.es, slow.es, "\(kinds)")
        }
    }

    func testInPlaceNameTieBreakAgreesWithTieBreak() {
        var g = Generator(state: 11)
        let names: [String?] = [nil, "", "a", "b", "ab", "Á", "A\u{301}", "zz", "rule-one", "rule-two"]
        let clusters: [Int32?] = [nil, -1, 0, 1, 2]
        var decided = 0
        for _ in 0..<50_000 {
            var bytes: [UInt8] = []
            func entity() -> Entity {
                Entity(span: Span(0, 4), type: .org, source: .gazetteer, canonical: TextRef.append(g.pick(names), to: &bytes),
                       kb: TextRef.append(g.pick(names), to: &bytes), cluster: g.pick(clusters), rule: g.pick(names))
            }
            var pair = [entity(), entity()]
            if g.next() % 3 == 0 { pair[1] = pair[0] }
            let forward = OverlapResolver.tieBreak(pair[0], pair[1], names: bytes)
            let backward = OverlapResolver.tieBreak(pair[1], pair[0], names: bytes)
            let expected: Bool? = forward ? true : backward ? false : nil
            let got = pair.withUnsafeBufferPointer { OverlapResolver.namesBefore($0.baseAddress!, $0.baseAddress! + 1, names: bytes) }
            XCTAssertEqual(got, expected, "\(pair[0]) \(pair[1])")
            if got != nil { decided += 1 }
        }
        XCTAssertGreaterThan(decided, 20_000)
    }

    func testInPlaceOutputOrderAgreesWithOutputBefore() {
        var g = Generator(state: 12)
        for _ in 0..<20_000 {
            let entities = (0..<2).map { _ in
                Entity(span: Span(Int(g.next() % 3), 3 + Int(g.next() % 3)), type: g.pick([.org, .person, .date]),
                       source: g.pick([.gazetteer, .rule, .regex]), priority: Int32(g.next() % 2), rule: g.pick([nil, "a", "b"]))
            }
            let got = entities.withUnsafeBufferPointer { OverlapResolver.outputBefore($0, 0, 1, names: []) }
            XCTAssertEqual(got, OverlapResolver.outputBefore(entities[0], entities[1], names: []))
        }
    }

    /// Everything the writer shows of an entity.
    private func describe(_ doc: Document) -> [String] {
        doc.entities.map { e in
            "\(e.span.start)-\(e.span.end) \(e.type.name) \(e.source.name) \(e.priority) \(e.rule ?? "-") "
                + "\(doc.canonical(of: e) ?? "-") \(doc.kb(of: e) ?? "-") \(doc.string(e.value) ?? "-") \(e.cluster.map(String.init) ?? "-")"
        }
    }

    func testResolverByGroupsEqualsRankingAllCandidates() throws {
        let upToRules = try TestSupport.pipeline(["tokenize", "sentences", "language", "gazetteer", "regex", "rules"])
        let byGroups = OverlapResolver(), whole = OverlapResolver()
        whole.splitsGroups = false
        var overlapping = 0
        func check(_ doc: Document, _ label: String) {
            var a = doc, b = doc
            byGroups.process(&a)
            whole.process(&b)
            XCTAssertEqual(describe(a), describe(b), label)
        }
        // Candidates of real documents, as made and shuffled.
        for (n, text) in try texts().enumerated() {
            var doc = Document(id: "g\(n)", text: text)
            upToRules.process(&doc)
            if doc.candidates.count > 1 { overlapping += 1 }
            check(doc, text.debugDescription)
            var g = Generator(state: UInt64(n + 1))
            var shuffled = doc
            for i in shuffled.candidates.indices.reversed() where i > 0 {
                shuffled.candidates.swapAt(i, Int(g.next() % UInt64(i + 1)))
            }
            check(shuffled, "shuffled " + text.debugDescription)
        }
        XCTAssertGreaterThan(overlapping, 500)
        // Made-up candidates: equal spans, nested and chained overlaps, empty
        // spans, groups longer than the insertion sort's limit, every tie-break.
        var g = Generator(state: 13)
        let names: [String?] = [nil, "", "a", "b", "Á", "A\u{301}"]
        for round in 0..<20_000 {
            var doc = Document(id: "m\(round)", text: String(repeating: "x", count: 64))
            let count = Int(g.next() % (round % 10 == 0 ? 60 : 12))
            let width = 1 + Int(g.next() % 64)
            for _ in 0..<count {
                let start = Int(g.next() % UInt64(width)), length = Int(g.next() % 6)
                let canonical = doc.annotation(g.pick(names)), kb = doc.annotation(g.pick(names))
                let value = g.next() % 4 == 0 ? doc.annotation(json: .string("v\(g.next() % 3)")) : .none
                doc.candidates.append(Entity(span: Span(start, min(64, start + length)), type: g.pick([.person, .org, .date, .gpe]),
                                             source: g.pick([.user, .gazetteer, .regex, .rule, .alias]), canonical: canonical,
                                             kb: kb, value: value, cluster: g.pick([nil, 0, 1, 2]),
                                             priority: Int32(g.next() % 3), rule: g.pick([nil, "r1", "r2"])))
            }
            if g.next() % 2 == 0 { doc.candidates.sort { $0.span < $1.span } }  // in text order, as most stages emit
            check(doc, "round \(round): \(doc.candidates)")
        }
    }

    func testSentenceStartsByBinarySearchEqualTheScan() throws {
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences"])
        var flagged = 0
        for (n, text) in try texts().enumerated() {
            var doc = Document(id: "f\(n)", text: text)
            pipeline.process(&doc)
            var a = doc.tokens.map { token -> Token in
                var token = token
                token.flags.remove(.sentenceStart)
                return token
            }
            var b = a
            a.withUnsafeMutableBufferPointer { SentenceSplitter.flagSentenceStarts($0, sentences: doc.sentences) }
            b.withUnsafeMutableBufferPointer { SentenceSplitter.flagSentenceStartsByScan($0, sentences: doc.sentences) }
            XCTAssertEqual(a, b, text.debugDescription)
            XCTAssertEqual(a, doc.tokens, text.debugDescription)
            flagged += a.filter { $0.flags.contains(.sentenceStart) }.count
        }
        // Hand-made spans too: sentences that start between tokens, tokens sharing a start.
        var g = Generator(state: 3)
        for _ in 0..<5000 {
            var tokens: [Token] = []
            var at: Int32 = 0
            for _ in 0..<Int(g.next() % 20) {
                at += Int32(g.next() % 3)
                tokens.append(Token(start: at, end: at + 1 + Int32(g.next() % 2), keyStart: 0, keyEnd: 0, kind: .word, flags: []))
            }
            var sentences: [Span] = []
            var s: Int32 = 0
            for _ in 0..<Int(g.next() % 6) {
                s += Int32(g.next() % 5)
                let e = s + 1 + Int32(g.next() % 6)
                sentences.append(Span(start: s, end: e))
                s = e
            }
            var a = tokens, b = tokens
            a.withUnsafeMutableBufferPointer { SentenceSplitter.flagSentenceStarts($0, sentences: sentences) }
            b.withUnsafeMutableBufferPointer { SentenceSplitter.flagSentenceStartsByScan($0, sentences: sentences) }
            XCTAssertEqual(a, b, "\(tokens) \(sentences)")
        }
        XCTAssertGreaterThan(flagged, 3000)
    }

    /// The stage as it runs (the layers read in place, the code stored
    /// without the document copied) sets what `detect` says, whatever the
    /// document held before: no language, a detected one, an empty one.
    func testLanguageStageSetsWhatDetectSays() throws {
        let tokenize = try TestSupport.pipeline(["tokenize"])
        let (detector, _) = languageDetectors()
        for (n, text) in try texts().prefix(800).enumerated() {
            var doc = Document(id: "p\(n)", text: text)
            tokenize.process(&doc)
            let expected = detector.detect(doc)
            for before in [nil, "und", "", "en-GB-oxford-english-dictionary"] as [String?] {
                var a = doc
                a.language = before
                a.languageGiven = false
                detector.process(&a)
                XCTAssertEqual(a.language, expected, text.debugDescription)
                XCTAssertFalse(a.languageGiven)
                XCTAssertTrue(a.layers.contains(.language))
            }
            var bare = doc
            bare.keyHashes = []
            detector.process(&bare)
            XCTAssertEqual(bare.language, expected, text.debugDescription)
        }
    }

    /// A group of two candidates resolved directly (`OverlapResolver.resolvesPairsDirectly`)
    /// gives what the sort and the walk over taken spans give: every tie-break, equal
    /// and nested spans, hand-overs of each field, empty spans beside them.
    func testPairsResolveAsTheGeneralWalk() throws {
        let direct = OverlapResolver(), general = OverlapResolver()
        general.resolvesPairsDirectly = false
        let wholeDirect = OverlapResolver(), wholeGeneral = OverlapResolver()
        wholeDirect.splitsGroups = false
        wholeGeneral.splitsGroups = false
        wholeGeneral.resolvesPairsDirectly = false
        var g = Generator(state: 20261127)
        let names: [String?] = [nil, "", "a", "b", "Á", "A\u{301}"]
        var handedOver = 0
        for round in 0..<20_000 {
            var doc = Document(id: "q\(round)", text: String(repeating: "x", count: 16))
            let count = 2 + Int(g.next() % 2)
            for _ in 0..<count {
                let start = Int(g.next() % 3), length = Int(g.next() % 4)
                let canonical = doc.annotation(g.pick(names)), kb = doc.annotation(g.pick(names))
                let value = g.next() % 3 == 0 ? doc.annotation(json: .string("v\(g.next() % 3)")) : .none
                doc.candidates.append(Entity(span: Span(start, start + length), type: g.pick([.person, .org, .hashtag]),
                                             source: g.pick([.user, .gazetteer, .regex, .rule]), canonical: canonical,
                                             kb: kb, value: value, cluster: g.pick([nil, 0, 1]),
                                             priority: Int32(g.next() % 2), rule: g.pick([nil, "r1", "r2"])))
            }
            var a = doc, b = doc, c = doc, d = doc
            direct.process(&a)
            general.process(&b)
            wholeDirect.process(&c)
            wholeGeneral.process(&d)
            XCTAssertEqual(describe(a), describe(b), "round \(round): \(doc.candidates)")
            XCTAssertEqual(describe(c), describe(d), "round \(round): \(doc.candidates)")
            XCTAssertEqual(describe(a), describe(c), "round \(round): \(doc.candidates)")
            let c0 = doc.candidates[0], c1 = doc.candidates[1]
            if count == 2, c0.span == c1.span, !c0.span.isEmpty, c0.type == c1.type { handedOver += 1 }
        }
        XCTAssertGreaterThan(handedOver, 100)
    }
}
