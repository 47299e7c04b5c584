@testable import Entex
import Foundation
import XCTest

/// The shortcuts of `Gazetteer.match` that the corpus exercises only by chance: long
/// keys told apart by their word-at-a-time memo tags, tokens longer than every
/// vocabulary key, and states whose outputs all need a capital (no `emit` call
/// for a span without one). Each is checked against the plain matcher of
/// `GazetteerReferenceTests`.
final class GazetteerFastPathTests: XCTestCase {
    /// Every candidate field that the writer or a later stage can see, as the reference tests write it.
    private static func describe(_ d: Document) -> [String] { GazetteerReferenceTests.describe(d) }

    /// Tags `texts` in turn with one tagger of `g` (its memo of `1 << memoBits` entries kept
    /// from one text to the next) and asserts that each text's candidates are the reference
    /// matcher's; returns how many candidates the reference gave in all.
    private static func assertTaggerMatchesReference(_ g: Gazetteer, _ texts: [String], memoBits: Int = 15,
                                                     _ label: String = "", file: StaticString = #filePath,
                                                     line: UInt = #line) throws -> Int {
        let base = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let functionWords = TestSupport.resources.text.functionWords
        let tagger = GazetteerTagger(gazetteer: g, functionWords: functionWords, memoBits: memoBits)
        var total = 0
        for text in texts {
            var doc = Document(id: "t", text: text)
            base.process(&doc)
            let reference = GazetteerReferenceTests.referenceCandidates(g, doc, functionWords: functionWords)
            var d = doc
            tagger.process(&d)
            XCTAssertEqual(describe(d), reference, label + text, file: file, line: line)
            total += reference.count
        }
        return total
    }

    /// Keys of 8 to 40 bytes that differ from one another in one byte only, at every
    /// position (the first word, the overlapping last word, the words between): all tags differ.
    func testLongKeyTagsTellApartKeysThatDifferInOneByte() {
        var tags: [UInt64: [UInt8]] = [:]
        var keyCount = 0
        for length in 8...40 {
            let base = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            var keys = [base]
            for position in 0..<length {
                for delta: UInt8 in [1, 2, 0x20] {
                    var key = base
                    key[position] = key[position] &+ delta
                    keys.append(key)
                }
            }
            keyCount += keys.count
            for key in keys {
                let tag = Gazetteer.longKeyTag(KeyHash.hash(key))
                XCTAssertEqual(tag >> 63, 1, "a long key's tag has its top bit set")
                XCTAssertEqual(tag & 3, 0, "neither a long key's tag nor its unconfirmed key is the empty tag")
                if let other = tags[tag], other != key {
                    XCTFail("\(String(decoding: key, as: UTF8.self)) and \(String(decoding: other, as: UTF8.self)) share a tag")
                }
                tags[tag] = key
            }
        }
        XCTAssertEqual(tags.count, keyCount, "every key has a tag of its own")
        XCTAssertEqual(keyCount, (8...40).reduce(0) { $0 + 1 + 3 * $1 })
    }

    /// `memoTag` reads every key as one word masked to its length, the bytes after the key
    /// buffer included (`match` pads its copy of the keys with zeros; here they are not
    /// zero, and neither are the bytes after any key): at every start and length, a short
    /// key's tag (at most 7 bytes) is its bytes, first byte lowest, with its length in the
    /// top byte, and a longer key's tag is `longKeyTag` of its hash.
    func testMemoTagsArePackedKeysAtEveryOffset() {
        let padded: [UInt8] = (0..<34).map { UInt8(truncatingIfNeeded: 0x9D &* ($0 &+ 1)) }
        padded.withUnsafeBufferPointer { padded in
            let keys = UnsafeBufferPointer(rebasing: padded[..<26])
            for start in 0...keys.count {
                for length in 0...(keys.count - start) {
                    let token = Token(start: 0, end: 0, keyStart: Int32(start), keyEnd: Int32(start + length),
                                      kind: .word, flags: [])
                    let hash = KeyHash.hash(UnsafeBufferPointer(rebasing: keys[start..<(start + length)]))
                    var expected = Gazetteer.longKeyTag(hash)
                    if length <= 7 {
                        expected = UInt64(length) << 56
                        for i in 0..<length { expected |= UInt64(keys[start + i]) << UInt64(8 * i) }
                    }
                    XCTAssertEqual(Gazetteer.memoTag(paddedKeys: keys, token, keyHash: hash), expected, "start \(start), length \(length)")
                }
            }
        }
    }

