@testable import Entex
import CSupport
import XCTest

/// The tokenizer's fast path (ASCII and Latin text without ICU) must give
/// exactly what ICU gives; these tests compare the two on generated text.
final class TokenizerFastPathTests: XCTestCase {
    /// Tokenizes `text` with both tokenizers and asserts the same tokens and keys.
    private func assertSameTokens(_ fast: Tokenizer, _ slow: Tokenizer, _ text: String, round: Int,
                                  file: StaticString = #filePath, line: UInt = #line) {
        var a = Document(id: "fast", text: text)
        var b = Document(id: "slow", text: text)
        fast.process(&a)
        slow.process(&b)
        XCTAssertEqual(a.tokens, b.tokens, "round \(round): \(text.debugDescription)", file: file, line: line)
        XCTAssertEqual(a.tokenKeys, b.tokenKeys, "round \(round): \(text.debugDescription)", file: file, line: line)
        XCTAssertEqual(a.keyHashes, b.keyHashes, "round \(round): \(text.debugDescription)", file: file, line: line)
        KeyHashTests.assertHashesOfKeys(a, "round \(round): \(text.debugDescription)", file: file, line: line)
    }

    private static let alphabet: [String] = [
        "a", "b", "Z", "x", "e", "0", "1", "9", "á", "É", "ñ", "Ü", "ç", "ő", "ſ", "Ł", "_", ".", ",", ";", ":",
        "'", "’", "‘", "“", "”", "«", "»", "¿", "¡", "—", "–", "…", "-", "/", "(", ")", "!", "?", "%", "&",
        "*", "+", "=", "<", ">", "[", "]", "|", "~", "^", "`", "\"", " ", " ", " ",
    ]

    func testFastPathPiecesEqualICUPieces() throws {
        let tokenizer = try Tokenizer(resources: TestSupport.resources.text)
        var g = Generator(state: 20261125)
        for round in 0..<3000 {
            let length = 1 + Int(g.next() % 24)
            let text = (0..<length).map { _ in g.pick(Self.alphabet) }.joined()
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { p in
                var fast: [Tokenizer.Piece] = []
                Tokenizer.asciiPieces(p, 0, p.count, into: &fast)
                var slow: [Tokenizer.Piece] = []
                var i = 0
                // ICU per chunk between ASCII spaces, as the tokenizer calls it.
                while i < p.count {
                    while i < p.count, p[i] == 0x20 { i += 1 }
                    var j = i
                    while j < p.count, p[j] != 0x20 { j += 1 }
                    if i < j { tokenizer.icuPieces(p, i, j, into: &slow) }
                    i = j
                }
                // ICU calls a lone "_" a word; both paths agree on every boundary.
                func describe(_ piece: Tokenizer.Piece) -> String {
                    let surface = text.utf8Slice(piece.start, piece.end)
                    let kind = surface.allSatisfy { $0 == "_" } ? "underscore" : piece.kind.name
                    return "\(surface)|\(kind)"
                }
                let f = fast.map(describe)
                let s = slow.map(describe)
                XCTAssertEqual(f, s, "round \(round): \(text.debugDescription)")
            }
            if testRun?.failureCount ?? 0 > 10 { break }
        }
    }

    /// Pieces that make words of every length, in both cases, with Latin-1
    /// letters (folded or not), letters ICU folds (ő ſ Ł), digits, sigils,
    /// repeated letters (elongations) and emoji.
    private static let wordParts: [String] = [
        "a", "b", "Z", "x", "E", "0", "7", "á", "É", "ñ", "Ü", "ç", "ß", "×", "ő", "ſ", "Ł", "_", "ooo", "aaaa",
        "iii", "NNN", "Ééé", "hola", "PRESIDENTE", "información", "Nicolás", "COVID", "-", "'", "’", ".", "@",
        "#", "$", "🇻🇪", "😀", "1️⃣", "ｎ", "ﬁ",
    ]

