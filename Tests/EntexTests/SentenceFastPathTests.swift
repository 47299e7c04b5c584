@testable import Entex
import XCTest

/// The sentence splitter's fast path (UAX #29 sentence rules for ASCII and
/// Latin text, without ICU) must find exactly the boundaries ICU finds;
/// these tests compare the two on generated text.
final class SentenceFastPathTests: XCTestCase {

    /// Pieces the generator strings together: sentence ends, closing
    /// punctuation, spaces, line breaks, letters of each case, digits.
    private static let alphabet: [String] = [
        "a", "b", "x", "Z", "T", "á", "É", "ñ", "Ü", "ß", "ÿ", "Ł", "ő", "ſ", "ĸ", "ª", "º", "µ", "0", "7",
        ".", ".", ".", "!", "?", ",", ";", ":", "-", "–", "—", "…", "¿", "¡", "×", "÷", "£", "€", "°", "§",
        "'", "\"", "(", ")", "[", "]", "{", "}", "«", "»", "‘", "’", "“", "”", "‹", "›", "·", "•",
        "&", "%", "$", "#", "@", "/", "*", "_", "+", "=", "<", ">", "|", "~",
        "¢", "¤", "¥", "¦", "¨", "©", "¬", "®", "¯", "±", "²", "³", "´", "¶", "¸", "¹", "¼", "½", "¾",
        "Ā", "ĳ", "Ĳ", "ŉ", "Ŀ", "ŀ",
        " ", " ", " ", " ", "\u{A0}", "\t", "\n", "\r", "\r\n",
        "Mr", "Dr", "the", "The", "U.S", "EE", "UU", "él", "Él", "said", "2.5", "1,000",
        // Emoji, symbols, variation selectors and joiners (tweets).
        "😀", "👇", "🔴", "🇻🇪", "👍🏽", "❤\u{FE0F}", "\u{FE0F}", "\u{FE0E}", "\u{200D}", "\u{200C}", "▶", "➡", "⚠", "✍",
        "⌈", "⌋", "〈", "❛", "❨", "❵", "🙶", "🙸", "🄰", "🅊", "⓵", "⠀", "⬛", "・", "🀄", "🫠",
    ]

    /// Whether the quick path takes `text`; where it does, asserts that its boundaries are ICU's.
    private func assertQuickBreaksEqualICU(_ text: String, _ breaker: ICUBreaker, _ message: String) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { p in
            var fast: [Int] = []
            guard SimpleSentenceBreaks.find(p, into: &fast) else { return false }
            var slow: [Int] = []
            breaker.forEachBoundary(p) { boundary, _ in slow.append(boundary) }
            XCTAssertEqual(fast, slow, message)
            return true
        }
    }

    func testFastSentenceBoundariesEqualICUBoundaries() throws {
        let breaker = try ICUBreaker(.sentence)
        var g = Generator(state: 20261126)
        var handled = 0
        for round in 0..<40000 {
            let length = 1 + Int(g.next() % 30)
            let text = (0..<length).map { _ in g.pick(Self.alphabet) }.joined()
            if assertQuickBreaksEqualICU(text, breaker, "round \(round): \(text.debugDescription)") { handled += 1 }
            if testRun?.failureCount ?? 0 > 10 { break }
        }
        // Most generated texts must take the fast path, or this tests little.
        XCTAssertGreaterThan(handled, 30000)
    }

    func testTextWithOtherCharactersFallsBackToICU() {
        for text in ["emoji 🅐. Next", "soft\u{AD}hyphen. X", "Ελληνικά. Λ", "zero\u{200B}width. x", "circled Ⓐ. x"] {
            var out: [Int] = []
            let known = Array(text.utf8).withUnsafeBufferPointer { SimpleSentenceBreaks.find($0, into: &out) }
            XCTAssertFalse(known, text)
        }
    }

    /// An Extend character at the start of the text or after a line break stands
    /// alone (SB5 attaches it to nothing): the fast path takes it as Other, and
    /// finds what ICU finds with it before every piece of the alphabet.
    func testStandaloneExtendBreaksAsICU() throws {
        let breaker = try ICUBreaker(.sentence)
        var g = Generator(state: 20261127)
        var texts: [String] = ["\u{FE0F}start. X", "line\n\u{FE0F}. X", "\u{FE0F}", "\u{200D}\u{FE0F}. a", "a.\r\n\u{FE0E}B"]
        for extend in ["\u{FE0F}", "\u{FE0E}", "\u{200D}", "\u{200C}"] {
            for piece in Self.alphabet {
                texts.append(extend + piece)
                texts.append(extend + piece + ". The")
                texts.append("A.\n" + extend + piece + " x")
                texts.append("A.\r" + extend + extend + piece + "? b")
            }
        }
        for _ in 0..<20000 {
            let extend = g.pick(["\u{FE0F}", "\u{FE0E}", "\u{200D}", "\u{200C}"])
            let body = (0..<(1 + Int(g.next() % 20))).map { _ in g.pick(Self.alphabet) }.joined()
            texts.append(g.next() % 2 == 0 ? extend + body : g.pick(Self.alphabet) + g.pick(["\n", "\r", "\r\n"]) + extend + body)
        }
        var handled = 0
        for text in texts {
            if assertQuickBreaksEqualICU(text, breaker, text.debugDescription) { handled += 1 }
            if testRun?.failureCount ?? 0 > 10 { break }
        }
        XCTAssertGreaterThan(handled, 15000)
    }

    /// The white-space test that trims sentences without a property lookup
    /// answers as `Unicode.Scalar.Properties.isWhitespace` for every scalar
    /// that is not ASCII (and no for values that are no scalar).
    func testNonASCIIWhitespaceIsUnicodeWhiteSpaceForEveryScalar() {
        for value in UInt32(0x80)...UInt32(0x10FFFF) {
            let expected = Unicode.Scalar(value)?.properties.isWhitespace ?? false
            if SentenceSplitter.isNonASCIIWhitespace(value) != expected {
                XCTFail(String(format: "U+%04X", value))
            }
        }
        XCTAssertFalse(SentenceSplitter.isNonASCIIWhitespace(0x11_0000))
    }

    /// The test that trims white space before a sentence end (which rules out
    /// most characters by their last byte, `whitespaceLastBytes`, before decoding
    /// them) answers as `Unicode.Scalar.Properties.isWhitespace` for every scalar
    /// ending a text, after ASCII and after another scalar.
    func testSpaceBeforeAnswersAsUnicodeWhiteSpaceForEveryScalar() {
        var found = 0
        for value in UInt32(0x80)...UInt32(0x10FFFF) {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let expected = scalar.properties.isWhitespace
            if expected { found += 1 }
            for prefix in ["", "a", "é"] {
                let bytes = Array((prefix + String(scalar)).utf8)
                let answer = bytes.withUnsafeBufferPointer { SentenceSplitter.isSpaceBefore($0, $0.count) }
                if answer != expected { XCTFail(String(format: "U+%04X", value) + " after \(prefix.debugDescription)") }
            }
        }
        XCTAssertEqual(found, 19)
    }
}
