@testable import Entex
import XCTest

/// `HashtagLinker.firstWordStartsNoName` lowering the first word eight bytes at a
/// time, its last bytes in one partial load, against the byte loop: the answer
/// and the key looked up, for every length around the word size, a space or a
/// non-ASCII byte at every position.
final class HashtagFirstWordTests: XCTestCase {
    func testWordLoopMakesTheKeyOfTheByteLoopAtEveryLengthAndStop() throws {
        let gazetteer = try TestSupport.resources.gazetteer()
        let words = HashtagLinker(gazetteer: gazetteer), bytes = HashtagLinker(gazetteer: gazetteer)
        bytes.usesWordLowering = false
        XCTAssertTrue(words.usesWordLowering)
        var g = Generator(state: 20261127)
        let letters = Array("AZaz@[`{0~MmQq".utf8)
        var keysCompared = 0
        for length in 1...26 {
            for stop in -1..<length {
                for stopper: UInt8 in [0x20, 0xC3] {
                    for _ in 0..<6 {
                        var tag = (0..<length).map { _ in g.pick(letters) }
                        if stop >= 0 { tag[stop] = stopper }
                        if stopper == 0xC3, stop >= 0, stop + 1 < length { tag[stop + 1] = 0xA9 }  // "é"
                        let a = tag.withUnsafeBufferPointer { words.firstWordStartsNoName($0) }
                        let b = tag.withUnsafeBufferPointer { bytes.firstWordStartsNoName($0) }
                        XCTAssertEqual(a, b, "\(tag)")
                        // A key was looked up when the first word is ASCII and not empty.
                        let leading = tag.prefix(while: { $0 == 0x20 }).count
                        let word = tag[leading...].prefix(while: { $0 != 0x20 })
                        if !word.isEmpty, word.allSatisfy({ $0 < 0x80 }) {
                            XCTAssertEqual(words.lastWordKeyForTesting, bytes.lastWordKeyForTesting, "\(tag)")
                            XCTAssertEqual(words.lastWordKeyForTesting,
                                           word.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, "\(tag)")
                            keysCompared += 1
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(keysCompared, 2_000)
    }
}
