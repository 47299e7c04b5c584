import CSupport
@testable import Entex
import XCTest

/// The fast paths of the writer's offset table, of its value copy and of the
/// resolver's tie-break, each against its reference: `entex_offset_events`
/// and `entex_first_high_byte` (CSupport, SSE2) against the Swift word loop
/// `OffsetTable.findEventsWordwise` and the byte-at-a-time C loops;
/// `entex_copy_short` against a copy byte by byte; `OverlapResolver.byteOrder`
/// against the order of the byte arrays. Source bytes sit at the very end of
/// their own allocation, so an AddressSanitizer run catches a read past them.
final class OutputFastPathTests: XCTestCase {
    /// Bytes of every kind that matters to the offset events: ASCII (runs of
    /// it, so that the 16- and 64-byte steps run), leads of 2-, 3- and 4-byte
    /// sequences, continuation bytes, bytes from 0xF0 on that lead nothing.
    private static let pieces: [[UInt8]] = [[0x61], [0x20], [0x7F], [0xC3, 0xA9], [0xE4, 0xB8, 0xAD], [0xF0, 0x9F, 0x98, 0x80],
                                            [0x80], [0xBF], [0xC0], [0xEF], [0xF0], [0xF7], [0xFF],
                                            Array(repeating: 0x61, count: 17), Array(repeating: 0x62, count: 40)]

    private func randomBytes(_ rng: inout SeededGenerator, pieces count: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<count { bytes += OutputFastPathTests.pieces.randomElement(using: &rng)! }
        return bytes
    }

