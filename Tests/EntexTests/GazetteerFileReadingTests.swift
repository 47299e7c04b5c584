@testable import Entex
import Foundation
import XCTest

/// `GazetteerBuilder.add(_:)` reads a lexicon file a chunk of whole lines at a time rather
/// than whole; these tests compare it, with chunks from one byte up, against adding the
/// file's bytes at once (`add(bytes:source:)`): the same gazetteer (every array, through
/// its cache file's bytes), the same errors with the same line numbers, the same rows skipped.
final class GazetteerFileReadingTests: XCTestCase {
    private static let chunks = [1, 2, 3, 7, 64, 1000, 1 << 20]

    private func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.path
    }

    /// Rows of every kind a file may hold: comments, blank and blank-looking lines, CRLF and
    /// LF line ends, accented and non-Latin names, aliases, a line far longer than small
    /// chunks, and (`finalNewline` false) a last row without a line end.
    private static func lexiconBytes(rows: Int, finalNewline: Bool) -> [UInt8] {
        var text = "# a comment\n\n   \t \n"
        let words = ["Zorbania", "Bank", "Nueva", "Ñandú", "Qwerty", "Société", "東京", "Grupo", "Delta", "Øresund"]
        for k in 0..<rows {
            let name = "\(words[k % words.count]) \(words[(k * 7 + 3) % words.count]) N\(k)"
            let aliases = k % 4 == 0 ? "\(words[k % words.count])\(k)|ALIAS\(k)" : "-"
            let flags = ["-", "cs", "cap", "lc"][k % 4]
            let end = k % 3 == 0 ? "\r\n" : "\n"
            text += "\(name)\tORG\tid:\(k)\t\(["*", "en", "es"][k % 3])\t\(aliases)\t\(flags)\(end)"
            if k % 17 == 0 { text += "# comment \(k)\n\n" }
        }
        let long = Array(repeating: "Longword", count: 300).joined(separator: " ")
        text += "\(long)\tPRODUCT\t-\t*\t-\t-"
        if finalNewline { text += "\n" }
        return Array(text.utf8)
    }

    /// The bytes of `g`'s cache file: every array of the gazetteer.
    private func fileBytes(_ g: Gazetteer, in dir: String) throws -> Data {
        let path = dir + "/g-\(UUID().uuidString).bin"
        XCTAssertTrue(GazetteerCache.write(g, key: 1, to: path))
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    private func builder(chunk: Int? = nil, lenient: Bool = false) throws -> GazetteerBuilder {
        var b = try GazetteerBuilder(text: TestSupport.resources.text)
        if let chunk { b.readChunk = chunk }
        b.lenient = lenient
        return b
    }

    func testReadingAFileInChunksBuildsTheSameGazetteerAsItsBytesAtOnce() throws {
        let dir = try temporaryDirectory()
        for finalNewline in [true, false] {
            let bytes = GazetteerFileReadingTests.lexiconBytes(rows: 300, finalNewline: finalNewline)
            let path = dir + "/lexicon-\(finalNewline).tsv"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let source = GazetteerSource(path: path, isUser: true)
            var whole = try builder()
            try whole.add(bytes: bytes, source: source)
            let expected = try fileBytes(whole.build(), in: dir)
            XCTAssertGreaterThan(expected.count, 1000)
            for chunk in GazetteerFileReadingTests.chunks {
                var chunked = try builder(chunk: chunk)
                try chunked.add(source)
                XCTAssertEqual(try fileBytes(chunked.build(), in: dir), expected, "chunk \(chunk), final newline \(finalNewline)")
            }
        }
    }

    func testErrorsAndSkippedRowsNameTheSameLinesWhateverTheChunk() throws {
        let dir = try temporaryDirectory()
        var good = GazetteerFileReadingTests.lexiconBytes(rows: 40, finalNewline: true)
        let badType = Array("Bad Type\tNOTATYPE\t-\ten\t-\t-\n".utf8)
        let badUTF8: [UInt8] = Array("Broken ".utf8) + [0xC3, 0x28] + Array("\tORG\t-\t*\t-\t-\n".utf8)
        let shortRow = Array("Only Two\tORG\n".utf8)
        good.append(contentsOf: Array("Trailing\tORG\t-\t*\t-\t-\n".utf8))
        let cases: [(String, [UInt8])] = [
            ("bad type", Array(good[..<good.count]) + badType + shortRow),
            ("bad UTF-8 after a bad row", badType + good + badUTF8 + shortRow),
            ("bad UTF-8 in the first line", badUTF8 + good),
        ]
        for (what, bytes) in cases {
            let path = dir + "/bad.tsv"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let source = GazetteerSource(path: path, isUser: false)
            var whole = try builder()
            var expected: DataFileError?
            do { try whole.add(bytes: bytes, source: source) } catch { expected = error }
            XCTAssertNotNil(expected, what)
            var lenientWhole = try builder(lenient: true)
            try lenientWhole.add(bytes: bytes, source: source)
            XCTAssertFalse(lenientWhole.skipped.isEmpty, what)
            for chunk in GazetteerFileReadingTests.chunks {
                var chunked = try builder(chunk: chunk)
                var failure: DataFileError?
                do { try chunked.add(source) } catch { failure = error }
                XCTAssertEqual(failure?.line, expected?.line, "\(what), chunk \(chunk)")
                XCTAssertEqual(failure?.message, expected?.message, "\(what), chunk \(chunk)")
                var lenient = try builder(chunk: chunk, lenient: true)
                try lenient.add(source)
                XCTAssertEqual(lenient.skipped.map(\.line), lenientWhole.skipped.map(\.line), "\(what), chunk \(chunk)")
                XCTAssertEqual(lenient.skipped.map(\.message), lenientWhole.skipped.map(\.message), "\(what), chunk \(chunk)")
                XCTAssertEqual(try fileBytes(lenient.build(), in: dir), try fileBytes(lenientWhole.build(), in: dir),
                               "\(what), chunk \(chunk)")
            }
        }
    }

    func testAFileThatCannotBeReadIsAnError() throws {
        let dir = try temporaryDirectory()
        for path in [dir + "/missing.tsv", dir] {
            var b = try builder()
            XCTAssertThrowsError(try b.add(GazetteerSource(path: path, isUser: true))) { error in
                XCTAssertEqual((error as? DataFileError)?.message, "cannot read file", path)
            }
        }
    }
}