    /// `memoLookup`'s check of a long key against the term its memo entry remembers (its
    /// first and last 8 bytes for a key of 8 to 16 bytes, `memcmp` beyond) agrees with a
    /// byte-for-byte comparison, for terms of 8 to 24 bytes and keys that differ from them
    /// in one byte at any position or in length.
    func testLongKeyCheckAgreesWithTheBytes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-gazetteer-confirm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        var words: [String] = []
        for length in 8...24 {
            let bytes: [UInt8] = (0..<length).map { i in UInt8(97 + (i * 7 + length) % 26) }
            words.append(String(decoding: bytes, as: UTF8.self))
        }
        let user = dir.appendingPathComponent("user.tsv")
        try (words.map { "\($0)\tORG" }.joined(separator: "\n") + "\n").write(to: user, atomically: true, encoding: .utf8)
        let g = try GazetteerBuilder.compile([GazetteerSource(path: user.path, isUser: true)], text: TestSupport.resources.text)
        var checked = 0
        for word in words {
            let term = Array(word.utf8)
            let id = term.withUnsafeBufferPointer { g.vocabulary.lookup($0, hash: ByteStringTable.hash($0)) }
            XCTAssertGreaterThanOrEqual(id, 0, word)
            let value = g.termValues[Int(id)]
            var keys = [term, term + [UInt8(ascii: "x")], Array(term.dropLast())]
            for position in term.indices {
                var key = term
                key[position] ^= 0x01
                keys.append(key)
            }
            for key in keys where key.count >= 8 {
                // The key between other bytes, as in a document's key buffer.
                let buffer = [UInt8](repeating: 0x7A, count: 5) + key + [UInt8](repeating: 0x7A, count: 3)
                let token = Token(start: 0, end: 0, keyStart: 5, keyEnd: Int32(5 + key.count), kind: .word, flags: [])
                let equal = buffer.withUnsafeBufferPointer { keyBuffer in
                    g.withTables { Gazetteer.longKeyEquals(keyBuffer, token, value, $0) }
                }
                XCTAssertEqual(equal, key == term, "\(String(decoding: key, as: UTF8.self)) against \(word)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 300)
    }

    /// A user lexicon of long words (8, 9, 15, 16, 17 and 24 bytes, some alike but for one
    /// byte), and bundled-style rows that need a capital, against text that repeats those
    /// words, their near misses, longer tokens and lower-case spans: the fast matcher
    /// (one tagger for all documents, so memos carry over) equals the plain one.
    func testLongKeysAndCapitalOnlyStatesMatchTheReference() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-gazetteer-fast-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let bundledLike = dir.appendingPathComponent("bundled.tsv")
        try """
            Abcdefgh Company\tORG\tlocal:1\t*\t-\t-
            Abcdefghijklmnop\tORG\tlocal:2\t*\tAbcdefghijklmnopq Group\t-
            Abcdefghijklmnoq\tPERSON\tlocal:3\ten\t-\tcap
            Interoperability Council\tORG\tlocal:4\t*\t-\t-
            streamingservice\tPRODUCT\tlocal:5\t*\t-\tlc

            """.write(to: bundledLike, atomically: true, encoding: .utf8)
        let user = dir.appendingPathComponent("user.tsv")
        try """
            abcdefghi\tORG
            supercalifragilistic word\tPRODUCT

            """.write(to: user, atomically: true, encoding: .utf8)
        let sources = [GazetteerSource(path: bundledLike.path, isUser: false), GazetteerSource(path: user.path, isUser: true)]
        let g = try GazetteerBuilder.compile(sources, text: TestSupport.resources.text)
        XCTAssertEqual(g.longestTerm, "supercalifragilistic".utf8.count)
        let sentences = [
            "Abcdefgh Company and Abcdefghijklmnop met Abcdefghijklmnoq today.",
            "abcdefgh company and abcdefghijklmnop met abcdefghijklmnoq today.",
            "The Abcdefghijklmnopq Group said Abcdefghijklmnopr and Abcdefghijklmnoqq disagreed.",
            "Abcdefghi abcdefghi ABCDEFGHI abcdefghj Abcdefghh supercalifragilistic word.",
            "Supercalifragilistics words supercalifragilisticexpialidocious word https://example.com/abcdefghijklmnop",
            "INTEROPERABILITY COUNCIL meets the Interoperability Council; interoperability council too.",
            "We use streamingservice, Streamingservice and STREAMINGSERVICE every day.",
        ]
        // Twice each sentence, then all of them joined, as often: one tagger throughout.
        let texts = sentences + sentences + Array(repeating: sentences.joined(separator: " "), count: sentences.count)
        let total = try Self.assertTaggerMatchesReference(g, texts)
        XCTAssertGreaterThan(total, 20, "the texts should give candidates")
    }

    /// The vocabulary filter and the long keys' memo tags use the hashes the tokenizer
    /// stored (`Document.keyHashes`): each is the `KeyHash` of its token's key, the filter
    /// passes every vocabulary key, and a document without stored hashes (the gazetteer
    /// hashes its keys itself) gets the same candidates, from a tagger of its own and
    /// from one whose memo is shared with documents that had them.
    func testStoredKeyHashesAndDocumentsWithoutThemGiveTheSameCandidates() throws {
        let g = try TestSupport.resources.gazetteer()
        var rejected = 0
        g.vocabulary.pool.withUnsafeBufferPointer { pool in
            var start = 0
            for end in g.vocabulary.ends {
                let key = UnsafeBufferPointer(rebasing: pool[start..<Int(end)])
                if !g.termFilter.mayContain(ByteStringTable.hash(key)) { rejected += 1 }
                start = Int(end)
            }
        }
        XCTAssertEqual(rejected, 0, "the filter turns away no vocabulary key")
        XCTAssertGreaterThan(g.vocabulary.count, 1000)
        let functionWords = TestSupport.resources.text.functionWords
        let stored = GazetteerTagger(gazetteer: g, functionWords: functionWords)
        let own = GazetteerTagger(gazetteer: g, functionWords: functionWords)
        var total = 0, wrongHashes = 0, tokens = 0
        for doc in try GazetteerReferenceTests.documents() {
            XCTAssertEqual(doc.keyHashes.count, doc.tokens.count)
            for (i, token) in doc.tokens.enumerated() where i < doc.keyHashes.count {
                if doc.keyHashes[i] != KeyHash.hash(doc.tokenKeys[Int(token.keyStart)..<Int(token.keyEnd)]) { wrongHashes += 1 }
                tokens += 1
            }
            var a = doc
            stored.process(&a)
            var b = doc
            b.keyHashes = []
            own.process(&b)
            var c = doc
            c.keyHashes = []
            stored.process(&c)
            let expected = Self.describe(a)
            XCTAssertEqual(Self.describe(b), expected, doc.string)
            XCTAssertEqual(Self.describe(c), expected, doc.string)
            total += expected.count
        }
        XCTAssertEqual(wrongHashes, 0, "every stored hash is its key's KeyHash")
        XCTAssertGreaterThan(tokens, 10_000)
        XCTAssertGreaterThan(total, 100, "the corpus should give candidates")
    }

    /// Candidates are copies of per-entry templates kept in a direct-mapped table of
    /// `GazetteerScratch.entryCandidatesSize` slots: entries whose ids share a slot, met
    /// in turn, each get their own names, kb id, type and file (against the plain matcher).
    func testEntriesSharingACandidateSlotKeepTheirOwnFields() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-gazetteer-slots-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let size = GazetteerScratch.entryCandidatesSize
        let types = ["ORG", "PERSON", "GPE", "PRODUCT"]
        let rows = (0..<(size + 8)).map { k in
            "Name\(k) Word\tORG\tlocal:\(k)\t*\tAlias\(k)|Canon\(k % 7)\t-".replacingOccurrences(of: "ORG", with: types[k % 4])
        }
        let user = dir.appendingPathComponent("slots.tsv")
        try (rows.joined(separator: "\n") + "\n").write(to: user, atomically: true, encoding: .utf8)
        let other = dir.appendingPathComponent("other.tsv")
        try "Name3 Word\tLOC\tlocal:x\t*\t-\t-\n".write(to: other, atomically: true, encoding: .utf8)
        let g = try GazetteerBuilder.compile([GazetteerSource(path: user.path, isUser: true),
                                              GazetteerSource(path: other.path, isUser: false)],
                                             text: TestSupport.resources.text)
        let texts = [0, 1, 2, 3, 5, 7].flatMap { k in
            ["Name\(k) Word met Name\(k + size) Word and Alias\(k) then Alias\(k + size).",
             "Name\(k + size) Word, Name\(k) Word, Canon\(k % 7) and Name3 Word."]
        }
        let total = try Self.assertTaggerMatchesReference(g, texts)
        XCTAssertGreaterThan(total, 40)
    }

