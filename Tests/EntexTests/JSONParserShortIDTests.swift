@testable import Entex
import XCTest

/// `ShortID`, the short plain document id the JSON Lines document path holds
/// in place of a string: the word-at-a-time reader (`init(quotedAt:in:)`)
/// against the byte-by-byte reference (`init(_:)`) and against the string the
/// parser makes, and the id written out against the string's.
final class JSONParserShortIDTests: XCTestCase {
    /// Bytes an id is made of: plain ASCII, and every byte that keeps it a string.
    private static let pieces: [[UInt8]] = {
        var pieces = ["a", "Z", "0", "9", "/", "-", "_", ":", ".", " ", "~", "emoji/test/", "12345"].map { Array($0.utf8) }
        pieces += [[0x22], [0x5C], [0x00], [0x09], [0x1F], [0x7F], [0xC3, 0xA9], [0xF0, 0x9F, 0x98, 0x80], [0x80]]
        return pieces
    }()

    /// The reference: the bytes between the quote at `i` and the first quote after it,
    /// as `ShortID(_:)` takes them, when `init(quotedAt:in:)` may read them.
    private func reference(_ line: [UInt8], quoteAt i: Int) -> (ShortID, Int)? {
        guard i + 1 + ShortID.capacity <= line.count,
              let close = line[(i + 1)...].firstIndex(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 || $0 >= 0x80 }),
              line[close] == 0x22, let id = ShortID(line[(i + 1)..<close]) else { return nil }
        return (id, close + 1)
    }

    func testWordReaderAgreesWithTheByteReferenceOnGeneratedIds() {
        var g = SeededGenerator(seed: 0x5107_71D)
        var held = 0
        for round in 0..<20_000 {
            var id: [UInt8] = []
            let parts = Int.random(in: 0...6, using: &g)
            for _ in 0..<parts {
                // Mostly plain pieces, so that ids of every length up to and past 24 come out.
                let piece = Int.random(in: 0..<10, using: &g) < 8
                    ? JSONParserShortIDTests.pieces[Int.random(in: 0..<13, using: &g)]
                    : JSONParserShortIDTests.pieces.randomElement(using: &g)!
                id += piece
            }
            let tail: [UInt8] = Array(#"", "text": "x"}"#.utf8).prefix(Int.random(in: 0...16, using: &g)).map { $0 }
            let line = Array(#"{"id": ""#.utf8) + id + tail
            let quote = 7
            var i = quote
            let fast = line.withUnsafeBufferPointer { ShortID(quotedAt: &i, in: $0) }
            let expected = reference(line, quoteAt: quote)
            XCTAssertEqual(fast, expected?.0, "round \(round): \(String(decoding: line, as: UTF8.self))")
            XCTAssertEqual(i, expected?.1 ?? quote, "round \(round)")
            if let fast {
                held += 1
                XCTAssertEqual(fast.string, String(decoding: line[(quote + 1)..<(i - 1)], as: UTF8.self))
                // What the parser makes of the same string.
                var parser = JSONParser()
                var j = quote
                let parsed = line.withUnsafeBufferPointer { try? parser.parseString($0, &j) }
                XCTAssertEqual(parsed, fast.string)
                XCTAssertEqual(j, i)
            }
        }
        XCTAssertGreaterThan(held, 1_000)
    }

    func testEveryLengthAndTheEdgesOfTheThreeWords() {
        for length in 0...30 {
            let id = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
            for after in 0...30 {
                let line = [0x22] + id + [0x22] + [UInt8](repeating: UInt8(ascii: "x"), count: after)
                var i = 0
                let fast = line.withUnsafeBufferPointer { ShortID(quotedAt: &i, in: $0) }
                let readable = 1 + ShortID.capacity <= line.count
                if length >= 1, length <= ShortID.capacity, readable {
                    XCTAssertEqual(fast?.string, String(decoding: id, as: UTF8.self), "length \(length) after \(after)")
                    XCTAssertEqual(fast?.count, length)
                    XCTAssertEqual(i, length + 2)
                } else {
                    XCTAssertNil(fast, "length \(length) after \(after)")
                    XCTAssertEqual(i, 0)
                }
            }
        }
    }

    func testDocumentAndWriterGiveTheIdAsTheStringWouldBe() throws {
        let writer = JSONWriter()
        for id in ["emoji/test/0", "emoji/test/12345", "abcdefghijklmnopqrstuvwx", "a", "a b:c~d"] {
            let short = try XCTUnwrap(ShortID(Array(id.utf8)))
            var held = Document(id: "", shortID: short, validUTF8: Array("Maduro visited Beijing.".utf8))
            let plain = Document(id: id, validUTF8: Array("Maduro visited Beijing.".utf8))
            XCTAssertEqual(held.id, id)
            XCTAssertEqual(held.idString, "")
            var a = JSONBuffer(capacity: 256), b = JSONBuffer(capacity: 256)
            defer { a.deallocate(); b.deallocate() }
            writer.write(held, into: &a)
            writer.write(plain, into: &b)
            XCTAssertEqual(a.withBytes { Array($0) }, b.withBytes { Array($0) }, id)
            // Setting the id replaces the held one.
            held.id = "other"
            XCTAssertTrue(held.shortID.isEmpty)
            XCTAssertEqual(held.id, "other")
        }
        XCTAssertNil(ShortID(Array("abcdefghijklmnopqrstuvwxy".utf8)))
        XCTAssertNil(ShortID([UInt8]()))
        XCTAssertNil(ShortID(Array("caf\u{e9}".utf8)))
    }
}
