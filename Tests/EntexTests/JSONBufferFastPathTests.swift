@testable import Entex
import Foundation
import XCTest

/// The JSON writer's primitives against plain references: string literals
/// escaped a word at a time against `stringBytewise`, integers written from
/// digit pairs against `String(_:)`.
final class JSONBufferFastPathTests: XCTestCase {
    /// Bytes that need an escape, bytes that do not, and every UTF-8 length.
    private static let pieces: [[UInt8]] = {
        var pieces: [[UInt8]] = ["a", "Z", " ", "é", "中", "😀", "/", "'", "\u{7F}", "\u{2028}"].map { Array($0.utf8) }
        pieces += [[0x22], [0x5C], [0x0A], [0x0D], [0x09], [0x08], [0x0C], [0x00], [0x01], [0x1F], [0x1B]]
        pieces.append(Array("plain ASCII run".utf8))
        return pieces
    }()

    private func randomBytes(_ g: inout SeededGenerator) -> [UInt8] {
        var bytes: [UInt8] = []
        let count = Int.random(in: 0...40, using: &g)
        // Mostly plain bytes now and then, so that both whole words and escapes occur.
        let escapes = Int.random(in: 0..<3, using: &g)
        for _ in 0..<count {
            if escapes == 0 || Int.random(in: 0..<4, using: &g) > 0 {
                bytes += JSONBufferFastPathTests.pieces[Int.random(in: 0..<10, using: &g)]
            } else {
                bytes += JSONBufferFastPathTests.pieces.randomElement(using: &g)!
            }
        }
        return bytes
    }

    private func written(_ body: (inout JSONBuffer) -> Void, capacity: Int) -> [UInt8] {
        var json = JSONBuffer(capacity: capacity)
        defer { json.deallocate() }
        body(&json)
        return json.withBytes { Array($0) }
    }

    func testStringLiteralsAreTheBytewiseEscapesForGeneratedStrings() {
        var g = SeededGenerator(seed: 0x5EED_0001)
        for round in 0..<20_000 {
            let bytes = randomBytes(&g)
            // Something already written before, and buffers that must grow mid-string.
            let prefix = Array(repeating: UInt8(ascii: "x"), count: round % 13)
            let capacity = [1, 16, 24, 1 << 12][round % 4]
            let fast = bytes.withUnsafeBufferPointer { p in
                written({ json in
                    json.raw(prefix)
                    json.string(bytes: p)
                    json.byte(UInt8(ascii: ","))
                }, capacity: capacity)
            }
            let slow = bytes.withUnsafeBufferPointer { p in
                written({ json in
                    json.raw(prefix)
                    json.stringBytewise(bytes: p)
                    json.byte(UInt8(ascii: ","))
                }, capacity: 1 << 12)
            }
            XCTAssertEqual(fast, slow, "\(bytes)")
        }
    }

