@testable import Entex
import XCTest

/// The tokenizer's fast path (ASCII and Latin text without ICU) must give
/// exactly what ICU gives; these tests compare the two on generated text.
final class TokenizerFastPathTests: XCTestCase {
    private struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
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