    /// `emit` appends an entry's canonical name and kb id with one copy when the kb id is
    /// the next string of the pool: entries whose kb id is new (the next string), shared with
    /// an earlier entry or equal to an earlier canonical name (not the next), absent, or with
    /// an empty-looking kb column give the names the reference gives, in one document and
    /// again in later ones (whose names are appended anew).
    func testNamesAppendedAtOnceOrApartAreTheEntrysNames() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-gazetteer-names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let user = dir.appendingPathComponent("names.tsv")
        try """
            Alpha Corp\tORG\tkb:alpha\t*\t-\t-
            Beta Corp\tORG\tkb:alpha\t*\t-\t-
            Gamma Corp\tORG\tAlpha Corp\t*\t-\t-
            Delta Corp\tORG
            Epsilon\tPERSON\tkb:eps\t*\tEpsilon Corp\t-
            Epsilon\tORG\tkb:eps2\t*\t-\t-

            """.write(to: user, atomically: true, encoding: .utf8)
        let g = try GazetteerBuilder.compile([GazetteerSource(path: user.path, isUser: true)], text: TestSupport.resources.text)
        let texts = (0..<3).map { round in
            "Alpha Corp and Beta Corp met Gamma Corp, Delta Corp and Epsilon Corp; Epsilon and Alpha Corp again (\(round))."
        }
        let total = try Self.assertTaggerMatchesReference(g, texts)
        XCTAssertEqual(total, 3 * 8)
    }

    /// `termSeconds` (the first step of a walk is tried only on a second word) holds
    /// exactly the terms that label a transition from a state one word from the root.
    func testSecondWordBitsAreTheTermsThatFollowAFirstWord() throws {
        let g = try TestSupport.resources.gazetteer()
        let firstStates = Set(g.rootTargets.filter { $0 != 0 })
        var expected = Set<Int>()
        for key in g.transitionKeys where key != Gazetteer.emptySlot && firstStates.contains(UInt32(key >> 32)) {
            expected.insert(Int(key & 0xFFFF_FFFF))
        }
        var actual = Set<Int>()
        g.termSeconds.withUnsafeBufferPointer { seconds in
            for t in 0..<g.vocabularySize where Gazetteer.bit(seconds, t) { actual.insert(t) }
        }
        XCTAssertEqual(actual, expected)
        XCTAssertGreaterThan(expected.count, 100)
        XCTAssertLessThan(expected.count, g.vocabularySize)
    }

    /// `stateFlags` and `termValues` are derived when a gazetteer is built or loaded; each
    /// is checked here against the arrays it comes from, for the bundled gazetteer and one
    /// with user rows (`lc`, user and `cap` outputs mixed at one state).
    func testStateFlagsAndTermValuesFollowTheTables() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-gazetteer-derived-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let user = dir.appendingPathComponent("user.tsv")
        try """
            Paris\tORG
            new york\tORG
            Venezuela Today\tORG\tlocal:vt\ten\t-\tcap

            """.write(to: user, atomically: true, encoding: .utf8)
        let bundled = try TestSupport.resources.gazetteer()
        let sources = try GazetteerSource.all(lexicons: TestSupport.lexicons, userLexicons: [user.path])
        let withUser = try GazetteerBuilder.compile(sources, text: TestSupport.resources.text)
        for g in [bundled, withUser] {
            var hasChildren = Set<Int>(), follows = Set<Int>()
            for key in g.transitionKeys where key != Gazetteer.emptySlot {
                hasChildren.insert(Int(key >> 32))
                follows.insert(Int(key & 0xFFFF_FFFF))
            }
            var capitalOnlyStates = 0
            for state in 0..<g.stateCount {
                let outputs = Int(g.outputStarts[state])..<Int(g.outputStarts[state + 1])
                let capitalOnly = !outputs.isEmpty && outputs.allSatisfy { o in
                    let entry = Int(g.outputEntries[o])
                    return !g.fileIsUser[Int(g.entryFiles[entry])]
                        && !Gazetteer.Flags(rawValue: g.entryFlags[entry]).contains(.anyCase)
                }
                let flags = g.stateFlags[state]
                XCTAssertEqual(flags & Gazetteer.stateAccepts != 0, !outputs.isEmpty, "state \(state)")
                XCTAssertEqual(flags & Gazetteer.stateHasChildren != 0, hasChildren.contains(state), "state \(state)")
                XCTAssertEqual(flags & Gazetteer.stateCapitalOnly != 0, capitalOnly, "state \(state)")
                if capitalOnly { capitalOnlyStates += 1 }
            }
            XCTAssertGreaterThan(capitalOnlyStates, 0)
            XCTAssertLessThan(capitalOnlyStates, g.stateCount - 1)
            let firstStates = Set(g.rootTargets.filter { $0 != 0 }.map(Int.init))
            var seconds = Set<Int>()
            for key in g.transitionKeys where key != Gazetteer.emptySlot && firstStates.contains(Int(key >> 32)) {
                seconds.insert(Int(key & 0xFFFF_FFFF))
            }
            for term in 0..<g.vocabularySize {
                let value = g.termValues[term], state = g.rootTargets[term]
                let low = UInt32(truncatingIfNeeded: value)
                XCTAssertEqual(low & Gazetteer.stateMask, state, "term \(term)")
                XCTAssertEqual(Int((value >> 32) & Gazetteer.termMask), term)
                let flags = state == 0 ? 0 : g.stateFlags[Int(state)]
                let accepts = flags & Gazetteer.stateAccepts != 0, capitalOnly = flags & Gazetteer.stateCapitalOnly != 0
                XCTAssertEqual(low & Gazetteer.acceptsBit != 0, accepts && !capitalOnly, "term \(term)")
                XCTAssertEqual(low & Gazetteer.childrenBit != 0, flags & Gazetteer.stateHasChildren != 0, "term \(term)")
                XCTAssertEqual(value & Gazetteer.rootCapitalOnlyBit != 0, accepts && capitalOnly, "term \(term)")
                XCTAssertEqual(low & Gazetteer.followsBit != 0, follows.contains(term), "term \(term)")
                XCTAssertEqual(value & Gazetteer.secondBit != 0, seconds.contains(term), "term \(term)")
                XCTAssertEqual(value >> 63, 0)
            }
        }
    }

    /// The key and step memos are sets of four entries, one 64-byte line each: the first
    /// set is aligned inside the array with room for every set, a lookup finds a key in
    /// any way, a found or new key becomes the first entry and the least recently used
    /// one falls out.
    func testMemoSetsKeepTheMostRecentlyUsedEntriesFirst() {
        for bits in [3, 8, 13, 15] {
            var memo = MemoSets.empty(entryBits: bits)
            XCTAssertEqual(memo.count, MemoSets.count(entryBits: bits))
            memo.withUnsafeMutableBufferPointer { memo in
                let sets = MemoSets.sets(in: memo)
                XCTAssertEqual(Int(bitPattern: sets) & 63, 0)
                XCTAssertLessThanOrEqual(sets - memo.baseAddress! + (2 << bits), memo.count)
            }
        }
        var set = [UInt64](repeating: .max, count: MemoSets.setWords)
        set.withUnsafeMutableBufferPointer { buffer in
            let set = buffer.baseAddress!
            func keys() -> [UInt64] { (0..<MemoSets.ways).map { set[2 * $0] } }
            func value(_ key: UInt64) -> UInt64? {
                (0..<MemoSets.ways).first { set[2 * $0] == key }.map { set[2 * $0 + 1] }
            }
            for key: UInt64 in 1...4 {
                XCTAssertEqual(set[0] == key ? 0 : MemoSets.way(of: key, in: set), -1)
                MemoSets.promote(set, key: key, value: key * 10, replacing: MemoSets.ways - 1)
            }
            XCTAssertEqual(keys(), [4, 3, 2, 1])
            XCTAssertEqual(MemoSets.way(of: 2, in: set), 2)
            XCTAssertEqual(MemoSets.way(of: 1, in: set), 3)
            MemoSets.promote(set, key: 2, value: 20, replacing: 2)
            XCTAssertEqual(keys(), [2, 4, 3, 1])
            MemoSets.promote(set, key: 5, value: 50, replacing: MemoSets.ways - 1)
            XCTAssertEqual(keys(), [5, 2, 4, 3], "the least recently used key falls out")
            MemoSets.promote(set, key: 5, value: 55, replacing: 0)
            XCTAssertEqual(keys(), [5, 2, 4, 3])
            for (key, expected) in [(5, 55), (2, 20), (4, 40), (3, 30)] as [(UInt64, UInt64)] {
                XCTAssertEqual(value(key), expected, "key \(key)")
            }
        }
    }

    /// Taggers whose key memo has two sets of four entries: long keys that are names,
    /// their near misses and short words take turns in each set, so remembered hits of
    /// long keys are found (and checked) in every way and moved to the front, and the
    /// candidates are still the plain matcher's; so are those of the default memo.
    func testTwoSetMemoMatchesTheReference() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-gazetteer-sets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let user = dir.appendingPathComponent("user.tsv")
        let words = (0..<40).map { "Longword\($0 * 7919 % 1000)x" }
        let rows = words.enumerated().map { i, word in "\(word) Group\tORG\tlocal:\(i)\t*\t\(word)\t-" }
            + ["abcdefghi\tORG", "Interoperability Council\tORG\tlocal:ic\t*\t-\tcap"]
        try (rows.joined(separator: "\n") + "\n").write(to: user, atomically: true, encoding: .utf8)
        let sources = try GazetteerSource.all(lexicons: TestSupport.lexicons, userLexicons: [user.path])
        let g = try GazetteerBuilder.compile(sources, text: TestSupport.resources.text)
        var texts: [String] = []
        for k in 0..<words.count {
            let a = words[k], b = words[(k * 13 + 5) % words.count]
            texts.append("\(a) Group met \(b) and \(a)y in Paris; abcdefghi, abcdefghj, \(b) Group and \(a).")
            texts.append("The Interoperability Council of \(b) said \(a) Group was in New York with abcdefghi.")
        }
        var total = 0
        for bits in [3, 15] {
            total += try Self.assertTaggerMatchesReference(g, texts + texts, memoBits: bits, "memo of \(1 << bits): ")
        }
        XCTAssertGreaterThan(total, 8 * texts.count)
    }

    /// A failed first step is remembered (`GazetteerScratch.failedSteps`), and a token whose
    /// first step is known to fail then starts no walk unless a name ends at its own state:
    /// first words with transitions followed, over and over, by second words of other names,
    /// by their own second words, and first words that are names themselves, with one scratch
    /// throughout, shared by two gazetteers in which the same pair fails and matches (the
    /// filter is emptied when the gazetteer changes): always the plain matcher's candidates.
    func testFailedFirstStepsSkipOnlyWalksThatFindNothing() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-gazetteer-failed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let rows = ["Alpha Gamma\tORG", "Delta Beta\tORG", "Alpha\tPERSON", "Epsilon Zeta\tORG",
                    "Epsilon Eta Theta\tORG", "Iota Kappa\tLOC", "Kappa Beta Gamma\tORG"]
        let without = dir.appendingPathComponent("without.tsv"), with = dir.appendingPathComponent("with.tsv")
        try (rows.joined(separator: "\n") + "\n").write(to: without, atomically: true, encoding: .utf8)
        try ((rows + ["Alpha Beta\tPRODUCT"]).joined(separator: "\n") + "\n").write(to: with, atomically: true, encoding: .utf8)
        let gazetteers = try [without, with].map {
            try GazetteerBuilder.compile([GazetteerSource(path: $0.path, isUser: true)], text: TestSupport.resources.text)
        }
        let texts = [
            "Alpha Beta met Delta Beta and Alpha Gamma; alpha beta, Epsilon Beta and Iota Beta.",
            "Epsilon Zeta Beta, Epsilon Eta Gamma, Epsilon Eta Theta and Kappa Beta Gamma with Iota Kappa Beta.",
            "Alpha Beta Alpha Beta Alpha Gamma Alpha. Iota Gamma Iota Kappa Epsilon Gamma Alpha Beta",
        ]
        let base = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let functionWords = TestSupport.resources.text.functionWords
        var scratch = GazetteerScratch()
        scratch.functionWords = functionWords
        var total = 0
        for round in 0..<3 {
            for (k, g) in gazetteers.enumerated() {
                for text in texts + texts {
                    var doc = Document(id: "t", text: text)
                    base.process(&doc)
                    let reference = GazetteerReferenceTests.referenceCandidates(g, doc, functionWords: functionWords)
                    var found: [Entity] = []
                    swap(&scratch.annotations, &doc.annotationBytes)
                    g.match(doc, into: &found, scratch: &scratch)
                    swap(&scratch.annotations, &doc.annotationBytes)
                    doc.candidates = found
                    XCTAssertEqual(Self.describe(doc), reference, "round \(round), gazetteer \(k): \(text)")
                    total += reference.count
                }
                let remembered = (0..<(1 << GazetteerScratch.failedStepBits)).filter { scratch.failedSteps.base[$0] != .max }
                XCTAssertFalse(remembered.isEmpty, "gazetteer \(k) should remember failed first steps")
            }
        }
        XCTAssertGreaterThan(total, 6 * 3 * 2 * 3)
    }

    /// `match` loads the memo sets of `Gazetteer.touchBlock` tokens at a time before it reads
    /// their values: names that start, end or cross at a block's edge (and at the document's
    /// end) are found as the reference finds them, with a tiny memo and a full one.
    func testNamesAtTouchBlockEdgesMatchTheReference() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-gazetteer-blocks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let user = dir.appendingPathComponent("user.tsv")
        let rows = ["Alpha Gamma\tORG", "Alpha\tPERSON", "Epsilon Eta Theta\tORG", "Iota Kappa\tLOC", "Gamma Iota\tORG"]
        try (rows.joined(separator: "\n") + "\n").write(to: user, atomically: true, encoding: .utf8)
        let g = try GazetteerBuilder.compile([GazetteerSource(path: user.path, isUser: true)], text: TestSupport.resources.text)
        let block = Gazetteer.touchBlock
        var texts: [String] = []
        for edge in [block, 2 * block] {
            for filler in (edge - 4)...(edge + 1) {
                let words = [String](repeating: "word", count: filler).joined(separator: " ")
                texts.append(words + " Alpha Gamma Iota Kappa and Epsilon Eta Theta")
                texts.append(words + " Epsilon Eta Theta Alpha")
                texts.append(words + " Alpha")
            }
        }
        var total = 0
        for bits in [3, 15] {
            total += try Self.assertTaggerMatchesReference(g, texts, memoBits: bits, "memo of \(1 << bits): ")
        }
        XCTAssertGreaterThan(total, 2 * texts.count)
    }

    /// `emit` builds an entry's candidate from its output record (`Gazetteer.candidate`):
    /// type, source, priority and rule are those of the entry's own arrays, for every output
    /// of a gazetteer with bundled and user rows.
    func testCandidatesFromOutputRecordsHaveTheEntrysFields() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-gazetteer-records-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let user = dir.appendingPathComponent("user.tsv")
        try "Paris\tORG\nnew york\tPRODUCT\nVenezuela Today\tEVENT\tlocal:vt\ten\t-\tcap\n"
            .write(to: user, atomically: true, encoding: .utf8)
        let sources = try GazetteerSource.all(lexicons: TestSupport.lexicons, userLexicons: [user.path])
        let g = try GazetteerBuilder.compile(sources, text: TestSupport.resources.text)
        var users = 0
        for o in 0..<g.outputEntries.count {
            let entry = Int(g.outputEntries[o])
            let candidate = g.candidate(g.outputRecords[o])
            let file = Int(g.entryFiles[entry])
            let isUser = g.fileIsUser[file]
            XCTAssertEqual(candidate.type, EntityType(rawValue: g.entryTypes[entry]), "output \(o)")
            XCTAssertEqual(candidate.source, isUser ? .user : .gazetteer, "output \(o)")
            XCTAssertEqual(candidate.priority, isUser ? Gazetteer.userPriority : Gazetteer.bundledPriority, "output \(o)")
            XCTAssertEqual(candidate.ruleID, RuleNames.id(g.files[file]), "output \(o)")
            if isUser { users += 1 }
        }
        XCTAssertEqual(users, 3)
        XCTAssertGreaterThan(g.outputEntries.count, 1000)
    }

    /// `MemoSets.hit` against the reference (`way` then `promote`): for every way a key
    /// can be in, short and long tags, remembered hits and misses, the value it gives and
    /// the set it leaves are those of the reference, or it gives `notFound` and leaves
    /// the set as it was (way 0, no such key, a long key's remembered hit, which is kept
    /// under `Gazetteer.unconfirmedKey` and not found by its tag).
    func testMemoHitMatchesWayAndPromote() {
        let short: UInt64 = 0x0300_0000_0061_6263, long: UInt64 = Gazetteer.longKeyTag(0x1234_5678_9ABC_DEF0)
        let hitValue: UInt64 = 7 << 32 | 5, missValue = Gazetteer.missValue
        var cases = 0
        for (tag, stored) in [(short, short), (long, long), (long, Gazetteer.unconfirmedKey(long))] {
            for value in [hitValue, missValue] {
                for way in -1..<MemoSets.ways {
                    var set: [UInt64] = (0..<MemoSets.ways).flatMap { [UInt64(100 + $0), UInt64(200 + $0)] }
                    if way >= 0 {
                        set[2 * way] = stored
                        set[2 * way + 1] = value
                    }
                    var expected = set
                    let expectedValue: UInt64
                    if way > 0 && stored == tag {
                        expected.withUnsafeMutableBufferPointer { e in
                            XCTAssertEqual(MemoSets.way(of: tag, in: e.baseAddress!), way)
                            MemoSets.promote(e.baseAddress!, key: tag, value: value, replacing: way)
                        }
                        expectedValue = value
                    } else {
                        expectedValue = MemoSets.notFound
                    }
                    let got = set.withUnsafeMutableBufferPointer { MemoSets.hit($0.baseAddress!, tag) }
                    XCTAssertEqual(got, expectedValue, "tag \(tag), stored \(stored), value \(value), way \(way)")
                    XCTAssertEqual(set, expected, "tag \(tag), stored \(stored), value \(value), way \(way)")
                    cases += 1
                }
            }
        }
        XCTAssertEqual(cases, 30)
    }

    /// A document's language kind (`DocumentLanguage`, its code's bytes compared, kept
    /// as the code is set) and `Gazetteer.language(of:)` of it give what the `String`
    /// comparison they replaced gives, for the two codes they know and for others:
    /// for a code given when the document is made, one set afterwards and one detected.
    func testLanguageCodesReadByteForByteAsStringsCompare() throws {
        let codes: [String?] = [nil, "", "e", "en", "es", "EN", "Es", "und", "eng", "en-GB", "de", "fr", "ne",
                                "se", "e\u{301}", "ｅｎ", "e\u{0}", "\u{0}n", "\u{65}\u{6E}"]
        func expected(_ code: String?) -> Gazetteer.Language {
            switch code {
            case "en": .en
            case "es": .es
            default: .any
            }
        }
        for code in codes {
            let made = Document(id: "d", text: "x", language: code)
            XCTAssertEqual(Gazetteer.language(of: made.languageKind), expected(code), String(describing: code))
            XCTAssertEqual(made.language, code)
            var set = Document(id: "d", text: "x", language: "en")
            set.language = code
            XCTAssertEqual(Gazetteer.language(of: set.languageKind), expected(code), String(describing: code))
            XCTAssertEqual(set.language, code)
        }
        let detect = try TestSupport.pipeline(["tokenize", "language"])
        let detector = LanguageDetector(resources: TestSupport.resources.text)
        var detected: Set<String> = []
        for text in ["The cat is on the table and it is happy", "El gato está en la mesa y es feliz", "Paris",
                     "¿Qué?", "the el"] {
            var doc = Document(id: "d", text: text)
            detect.process(&doc)
            XCTAssertEqual(doc.language, detector.detect(doc), text)
            XCTAssertEqual(Gazetteer.language(of: doc.languageKind), expected(doc.language), text)
            XCTAssertFalse(doc.languageGiven, text)
            detected.insert(doc.language ?? "-")
        }
        XCTAssertEqual(detected, ["en", "es", "und"])
    }

    /// The one-comparison `canEdge` and the branch-free `pendingRoot` agree with their
    /// definitions: every token kind, with and without a capital, for memo values with
    /// and without a state, names ending there (needing a capital or not) or not;
    /// and `match`'s walk test (`pendingRoot`'s two walk bits, then `canEdge`) with the
    /// definition it replaced (a state, an edge kind, and a name ending or transitions).
    func testWalkStartTestsFollowTheirDefinitions() {
        for kind in TokenKind.allCases {
            XCTAssertEqual(Gazetteer.canEdge(kind), kind != .punct && kind != .symbol && kind != .emoji, "\(kind)")
        }
        var cases = 0
        for kind in TokenKind.allCases {
            for flags: TokenFlags in [[], .capitalized, [.capitalized, .allCaps], .allCaps, [.sentenceStart, .hasLetter]] {
                var token = Token(start: 0, end: 1, keyStart: 0, keyEnd: 1, kind: kind, flags: flags)
                for state: UInt32 in [0, 1, 77, Gazetteer.stateMask] {
                    for low: UInt32 in [0, Gazetteer.acceptsBit, Gazetteer.childrenBit, Gazetteer.followsBit,
                                        Gazetteer.acceptsBit | Gazetteer.childrenBit | Gazetteer.followsBit] {
                        for high: UInt64 in [0, Gazetteer.rootCapitalOnlyBit, Gazetteer.secondBit,
                                             Gazetteer.rootCapitalOnlyBit | Gazetteer.secondBit | 12345 << 32] {
                            let value = high | UInt64(state | low)
                            let root = UInt32(truncatingIfNeeded: value)
                            // Names that all need a capital end at the state (`rootCapitalOnlyBit`): they
                            // count as `acceptsBit` when the token has one.
                            let expected = value & Gazetteer.rootCapitalOnlyBit != 0 && flags.contains(.capitalized)
                                ? root | Gazetteer.acceptsBit : root
                            let got = withUnsafePointer(to: &token) { Gazetteer.pendingRoot(value, $0) }
                            XCTAssertEqual(got, expected, "\(kind) \(flags) \(String(value, radix: 16))")
                            // What `match` makes of it: the token may start a walk when its key starts
                            // a name (a memo value with a state) and its kind may start a match.
                            if state != 0 || low & (Gazetteer.acceptsBit | Gazetteer.childrenBit) == 0 && high & Gazetteer.rootCapitalOnlyBit == 0 {
                                let mayStart = root & Gazetteer.stateMask != 0 && kind != .punct && kind != .symbol && kind != .emoji
                                let walkBits = got & (Gazetteer.acceptsBit | Gazetteer.childrenBit)
                                XCTAssertEqual(walkBits != 0 && Gazetteer.canEdge(kind),
                                               mayStart && (low & Gazetteer.childrenBit != 0 || expected & Gazetteer.acceptsBit != 0),
                                               "\(kind) \(flags) \(String(value, radix: 16))")
                            }
                            cases += 1
                        }
                    }
                }
            }
        }
        XCTAssertEqual(cases, TokenKind.allCases.count * 5 * 4 * 5 * 4)
        // `match` reads a second word from bit 62 of the next token's memo value alone
        // (moved to `childrenBit`): a key in no name has it clear, and bit 63 set.
        XCTAssertEqual(UInt32(truncatingIfNeeded: Gazetteer.missValue >> 32) & Gazetteer.childrenBit, 0)
        XCTAssertEqual(Gazetteer.missValue & Gazetteer.secondBit, 0)
        // Nor does a capitalized token whose key is in no name give `pendingRoot` a walk bit.
        var capitalized = Token(start: 0, end: 1, keyStart: 0, keyEnd: 1, kind: .word, flags: .capitalized)
        XCTAssertEqual(withUnsafePointer(to: &capitalized) { Gazetteer.pendingRoot(Gazetteer.missValue, $0) }, 0)
        XCTAssertEqual(Gazetteer.missValue >> 63, 1)
        XCTAssertEqual((Gazetteer.missValue >> 32) & Gazetteer.termMask, Gazetteer.termMask)
    }

    /// `besideCapitals` reads the two neighbours in place: a word of two or more capitals
    /// before or after the token, at either end of the text too.
    func testBesideCapitalsLooksAtBothNeighbours() {
        func token(_ length: Int32, _ flags: TokenFlags) -> Token {
            Token(start: 0, end: length, keyStart: 0, keyEnd: length, kind: .word, flags: flags)
        }
        let caps = token(3, [.allCaps, .hasLetter]), single = token(1, [.allCaps, .hasLetter])
        let lower = token(3, [.hasLetter]), digits = token(3, [.allCaps])
        let cases: [([Token], Int, Bool)] = [
            ([lower], 0, false), ([caps, lower], 1, true), ([lower, caps], 0, true), ([caps, lower, lower], 2, false),
            ([single, lower, single], 1, false), ([digits, lower, digits], 1, false), ([lower, lower, caps], 1, true),
            ([caps, lower, caps], 0, false), ([caps, caps, lower], 2, true),
        ]
        for (tokens, i, expected) in cases {
            let reference = [i - 1, i + 1].contains { k in
                k >= 0 && k < tokens.count && tokens[k].flags.contains(.allCaps) && tokens[k].flags.contains(.hasLetter)
                    && tokens[k].end - tokens[k].start > 1
            }
            XCTAssertEqual(reference, expected, "\(i)")
            XCTAssertEqual(tokens.withUnsafeBufferPointer { Gazetteer.besideCapitals($0, i) }, expected, "\(i)")
        }
    }
}
