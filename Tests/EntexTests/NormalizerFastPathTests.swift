import Foundation
@testable import Entex
import XCTest

/// The regex stage's value writers that skip a step (no scratch buffer, no `String`, no
/// escape loop) against the path they replace, on generated inputs and on the corpus.
final class NormalizerFastPathTests: XCTestCase {
    /// What the stage wrote for an ASCII tag before `writeASCIIHashtagString`: the words
    /// in a scratch buffer (`writeSegmentedASCIIHashtag`), then `JSONBuffer.string(bytes:)`.
    private func wordsThenEscape(_ tag: [UInt8]) -> [UInt8] {
        tag.withUnsafeBufferPointer { bytes in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * bytes.count + 1) { out in
                let length = Normalizers.writeSegmentedASCIIHashtag(bytes, into: out.baseAddress!)
                var json = JSONBuffer(capacity: 16)
                defer { json.deallocate() }
                json.string(bytes: UnsafeBufferPointer(rebasing: out[..<length]))
                return json.withBytes { Array($0) }
            }
        }
    }

    /// Checks one tag: written in place after some earlier bytes, it must be the reference's
    /// bytes, or (refused) leave the buffer as it was; refused exactly for tags with a byte
    /// above U+007F or one JSON escapes.
    private func check(_ tag: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        let earlier: [UInt8] = Array("[1,".utf8)
        var json = JSONBuffer(capacity: 4)
        defer { json.deallocate() }
        json.raw(earlier)
        let written = tag.withUnsafeBufferPointer { Normalizers.writeASCIIHashtagString($0, into: &json) }
        let refused = tag.contains { $0 >= 0x80 || $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
        let name = String(decoding: tag, as: UTF8.self)
        XCTAssertEqual(written, !refused, name, file: file, line: line)
        let got = json.withBytes { Array($0) }
        if written {
            XCTAssertEqual(got, earlier + wordsThenEscape(tag), name, file: file, line: line)
            // And the JSON string of the Unicode rules' words (for tags without a space, which
            // a hashtag token never holds: the byte rules drop a final one, the Unicode rules keep it).
            guard !tag.contains(0x20) else { return }
            var expected = JSONBuffer(capacity: 4)
            defer { expected.deallocate() }
            expected.raw(earlier)
            expected.string(Normalizers.segmentUnicodeHashtag(name))
            XCTAssertEqual(got, expected.withBytes { Array($0) }, name, file: file, line: line)
        } else {
            XCTAssertEqual(got, earlier, name, file: file, line: line)
        }
    }

    func testASCIIHashtagStringEqualsWordsThenEscape() {
        for tag in ["#news", "#", "##", "#a", "#COVID19Vaccine", "#COVIDVaccine_2021", "#x_y", "#_", "#__a__", "#HTTPServer",
                    "#iPhone15Pro", "#dos\"tres", "#\\q", "#tab\there", "#ÚltimoMinuto", "#café", "news", "#a-b", "#A",
                    "#abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"] {
            check(Array(tag.utf8))
        }
        // Generated tags: lowercase runs, capitals runs, digits, '_', signs, escapes, non-ASCII.
        let pieces = ["#", "_", "a", "b", "Z", "Q", "0", "7", "COVID", "Vaccine", "us", "UK", "x", "-", "!", "2023", "ABc",
                      "news", "\"", "\\", "\u{1}", "é", "Ñ", "'", ".", "~", "\u{7F}", " "]
        var generator = Generator(state: 2026_11_27)
        for _ in 0..<20_000 {
            let tag = (0..<Int(generator.next() % 10)).map { _ in generator.pick(pieces) }.joined()
            check(Array(tag.utf8))
        }
        // Every byte once, after a lowercase start and after a capital.
        for b in 0..<256 {
            check([UInt8(ascii: "#"), UInt8(ascii: "a"), UInt8(b)])
            check([UInt8(ascii: "#"), UInt8(ascii: "A"), UInt8(b), UInt8(ascii: "b")])
        }
    }

    /// Every '#' word of the bundled corpus.
    func testASCIIHashtagStringOnCorpusTags() throws {
        var tags = 0
        for url in TestSupport.corpusJSONLines {
            for (text, _) in try TestSupport.jsonlTexts(url) {
                for word in text.split(whereSeparator: { $0.isWhitespace }) where word.hasPrefix("#") {
                    check(Array(word.utf8))
                    tags += 1
                }
            }
        }
        XCTAssertGreaterThan(tags, 100)
    }
}
