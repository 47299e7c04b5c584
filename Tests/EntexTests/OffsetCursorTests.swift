@testable import Entex
import XCTest

/// The writer's offset cursor counts forward and backward from the last
/// offset it converted; these tests compare it with offsets counted by the
/// standard library from the start, for targets in any order.
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
                    for _ in 0..<40 {
                        let b = boundaries.randomElement(using: &rng)!
                        let expected: Int32 = switch unit {
                        case .utf8: b.byte
                        case .codepoints: b.codepoints
                        case .utf16: b.utf16
                        }
                        XCTAssertEqual(cursor.convert(b.byte), expected, "\(unit) at byte \(b.byte) of \(text.debugDescription)")
                    }
                }
            }
        }
    }
}