    func testWordAtATimeTokensEqualByteByByteTokens() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.wordAtATime = false
        var g = Generator(state: 20261126)
        for round in 0..<4000 {
            // Words of 1 to 24 pieces between spaces and punctuation, so that
            // tokens end at every distance from the end of the text.
            var text = ""
            for _ in 0..<(1 + Int(g.next() % 6)) {
                for _ in 0..<(1 + Int(g.next() % (g.next() % 2 == 0 ? 4 : 24))) { text += g.pick(Self.wordParts) }
                text += g.pick([" ", " ", ", ", ". ", "\n", "¿", " «", "» "])
            }
            if g.next() % 2 == 0 { text.removeLast() }
            assertSameTokens(fast, slow, text, round: round)
            if testRun?.failureCount ?? 0 > 10 { break }
        }
    }

    /// Words and what follows them: plain words (ASCII, Latin-1 letters
    /// folded or not, digits, elongations), joiners and merge rules (`. ' ’
    /// - _`, abbreviations, designations, possessives, ellipses), one-byte
    /// punctuation, white space and characters ICU handles.
    private static let plainWordParts: [String] = [
        "a", "Z", "x", "7", "0", "á", "É", "ñ", "Ü", "ß", "×", "ő", "ooo", "ÓÓÓ", "hola", "información", "Nicolás",
        "EE", "UU", "EE. ", "UU.", "Dr. ", "U", "DFH", "COVID", "'s", "’s", " ", " ", " ", "  ", "\n", "\t", " ", ".", "...", ",",
        ";", ":", "-", "_", "'", "’", "(", ")", "\"", "!", "?", "«", "»", "¿", "😀", "@", "#tag", "1,5",
        // Words listed as abbreviations (or their spaced prefixes), and words that are not, before a '.'.
        "Mr", "No", "no", "etc", "Sr", "op", "cit", "p", "ej", "et", "al", "SS", "MM", "Gen", "Calif", "Ph",
        "Ud", "Jan", "casa", "2019", "Ñ", "A", ". ", ".\n",
        // Words of 8 to 15 bytes (two 8-byte words) with every mix of case and digits, for the flags.
        "ABCDEFGHIJ", "abcdefghijk", "Abcdefgh", "a1B2c3D4e5", "12345678901", "ALLCAPS9X", "@[`{",
    ]

    func testPlainWordTokensEqualPiecesTokens() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.plainWords = false
        var g = Generator(state: 20261128)
        for round in 0..<8000 {
            let length = 1 + Int(g.next() % 40)
            var text = (0..<length).map { _ in g.pick(Self.plainWordParts) }.joined()
            // The plain-word path reads 8 bytes at a time and leaves the last few bytes to the pieces path.
            if g.next() % 2 == 0 { text += "         " }
            assertSameTokens(fast, slow, text, round: round)
            if testRun?.failureCount ?? 0 > 10 { break }
        }
    }

    /// Every letter of Latin-1 Supplement and Latin Extended-A (U+00C0–U+017F),
    /// in lower and upper case, with ASCII letters of both cases and digits:
    /// the plain-word path keys and flags the ones that fold to ASCII itself
    /// (`emitPlainWord`), the pieces path leaves the others to ICU.
    private static let latinLetters: [String] = (0xC0...0x17F).compactMap { value in
        guard let scalar = Unicode.Scalar(value), scalar.properties.isAlphabetic else { return nil }
        return String(Character(scalar))
    }

    func testLatinPlainWordTokensEqualPiecesTokens() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.plainWords = false
        let ascii = ["a", "n", "Z", "E", "x", "O", "0", "7", "ooo", "HOLA", "casa"]
        let after = [" ", "  ", "\n", ". ", ", ", "! ", "? ", ") ", "-", "'s ", "’", ":"]
        var g = Generator(state: 20261126)
        // Each letter alone, in both cases, after digits and inside words.
        var words: [String] = []
        for letter in Self.latinLetters {
            for form in [letter, letter.uppercased(), letter.lowercased()].reduce(into: [String](), { if !$0.contains($1) { $0.append($1) } }) {
                words += [form, "x\(form)y", "N\(form)Z", "2\(form)", "12\(form)a", "9\(form)B", "\(form)\(form)\(form)",
                          "informaci\(form)n", "ABCDEFG\(form)HIJ", "\(form)abcdefghijklmno"]
            }
        }
        for (round, word) in words.enumerated() {
            // Words at every distance from the end of the text, and followed by more text.
            let text = word + g.pick(after) + (round % 3 == 0 ? "" : "palabra más         ")
            assertSameTokens(fast, slow, text, round: round)
            if testRun?.failureCount ?? 0 > 10 { return }
        }
        // Random words of Latin letters, ASCII letters and digits in mixed case.
        for round in 0..<6000 {
            var text = ""
            for _ in 0..<(1 + Int(g.next() % 5)) {
                for _ in 0..<(1 + Int(g.next() % 12)) {
                    var part = g.next() % 3 == 0 ? g.pick(ascii) : g.pick(Self.latinLetters)
                    switch g.next() % 3 {
                    case 0: part = part.uppercased()
                    case 1: part = part.lowercased()
                    default: break
                    }
                    text += part
                }
                text += g.pick(after)
            }
            if g.next() % 2 == 0 { text += "         " }
            assertSameTokens(fast, slow, text, round: round)
            if testRun?.failureCount ?? 0 > 10 { break }
        }
    }

    /// Words whose first non-ASCII byte comes after 0 to 20 ASCII letters and
    /// digits: `emitPlainWords` hands what it read of them over to
    /// `emitPlainWord` (after one or two 8-byte words, or at 16 bytes),
    /// which must key and flag them as the pieces path does, whatever
    /// follows (a Latin letter that folds, one that does not, another
    /// character, punctuation, the end of the text).
    func testWordsHandedOverToEmitPlainWordEqualPiecesTokens() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.plainWords = false
        let asciiParts = ["a", "b", "Z", "E", "x", "0", "7", "ooo", "NN"]
        let next = ["á", "É", "ñ", "Ü", "ç", "ÿ", "ß", "×", "ő", "Ł", "’", "«", "😀", "é."]
        let rest = ["", "n", "nes", "ABC", "Ábc", "ooo", "2", ".", ", ", "-x", "'s", "é"]
        let after = ["", " ", "  ", ". ", ", ", "\n", " fin", " más         "]
        var g = Generator(state: 20261129)
        var round = 0
        for prefixLength in 0...20 {
            for _ in 0..<60 {
                var prefix = ""
                while prefix.utf8.count < prefixLength { prefix += g.pick(asciiParts) }
                prefix = String(prefix.prefix(prefixLength))
                let text = g.pick(["", "x ", "Una "]) + prefix + g.pick(next) + g.pick(rest) + g.pick(after)
                assertSameTokens(fast, slow, text, round: round)
                round += 1
                if testRun?.failureCount ?? 0 > 10 { return }
            }
        }
    }

    /// Short tokens that `emitOther` keys (punctuation beyond ASCII, symbols,
    /// emoji and emoji sequences, letters and words of other scripts, marks,
    /// compatibility forms whose key is longer than the token), more
    /// distinct ones than the memo has slots, repeated so that most come
    /// from the memo and slots are taken over.
    func testShortTokenMemoGivesTheTokensOfEmitOther() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.memoizesShortTokens = false
        let ranges: [ClosedRange<UInt32>] = [0xA1...0xBF, 0x300...0x36F, 0x370...0x3FF, 0x400...0x4FF, 0x2010...0x205E,
                                             0x2150...0x218B, 0x2460...0x24FF, 0xFB00...0xFB06, 0xFF01...0xFF5E,
                                             0x4E00...0x4FFF, 0x1F300...0x1F64F, 0x1F1E6...0x1F1FF]
        // Tokens of several characters too: emoji sequences, words ICU keys, digits with marks.
        let sequences = ["❤️", "🇪🇸", "🇻🇪", "👍🏻", "1️⃣", "#️⃣", "👨‍👩‍👧", "Straße", "STRASSE", "Москва", "МОСКВА", "日本",
                         "ǅemal", "ﬁnal", "½", "x²", "Ωmega", "ΑΘΗΝΑ", "Łódź", "ŁÓDŹ", "œuvre"]
        let characters = ranges.flatMap { $0.compactMap { Unicode.Scalar($0).map { String(Character($0)) } } } + sequences + sequences
        let between = [" ", " ", "  ", "\n", "a", "Z", "7", ". ", "é", "ñ"]
        var g = Generator(state: 20261127)
        for round in 0..<3000 {
            var text = ""
            for _ in 0..<(1 + Int(g.next() % 30)) { text += g.pick(characters) + g.pick(between) }
            assertSameTokens(fast, slow, text, round: round)
            if testRun?.failureCount ?? 0 > 10 { break }
        }
    }

    /// Hashtags followed by every character of U+00A0–U+017F and the
    /// punctuation the fast path knows, and random hashtags of Latin letters,
    /// marks, digits, emoji and punctuation: Latin letters and known
    /// punctuation taken without property look-ups give the same tokens.
    func testHashtagLatinFastPathEqualsPropertyLookUps() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.hashtagsKnowLatin = false
        let punctuation = ["’", "‘", "“", "”", "«", "»", "¿", "¡", "–", "—", "…", "\u{A0}"]
        let characters = (0xA0...0x17F).map { String(Character(Unicode.Scalar(UInt32($0))!)) } + punctuation
        var round = 0
        for c in characters {
            for text in ["#\(c)", "#a\(c)", "#Ñ\(c)b x", "hola #España\(c)\(c)1 y", "#\(c)\(c) #7\(c)"] {
                assertSameTokens(fast, slow, text, round: round)
                round += 1
            }
        }
        // ASCII runs shorter and longer than the 16 bytes the fast path classifies at once.
        let parts = characters + ["a", "Z", "0", "_", "\u{301}", "\u{903}", "٣", "😀", "ő", "Ω", " ", "#", ".",
                                  "abcXYZ019", "sofarsoundsLIVE2017", "0123456789012345"]
        var g = Generator(state: 20261130)
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<(1 + Int(g.next() % 4)) {
                text += g.pick(["#", " #", "x #", "@a #"])
                for _ in 0..<(1 + Int(g.next() % 8)) { text += g.pick(parts) }
            }
            assertSameTokens(fast, slow, text, round: round)
            round += 1
            if testRun?.failureCount ?? 0 > 10 { break }
        }
    }

    /// Pieces of text around special tokens: sigils, address characters,
    /// schemes, host names and TLDs, words with and without accents.
    private static let addressParts: [String] = [
        "a", "Z", "x", "0", "9", "ó", "ñ", "É", "ab", "RT", "hola", "Nicolás", " ", " ", "  ", "\n", "@", "#", "$",
        ".", ":", "-", "_", "%", "+", "/", "&", "'", "\"", "(", ")", "?", "=", "!", ",", "http://", "https://", "www.",
        ".com", ".es", ".co.uk", "bit.ly", "t.co/", "pic.twitter.com/", "info@", "jane.doe+news@", "@el_pais",
        "#ÚltimoMinuto", "$AAPL", "$BRK.A", "&amp;", "😀", "¿", "…",
    ]

    func testSkippingScanFindsTheSameSpecialTokens() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.scanSkipsAhead = false
        var g = Generator(state: 20261127)
        for round in 0..<6000 {
            let length = 1 + Int(g.next() % 30)
            let text = (0..<length).map { _ in g.pick(Self.addressParts) }.joined()
            assertSameTokens(fast, slow, text, round: round)
            if testRun?.failureCount ?? 0 > 10 { break }
        }
    }

    /// Tokens that end within 8 bytes of the end of the text (a tweet's
    /// closing URL, hashtag or word, with accents, emoji or other scripts):
    /// copied and read word at a time, they give what the byte loop gives.
    private static let closingParts: [String] = [
        "https://t.co/AbCdEf123", "http://bit.ly/x", "www.example.com/Ruta", "pic.twitter.com/XyZ", "#ÚltimoMinuto",
        "#COVID19", "@el_pais", "$AAPL", "información", "NICOLÁS", "Düsseldorf", "ОБНОВЛЕНИЕ", "😀", "👉🏽", "ｎｉｃｏ",
        "siiiiii", "Ééééé", "a", "Z", "9", " ", " ", ".", "…", "!", "\n",
    ]

    func testTokensNearTheEndEqualByteByByteTokens() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.wordAtATime = false
        var g = Generator(state: 20261129)
        for round in 0..<4000 {
            let head = (0..<Int(g.next() % 4)).map { _ in g.pick(Self.addressParts) }.joined()
            let tail = (0..<(1 + Int(g.next() % 5))).map { _ in g.pick(Self.closingParts) }.joined()
            assertSameTokens(fast, slow, head + " " + tail, round: round)
            if testRun?.failureCount ?? 0 > 10 { break }
        }
    }

    /// Chunks ICU takes (emoji, a lone U+FE0F, other scripts, currency
    /// signs), repeated so that most are found in the chunk memo.
    private static let icuChunkParts: [String] = [
        "\u{FE0F}", "👉", "🔴", "▶️", "➡️", "•", "£", "£5m", "€20", "о", "Привет", "・", "🇻🇪", "🇺🇸", "1️⃣", "I\u{FE0F}",
        "ő", "ſ", "Ł", "😀😀", "👉🏽", "👨‍👩‍👧", "a", "Z", "9", "hola", "Nicolás", ".", "…", "#", "@", "'s", "’", "-",
        " ", " ", " ", "\n",
    ]

    func testChunkMemoGivesICUPieces() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.memoizesChunks = false
        var g = Generator(state: 20261130)
        for round in 0..<5000 {
            let length = 1 + Int(g.next() % 16)
            let text = (0..<length).map { _ in g.pick(Self.icuChunkParts) }.joined()
            assertSameTokens(fast, slow, text, round: round)
            if testRun?.failureCount ?? 0 > 10 { break }
        }
        XCTAssertGreaterThan(fast.chunkMemo.count, 100, "the memo was filled")
        XCTAssertEqual(slow.chunkMemo.count, 0)
    }

    /// Text of every kind the tokenizer meets: plain words, words with
    /// joiners and merge rules, special tokens (handles, hashtags, cashtags,
    /// URLs, e-mail addresses, "RT @"), their look-alikes, ICU chunks, and
    /// white space of every kind, so that special tokens start and end at
    /// every place in a chunk, next to plain words and pending pieces.
    private static let chunkParts: [String] = addressParts + plainWordParts + closingParts + icuChunkParts + [
        "RT @user: ", "RT ", "rt", "@", "#", "$", "a@b", "x.@NASA", "(@el_pais)", "#tag's", "@user's", "EE. UU. @x",
        "Mr.@x", "abc.#tag", "http://x.co/a.", "www.x.com,", "a@b.com's", " ", " ", "\n", "\t", "\u{A0}",
    ]

    func testChunkByChunkScanFindsWhatTheWholeTextScanFinds() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.scansByChunk = false
        let fastPieces = try Tokenizer(resources: TestSupport.resources.text)
        fastPieces.plainWords = false
        let slowPieces = try Tokenizer(resources: TestSupport.resources.text)
        slowPieces.plainWords = false
        slowPieces.scansByChunk = false
        var g = Generator(state: 20261126_7)
        for round in 0..<12000 {
            let length = 1 + Int(g.next() % 30)
            var text = (0..<length).map { _ in g.pick(Self.chunkParts) }.joined()
            if g.next() % 3 == 0 { text += "         " }
            assertSameTokens(fast, slow, text, round: round)
            assertSameTokens(fastPieces, slowPieces, text, round: round)
            if testRun?.failureCount ?? 0 > 10 { break }
        }
    }

    func testNextSigilOrAddressByteEqualsAByteLoop() {
        let bytes: [UInt8] = Array(0...255)
        for orSpace in [false, true] {
            var g = Generator(state: orSpace ? 8 : 7)
            for _ in 0..<3000 {
                // Mostly letters, so that the first hit falls at every distance.
                let text = (0..<Int(g.next() % 40)).map { _ in g.next() % 4 == 0 ? g.pick(bytes) : UInt8(ascii: "a") }
                text.withUnsafeBufferPointer { p in
                    for start in 0...p.count {
                        var expected = start
                        while expected < p.count, !(p[expected] == 0x23 || p[expected] == 0x24 || ByteClass.mayContinueAddress(p[expected])
                                                    || (orSpace && ByteClass.isSpace(p[expected]))) {
                            expected += 1
                        }
                        let found = orSpace ? ByteClass.nextSigilOrAddressByte(p, from: start, orSpace: true)
                                            : ByteClass.nextSigilOrAddressByte(p, from: start)
                        XCTAssertEqual(found, expected, "\(text) from \(start), orSpace \(orSpace)")
                    }
                }
                if testRun?.failureCount ?? 0 > 10 { break }
            }
        }
    }

    func testTripledLetterCheckFindsEveryRun() {
        // Keys of 3 to 40 bytes with one run of three equal letters (or of
        // equal non-letters) at every position, and keys without any.
        for count in 3...40 {
            for at in 0...(count - 3) {
                for (fill, expected) in [(UInt8(ascii: "e"), true), (UInt8(ascii: "1"), false), (UInt8(ascii: "."), false)] {
                    var key = (0..<count).map { UInt8(ascii: "a") + UInt8($0 % 2) }
                    key[at] = fill; key[at + 1] = fill; key[at + 2] = fill
                    key += Array(repeating: 0xEE, count: 8)  // readable bytes past the key
                    let found = key.withUnsafeBufferPointer { Tokenizer.hasTripledLetter($0.baseAddress!, count) }
                    XCTAssertEqual(found, expected, "count \(count), run at \(at) of \(fill)")
                }
            }
            var plain = (0..<count).map { UInt8(ascii: "a") + UInt8($0 % 2) } + Array(repeating: 0x61, count: 8)
            plain[count - 1] = UInt8(ascii: "z")
            let found = plain.withUnsafeBufferPointer { Tokenizer.hasTripledLetter($0.baseAddress!, count) }
            XCTAssertFalse(found, "count \(count) without a run (letters after the key ignored)")
        }
    }

    func testClassifyWord16EqualsTheByteLoops() {
        // Sixteen bytes of every value, and of the bytes around the letter and digit
        // ranges (runs are common), with 0 to 16 of them readable: the bytes past
        // those count as zero, whatever the buffer holds there or before them.
        let edges: [UInt8] = [0x2F, 0x30, 0x39, 0x3A, 0x40, 0x41, 0x5A, 0x5B, 0x60, 0x61, 0x7A, 0x7B, 0x7F, 0x80,
                              0xC1, 0xC3, 0xE1, 0xFA, 0xFF, 0x00, 0x20, 0x5F]
        var g = Generator(state: 20261127)
        for round in 0..<40000 {
            let bytes = (0..<16).map { _ in round % 3 == 0 ? UInt8(truncatingIfNeeded: g.next()) : g.pick(edges) }
            let readable = round % 4 == 0 ? Int(g.next() % 17) : 16
            var upper: UInt32 = 0, lower: UInt32 = 0, digit: UInt32 = 0, tripled: UInt32 = 0
            var key = (0..<16).map { $0 < readable ? bytes[$0] : 0 }
            for k in 0..<16 {
                let b = key[k]
                if ByteClass.isUpper(b) { upper |= 1 << k; key[k] = b | 0x20 } else if ByteClass.isLower(b) { lower |= 1 << k }
                else if ByteClass.isDigit(b) { digit |= 1 << k }
            }
            for k in 0..<14 where key[k] == key[k + 1] && key[k] == key[k + 2] { tripled |= 1 << k }
            let words = (0..<2).map { w in (0..<8).reduce(UInt64(0)) { $0 | UInt64(key[8 * w + $1]) << UInt64(8 * $1) } }
            let expected = [words[0], words[1], UInt64(upper), UInt64(lower), UInt64(digit), UInt64(tripled)]
            // Garbage past the readable bytes, which neither function may take, after
            // 0 to 16 readable bytes (the short tail of a longer text is loaded with those).
            let before = Int(g.next() % 17)
            let buffer = [UInt8](repeating: 0x41, count: before) + bytes.enumerated().map { $0.offset < readable ? $0.element : 0x61 }
            for scalar in [false, true] {
                let w = buffer.withUnsafeBufferPointer {
                    scalar ? entex_classify_word16_scalar($0.baseAddress! + before, readable, before)
                           : entex_classify_word16($0.baseAddress! + before, readable, before)
                }
                XCTAssertEqual([w.key0, w.key1, UInt64(w.upper), UInt64(w.lower), UInt64(w.digit), UInt64(w.tripled)], expected,
                               "round \(round), scalar \(scalar): \(bytes), \(readable) readable, \(before) before")
            }
            if testRun?.failureCount ?? 0 > 10 { break }
        }
    }

    /// ASCII words of 1 to 20 bytes (`emitPlainWords` keys those of up to
    /// 16 from one 16-byte load), with runs of three letters at every place
    /// and in either case, followed by white space, punctuation, a Latin-1
    /// letter, a special token or the end of the text, at every distance
    /// from the end, give the tokens of the pieces path.
    func testPlainWordsOfEveryLengthEqualPiecesTokens() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.plainWords = false
        let letters: [UInt8] = Array("aAbB0z9".utf8)
        let after = ["", " ", "  ", ". ", ".", ", ", ",", "!", "-", "'s ", "é ", "á", "@x ", "#tag", "$AB ", "http://a.co ",
                     ".com", "_x", "\n", " fin"]
        var g = Generator(state: 20261201)
        var round = 0
        for length in 1...20 {
            for _ in 0..<150 {
                var word = (0..<length).map { _ in g.pick(letters) }
                if length >= 3, g.next() % 2 == 0 {
                    let at = Int(g.next() % UInt64(length - 2))
                    let letter = g.pick(Array("aAbB".utf8))
                    for k in at..<(at + 3) { word[k] = g.next() % 2 == 0 ? letter | 0x20 : letter & ~0x20 }
                }
                let text = g.pick(["", "x ", "Una "]) + String(decoding: word, as: UTF8.self) + g.pick(after)
                    + (g.next() % 3 == 0 ? "" : String(repeating: " ", count: Int(g.next() % 18)))
                assertSameTokens(fast, slow, text, round: round)
                round += 1
                if testRun?.failureCount ?? 0 > 10 { return }
            }
        }
    }

    /// Runs of short words, as `emitPlainWords` takes them one after another:
    /// words of 1 to 17 bytes after one or more spaces or a newline, followed
    /// by punctuation, an abbreviation's '.', a Latin-1 letter, an apostrophe
    /// or hyphen, three identical letters, a special token (which ends the run
    /// of plain words before the end of the text), at every distance from the
    /// end, give the tokens of the pieces path.
    func testRunsOfShortWordsEqualPiecesTokens() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let pieces = try Tokenizer(resources: TestSupport.resources.text)
        pieces.plainWords = false
        let letters: [UInt8] = Array("aAbBzZ09".utf8)
        let words = ["a", "I", "of", "the", "Dr", "U", "US", "said", "Obama", "NASA", "2026", "x9", "COVID", "sooo", "Aaab",
                     "información", "Nicolás", "it's", "well-known", "ñu", "é", "snake_case", "abcdefghijklmno", "ABCDEFGHIJKLMNOPQ"]
        let after = [" ", " ", " ", "  ", "\n", ". ", ", ", "! ", "? ", ": ", ") ", "; ", ".", ",", "-", "'s ", "’", "( ", " - ",
                     " @user ", " #tag ", " http://a.co ", " (", " \"", "é ", "  \t "]
        var g = Generator(state: 20261202)
        for round in 0..<12000 {
            let text = Self.runOfWords(&g, starts: ["", " ", "x ", "Una "], maxWords: 8, maxLength: 17,
                                       letters: letters, words: words, after: after)
            assertSameTokens(fast, pieces, text, round: round)
            if testRun?.failureCount ?? 0 > 10 { return }
        }
    }

    /// A text of 1 to `maxWords` words, each followed by a pick of `after`: a third of
    /// them made of 1 to `maxLength` bytes of `letters` (a quarter of those with three
    /// identical letters in a row, of mixed case), the rest picked from `words`; after a
    /// pick of `starts`, and a third of the time trailing white space.
    static func runOfWords(_ g: inout Generator, starts: [String], maxWords: UInt64, maxLength: UInt64,
                           letters: [UInt8], words: [String], after: [String]) -> String {
        var text = g.pick(starts)
        for _ in 0..<(1 + Int(g.next() % maxWords)) {
            if g.next() % 3 == 0 {
                let length = 1 + Int(g.next() % maxLength)
                var word = (0..<length).map { _ in g.pick(letters) }
                if length >= 3, g.next() % 4 == 0 {
                    let at = Int(g.next() % UInt64(length - 2))
                    let letter = g.pick(Array("aAbB".utf8))
                    for k in at..<(at + 3) { word[k] = g.next() % 2 == 0 ? letter | 0x20 : letter & ~0x20 }
                }
                text += String(decoding: word, as: UTF8.self)
            } else {
                text += g.pick(words)
            }
            text += g.pick(after)
        }
        if g.next() % 3 == 0 { text += String(repeating: " ", count: Int(g.next() % 18)) }
        return text
    }

    /// ASCII tokens of 9 to 16 bytes, which `emit` keys from one vector
    /// (`emitMediumASCII`): hashtags, handles, cashtags, URLs and words the
    /// pieces path emits, of every case, with and without three identical
    /// letters, at every distance from the end of the text, give the tokens
    /// of the byte-by-byte path.
    func testMediumASCIITokensEqualByteByByteTokens() throws {
        let fast = try Tokenizer(resources: TestSupport.resources.text)
        let slow = try Tokenizer(resources: TestSupport.resources.text)
        slow.wordAtATime = false
        let letters: [UInt8] = Array("aAbBzZ09_".utf8)
        var g = Generator(state: 20261127)
        for round in 0..<6000 {
            let length = 5 + Int(g.next() % 16)
            var word = (0..<length).map { _ in g.pick(letters) }
            if g.next() % 3 == 0 {
                let at = Int(g.next() % UInt64(length - 2))
                let letter = g.pick(Array("aAbB".utf8))
                for k in at..<(at + 3) { word[k] = g.next() % 2 == 0 ? letter | 0x20 : letter & ~0x20 }
            }
            let token = g.pick(["#", "@", "$", "", "x-", "(", "https://t.co/", "www."]) + String(decoding: word, as: UTF8.self)
            let text = g.pick(["", "a ", "RT ", "¿"]) + token + g.pick(["", " ", ".", "…", "-b", "é", ".com", " fin", "'s"])
            assertSameTokens(fast, slow, text, round: round)
            if testRun?.failureCount ?? 0 > 10 { return }
        }
    }

    /// The C plain-word loop (`entex_plain_words`) writes tokens as `Token`
    /// lays them out, with `TokenKind`'s raw values.
    func testTokenLayoutIsTheCLoops() {
        XCTAssertEqual(MemoryLayout<Token>.size, 18)
        XCTAssertEqual(MemoryLayout<Token>.stride, MemoryLayout<entex_token>.stride)
        XCTAssertEqual(MemoryLayout<Token>.offset(of: \Token.start), MemoryLayout<entex_token>.offset(of: \entex_token.start))
        XCTAssertEqual(MemoryLayout<Token>.offset(of: \Token.end), MemoryLayout<entex_token>.offset(of: \entex_token.end))
        XCTAssertEqual(MemoryLayout<Token>.offset(of: \Token.keyStart), MemoryLayout<entex_token>.offset(of: \entex_token.key_start))
        XCTAssertEqual(MemoryLayout<Token>.offset(of: \Token.keyEnd), MemoryLayout<entex_token>.offset(of: \entex_token.key_end))
        XCTAssertEqual(MemoryLayout<Token>.offset(of: \Token.kind), MemoryLayout<entex_token>.offset(of: \entex_token.kind))
        XCTAssertEqual(MemoryLayout<Token>.offset(of: \Token.flags), MemoryLayout<entex_token>.offset(of: \entex_token.flags))
        for kind in TokenKind.allCases {
            XCTAssertEqual(unsafeBitCast(kind, to: UInt8.self), kind.rawValue)
        }
        XCTAssertEqual([TokenKind.word, .number, .punct, .symbol].map(\.rawValue), [0, 1, 2, 3])
    }

    /// The C loop's byte classes are `ByteClass`'s white space and punctuation.
    func testPlainWordLoopClassesEqualByteClass() {
        for b in 0..<256 {
            let bits = withUnsafeBytes(of: entex_tok_class) { $0[b] }
            XCTAssertEqual(bits & 1 != 0, ByteClass.table[b] & ByteClass.spaceBit != 0, "byte \(b)")
            XCTAssertEqual(bits & 2 != 0, ByteClass.table[b] & ByteClass.punctBit != 0, "byte \(b)")
        }
    }

    /// Tokenizers with the C loop's SSE2 path and (where the processor has it)
    /// its AVX2 path, and one without the C loop, the reference.
    private static func plainWordLoopsAndSwift() throws -> (swift: Tokenizer, loops: [Tokenizer]) {
        let swift = try Tokenizer(resources: TestSupport.resources.text)
        swift.plainWordLoop = 0
        let sse2 = try Tokenizer(resources: TestSupport.resources.text)
        sse2.plainWordLoop = 2
        let avx2 = try Tokenizer(resources: TestSupport.resources.text)
        avx2.plainWordLoop = 3
        return (swift, entex_plain_words_has_avx2() != 0 ? [sse2, avx2] : [sse2])
    }

    /// 12 000 runs of words (`runOfWords`) through every loop of `loops`: the
    /// tokens of `swift`. Stops after 10 failures.
    private func assertRunsOfWords(_ loops: [Tokenizer], _ swift: Tokenizer, _ g: inout Generator, letters: [UInt8],
                                   words: [String], after: [String]) {
        for round in 0..<12000 {
            let text = Self.runOfWords(&g, starts: ["", " ", "x ", "Una ", "é ", "—", "@a "], maxWords: 12, maxLength: 18,
                                       letters: letters, words: words, after: after)
            for loop in loops { assertSameTokens(loop, swift, text, round: round) }
            if testRun?.failureCount ?? 0 > 10 { return }
        }
    }

    /// Runs of words as `testRunsOfShortWordsEqualPiecesTokens` makes them,
    /// and texts shorter and longer than 16 bytes, through the C loop's SSE2
    /// and AVX2 paths (where the processor has it) and without the C loop:
    /// the same tokens, keys and hashes, also when the token buffer fills up.
    func testPlainWordLoopsEqualTheSwiftPath() throws {
        let (swift, loops) = try Self.plainWordLoopsAndSwift()
        let letters: [UInt8] = Array("aAbBzZ09".utf8)
        let words = ["a", "I", "of", "the", "Dr", "U", "US", "said", "Obama", "NASA", "2026", "x9", "COVID", "sooo", "Aaab",
                     "información", "Nicolás", "it's", "well-known", "ñu", "é", "snake_case", "abcdefghijklmno", "ABCDEFGHIJKLMNOP",
                     "ABCDEFGHIJKLMNOPQ", "1.5", "3,000", "e.g.", "x+y", "@user", "#tag", "😀", "“quoted”", "a.m."]
        let after = [" ", " ", " ", "  ", "\n", ". ", ", ", "! ", "? ", ": ", ") ", "; ", ".", ",", "-", "'s ", "’", "( ", " - ",
                     " @user ", " #tag ", " http://a.co ", " (", " \"", "é ", "  \t ", "$ ", "% ", "+ ", "| ", "\u{A0}"]
        var g = Generator(state: 20261203)
        assertRunsOfWords(loops, swift, &g, letters: letters, words: words, after: after)
        if testRun?.failureCount ?? 0 > 10 { return }
        // Far more tokens than the reserved buffer holds (a text's length / 4 + 16): the loop stops
        // where the buffer would overflow, and the Swift path grows it.
        let dense = (0..<3000).map { _ in g.pick(["a", "b,", "I", "x.", "9"]) }.joined(separator: " ")
        for loop in loops { assertSameTokens(loop, swift, dense, round: -1) }
    }

    /// Words with Latin-1 letters (of every case, with digits, long, elongated,
    /// not folding to ASCII, before punctuation and at the end) and words before
    /// a '.' (abbreviations and initials of the lists, and words that are none),
    /// which the C loop takes where it can (`latin_word`, the abbreviation
    /// filter): the tokens of the Swift path. Every entry of the abbreviation
    /// lists with its '.' is tried in the middle and at the end of a text.
    func testPlainWordLoopsTakeLatinWordsAndFullStopsAsTheSwiftPath() throws {
        let (swift, loops) = try Self.plainWordLoopsAndSwift()
        let words = ["información", "Nicolás", "MÉXICO", "Él", "ÉL", "ñu", "é", "É", "1é", "é1", "2ºC", "áéíóúñüç", "ÁÉÍÓÚÑÜÇ",
                     "aéééb", "ééé", "Ééé", "internacionalización", "Constitución", "señorías", "a×b", "×", "÷", "straße",
                     "ÿ", "Ÿ", "À", "Þ", "þ", "Øslo", "naïve", "café", "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏ", "àáâãäåæçèéêëìíîïð", "Ðð",
                     "Dr", "Sr", "Sra", "EE", "UU", "No", "no", "etc", "p", "J", "x", "US", "Obama", "said", "Jan", "Inc",
                     "Mr", "St", "vs", "Gral", "Av", "a", "I", "2026", "abcdefghijklmnop", "ABCDEFGHIJKLMNOPQ", "sooo",
                     "pág", "Pág", "PÁG", "págs", "núm", "Dña", "dña", "Cía", "cía", "Mª", "aprox", "además", "Perú", "aéééb",
                     "ÁÉÍÓÚÑÜÇáéíóúñüç",
                     // Runs of ASCII letters and digits of 15 and 16 bytes (`latin_word` keys 16 at a time) around one.
                     "abcdefghijklmnoé", "abcdefghijklmnopé", "éabcdefghijklmno", "éabcdefghijklmnop", "ABCDEFGHIJKLMNÓP",
                     "a1b2c3d4e5f6g7h8ñ", "ñ0123456789012345"]
        let after = [" ", " ", " ", ". ", ".", ". ", ".", ", ", ",", "! ", "' ", "- ", "_ ", "'s ", ".\n", ". x", "..", ".)", "\u{A0}",
                     "é ", "  ", "\t", ": ", ") ", "$ "]
        let letters: [UInt8] = Array("aAbBzZ09".utf8)
        var g = Generator(state: 20261127)
        assertRunsOfWords(loops, swift, &g, letters: letters, words: words, after: after)
        if testRun?.failureCount ?? 0 > 10 { return }
        let text = TestSupport.resources.text
        for table in [text.abbreviations, text.abbreviationPrefixes] {
            for id in 0..<table.count {
                let start = id == 0 ? 0 : Int(table.ends[id - 1]), end = Int(table.ends[id])
                let entry = String(decoding: table.pool[start..<end], as: UTF8.self)
                for sample in ["Es " + entry + " Juan y más texto aquí", "Es " + entry, entry + " " + entry.uppercased() + " " + entry.lowercased()] {
                    for loop in loops { assertSameTokens(loop, swift, sample, round: -2) }
                }
            }
        }
    }

    /// Hashtags and handles of every length around the C loop's 16 and 32 bytes (of
    /// letters, digits and '_', digits alone, the sigil alone), lone symbols,
    /// and "RT" before a handle, followed by what ends them or goes on from
    /// them (punctuation, white space, the end, non-ASCII letters and
    /// punctuation, another sigil), in runs of words: the C loops give the
    /// tokens of the Swift path and of the whole-text scan with ICU's pieces.
    func testPlainWordLoopsTakeHashtagsHandlesAndLoneSymbolsAsTheSwiftPath() throws {
        let body: [UInt8] = Array("aAzZ09_".utf8)
        let words = ["a", "I", "RT", "rt", "Rt", "xRT", "the", "Obama", "said", "é", "2026", "|", "-", "$", "%", "&", "(", ")",
                     ".", "_", "!", "'", "\"", "#", "@", "#123", "#_", "@_", "#_1", "$AAPL", "##a", "@@a", "#a#b", "@a@b.com"]
        let after = [" ", " ", " ", "  ", "\n", ",", ", ", ".", ". ", "..", "… ", "…", "’s ", "'s ", "! ", "!!", "#b ", "@b ",
                     "é ", "ñ", "\u{A0}", "« ", "😀 ", ": ", ":", "- ", "-", "_ ", ") ", "\t", "x.com ", "$ ", "| "]
        try assertLoopsAgreeOnGeneratedTexts(seed: 20261128_19, starts: ["", " ", "x ", "RT ", "é ", "—", "#a", "@"]) { g in
            if g.next() % 2 == 0 {
                let length = Int(g.next() % 36)
                return g.pick(["#", "@"]) + String(decoding: (0..<length).map { _ in g.pick(body) }, as: UTF8.self) + g.pick(after)
            }
            return g.pick(words) + g.pick(after)
        }
    }

    /// Lone symbols, hashtags and handles of every body length up to 17 bytes
    /// (letters, digits and '_'), after "RT " and other starts, before white
    /// space, the end, punctuation, "…" or a letter, at every distance from
    /// the end of the text up to 20 bytes: the C loops take the common ones
    /// in their word loop (`take_lone_symbol`, `take_sigil_word`, in its
    /// 16-byte part and in its part near the end) and the others through
    /// `sigil_or_symbol`; all give the tokens of the Swift path and of the
    /// whole-text scan with ICU's pieces.
    func testPlainWordLoopsTakeLoneSymbolsHashtagsAndHandlesInTheWordLoopAsTheSwiftPath() throws {
        let (swift, loops) = try Self.plainWordLoopsAndSwift()
        let pieces = try Tokenizer(resources: TestSupport.resources.text)
        pieces.plainWords = false
        pieces.scansByChunk = false
        let body: [UInt8] = Array("aZ0_bY9".utf8)
        let filler = " xy zw uv ts rq po nm lk"
        var g = Generator(state: 20261128_23)
        var round = 0
        for sigil in ["#", "@", "&", "|", "-", ".", "_", "$"] {
            for length in 0...17 {
                for distance in 0...20 {
                    let word = sigil + String(decoding: (0..<length).map { _ in g.pick(body) }, as: UTF8.self)
                    let text = g.pick(["", " ", "x ", "RT ", "rt ", "xRT ", "é "]) + word
                        + g.pick([" ", " ", "\n", "", ",", "…", "! ", "é", "#"]) + String(filler.prefix(distance))
                    for loop in loops {
                        assertSameTokens(loop, swift, text, round: round)
                        assertSameTokens(loop, pieces, text, round: round)
                    }
                    round += 1
                    if testRun?.failureCount ?? 0 > 10 { return }
                }
            }
        }
    }

    /// 12 000 texts of a start and 1–12 generated words (`word`), sometimes
    /// with white space after: the C loops give the tokens of the Swift path
    /// and of the whole-text scan with ICU's pieces on each.
    private func assertLoopsAgreeOnGeneratedTexts(seed: UInt64, starts: [String], word: (inout Generator) -> String,
                                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let (swift, loops) = try Self.plainWordLoopsAndSwift()
        let pieces = try Tokenizer(resources: TestSupport.resources.text)
        pieces.plainWords = false
        pieces.scansByChunk = false
        var g = Generator(state: seed)
        for round in 0..<12000 {
            var text = g.pick(starts)
            for _ in 0..<(1 + Int(g.next() % 12)) { text += word(&g) }
            if g.next() % 3 == 0 { text += String(repeating: " ", count: Int(g.next() % 18)) }
            for loop in loops {
                assertSameTokens(loop, swift, text, round: round, file: file, line: line)
                assertSameTokens(loop, pieces, text, round: round, file: file, line: line)
            }
            if testRun?.failureCount ?? 0 > 10 { return }
        }
    }

    /// Words with an apostrophe (contractions, possessives of every length and
    /// case, with digits, elongated, two apostrophes) and words after a quote
    /// or a parenthesis, before punctuation, a '.' (abbreviations among them),
    /// white space and the end, in runs of words: the C loops give the tokens
    /// of the Swift path and of the whole-text scan with ICU's pieces.
    func testPlainWordLoopsTakeContractionsAndQuotedWordsAsTheSwiftPath() throws {
        let words = ["don't", "it's", "It's", "IT'S", "China's", "CHINA'S", "Obama'S", "x's", "ab's", "abc's", "rock'n'roll", "90's",
                     "9a's", "it's9", "sooo's", "Sooo's", "baaad's", "I'm", "y'all", "o'clock", "O'Neill", "abcdefghijklm's",
                     "abcdefghijklmn's", "abcdefg'hijklmno", "a'b'", "a'", "'a", "\"Yes", "(Reuters", "'90s", "\"don't", "(a", "\"",
                     "'", "(", "(@user", "\"#tag", "(Nicolás", "\"información", "(US", "\"Dr", "(EE", "\"abcdefghijklmnop",
                     "\"abcdefghijklmnopq", "(sooo", "the", "said", "Obama", "2026"]
        let after = [" ", " ", " ", "  ", "\n", ",", ", ", ".", ". ", "..", ".\"", "\" ", ") ", ")", "!", "! ", "'", "' ", "-",
                     "’s ", "é ", "\u{A0}", "… ", ":", "; ", "_ ", "\t"]
        try assertLoopsAgreeOnGeneratedTexts(seed: 20261128_20, starts: ["", " ", "x ", "é ", "—", "\"", "'", "'9", "'#a", "'@a", "'é"]) { g in
            g.pick(words) + g.pick(after)
        }
    }

    /// Words, hashtags and handles before "…" (a truncated tweet's last
    /// word), "…" and U+FE0F alone, and what is not taken with them (other
    /// characters after "…", U+FE0F before a word, elongations, words of 16
    /// bytes and more), before white space and the end, in runs of words: the
    /// C loops give the tokens of the Swift path and of the whole-text scan
    /// with ICU's pieces.
    func testPlainWordLoopsTakeEllipsesAndLoneVariationSelectorsAsTheSwiftPath() throws {
        let words = ["the", "said", "Obama", "OBAMA", "2026", "a", "I", "sooo", "abcdefghijklmno", "abcdefghijklmnop",
                     "abcdefghijklmnopq", "#tag", "#Tag1", "@user", "RT @user", "#123", "#abcdefghijklmnop", "é", "Nicolás", "x's",
                     "\u{2026}", "\u{FE0F}", "\u{FE0F}\u{FE0F}", "\u{FE0F}a", "\u{2764}", "\u{2764}\u{FE0F}", "\u{201C}a", ".", "(a",
                     "U.S", "a,", "#a,"]
        let after = [" ", " ", " ", "  ", "\n", "\u{2026}", "\u{2026} ", "\u{2026} ", "\u{2026}\u{2026} ", "\u{2026}x ", "\u{2026}.",
                     "\u{2026}\u{FE0F} ", "\u{2026}\u{A0}", "\u{FE0F} ", ", ", ".", "\u{2026}\t", "_\u{2026} ", "'s\u{2026} ",
                     "\u{201D} ", "\u{201D}", "\u{201D}. ", "\u{201D}.", "\u{201D},", "\u{201D}!\n", "\u{201D}) ", "\u{201D}- ", "\u{201D}' ",
                     "\u{201D}_ ", "\u{201D}$ ", "\u{201D}.. ", "\u{201D},x ", "\u{201D}.\u{201D} ", "\u{201D}\u{2026} ", "\u{201D}:\t"]
        try assertLoopsAgreeOnGeneratedTexts(seed: 20261128_21, starts: ["", " ", "x ", "\u{2026}", "\u{FE0F}", "—"]) { g in
            g.pick(words) + g.pick(after)
        }
    }

    /// Words before two to four ASCII punctuation and symbol bytes (quotes
    /// after commas, "!!!", '.' first after abbreviations and initials and
    /// not, ellipses, joiners among them, sigils), and "&amp;" alone and
    /// otherwise, before white space, the end and other bytes, in runs of
    /// words: the C loops give the tokens of the Swift path and of the
    /// whole-text scan with ICU's pieces.
    func testPlainWordLoopsTakeWordsBeforePunctuationRunsAndAmpersandEntitiesAsTheSwiftPath() throws {
        let words = ["the", "said", "Obama", "OBAMA", "2026", "a", "I", "J", "sooo", "Dr", "dr", "EE", "UU", "etc", "abcdefghijklmno",
                     "abcdefghijklmnop", "é", "Nicolás", "x's", "#tag", "@user", "&amp;", "&amp", "&AMP;", "x&amp;", "&amp;;", "&", "(a"]
        let after = [" ", " ", " ", "\n", ",\" ", ",\"", "\", ", "\".", ".\"", "!!", "!! ", "!!!", "!!!!", "?!", "?\" ", ").", "),",
                     ":)", "..", "...", ".,.", ". .", ",'", "-,", "_!", ",-", "!_", "$$", "#!", "@@", "!\u{2026}", "%.", ",\"a",
                     "\"\u{A0}", "!?\t", ";;", ",.", ".,", "&amp;", " &amp; ", "\u{FE0F}", ",\u{2026}", ",\u{2026} ", ",\u{2026}\n",
                     "!!\u{2026} ", ".\u{2026} ", "..\u{2026} ", ",.\u{2026} ", ",\"\u{2026}", "!!!\u{2026}", ",\u{2026}x ", ",\u{2026}\u{2026} ",
                     ",\u{2026}.", "'\u{2026} ", "-\u{2026} ", ")\u{2026}\u{A0}"]
        try assertLoopsAgreeOnGeneratedTexts(seed: 20261128_22, starts: ["", " ", "x ", "&amp; ", "—"]) { g in
            g.pick(words) + g.pick(after)
        }
    }

    /// Hyphenated words (of every length around 15 bytes a side, designations
    /// "F-16" among them, elongated, several hyphens, a '.' after them that
    /// may end an abbreviation, non-ASCII letters) before punctuation, white
    /// space and the end, in runs of words: the C loops give the tokens of
    /// the Swift path and of the whole-text scan with ICU's pieces.
    func testPlainWordLoopsTakeHyphenatedWordsAsTheSwiftPath() throws {
        let words = ["well", "Well", "WELL", "F", "COVID", "abcdefghi", "9", "2026", "e", "Jean", "sooo", "abcdefghijklmno",
                     "abcdefghijklmnop", "é", "x's", "#tag", "-", "the"]
        let after = [" ", " ", "-known ", "-Known", "-KNOWN, ", "-16 ", "-19", "-a ", "-a", "-", "- ", "-a-b ", "-sooo ", "-a.", "-a. ",
                     "-Dr. ", "-Dr.", "-J. ", "-etc. ", "-abcdefghijklmno ", "-abcdefghijklmnop ", "-é ", "-aé ", "-a'", "-a's ",
                     "-a,\" ", "-a!! ", "-a\u{2026} ", "-a- ", "-a_ ", "-a- b", "-9a ", "-a9 ", "-a\n", "--a ", "-a\u{A0}"]
        try assertLoopsAgreeOnGeneratedTexts(seed: 20261128_23, starts: ["", " ", "x ", "—"]) { g in
            g.pick(words) + g.pick(after)
        }
    }

    /// Words with a right single quotation mark (’) as apostrophe:
    /// contractions, possessives of every length and case, with digits,
    /// elongated, two marks, before punctuation, a '.', white space and the
    /// end, in runs of words: the C loops give the tokens of the Swift path
    /// and of the whole-text scan with ICU's pieces.
    func testPlainWordLoopsTakeCurlyContractionsAsTheSwiftPath() throws {
        let words = ["don’t", "it’s", "It’S", "IT’S", "China’s", "CHINA’S", "x’s", "9a’s", "90’s", "a9’s", "it’s9", "sooo’s", "I’m",
                     "y’all", "O’Neill", "abcdefghijk’s", "abcdefghijkl’s", "abcdefgh’ijklmn", "a’b’c", "a’", "’a", "a’é", "é’s",
                     "Nicolás’s", "don’t’s", "the", "said", "2026"]
        let after = [" ", " ", "  ", "\n", ",", ", ", ".", ". ", "!!", "!", "! ", "\" ", "'", "-", "_ ", "\u{2026} ", "\u{A0}", ":", "; ",
                     "’ ", "’s ", "\t"]
        try assertLoopsAgreeOnGeneratedTexts(seed: 20261128_24, starts: ["", " ", "x ", "é ", "—"]) { g in
            g.pick(words) + g.pick(after)
        }
    }

    /// Words, hashtags and handles after an opening '*', '(' or '"' ("*word*",
    /// "(@user") and after ¿, ¡, “ and U+FE0F ("¿Qué", "“Yes", an emoji's
    /// variation selector before a word), at a chunk's start and after other words, of every
    /// length around 16 bytes, with Latin-1 letters, elongated, contracted,
    /// and the openers before other bytes, before punctuation (a closing '*',
    /// ”), white space and the end: the C loops give the tokens of the Swift
    /// path and of the whole-text scan with ICU's pieces.
    func testPlainWordLoopsTakeWordsAfterOpenersAsTheSwiftPath() throws {
        let words = ["*bold*", "*a", "*A*", "*", "**a**", "*sooo*", "*abcdefghijklmno*", "*abcdefghijklmnop", "*#tag", "*@u", "*é",
                     "*don't", "*well-known*", "¿Qué", "¿qué", "¡Hola", "¡HOLA", "¿é", "¿Él", "¿", "¡", "¿¡a", "¿abcdefghijklmnop",
                     "¡abcdefghijklmno", "¿#tag", "¿2026", "“Yes", "“yes”", "“", "“don’t", "“Nicolás", "“#tag", "“@u", "“abcdefghijklmnop",
                     "“abcdefghijklmno", "“sooo", "“é", "abcdefghijklmnop", "abcdefghijklmnopq", "Soooo", "x’s", "don’t", "Nicolás", "“\u{FE0F}", "\u{FE0F}word", "\u{FE0F}#tag", "\u{FE0F}@u", "\u{FE0F}é",
                     "\u{FE0F}\u{FE0F}a", "\u{FE0F}", "\u{FE0F}Abcdefghijklmnop", "(@user", "(#tag", "\"@u", "\"#tag", "(#", "(@", "'#tag", "'@u", "*#", "¿@u", "(Reuters", "(a", "\"Yes", "\"a", "*9", "the", "said", "2026", "Dr"]
        let after = [" ", " ", " ", "*", "* ", "*,", "*.", "?", "? ", "!", "! ", "!!", "” ", "”", "”,", "”. ", "””", "”\u{A0}", "”\n", "”’ ", "\"” ", ".”", ".", ". ", ", ", ") ", "\" ", "\n", "…",
                     "’s ", "'s ", "-a ", "\u{A0}", "\t", "é "]
        try assertLoopsAgreeOnGeneratedTexts(seed: 20261128_25, starts: ["", " ", "x ", "é ", "—", "*", "¿", "“", "(", "\u{FE0F}", "RT "]) { g in
            g.pick(words) + g.pick(after)
        }
    }

    func testClassifyMarksEveryByteByItsClass() {
        // Words of every byte value, and of the bytes around the letter and digit ranges.
        let edges: [UInt8] = [0x2F, 0x30, 0x39, 0x3A, 0x40, 0x41, 0x5A, 0x5B, 0x60, 0x61, 0x7A, 0x7B, 0x7F, 0x80,
                              0xC1, 0xC3, 0xE1, 0xFA, 0xFF, 0x00, 0x20, 0x5F]
        var g = Generator(state: 20261130)
        for round in 0..<40000 {
            let bytes = (0..<8).map { _ in round % 2 == 0 ? UInt8(truncatingIfNeeded: g.next()) : g.pick(edges) }
            let word = bytes.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64(8 * $1.offset) }
            var upper: UInt64 = 0, lower: UInt64 = 0, digit: UInt64 = 0, outside: UInt64 = 0
            for (k, b) in bytes.enumerated() {
                let bit: UInt64 = 0x80 << UInt64(8 * k)
                if ByteClass.isUpper(b) { upper |= bit } else if ByteClass.isLower(b) { lower |= bit }
                else if ByteClass.isDigit(b) { digit |= bit } else { outside |= bit }
            }
            let found = Tokenizer.classify(word)
            XCTAssertEqual([found.upper, found.lower, found.digit, found.outside], [upper, lower, digit, outside], "round \(round): \(bytes)")
            if testRun?.failureCount ?? 0 > 10 { break }
        }
    }

    func testWhitespaceSetEqualsTheUnicodeProperty() {
        for value in UInt32(0)...0x10FFFF {
            let expected = Unicode.Scalar(value)?.properties.isWhitespace ?? false
            if SimpleText.isWhitespace(value) != expected { XCTFail(String(value, radix: 16)) }
        }
    }

    func testLatinFastKeysEqualICUKeys() {
        // Every Latin-1 letter, in words, and in both cases.
        var words: [String] = []
        for value in 0xC0...0xFF {
            let s = String(Unicode.Scalar(UInt8(value)))
            words.append(s)
            words.append("x\(s)y")
            words.append("N\(s.uppercased())Z")
        }
        words += ["Nicolás", "NICOLÁS", "México", "Ñandú", "Bogotá", "Düsseldorf", "Straße", "Ærø", "Þór", "ÿes"]
        for word in words {
            var fast: [UInt8] = []
            let bytes = Array(word.utf8)
            let ok = bytes.withUnsafeBufferPointer { SimpleText.appendLatinKey($0, to: &fast) }
            let slow = ICUFold.key(word)
            if ok {
                XCTAssertEqual(String(decoding: fast, as: UTF8.self), String(decoding: slow, as: UTF8.self), word)
            }
        }
    }
}

private extension String {
    func utf8Slice(_ a: Int, _ b: Int) -> String {
        String(decoding: Array(utf8)[a..<b], as: UTF8.self)
    }
}