    /// Calls `body` with `bytes` copied to the end of an allocation of their own.
    private func atEndOfAllocation<R>(_ bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, bytes.count))
        defer { p.deallocate() }
        p.initialize(from: bytes, count: bytes.count)
        return body(UnsafeBufferPointer(start: bytes.isEmpty ? nil : p, count: bytes.count))
    }

    func testOffsetEventsAreTheWordLoopsEvents() {
        var rng = SeededGenerator(seed: 0x0E7E_4175)
        var fast = GrowableBuffer<OffsetEvent>(capacity: 1)
        var reference = GrowableBuffer<OffsetEvent>(capacity: 1)
        defer {
            fast.deallocate()
            reference.deallocate()
        }
        var withEvents = 0
        for round in 0..<4_000 {
            // Lengths around every step: empty, under 16, just over 64, long.
            let bytes = randomBytes(&rng, pieces: round % 50 == 0 ? 0 : Int.random(in: 0...(round % 3 == 0 ? 6 : 40), using: &rng))
            atEndOfAllocation(bytes) { p in
                for utf16 in [false, true] {
                    fast.count = 0
                    reference.count = 0
                    OffsetTable.findEvents(p, utf16: utf16, into: &fast)
                    OffsetTable.findEventsWordwise(p, utf16: utf16, into: &reference)
                    XCTAssertEqual(fast.count, reference.count, "\(bytes) utf16 \(utf16)")
                    for k in 0..<min(fast.count, reference.count) {
                        XCTAssertEqual(fast.base[k].byte, reference.base[k].byte, "\(bytes) utf16 \(utf16) event \(k)")
                        XCTAssertEqual(fast.base[k].deficit, reference.base[k].deficit, "\(bytes) utf16 \(utf16) event \(k)")
                    }
                    if fast.count > 0 { withEvents += 1 }
                    // The byte-at-a-time loops (no SSE2) give the same.
                    guard let base = p.baseAddress else { continue }
                    let first = entex_first_high_byte(base, p.count)
                    XCTAssertEqual(first, entex_first_high_byte_scalar(base, p.count), "\(bytes)")
                    var scalar = [Int32](repeating: 0, count: 2 * (p.count - first))
                    let n = scalar.withUnsafeMutableBufferPointer { entex_offset_events_scalar(base, p.count, first, utf16 ? 1 : 0, $0.baseAddress) }
                    XCTAssertEqual(n, reference.count, "scalar: \(bytes) utf16 \(utf16)")
                    for k in 0..<min(n, reference.count) {
                        XCTAssertEqual(scalar[2 * k], reference.base[k].byte, "scalar: \(bytes) event \(k)")
                        XCTAssertEqual(scalar[2 * k + 1], reference.base[k].deficit, "scalar: \(bytes) event \(k)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(withEvents, 4_000)
    }

    func testFirstHighByteAtEveryPositionAndLength() {
        for length in 0...140 {
            for position in 0...length {
                var bytes = [UInt8](repeating: 0x41, count: length)
                if position < length { bytes[position] = 0x80 | UInt8(position & 0x7F) }
                atEndOfAllocation(bytes) { p in
                    guard let base = p.baseAddress else { return }
                    XCTAssertEqual(entex_first_high_byte(base, length), position, "\(length) \(position)")
                }
            }
        }
    }

    func testShortCopyCopiesExactlyTheBytes() {
        var g = Generator(state: 5)
        for n in 0...70 {
            let source = (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            var target = [UInt8](repeating: 0xEE, count: n + 8)
            atEndOfAllocation(source) { p in
                target.withUnsafeMutableBufferPointer { t in
                    entex_copy_short(t.baseAddress! + 4, p.baseAddress ?? UnsafePointer(t.baseAddress!), n)
                }
            }
            XCTAssertEqual(Array(target[4..<(4 + n)]), source, "\(n)")
            XCTAssertEqual(target[0..<4] + target[(4 + n)...], ArraySlice(repeating: 0xEE, count: 8), "\(n)")
        }
    }

    /// `entex_quoted_copy` writes the two quotes around exactly the bytes
    /// (as `entex_copy_short` copies them) and nothing outside them.
    func testQuotedCopyIsQuotesAroundExactlyTheBytes() {
        var g = Generator(state: 11)
        for n in 0...70 {
            let source = (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            var target = [UInt8](repeating: 0xEE, count: n + 10)
            let written = atEndOfAllocation(source) { p in
                target.withUnsafeMutableBufferPointer { t in
                    entex_quoted_copy(t.baseAddress! + 4, p.baseAddress ?? UnsafePointer(t.baseAddress!), n) - (t.baseAddress! + 4)
                }
            }
            XCTAssertEqual(written, n + 2, "\(n)")
            XCTAssertEqual(Array(target[4..<(6 + n)]), [0x22] + source + [0x22], "\(n)")
            XCTAssertEqual(target[0..<4] + target[(6 + n)...], ArraySlice(repeating: 0xEE, count: 8), "\(n)")
        }
    }

    /// A document's head and short id (`writeHeadAndID`, copied from the
    /// `ShortID` in quotes) are the head and the id's string literal as
    /// `string(bytes:)` writes it, for ids of every length a `ShortID` holds
    /// made of every byte it may hold; a document without a short id too.
    func testHeadAndShortIDAreTheHeadAndTheIDsStringLiteral() {
        var g = Generator(state: 23)
        let allowed = (UInt8(0x20)..<0x80).filter { $0 != 0x22 && $0 != 0x5C }
        for round in 0..<600 {
            let n = 1 + round % ShortID.capacity
            let bytes = (0..<n).map { _ in allowed[Int(g.next() % UInt64(allowed.count))] }
            guard let id = ShortID(bytes) else { return XCTFail("\(bytes) is a short id") }
            let doc = Document(id: "", shortID: id, validUTF8: Array("x".utf8))
            var fast = JSONBuffer(capacity: 1)
            var reference = JSONBuffer(capacity: 1)
            defer {
                fast.deallocate()
                reference.deallocate()
            }
            // Something before, so that the id is not at the buffer's start.
            fast.literal("[")
            reference.literal("[")
            JSONWriter.writeHeadAndID(of: doc, into: &fast)
            reference.literal(#"{"schema":"entex/1","id":"#)
            bytes.withUnsafeBufferPointer { reference.stringThroughLoop(bytes: $0) }
            XCTAssertEqual(fast.withBytes { Array($0) }, reference.withBytes { Array($0) }, "\(bytes)")
        }
        let long = Document(id: "a\"b/" + String(repeating: "c", count: 40), text: "x")
        var json = JSONBuffer(capacity: 1)
        defer { json.deallocate() }
        JSONWriter.writeHeadAndID(of: long, into: &json)
        XCTAssertEqual(json.withBytes { String(decoding: $0, as: UTF8.self) },
                       #"{"schema":"entex/1","id":"a\"b/"# + String(repeating: "c", count: 40) + "\"")
    }

    /// The language member (`writeLanguageMember`), with and without the
    /// text's key after it, for the codes written from literals, any other
    /// and none, is `,"lang":`, the code's string literal as `string` writes
    /// it (or `null`) and `,"text":`.
    func testLanguageMembersAreTheKeyAndTheCodesStringLiteral() {
        let codes: [String?] = [nil, "en", "es", "und", "de", "e", "", "eng", "unde", "pt-BR", "e\"", "\u{1}n", "ün",
                                "zh-Hant-TW-x-long-private-use"]
        for code in codes {
            for textFollows in [false, true] {
                var fast = JSONBuffer(capacity: 1)
                var reference = JSONBuffer(capacity: 1)
                defer {
                    fast.deallocate()
                    reference.deallocate()
                }
                JSONWriter.writeLanguageMember(code, textFollows: textFollows, into: &fast)
                reference.literal(#","lang":"#)
                if let code { reference.string(code) } else { reference.literal("null") }
                if textFollows { reference.literal(#","text":"#) }
                XCTAssertEqual(fast.withBytes { Array($0) }, reference.withBytes { Array($0) }, "\(String(describing: code))")
            }
        }
    }

    func testByteOrderIsTheOrderOfTheBytes() {
        var g = Generator(state: 23)
        let alphabet: [UInt8] = [0x00, 0x41, 0x42, 0x7F, 0x80, 0xC3, 0xCC, 0xFF]
        for _ in 0..<20_000 {
            let x = (0..<Int(g.next() % 20)).map { _ in g.pick(alphabet) }
            var y = g.next() % 3 == 0 ? x : (0..<Int(g.next() % 20)).map { _ in g.pick(alphabet) }
            if g.next() % 4 == 0, !y.isEmpty { y[Int(g.next() % UInt64(y.count))] = g.pick(alphabet) }
            let expected = x == y ? 0 : x.lexicographicallyPrecedes(y) ? -1 : 1
            let got = atEndOfAllocation(x) { px in
                atEndOfAllocation(y) { py in
                    OverlapResolver.byteOrder(px.baseAddress ?? UnsafePointer(bitPattern: 8)!, px.count,
                                              py.baseAddress ?? UnsafePointer(bitPattern: 8)!, py.count)
                }
            }
            XCTAssertEqual(got, expected, "\(x) \(y)")
            let high = atEndOfAllocation(x) { px in
                px.baseAddress.map { OverlapResolver.mayHoldScalarsFromU0300($0, px.count) } ?? false
            }
            XCTAssertEqual(high, x.contains { $0 >= 0xCC }, "\(x)")
        }
    }

    /// `OverlapResolver.mergeRuns` puts runs in order as a sort does: runs of
    /// every count and length, empty ones among them.
    func testMergedRunsAreSorted() {
        var g = Generator(state: 41)
        var keys = GrowableBuffer<UInt64>(capacity: 1), spare = GrowableBuffer<UInt64>(capacity: 1), runs = GrowableBuffer<Int>(capacity: 1)
        defer {
            keys.deallocate()
            spare.deallocate()
            runs.deallocate()
        }
        for round in 0..<5_000 {
            keys.count = 0
            runs.count = 0
            runs.append(0)
            let runCount = 1 + Int(g.next() % (round % 10 == 0 ? 40 : 6))
            var all: [UInt64] = []
            var index: UInt64 = 0
            for r in 0..<runCount {
                let run = (0..<Int(g.next() % 30)).map { _ in g.next() % 200 }.sorted()
                for start in run {
                    let key = start << 32 | index
                    index += 1
                    keys.append(key)
                    all.append(key)
                }
                if r + 1 < runCount { runs.append(keys.count) }
            }
            runs.append(keys.count)
            OverlapResolver.mergeRuns(&keys, count: all.count, runs: &runs, spare: &spare)
            XCTAssertEqual(Array(UnsafeBufferPointer(start: keys.base, count: all.count)), all.sorted(), "round \(round)")
        }
    }
}

