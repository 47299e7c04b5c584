@testable import Entex
import XCTest

/// The offset cursor counts forward and backward from the last offset it
/// converted, the writer's offset table steps along the bytes where units
/// and bytes part; these tests compare both with offsets counted by the
/// standard library from the start, and with each other on any bytes, for
/// targets in any order.
final class OffsetCursorTests: XCTestCase {
    /// Scalars of every UTF-8 length: ASCII runs (the 8-byte steps), Latin, CJK, emoji.
    private static let scalars: [Unicode.Scalar] = ["a", "Z", " ", "é", "ñ", "ß", "中", "€", "😀", "🇪", "\u{301}"]

    private func randomText(_ rng: inout SeededGenerator) -> String {
        var s = ""
        for _ in 0..<Int.random(in: 0...120, using: &rng) {
            let scalar = OffsetCursorTests.scalars.randomElement(using: &rng)!
            // Long ASCII runs now and then, so that both 8-byte loops run.
            let repeats = scalar.isASCII && Bool.random(using: &rng) ? Int.random(in: 1...20, using: &rng) : 1
            for _ in 0..<repeats { s.unicodeScalars.append(scalar) }
        }
        return s
    }

    func testConvertsTargetsInAnyOrderAsCountingFromTheStart() {
        var rng = SeededGenerator(seed: 0xC0FFEE)
        for _ in 0..<300 {
            let text = randomText(&rng)
            // Scalar boundaries with their code point and UTF-16 offsets.
            var boundaries: [(byte: Int32, codepoints: Int32, utf16: Int32)] = [(0, 0, 0)]
            var byte: Int32 = 0, cp: Int32 = 0, u16: Int32 = 0
            for scalar in text.unicodeScalars {
                byte += Int32(UTF8.width(scalar))
                cp += 1
                u16 += Int32(UTF16.width(scalar))
                boundaries.append((byte, cp, u16))
            }
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { p in
                for unit in OffsetUnit.allCases {
                    var cursor = OffsetCursor(text: p, unit: unit)
                    var storage = GrowableBuffer<OffsetEvent>(capacity: 1)
                    defer { storage.deallocate() }
                    var table = OffsetTable(text: p, unit: unit, storage: &storage)
                    for _ in 0..<40 {
                        let b = boundaries.randomElement(using: &rng)!
                        let expected: Int32 = switch unit {
                        case .utf8: b.byte
                        case .codepoints: b.codepoints
                        case .utf16: b.utf16
                        }
                        XCTAssertEqual(cursor.convert(b.byte), expected, "\(unit) at byte \(b.byte) of \(text.debugDescription)")
                        XCTAssertEqual(table.convert(b.byte), expected, "table: \(unit) at byte \(b.byte) of \(text.debugDescription)")
                    }
                }
            }
        }
    }

    /// Any bytes (invalid UTF-8, offsets inside a scalar, long runs in
    /// either direction): the table gives what the cursor gives, whose
    /// answer for such input is the count of lead and ASCII bytes before the
    /// offset (four-byte leads twice in UTF-16).
    func testTableConvertsAnyOffsetOfAnyBytesAsTheCursorDoes() {
        var rng = SeededGenerator(seed: 0x0FF5E7)
        let pieces: [[UInt8]] = [[0x61], [0x20], [0xC3, 0xA9], [0xE4, 0xB8, 0xAD], [0xF0, 0x9F, 0x98, 0x80], [0x80], [0xBF],
                                 [0xC3], [0xF0], [0xFF], Array(repeating: 0x61, count: 17)]
        var storage = GrowableBuffer<OffsetEvent>(capacity: 1)
        defer { storage.deallocate() }
        for _ in 0..<2_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...60, using: &rng) { bytes += pieces.randomElement(using: &rng)! }
            bytes.withUnsafeBufferPointer { p in
                for unit in OffsetUnit.allCases {
                    var cursor = OffsetCursor(text: p, unit: unit)
                    var table = OffsetTable(text: p, unit: unit, storage: &storage)
                    // Runs of increasing targets (as the writer asks for a layer), then a jump anywhere.
                    var target = 0
                    for _ in 0..<60 {
                        if Int.random(in: 0..<6, using: &rng) == 0 {
                            target = Int.random(in: 0...p.count, using: &rng)
                        } else {
                            target = min(p.count, target + Int.random(in: 0...9, using: &rng))
                        }
                        let t = Int32(target)
                        XCTAssertEqual(table.convert(t), cursor.convert(t), "\(unit) at byte \(t) of \(bytes)")
                    }
                }
            }
        }
    }

    /// The window `convert` answers from without a call (the offsets between
    /// the event before the last offset converted and the next one) gives what
    /// the table's search alone gives, and the cursor: on texts that start with
    /// ASCII, have no event at all, or an event at their first byte, for
    /// offsets at the events' own bytes, just before and after them, repeated,
    /// jumping back, and after a `rewind`.
    func testWindowConvertsAsTheSearchAlone() {
        var rng = SeededGenerator(seed: 0x5EA4C8)
        let pieces: [[UInt8]] = [[0x61], [0x20], [0xC3, 0xA9], [0xF0, 0x9F, 0x98, 0x80], [0x80],
                                 Array(repeating: 0x61, count: 9)]
        var storage = GrowableBuffer<OffsetEvent>(capacity: 1)
        var reference = GrowableBuffer<OffsetEvent>(capacity: 1)
        defer {
            storage.deallocate()
            reference.deallocate()
        }
        for round in 0..<1_500 {
            var bytes: [UInt8] = []
            // Some texts all ASCII (no event), some starting with an event.
            let asciiOnly = round % 7 == 0
            if round % 5 == 0 { bytes += [0xF0, 0x9F, 0x98, 0x80] }
            for _ in 0..<Int.random(in: 0...30, using: &rng) {
                bytes += asciiOnly ? [0x61] : pieces.randomElement(using: &rng)!
            }
            bytes.withUnsafeBufferPointer { p in
                for unit in OffsetUnit.allCases {
                    var cursor = OffsetCursor(text: p, unit: unit)
                    var table = OffsetTable(text: p, unit: unit, storage: &storage)
                    var search = OffsetTable(text: p, unit: unit, storage: &reference)
                    var target = 0
                    for _ in 0..<50 {
                        switch Int.random(in: 0..<9, using: &rng) {
                        case 0: target = Int.random(in: 0...p.count, using: &rng)
                        case 1: break  // the same offset again
                        case 8:
                            // Back to the start, as before a new layer, then anywhere.
                            table.rewind()
                            target = Int.random(in: 0...p.count, using: &rng)
                        case 2: target = max(0, target - 1)
                        default: target = min(p.count, target + Int.random(in: 0...3, using: &rng))
                        }
                        let t = Int32(target)
                        let expected = cursor.convert(t)
                        XCTAssertEqual(search.convertWithoutWindow(t), expected, "search: \(unit) at byte \(t) of \(bytes)")
                        XCTAssertEqual(table.convert(t), expected, "window: \(unit) at byte \(t) of \(bytes)")
                    }
                }
            }
        }
    }
}