    /// Strings of their own up to 32 bytes (a document's id) take the short
    /// path (`entex_json_short_exact`, which reads only their bytes): for every
    /// length from 0 to 40, with a byte to escape (or a plain one) at each
    /// place or none, from a buffer of exactly their size, it writes what the
    /// loop and the bytewise reference write, and so does `string(_: String)`.
    func testShortStringsOfTheirOwnAreWrittenAsByTheLoop() {
        let fillers: [UInt8] = [UInt8(ascii: "a"), 0xC3, 0xA9, UInt8(ascii: "7")]
        for length in 0...40 {
            for place in -1..<max(length, 1) {
                for special: UInt8 in [0x22, 0x5C, 0x0A, 0x00, 0x1F, 0x20, 0x7F, 0xA9] {
                    var bytes = (0..<length).map { fillers[$0 % fillers.count] }
                    if place >= 0 && place < length { bytes[place] = special }
                    let own = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: length)
                    defer { own.deallocate() }
                    _ = own.initialize(from: bytes)
                    let p = UnsafeBufferPointer(own)
                    let short = written({ json in
                        json.raw([UInt8(ascii: "x")])
                        json.string(bytes: p)
                    }, capacity: 1 + length % 3)
                    let loop = written({ json in
                        json.raw([UInt8(ascii: "x")])
                        json.stringThroughLoop(bytes: p)
                    }, capacity: 1)
                    let bytewise = written({ json in
                        json.raw([UInt8(ascii: "x")])
                        json.stringBytewise(bytes: p)
                    }, capacity: 1)
                    XCTAssertEqual(short, loop, "\(bytes)")
                    XCTAssertEqual(short, bytewise, "\(bytes)")
                    if let text = String(validating: bytes, as: UTF8.self) {
                        let fromString = written({ json in
                            json.raw([UInt8(ascii: "x")])
                            json.string(text)
                        }, capacity: 1)
                        XCTAssertEqual(fromString, bytewise, "\(bytes)")
                    }
                }
            }
        }
    }

    func testStringLiteralsEscapeAByteAtEveryPlaceOfLongerStrings() {
        // One byte to escape (or a plain one, or two) at each place of strings up to
        // ten words long, after plain ASCII or two-byte letters: the word loop's
        // words and the last few bytes all meet one.
        let fillers: [[UInt8]] = [Array("a".utf8), Array("é".utf8)]
        for filler in fillers {
            for length in 0..<80 {
                let plain = Array(repeating: filler, count: length).flatMap { $0 }.prefix(length)
                for place in 0...length {
                    for special: [UInt8] in [[0x22], [0x5C], [0x0A], [0x01], [0x1F], [0x20], [0x7F], [0x0A, 0x22]] {
                        var bytes = Array(plain)
                        bytes.insert(contentsOf: special, at: place)
                        let fast = bytes.withUnsafeBufferPointer { p in written({ $0.string(bytes: p) }, capacity: (place % 3) * 8) }
                        let slow = bytes.withUnsafeBufferPointer { p in written({ $0.stringBytewise(bytes: p) }, capacity: 1) }
                        XCTAssertEqual(fast, slow, "\(bytes)")
                    }
                }
            }
        }
    }

    func testStringLiteralsEscapeEveryControlCharacterQuoteAndBackslash() throws {
        for b in UInt8(0)...UInt8(0x7F) {
            // The byte alone, after seven plain bytes (the end of a word), and inside a long run.
            for bytes in [[b], Array(repeating: UInt8(ascii: "a"), count: 7) + [b], Array(repeating: UInt8(ascii: "a"), count: 20) + [b, b] + Array("tail".utf8)] {
                let fast = bytes.withUnsafeBufferPointer { p in written({ $0.string(bytes: p) }, capacity: 1) }
                let slow = bytes.withUnsafeBufferPointer { p in written({ $0.stringBytewise(bytes: p) }, capacity: 1) }
                XCTAssertEqual(fast, slow, "byte \(b)")
                let decoded = try JSONSerialization.jsonObject(with: Data(fast), options: .fragmentsAllowed) as? String
                XCTAssertEqual(decoded.map { Array($0.utf8) }, bytes, "byte \(b)")
            }
        }
    }

    func testStringsOfEveryKindAreWrittenAsTheirBytes() {
        let native = String(repeating: "native é \" ", count: 4)
        let strings = ["", "short", "small é\"", native, String(native.dropFirst(3)), "\u{0}\u{1F}"]
        for s in strings {
            let fast = written({ $0.string(s) }, capacity: 1)
            let slow = Array(s.utf8).withUnsafeBufferPointer { p in written({ $0.stringBytewise(bytes: p) }, capacity: 1) }
            XCTAssertEqual(fast, slow, s.debugDescription)
        }
    }

    func testIntegersAreTheirDecimalDigits() {
        var values: [Int32] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, Int32.max, Int32.min, Int32.min + 1, -1, -9, -10, -100]
        var power: Int32 = 1
        for _ in 0..<9 {
            power *= 10
            values += [power - 1, power, power + 1, -(power - 1), -power]
        }
        var g = SeededGenerator(seed: 42)
        for _ in 0..<20_000 {
            let magnitude = Int32.random(in: 0...9, using: &g)
            values.append(Int32.random(in: Int32.min...Int32.max, using: &g) >> (magnitude * 3))
        }
        for value in values {
            XCTAssertEqual(String(decoding: written({ $0.int(value) }, capacity: 1), as: UTF8.self), String(value))
        }
        // The offset pair (one reservation) against its pieces written one by one,
        // after something already written and in buffers that must grow.
        for (n, start) in values.enumerated() {
            let end = values[(n * 7 + 3) % values.count]
            let prefix = Array(repeating: UInt8(ascii: "x"), count: n % 29)
            let pair = written({ json in
                json.raw(prefix)
                json.offsets(start: start, end: end)
            }, capacity: [1, 16, 40][n % 3])
            let pieces = written({ json in
                json.raw(prefix)
                json.literal(#""start":"#)
                json.int(start)
                json.literal(#","end":"#)
                json.int(end)
            }, capacity: 1)
            XCTAssertEqual(pair, pieces, "\(start) \(end)")
        }
    }

    /// Slices of a longer text, whose last word may be read past the slice:
    /// every start and end of generated texts (so the slices near the text's
    /// end, which take the plain path, too), against `stringBytewise`.
    func testSlicesOfATextAreTheBytewiseEscapesOfTheSlice() {
        var g = SeededGenerator(seed: 0x5EED_0002)
        for round in 0..<400 {
            let text = randomBytes(&g)
            let capacity = [1, 16, 24, 1 << 12][round % 4]
            text.withUnsafeBufferPointer { p in
                for start in 0...p.count {
                    for end in start...p.count {
                        let fast = written({ json in
                            json.byte(UInt8(ascii: "["))
                            json.string(p, from: start, to: end)
                            json.byte(UInt8(ascii: ","))
                        }, capacity: capacity)
                        let slow = written({ json in
                            json.byte(UInt8(ascii: "["))
                            json.stringBytewise(bytes: UnsafeBufferPointer(rebasing: p[start..<end]))
                            json.byte(UInt8(ascii: ","))
                        }, capacity: 1 << 12)
                        if fast != slow {
                            XCTFail("\(text) from \(start) to \(end): \(fast) against \(slow)")
                            return
                        }
                    }
                }
            }
        }
    }

    /// `number` and `integer` write what serializing `JSONValue.double` and
    /// `JSONValue.int` gives, for whole and fractional, large, tiny, negative and
    /// non-finite numbers.
    func testNumbersAreTheBytesOfTheirJSONValues() {
        var doubles: [Double] = [0, -0.0, 1, -1, 0.5, 4.99, 1e15, -1e15, 1e15 - 1, 999_999_999_999_999.5, 1e16, 1e300, 1e-7,
                                 0.000001, 2_147_483_647, 2_147_483_648, -2_147_483_648, -2_147_483_649, .infinity,
                                 -.infinity, .nan, .greatestFiniteMagnitude, .leastNonzeroMagnitude]
        var g = SeededGenerator(seed: 0x5EED_0009)
        for _ in 0..<3000 {
            let scale = [1.0, 1e3, 1e6, 1e9, 1e12, 1e14, 1e18][Int.random(in: 0..<7, using: &g)]
            let whole = Double(Int.random(in: -1_000_000...1_000_000, using: &g)) * scale
            doubles += [whole, whole / 1e6, (whole / 7).rounded() / 1e3, Double.random(in: -1e16...1e16, using: &g)]
        }
        for d in doubles {
            XCTAssertEqual(written({ $0.number(d) }, capacity: 4), written({ $0.value(.double(d)) }, capacity: 4), "\(d)")
        }
        var ints: [Int] = [0, 1, -1, 9, 10, 99, 100, Int(Int32.max), Int(Int32.max) + 1, Int(Int32.min), Int(Int32.min) - 1,
                           .max, .min]
        for _ in 0..<3000 { ints.append(Int.random(in: .min ... .max, using: &g) >> Int.random(in: 0..<64, using: &g)) }
        for n in ints {
            XCTAssertEqual(written({ $0.integer(n) }, capacity: 4), written({ $0.value(.int(n)) }, capacity: 4), "\(n)")
        }
    }
}
