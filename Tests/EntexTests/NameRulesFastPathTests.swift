@testable import Entex
import Foundation
import XCTest

/// The rules stage's fast paths against the slow answers they stand in for:
/// the token search from a hint against binary search, the byte test of a
/// country code against `hasPrefix`, and the filtered stage (title starts
/// from one table, tokens turned away before their facts) against the
/// reference stage on texts built from every title phrase, the sentence
/// shouting asked lazily against computing it for every sentence, and the
/// start bits against the hashes they were built from.
final class NameRulesFastPathTests: XCTestCase {
    func testFirstTokenFromAnyHintIsTheBinarySearchAnswer() {
        var generator = Generator(state: 7)
        var checked = 0
        for round in 0..<300 {
            // Sorted starts, some tokens touching, some far apart, some of length 0.
            var tokens: [Token] = []
            var offset: Int32 = Int32(generator.next() % 3)
            for _ in 0..<(round % 40) {
                let length = Int32(generator.next() % 6)
                tokens.append(Token(start: offset, end: offset + length, keyStart: 0, keyEnd: 0, kind: .word, flags: []))
                offset += length + Int32(generator.next() % 3)
            }
            tokens.withUnsafeBufferPointer { tokens in
                for _ in 0..<60 {
                    let target = Int32(generator.next() % UInt64(offset + 4)) - 1
                    let expected = tokens.firstToken(atOrAfter: target)
                    for hint in 0...tokens.count {
                        XCTAssertEqual(tokens.firstToken(atOrAfter: target, from: hint), expected,
                                       "offset \(target), hint \(hint), starts \(tokens.map(\.start))")
                        checked += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 100_000)
    }

    func testCountryCodeTestAgreesWithHasPrefix() {
        var kbs: [String?] = [nil, "", "iso3166", "iso3166:", "iso3166:VE", "iso3166:ve-13", "iso3166-2:VE",
                              "iso3166:\u{301}VE", "iso3166:\u{300}", "iso3166:é", "iso3166:\r\n", "wikidata:Q1",
                              "ISO3166:VE", "iso3166;VE", "iso3166:\u{200D}X", "iso3166:🇻🇪", "iso316:VE"]
        var generator = Generator(state: 11)
        let pieces = ["iso", "3166", ":", "VE", "\u{301}", "é", "-", "x", "\u{308}", "🇪", " "]
        for _ in 0..<2000 { kbs.append((0..<Int(generator.next() % 5)).map { _ in generator.pick(pieces) }.joined()) }
        var names: [UInt8] = Array("padding".utf8)
        for kb in kbs {
            XCTAssertEqual(NameRules.isCountryCode(kb), kb?.hasPrefix("iso3166:") ?? false, "kb \(String(describing: kb))")
            // The same id kept in a document's annotation bytes, as the stage reads it.
            let ref = TextRef.append(kb, to: &names)
            XCTAssertEqual(NameRules.isCountryCode(ref, in: names), kb?.hasPrefix("iso3166:") ?? false, "kb \(String(describing: kb))")
        }
    }

    /// Every title phrase of both languages before a name, written in lower
    /// case, capitalised, in capitals and with abbreviation dots, in English,
    /// Spanish and undetermined documents: the same candidates with and without filters.
    func testTitleStartsAndTurnedAwayTokensGiveTheReferenceCandidates() throws {
        let lists = TestSupport.resources.nameRules
        let stages = try RuleStages()
        var phrases: [String] = []
        for language in ["en", "es"] {
            guard let table = lists.titles[language] else { continue }
            for id in 0..<table.count { phrases.append(String(decoding: table.key(id), as: UTF8.self)) }
        }
        XCTAssertGreaterThan(phrases.count, 300)
        var generator = Generator(state: 3)
        let names = ["Maria Lopez", "John Smith", "Wendy", "P. Simmons", "jessica biel", "Carolina Darias de la Cruz", "NASA"]
        let fillers = ["yesterday", "the", "said", "el", "dijo", "su", "his", "of", ",", "(", "@user", "#tag", "3", "Party", "Banco"]
        var texts: [(String, String?)] = []
        for phrase in phrases {
            let written = [phrase, phrase.capitalized, phrase.uppercased(),
                           phrase.split(separator: " ").map { $0 + "." }.joined(separator: " "),
                           phrase.replacingOccurrences(of: " ", with: "-")]
            for form in written {
                let filler = (0..<3).map { _ in generator.pick(fillers) }.joined(separator: " ")
                let text = "\(filler) \(form) \(generator.pick(names)) \(generator.pick(fillers)) \(generator.pick(names)) and \(form)"
                texts.append((text, generator.pick(["en", "es", nil, "fr"])))
            }
        }
        var compared = 0
        for (text, language) in texts {
            guard let candidates = ruleCandidates(text, language, stages) else { return }
            compared += candidates.filter { $0.source == .rule }.count
        }
        XCTAssertGreaterThan(compared, 2000)
    }

    /// The shouting of a sentence, computed when first asked, against computing it
    /// for every token's sentence up front (the stage's first way): random token
    /// runs (words in capitals or not, one-letter words, numbers, punctuation) and
    /// random sentence spans, some empty, some between tokens, some past the text.
    func testLazySentenceMarksAreTheEagerAnswers() {
        var generator = Generator(state: 19)
        var checked = 0, shouted = 0
        let kinds: [TokenKind] = [.word, .word, .word, .number, .punct, .abbreviation, .handle]
        let flagSets: [TokenFlags] = [[.hasLetter], [.hasLetter, .capitalized], [.hasLetter, .allCaps, .capitalized],
                                      [.hasLetter, .allCaps, .capitalized], [.hasLetter, .allCaps, .capitalized], [.hasDigit], []]
        for round in 0..<3000 {
            var tokens: [Token] = []
            var offset = Int32(generator.next() % 3)
            for _ in 0..<(1 + round % 50) {
                let length = Int32(1 + generator.next() % 5)
                tokens.append(Token(start: offset, end: offset + length, keyStart: 0, keyEnd: 0,
                                    kind: generator.pick(kinds), flags: generator.pick(flagSets)))
                offset += length + Int32(generator.next() % 2)
            }
            var sentences: [Span] = []
            var s = Int32(0)
            while s < offset + 3, generator.next() % 8 != 0 {
                let e = s + Int32(generator.next() % 25)
                sentences.append(Span(start: s, end: e))
                s = e + Int32(generator.next() % 3)
            }
            // The reference: each token's sentence and its sentence's shouting, in one pass.
            var expectedSentence: [Int32] = [], expectedShout: [Bool] = []
            var sentence = 0, start = 0
            while start < tokens.count {
                while sentence < sentences.count, sentences[sentence].end <= tokens[start].start { sentence += 1 }
                let limit = sentence < sentences.count ? sentences[sentence].end : Int32.max
                var end = start, letters = 0, caps = 0
                while end < tokens.count, tokens[end].start < limit {
                    let t = tokens[end]
                    if t.kind == .word, t.flags.contains(.hasLetter) {
                        letters += 1
                        if t.flags.contains(.allCaps), t.end - t.start > 1 { caps += 1 }
                    }
                    end += 1
                }
                for _ in start..<end {
                    expectedSentence.append(Int32(sentence))
                    expectedShout.append(letters >= 3 && caps * 10 >= letters * 6)
                }
                start = end
            }
            let m = sentences.count + 1
            let sentenceOf = UnsafeMutablePointer<Int32>.allocate(capacity: tokens.count)
            let groupStart = UnsafeMutablePointer<Int32>.allocate(capacity: m), groupEnd = UnsafeMutablePointer<Int32>.allocate(capacity: m)
            let shout = UnsafeMutablePointer<UInt8>.allocate(capacity: m)
            // Stale contents, as a buffer kept from an earlier document has.
            shout.initialize(repeating: SentenceMarks.shouted, count: m)
            // Every other round also asks for the token at each token start (the one-pass path).
            let tokenAt = UnsafeMutablePointer<Int32>.allocate(capacity: Int(offset) + 1)
            tokenAt.initialize(repeating: -1, count: Int(offset) + 1)
            defer { sentenceOf.deallocate(); groupStart.deallocate(); groupEnd.deallocate(); shout.deallocate(); tokenAt.deallocate() }
            tokens.withUnsafeBufferPointer { tokens in
                sentences.withUnsafeBufferPointer { sentences in
                    let marks = SentenceMarks.mark(tokens: tokens, sentences: sentences, sentenceOf: sentenceOf,
                                                   groupStart: groupStart, groupEnd: groupEnd, shout: shout,
                                                   tokenAt: round % 2 == 0 ? tokenAt : nil)
                    XCTAssertEqual(Array(marks.sentenceOf), expectedSentence, "round \(round)")
                    if round % 2 == 0 {
                        for t in tokens.indices { XCTAssertEqual(tokenAt[Int(tokens[t].start)], Int32(t), "round \(round), token \(t)") }
                    }
                    // Asked in a random order, some twice.
                    for _ in 0..<(2 * tokens.count) {
                        let i = Int(generator.next() % UInt64(tokens.count))
                        XCTAssertEqual(marks.isShouting(i, tokens), expectedShout[i], "round \(round), token \(i)")
                        checked += 1
                        if expectedShout[i] { shouted += 1 }
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 100_000)
        XCTAssertGreaterThan(shouted, 5_000)
    }

    /// A sentence's shouting (`SentenceMarks.isShouting`, which leaves a sentence once
    /// its budget shows it cannot reach the line) against counting every token, and
    /// against `isShoutingReference`: random runs of 0 to 80 tokens, mixes of words in
    /// capitals and not near the six-in-ten line.
    func testShoutingIsTheFullCount() {
        var generator = Generator(state: 67)
        let kinds: [TokenKind] = [.word, .word, .word, .number, .punct, .abbreviation]
        var checked = 0, shouted = 0
        for round in 0..<20_000 {
            let capsShare = generator.next() % 11  // in tenths
            var tokens: [Token] = []
            var offset: Int32 = 0
            for _ in 0..<(round % 81) {
                let length = Int32(1 + generator.next() % 4)
                let caps = generator.next() % 10 < capsShare
                let flags: TokenFlags = caps ? [.hasLetter, .allCaps, .capitalized]
                    : generator.pick([[.hasLetter], [.hasLetter, .capitalized], [.hasDigit], []])
                tokens.append(Token(start: offset, end: offset + length, keyStart: 0, keyEnd: 0,
                                    kind: generator.pick(kinds), flags: flags))
                offset += length + 1
            }
            var letters = 0, caps = 0
            for t in tokens where t.kind == .word && t.flags.contains(.hasLetter) {
                letters += 1
                if t.flags.contains(.allCaps), t.end - t.start > 1 { caps += 1 }
            }
            let expected = letters >= 3 && caps * 10 >= letters * 6
            tokens.withUnsafeBufferPointer {
                XCTAssertEqual(SentenceMarks.isShouting($0), expected, "round \(round)")
                XCTAssertEqual(SentenceMarks.isShoutingReference($0), expected, "round \(round)")
            }
            checked += 1
            if expected { shouted += 1 }
        }
        XCTAssertGreaterThan(shouted, 1_000)
        XCTAssertGreaterThan(checked - shouted, 10_000)
    }

    /// `StartBits` never turns away a hash it was built from (the bits of the title
    /// starts and first names), and turns away most others.
    func testStartBitsKeepEveryGivenHashAndRejectMostOthers() {
        let lists = TestSupport.resources.nameRules
        var titleHashes: [UInt32] = []
        for table in lists.titles.values { titleHashes += table.hashes }
        let firstNames = lists.firstNames.hashes
        XCTAssertGreaterThan(firstNames.count, 1000)
        let titles = StartBits([titleHashes], log2Bits: 16), casual = StartBits([titleHashes, firstNames], log2Bits: 18)
        defer { titles.deallocate(); casual.deallocate() }
        for h in titleHashes {
            XCTAssertTrue(titles.mayContain(h))
            XCTAssertTrue(casual.mayContain(h))
        }
        for h in firstNames { XCTAssertTrue(casual.mayContain(h)) }
        var generator = Generator(state: 23)
        var passed = (titles: 0, casual: 0)
        for _ in 0..<100_000 {
            let h = UInt32(truncatingIfNeeded: generator.next() ^ generator.next() << 20)
            if titles.mayContain(h) { passed.titles += 1 }
            if casual.mayContain(h) { passed.casual += 1 }
        }
        XCTAssertLessThan(passed.titles, 3_000)
        XCTAssertLessThan(passed.casual, 6_000)
    }

    /// The stopword bits (`LanguageTables.stopBits`) in front of the stopword tables:
    /// every stopword of both languages, capitalised, in capitals and in lower case,
    /// at the start of a sentence, after a comma and mid-sentence before and after
    /// names, in English, Spanish and undetermined documents: the same candidates
    /// with the bits as with the reference, which asks the tables for every token.
    func testStopwordBitsGiveTheReferenceCandidates() throws {
        let stopwords = TestSupport.resources.text.stopwords
        let stages = try RuleStages()
        var words: [String] = []
        for language in ["en", "es"] {
            guard let table = stopwords[language] else { continue }
            for id in 0..<table.count { words.append(String(decoding: table.key(id), as: UTF8.self)) }
        }
        XCTAssertGreaterThan(words.count, 300)
        var generator = Generator(state: 29)
        let names = ["Maria Lopez", "John Smith", "Wendy", "Banco Central", "Rivaldo", "Waqar Younis", "NASA"]
        var compared = 0, stopwordsAsked = 0
        for word in words {
            for form in [word.capitalized, word.uppercased(), word] {
                let text = "\(form) \(generator.pick(names)) said, \(form) \(generator.pick(names)) and \(form) of \(generator.pick(names)) \(form)."
                guard let candidates = ruleCandidates(text, generator.pick(["en", "es", nil, "fr"]), stages) else { return }
                compared += candidates.filter { $0.source == .rule }.count
                stopwordsAsked += 1
            }
        }
        XCTAssertGreaterThan(stopwordsAsked, 900)
        XCTAssertGreaterThan(compared, 1000)
        // The bits keep every stopword's hash (a clear bit must mean "no stopword").
        for table in stopwords.values {
            let bits = StartBits([table.hashes], log2Bits: 14)
            defer { bits.deallocate() }
            for h in table.hashes { XCTAssertTrue(bits.mayContain(h)) }
        }
    }

    /// The head test inlined in `computeFact` (`mayBeHead`: the shape filter, or an
    /// attached '.') before the head look-up: every organisation head of both languages,
    /// as listed, in capitals and with an attached '.', before and after capitalised
    /// words and connectors: the same candidates as the reference, which looks every
    /// capitalised token up.
    func testHeadShapeTestGivesTheReferenceCandidates() throws {
        let heads = TestSupport.resources.nameRules.orgHeads
        let stages = try RuleStages()
        var generator = Generator(state: 37)
        let names = ["Maria Lopez", "Acme", "Central", "Waqar Younis", "Nacional", "NASA", "Smith and Sons"]
        var compared = 0, orgs = 0
        for id in 0..<heads.count {
            let head = String(decoding: heads.key(id), as: UTF8.self)
            for form in [head, head.uppercased(), head + ".", head.uppercased() + "."] {
                let text = "Yesterday the \(generator.pick(names)) \(form) of \(generator.pick(names)) met \(form) \(generator.pick(names)), said \(form)."
                guard let candidates = ruleCandidates(text, generator.pick(["en", "es", nil]), stages) else { return }
                compared += 1
                orgs += candidates.filter { $0.source == .rule && $0.type == .org }.count
            }
        }
        XCTAssertGreaterThan(compared, 1000)
        XCTAssertGreaterThan(orgs, 500)
    }

    /// The heads' key bits (`LanguageTables.headKeyBits`, asked before a capitalised
    /// word's shape): every organisation head of both languages, as listed, without a
    /// final '.', in capitals, capitalised and in lower case, in a sentence and before
    /// an attached '.', tokenized: every word token whose text is a head, or is one with
    /// the '.' after it, has its key's bit, unless the tokenizer shortened its key
    /// (elongated).
    func testHeadKeyBitsHoldEveryHeadAsTokenized() throws {
        let heads = TestSupport.resources.nameRules.orgHeads
        let bits = StartBits([NameRules.headKeyHashes(heads)], log2Bits: 14)
        defer { bits.deallocate() }
        let tokenize = try TestSupport.pipeline(["tokenize"])
        func isHead(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer { heads.lookup($0) != nil } }
        var checked = 0
        for id in 0..<heads.count {
            let head = String(decoding: heads.key(id), as: UTF8.self)
            let word = head.hasSuffix(".") ? String(head.dropLast()) : head
            for form in [head, word, head.uppercased(), word.uppercased(), word.capitalized, word.lowercased()] {
                var doc = Document(id: "t", text: "Yesterday the \(form) said so to \(form)-owned \(form)s, then \(form).", language: "en")
                tokenize.process(&doc)
                XCTAssertEqual(doc.keyHashes.count, doc.tokens.count)
                let text = doc.text
                for (t, token) in doc.tokens.enumerated() where token.kind == .word && !token.flags.contains(.elongated) {
                    let own = Array(text[Int(token.start)..<Int(token.end)])
                    let dotted = t + 1 < doc.tokens.count && doc.tokens[t + 1].start == token.end
                        && doc.tokens[t + 1].end == token.end + 1 && text[Int(token.end)] == UInt8(ascii: ".")
                    let hash = ByteStringTable.hash(folding: doc.keyHashes[t])
                    guard isHead(own) || (dotted && isHead(own + [UInt8(ascii: ".")])) else { continue }
                    XCTAssertTrue(bits.mayContain(hash), "\(form) in \(String(decoding: text, as: UTF8.self))")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, heads.count * 2)
    }

    /// The token layout the rules' byte reads assume: the skip loop reads `kind` and
    /// `flags` as one `UInt16` at `NameRules.tokenKindOffset` (a plain lowercase word is
    /// `0x0400` under the mask `0x07FF`), and `isCasual` marks kinds in a 16-byte table.
    func testTokenKindAndFlagsSitWhereTheSkipLoopReadsThem() {
        XCTAssertEqual(MemoryLayout<Token>.offset(of: \Token.kind), NameRules.tokenKindOffset)
        XCTAssertEqual(MemoryLayout<Token>.offset(of: \Token.flags), NameRules.tokenKindOffset + 1)
        for kind in TokenKind.allCases { XCTAssertLessThan(kind.rawValue, 16) }
        for kind in TokenKind.allCases {
            for raw in 0...255 {
                let flags = TokenFlags(rawValue: UInt8(raw))
                var token = Token(start: 0, end: 1, keyStart: 0, keyEnd: 0, kind: kind, flags: flags)
                let read = withUnsafeBytes(of: &token) { UInt16(littleEndian: $0.load(fromByteOffset: NameRules.tokenKindOffset, as: UInt16.self)) }
                let plain = kind == .word && flags.intersection([.capitalized, .allCaps, .hasLetter]) == .hasLetter
                XCTAssertEqual(read & 0x07FF == 0x0400, plain, "\(kind) \(raw)")
            }
        }
    }

    /// `NameRules.isCasual` (runs of tokens inside a sentence passed over in a small loop)
    /// against the token-by-token reference: random token runs of every kind, with and
    /// without sentence starts and case flags, and the tokens of the bundled corpus.
    func testCasualTestIsTheTokenByTokenAnswer() throws {
        var generator = Generator(state: 43)
        let flagSets: [TokenFlags] = [[], [.hasLetter], [.hasLetter, .capitalized], [.hasLetter, .allCaps],
                                      [.hasLetter, .allCaps, .capitalized], [.hasDigit], [.sentenceStart],
                                      [.hasLetter, .sentenceStart], [.hasLetter, .capitalized, .sentenceStart],
                                      [.hasLetter, .allCaps, .sentenceStart], [.hasDigit, .sentenceStart]]
        // Mostly quiet kinds, so that many runs read to their end.
        let kinds: [TokenKind] = TokenKind.allCases + Array(repeating: .word, count: 20) + Array(repeating: .punct, count: 6)
            + Array(repeating: .number, count: 3)
        // Edited text: quiet kinds, sentences that open with a capital, a final '.': read to
        // the end unless one token in 40 (a casual kind, a sentence in lower case) turns it.
        let quietKinds: [TokenKind] = Array(repeating: .word, count: 12) + [.punct, .punct, .punct, .number, .abbreviation, .symbol, .email, .cashtag]
        let quietFlags: [TokenFlags] = [[.hasLetter], [.hasLetter], [.hasLetter, .capitalized], [.hasDigit], [],
                                        [.hasLetter, .capitalized, .sentenceStart], [.hasLetter, .allCaps, .sentenceStart]]
        let casualKinds: [TokenKind] = [.handle, .hashtag, .emoji, .url]
        var checked = 0, casual = 0
        for round in 0..<20_000 {
            var tokens: [Token] = []
            let quiet = round % 2 == 0
            for k in 0..<(round % 60) {
                var kind = generator.pick(quiet ? quietKinds : kinds)
                var flags = generator.pick(quiet ? quietFlags : flagSets)
                if quiet {
                    if k == 0 { (kind, flags) = (.word, [.hasLetter, .capitalized]) }
                    if flags.contains(.sentenceStart) { kind = .word }
                    if generator.next() % 40 == 0 { kind = generator.pick(casualKinds) }
                    if generator.next() % 40 == 0 { (kind, flags) = (.word, [.hasLetter, .sentenceStart]) }
                }
                tokens.append(Token(start: Int32(k), end: Int32(k + 1), keyStart: 0, keyEnd: 0, kind: kind, flags: flags))
            }
            if quiet, !tokens.isEmpty { tokens[tokens.count - 1].kind = .punct }
            tokens.withUnsafeBufferPointer { tokens in
                let expected = NameRules.isCasualReference(tokens)
                XCTAssertEqual(NameRules.isCasual(tokens), expected, "round \(round): \(tokens.map { ($0.kind, $0.flags.rawValue) })")
                checked += 1
                if expected { casual += 1 }
            }
        }
        // Real token runs: the bundled news and tweets.
        let tokenize = try TestSupport.pipeline(["tokenize", "sentences"])
        for url in TestSupport.corpusJSONLines {
            for (text, language) in try TestSupport.jsonlTexts(url) {
                var doc = Document(id: "t", text: text, language: language)
                tokenize.process(&doc)
                doc.tokens.withUnsafeBufferPointer { tokens in
                    XCTAssertEqual(NameRules.isCasual(tokens), NameRules.isCasualReference(tokens), text)
                }
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 20_000)
        // Both answers, many times each, among the 20 000 random runs.
        XCTAssertGreaterThan(casual, 2_000)
        XCTAssertGreaterThan(20_000 - casual, 1_500)
    }

    /// The title starts that are no title by themselves ("the", "his", "su", "vice")
    /// passed over unless a later title word may follow (`titleMayBegin`), in lower case
    /// and capitalised, before every kind of next token: a later title word, another
    /// word, a word with a final dot, an attached '.' or '-', a number, a handle, the
    /// text's end; in casual and edited text: the same candidates as the reference.
    func testTitleStartsBeforeEveryKindOfNextTokenGiveTheReferenceCandidates() throws {
        let lists = TestSupport.resources.nameRules
        let stages = try RuleStages()
        var firstWords: Set<String> = [], laterWords: Set<String> = []
        for language in ["en", "es"] {
            guard let table = lists.titles[language] else { continue }
            for id in 0..<table.count {
                let words = String(decoding: table.key(id), as: UTF8.self).split(separator: " ").map(String.init)
                firstWords.insert(words[0])
                for w in words.dropFirst() { laterWords.insert(w) }
            }
        }
        XCTAssertGreaterThan(firstWords.count, 100)
        XCTAssertGreaterThan(laterWords.count, 50)
        let later = laterWords.sorted()
        var generator = Generator(state: 47)
        let names = ["Maria Lopez", "John Smith", "Wendy", "P. Simmons", "jessica biel", "Banco Central", "NASA"]
        var compared = 0, titled = 0
        for first in firstWords.sorted() {
            let next = [generator.pick(later), generator.pick(later).capitalized, "market", "Dr.", generator.pick(later) + ".",
                        ".", "-", "- " + generator.pick(later), "." + generator.pick(later), "3", "@user", ""]
            for after in next {
                // Lower case or capitalised, at random; edited text, casual text, and the text's end.
                let form = generator.next() % 2 == 0 ? first : first.capitalized
                let name = generator.pick(names)
                let glue = after.hasPrefix(".") || after.hasPrefix("-") ? "" : " "
                var texts = ["We met \(form)\(glue)\(after) \(name) today.", "@user ok \(form) \(after) \(name) lol"]
                if after.isEmpty { texts.append(form) }
                for text in texts {
                    guard let candidates = ruleCandidates(text, generator.pick(["en", "es", nil]), stages) else { return }
                    compared += 1
                    titled += candidates.filter { $0.source == .rule && $0.type == .person }.count
                }
            }
        }
        XCTAssertGreaterThan(compared, 2_500)
        XCTAssertGreaterThan(titled, 1_000)
    }

    /// Organisation heads `run` lists for `orgHeads` as it goes (the reference lists them
    /// from every token): heads inside names a rule jumped over (after a title, a first
    /// name, initials), heads written in capitals or after digits ("3M"), and the
    /// bundled corpus with the shared English news when present: the same candidates.
    func testHeadsListedByTheScanGiveTheReferenceCandidates() throws {
        let heads = TestSupport.resources.nameRules.orgHeads
        let stages = try RuleStages()
        var generator = Generator(state: 53)
        let openers = ["President", "the minister", "John", "Maria", "P.", "J. R.", "Dr.", "el presidente", "3M", "4G", "the"]
        let words = ["Smith", "Central", "de", "of", "and", "Lopez", "3D", "AB1", "Nacional", "the"]
        var compared = 0, orgs = 0
        var texts: [(String, String?)] = []
        for id in 0..<heads.count {
            let head = String(decoding: heads.key(id), as: UTF8.self)
            for form in [head, head.uppercased(), "3" + head.uppercased()] {
                let text = "Yesterday \(generator.pick(openers)) \(generator.pick(words)) \(form) \(generator.pick(words)) met \(generator.pick(openers)) \(form) \(generator.pick(words)), said \(generator.pick(openers)) \(form)."
                texts.append((text, generator.pick(["en", "es", nil])))
            }
        }
        for url in TestSupport.corpusJSONLines { texts += try TestSupport.jsonlTexts(url) }
        if let news = TestSupport.sharedEnglishNews { texts += try TestSupport.jsonlTexts(news, limit: 150) }
        for (text, language) in texts {
            guard let candidates = ruleCandidates(text, language, stages) else { return }
            compared += 1
            orgs += candidates.filter { $0.source == .rule && $0.type == .org }.count
        }
        XCTAssertGreaterThan(compared, 1_000)
        XCTAssertGreaterThan(orgs, 500)
    }

    /// The covered tokens and the places' last tokens found from the token each token
    /// start holds (`RuleScratch.tokenAt`, stale between documents) against the search
    /// from the previous candidate: corpus documents, one after another on one stage
    /// object, with extra earlier candidates at random offsets (token starts, inside
    /// tokens, between them, at the end) and of every kind the scan reads (places,
    /// nationalities, clustered names), in random order: the same candidates.
    func testCandidatesFoundByTokenStartGiveTheReferenceCandidates() throws {
        let stages = try RuleStages()
        var texts: [(text: String, lang: String?)] = []
        for url in TestSupport.corpusJSONLines { texts += try TestSupport.jsonlTexts(url) }
        if let news = TestSupport.sharedEnglishNews { texts += try TestSupport.jsonlTexts(news, limit: 40) }
        XCTAssertGreaterThan(texts.count, 30)
        var generator = Generator(state: 59)
        var compared = 0
        for (text, language) in texts {
            var doc = Document(id: "t", text: text, language: language)
            stages.before.process(&doc)
            let length = Int32(doc.text.count)
            guard length > 2 else { continue }
            for _ in 0..<Int(generator.next() % 12) {
                let start: Int32
                if !doc.tokens.isEmpty, generator.next() % 2 == 0 {
                    start = generator.pick(doc.tokens).start
                } else {
                    start = Int32(generator.next() % UInt64(length + 1))
                }
                let end = min(length, start + Int32(generator.next() % 20))
                let type = generator.pick([EntityType.gpe, .gpe, .norp, .person, .org])
                let cluster: Int32? = generator.next() % 3 == 0 ? Int32(generator.next() % 9) : nil
                let source = generator.pick([EntitySource.gazetteer, .regex])
                doc.candidates.insert(Entity(span: Span(start: start, end: end), type: type, source: source, cluster: cluster),
                                      at: Int(generator.next() % UInt64(doc.candidates.count + 1)))
            }
            guard sameRuleCandidates(doc, stages.filtered, stages.reference, text) != nil else { return }
            compared += 1
        }
        XCTAssertGreaterThan(compared, 30)
    }

    /// The name words handed only to the rules they can start (first names to the
    /// first-name rules; uncovered words not in capitals to the unknown-name rule)
    /// against the reference: texts of first names (common or not, in lower case, in
    /// capitals), unknown and covered capitalised words, words with final dots,
    /// abbreviations and every kind of token, each run with the key hashes and
    /// without them (documents built by hand), and corpus documents.
    func testSkippedTokensAndNameWordsGiveTheReferenceCandidates() throws {
        let stages = try RuleStages()
        var generator = Generator(state: 61)
        let words = ["John", "Mark", "Will", "Wendy", "jessica", "biel", "marcus", "JOHN", "Smith", "Waqar", "Younis",
                     "Rivaldo", "London", "Venezuela", "Madrid", "NASA", "Obama", "Trump", "Maria", "Lopez", "the", "said",
                     "visited", "el", "dijo", "de", "la", "of", "etc.", "Mr.", "Dr.", "U.S.", "P.", "J.", "No.", "e.g.",
                     "president", "President", "minister", "Bank", "Corp.", "Party", "3", "2020", ",", ".", "(", ")",
                     "@user", "#tag", "https://t.co/x", "😀", "$AAPL", "x", "I", "A", "wasn't", "jake’s", "Ministerio"]
        var texts: [(String, String?)] = []
        for _ in 0..<600 {
            let text = (0..<(3 + Int(generator.next() % 14))).map { _ in generator.pick(words) }.joined(separator: " ")
            texts.append((text, generator.pick(["en", "es", nil])))
        }
        for url in TestSupport.corpusJSONLines { texts += try TestSupport.jsonlTexts(url) }
        if let news = TestSupport.sharedEnglishNews { texts += try TestSupport.jsonlTexts(news, limit: 60) }
        guard let runs = ruleCandidatesWithAndWithoutHashes(texts, stages) else { return }
        let compared = runs.count
        let people = runs.map { $0.candidates.filter { $0.source == .rule && $0.type == .person }.count }.reduce(0, +)
        XCTAssertGreaterThan(compared, 600)
        XCTAssertGreaterThan(people, 300)
    }

    /// The tokens the scan skips to find where a rule may start (`Scan.run`'s skip loop
    /// and `mayStartAfterBit`: kind, flags and one bit of `starts` or `casualStarts`, then
    /// the title and first-name filters) against the reference, which stops at every
    /// token: casual and edited texts of lowercase
    /// first names and title words before later title words or not, words without
    /// letters, keys with final dots, abbreviations, capitalised and all-capitals words
    /// and every other kind of token, each run with the key hashes and without them.
    func testRuleStartsInCasualAndEditedTextGiveTheReferenceCandidates() throws {
        let stages = try RuleStages()
        var generator = Generator(state: 73)
        let words = ["jessica", "biel", "marcus", "john", "maria", "lopez", "the", "vice", "president", "prime",
                     "minister", "former", "el", "la", "ministra", "presidente", "secretary", "of", "state", "said",
                     "market", "his", "su", "dr", "dr.", "etc.", "e.g.", "mr.", "Mr.", "U.S.", "P.", "J.", "No.",
                     "Obama", "John", "Biel", "NASA", "CEO", "3", "3rd", "2020", "—", "-", "'", "…", "...", ",", ".",
                     "!", "?", "(", ")", "@user", "#tag", "https://t.co/x", "😀", "$AAPL", "x", "i", "I", "lol", "omg"]
        var texts: [(String, String?)] = []
        for round in 0..<800 {
            var text = (0..<(2 + Int(generator.next() % 16))).map { _ in generator.pick(words) }.joined(separator: " ")
            // Half end with a full stop and open in capitals (edited), the others as they come (often casual).
            if round % 2 == 0 { text = "The " + text + "." }
            texts.append((text, generator.pick(["en", "en", "es", nil])))
        }
        guard let runs = ruleCandidatesWithAndWithoutHashes(texts, stages) else { return }
        let compared = runs.count
        let found = runs.map { $0.candidates.filter { $0.source == .rule }.count }.reduce(0, +)
        let casual = runs.filter { run in
            run.doc.language == "en" && run.doc.tokens.withUnsafeBufferPointer { NameRules.isCasual($0) }
        }.count
        XCTAssertEqual(compared, texts.count)
        XCTAssertGreaterThan(found, 300)
        XCTAssertGreaterThan(casual, 100)
    }

    /// The first-letter test that turns long names away before `acronymFits` builds its
    /// arrays (filtered stage only) against the reference, which asks `acronymFits` for
    /// every start: texts of capitalised words, connectors, function words, words with
    /// digits or accents, and acronyms in parentheses before and after them.
    func testAcronymFirstLetterTestGivesTheReferenceCandidates() throws {
        let stages = try RuleStages()
        var generator = Generator(state: 71)
        let words = ["National", "Aeronautics", "Space", "Administration", "World", "Health", "Organization", "Bank",
                     "of", "and", "the", "de", "la", "y", "Banco", "Central", "Venezuela", "Partido", "Popular", "Union",
                     "European", "Ángel", "Émile", "3M", "2020", "said", "Mr.", "United", "Nations", "Fund", "For"]
        let acronyms = ["NASA", "WHO", "BCV", "PP", "UN", "EU", "UNF", "WB", "ABC", "NA", "SA", "OMS", "ÁE"]
        var texts: [(String, String?)] = []
        for _ in 0..<1_500 {
            let longWords = (0..<(1 + Int(generator.next() % 7))).map { _ in generator.pick(words) }
            let long = longWords.joined(separator: " ")
            // Half the acronyms are the initials of the long name's capitalised words: most of those fit.
            let initials = String(longWords.compactMap { $0.first }.filter { $0.isUppercase })
            let acronym = generator.next() % 2 == 0 && initials.count >= 2 ? initials : generator.pick(acronyms)
            let text = generator.next() % 2 == 0 ? "They met the \(long) (\(acronym)) today."
                                                 : "They met \(acronym) (\(long)) today."
            texts.append((text, generator.pick(["en", "es", nil])))
        }
        var compared = 0, linked = 0
        for (text, language) in texts {
            guard let candidates = ruleCandidates(text, language, stages) else { return }
            compared += 1
            if candidates.contains(where: { $0.rule == "acronym-definition" }) { linked += 1 }
        }
        XCTAssertEqual(compared, texts.count)
        XCTAssertGreaterThan(linked, 200)
    }

    /// Every known first name, capitalised, before a surname, alone mid-sentence and
    /// in lower case, in English (casual and edited), Spanish and undetermined
    /// documents: the one-bit first-name test in `Scan.run` (a bit of
    /// `casualStarts`, before `firstNameId`) against the reference, which asks the
    /// word index for every name word.
    func testEveryFirstNameBehindTheOneBitTestGivesTheReferenceCandidates() throws {
        let stages = try RuleStages()
        let table = TestSupport.resources.nameRules.firstNames
        XCTAssertGreaterThan(table.count, 1000)
        let names = (0..<table.count).map { String(decoding: table.key($0), as: UTF8.self) }
        var texts: [(String, String?)] = []
        var start = 0
        var round = 0
        while start < names.count {
            let group = names[start..<min(start + 24, names.count)]
            var parts: [String] = []
            for (k, name) in group.enumerated() {
                switch k % 4 {
                case 0: parts.append("Yesterday \(name.capitalized) Younis arrived.")
                case 1: parts.append("thanks, \(name.capitalized) and the others")
                case 2: parts.append("\(name.capitalized) Smith said so.")
                default: parts.append("met \(name) biel today")
                }
            }
            let language = ["en", "en", "es", nil][round % 4]
            texts.append((parts.joined(separator: " "), language))
            start += group.count
            round += 1
        }
        guard let runs = ruleCandidatesWithAndWithoutHashes(texts, stages) else { return }
        let people = runs.map { $0.candidates.filter { $0.source == .rule && $0.type == .person }.count }.reduce(0, +)
        XCTAssertEqual(runs.count, texts.count)
        XCTAssertGreaterThan(people, table.count / 2)
    }

    /// The stages before the name rules, the rules stage with its filters and
    /// shortcuts, and the reference it is compared with (`prefilter: false`).
    /// Capitalised and all-capitals words the skip loop passes over without their facts
    /// (`Scan.mayStartAtCapital`: covered by an earlier tagger, in capitals, sentence-initial,
    /// after a number, or in a sentence in capitals), against the reference: texts of first
    /// names, title words, head words (with and without an attached '.'), words with final
    /// dots, unknown names, numbers and sentence ends, in casual and edited English, Spanish
    /// and other text, with extra candidates over random token runs (the words they cover
    /// then start no unknown name), each run with the key hashes and without them, and
    /// corpus documents with candidates over every other capitalised token.
    func testCapitalisedWordsPassedOverGiveTheReferenceCandidates() throws {
        let stages = try RuleStages()
        var generator = Generator(state: 83)
        let words = ["John", "Mark", "Wendy", "JOHN", "MARIA", "Smith", "Waqar", "Younis", "Rivaldo", "London", "NASA",
                     "Obama", "Maria", "Lopez", "President", "PRESIDENT", "Minister", "Dr.", "Mr.", "Sr.", "Bank", "BANK",
                     "Corp", "Corp.", "Inc", ".", "Party", "Ministerio", "Gobierno", "Senate", "University", "Co", "St.",
                     "the", "said", "el", "de", "of", "and", "y", ",", "(", ")", "3", "@user", "#tag", "jessica", "biel",
                     "Acme", "Zorblat", "Quux", "The", "His", "La", "U.S.", "P.", "etc.", "e.g.", "Mars", "!", "?",
                     ":", "2020", "12", "ZORBLAT", "ACME", "-", "😀"]
        var compared = 0, covering = 0
        for round in 0..<900 {
            let text = (0..<(3 + Int(generator.next() % 14))).map { _ in generator.pick(words) }.joined(separator: " ")
            var doc = Document(id: "t", text: text, language: generator.pick(["en", "es", nil]))
            stages.before.process(&doc)
            guard !doc.tokens.isEmpty else { continue }
            // Candidates over random runs of tokens (every capitalised token in one round of four).
            let everyCapital = round % 4 == 0
            for (k, t) in doc.tokens.enumerated() where everyCapital ? !t.flags.isDisjoint(with: [.capitalized, .allCaps])
                : generator.next() % 3 == 0 {
                let end = doc.tokens[min(doc.tokens.count - 1, k + Int(generator.next() % 3))].end
                doc.candidates.append(Entity(span: Span(start: t.start, end: end),
                                             type: generator.pick([EntityType.gpe, .org, .person, .norp]), source: .gazetteer))
                covering += 1
            }
            guard sameRuleCandidates(doc, stages.filtered, stages.reference, text) != nil else { return }
            var unhashed = doc
            unhashed.keyHashes = []
            guard sameRuleCandidates(unhashed, stages.filtered, stages.reference, text) != nil else { return }
            compared += 1
        }
        var texts: [(text: String, lang: String?)] = []
        for url in TestSupport.corpusJSONLines { texts += try TestSupport.jsonlTexts(url) }
        if let news = TestSupport.sharedEnglishNews { texts += try TestSupport.jsonlTexts(news, limit: 40) }
        for (text, language) in texts {
            var doc = Document(id: "t", text: text, language: language)
            stages.before.process(&doc)
            for t in doc.tokens where !t.flags.isDisjoint(with: [.capitalized, .allCaps]) && generator.next() % 2 == 0 {
                doc.candidates.append(Entity(span: t.span, type: .gpe, source: .gazetteer))
            }
            guard sameRuleCandidates(doc, stages.filtered, stages.reference, text) != nil else { return }
            compared += 1
        }
        XCTAssertGreaterThan(compared, 900)
        XCTAssertGreaterThan(covering, 2_000)
    }

    private struct RuleStages {
        let before: Pipeline
        let filtered = NameRules(resources: TestSupport.resources)
        let reference = NameRules(resources: TestSupport.resources, prefilter: false)

        init() throws {
            before = try TestSupport.pipeline(["tokenize", "sentences", "language", "gazetteer", "regex"])
        }
    }

    /// `text` in `language` through `stages.before`, then `sameRuleCandidates` of the
    /// two rules stages on it.
    private func ruleCandidates(_ text: String, _ language: String?, _ stages: RuleStages) -> [Entity]? {
        var doc = Document(id: "t", text: text, language: language)
        stages.before.process(&doc)
        return sameRuleCandidates(doc, stages.filtered, stages.reference, text)
    }

    /// Each text in its language through `stages.before`, then `sameRuleCandidates` on
    /// the document with the key hashes the tokenizer stored and again without them.
    /// Every document with the filtered stage's candidates, or nil at the first text on
    /// which the two stages differ.
    private func ruleCandidatesWithAndWithoutHashes(_ texts: [(String, String?)], _ stages: RuleStages)
        -> [(doc: Document, candidates: [Entity])]? {
        var runs: [(doc: Document, candidates: [Entity])] = []
        for (text, language) in texts {
            var doc = Document(id: "t", text: text, language: language)
            stages.before.process(&doc)
            XCTAssertEqual(doc.keyHashes.count, doc.tokens.count)
            guard let candidates = sameRuleCandidates(doc, stages.filtered, stages.reference, text) else { return nil }
            var unhashed = doc
            unhashed.keyHashes = []
            guard sameRuleCandidates(unhashed, stages.filtered, stages.reference, text) != nil else { return nil }
            runs.append((doc, candidates))
        }
        return runs
    }

    /// Runs `filtered` and `reference` on a copy each of `doc` (whose text is `text`)
    /// and asserts the same candidates, their names included: entities name slices of
    /// `annotationBytes`, so those bytes are compared too. The filtered run's
    /// candidates, or nil when the runs differ.
    private func sameRuleCandidates(_ doc: Document, _ filtered: NameRules, _ reference: NameRules,
                                    _ text: String) -> [Entity]? {
        var a = doc, b = doc
        filtered.process(&a)
        reference.process(&b)
        let fast = a.candidates.map { "\($0)" }, slow = b.candidates.map { "\($0)" }
        XCTAssertEqual(fast, slow, "rules differ on: \(text) (\(doc.language ?? "none"))")
        XCTAssertEqual(a.annotationBytes, b.annotationBytes, "names differ on: \(text)")
        return fast == slow && a.annotationBytes == b.annotationBytes ? a.candidates : nil
    }

    /// `WordMemo.words` (overlapping unaligned loads) against the byte-by-byte words,
    /// on keys of 0 to 20 bytes at every offset of a random buffer.
    func testMemoWordsAreTheBytewiseWords() {
        var generator = Generator(state: 41)
        let bytes = (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        var checked = 0
        bytes.withUnsafeBufferPointer { buffer in
            for start in 0..<(buffer.count - 20) {
                for n in 0...20 {
                    let key = UnsafeBufferPointer(rebasing: buffer[start..<(start + n)])
                    let fast = WordMemo.words(key), slow = WordMemo.bytewiseWords(key)
                    XCTAssertEqual(fast?.0, slow?.0, "start \(start), length \(n)")
                    XCTAssertEqual(fast?.1, slow?.1, "start \(start), length \(n)")
                    checked += 1
                }
            }
            // The empty buffer (no base address).
            XCTAssertEqual(WordMemo.words(UnsafeBufferPointer(start: nil, count: 0))?.0, 0)
        }
        XCTAssertGreaterThan(checked, 80_000)
    }
}
