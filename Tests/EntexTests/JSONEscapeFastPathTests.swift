import CSupport
@testable import Entex
import XCTest

/// `entex_json_escape` (CSupport, sixteen bytes at a time with SSE2) and
/// `entex_json_escape_scalar` (its fallback without SSE2) against the
/// writer's byte-by-byte reference, `JSONBuffer.stringBytewise`. The source
/// bytes sit at the very end of their own allocation and the output room is
/// exactly what the functions are promised, so an AddressSanitizer run
/// (`Tests/asan.sh`) catches any read past the string or write past `limit`.
final class JSONEscapeFastPathTests: XCTestCase {
    private typealias Escape = (UnsafeMutablePointer<UInt8>, UnsafePointer<UInt8>, UnsafePointer<UInt8>, Int, Int)
        -> entex_json_escaped

    private static let escapes: [(name: String, escape: Escape)] = [
        ("entex_json_escape", { entex_json_escape($0, $1, $2, $3, $4) }),
        ("entex_json_escape_scalar", { entex_json_escape_scalar($0, $1, $2, $3, $4) }),
    ]

    /// The reference body: `stringBytewise` without its two quotes.
    private func reference(_ bytes: [UInt8]) -> [UInt8] {
        var json = JSONBuffer(capacity: 16)
        defer { json.deallocate() }
        bytes.withUnsafeBufferPointer { json.stringBytewise(bytes: $0) }
        return json.withBytes { Array($0.dropFirst().dropLast()) }
    }

    /// What `escape` writes for `bytes`, placed `alignment` bytes past a
    /// 16-byte boundary with `extra` readable bytes after them (the rest of a
    /// text) and nothing readable beyond; each call gets exactly the room the
    /// functions ask for plus `slack` (at least 6, the room an escape needs),
    /// and a call that stops early is continued in fresh room as the writer does.
    private func escaped(_ bytes: [UInt8], alignment: Int, extra: Int, slack: Int, with escape: Escape) -> [UInt8] {
        let readable = bytes.count + extra
        let source = UnsafeMutableRawPointer.allocate(byteCount: alignment + readable, alignment: 16)
        defer { source.deallocate() }
        let src = (source + alignment).bindMemory(to: UInt8.self, capacity: readable)
        for (k, b) in bytes.enumerated() { src[k] = b }
        // The bytes after the string are ones that need an escape: they must not count.
        for k in 0..<extra { src[bytes.count + k] = [0x22, 0x00, 0x5C][k % 3] }
        var result: [UInt8] = []
        var done = 0
        while true {
            let left = bytes.count - done
            let room = left + 16 + slack
            let out = UnsafeMutablePointer<UInt8>.allocate(capacity: room)
            defer { out.deallocate() }
            let r = escape(out, out + room, src + done, left, readable - done)
            XCTAssertLessThanOrEqual(out.distance(to: r.end), room)
            result += UnsafeBufferPointer(start: out, count: out.distance(to: r.end))
            XCTAssertLessThanOrEqual(r.consumed, left)
            if r.consumed == left { break }
            if r.consumed == 0 && slack >= 6 {
                XCTFail("no progress with room for an escape")
                break
            }
            done += r.consumed
        }
        return result
    }

    func testEveryByteAfterEveryCleanRunAtEveryAlignment() {
        let tails: [[UInt8]] = [[], Array("x".utf8), Array("é\"ab".utf8), Array("plain tail of 17 b".utf8.prefix(17))]
        for (name, escape) in JSONEscapeFastPathTests.escapes {
            for alignment in 0..<16 {
                for run in 0...40 {
                    // Clean runs of ASCII and of two-byte letters (bytes >= 0x80 never need an escape).
                    let clean: [UInt8] = run % 2 == 0 ? (0..<run).map(JSONEscapeFastPathTests.cleanByte)
                        : (0..<run).map { k in k % 2 == 0 ? 0xC3 : 0xA9 }
                    for b in 0...255 {
                        let tail = tails[(b &+ run) % tails.count]
                        let bytes = clean + [UInt8(b)] + tail
                        let extra = [0, 0, 1, 15, 16, 40][(b &+ alignment) % 6]
                        let slack = [6, 7, 40][(b &+ run &+ alignment) % 3]
                        let fast = escaped(bytes, alignment: alignment, extra: extra, slack: slack, with: escape)
                        if fast != reference(bytes) {
                            XCTFail("\(name): \(bytes) at alignment \(alignment), \(extra) bytes after: \(fast)")
                            return
                        }
                    }
                }
            }
        }
    }

    /// Printable ASCII other than '"' and '\\', varied with `k`.
    private static func cleanByte(_ k: Int) -> UInt8 {
        let b = UInt8(0x20 + (k * 7 + 3) % 0x5F)
        return b == 0x22 || b == 0x5C ? UInt8(ascii: "z") : b
    }

    func testCleanRunsOfEveryLengthAtEveryAlignment() {
        for (name, escape) in JSONEscapeFastPathTests.escapes {
            for alignment in 0..<16 {
                for length in 0...80 {
                    let bytes = (0..<length).map(JSONEscapeFastPathTests.cleanByte)
                    for extra in [0, 1, 8, 16, 17] {
                        let fast = escaped(bytes, alignment: alignment, extra: extra, slack: 6, with: escape)
                        XCTAssertEqual(fast, bytes, "\(name): \(length) clean bytes at alignment \(alignment), \(extra) after")
                    }
                }
            }
        }
    }

    /// Strings dense with escapes (the room runs out and the call resumes),
    /// sparse ones, and every byte value, against the reference.
    func testGeneratedStringsMatchTheBytewiseReference() {
        var g = SeededGenerator(seed: 0x5EED_0E5C)
        for round in 0..<40_000 {
            let length = Int.random(in: 0...200, using: &g)
            let density = [0, 1, 8, 50, 100][round % 5]
            let bytes = (0..<length).map { _ -> UInt8 in
                Int.random(in: 0..<100, using: &g) < density ? [0x22, 0x5C, 0x0A, 0x00, 0x1F, 0x09][Int.random(in: 0..<6, using: &g)]
                    : UInt8.random(in: 0...255, using: &g)
            }
            let expected = reference(bytes)
            for (name, escape) in JSONEscapeFastPathTests.escapes {
                let alignment = Int.random(in: 0..<16, using: &g)
                let extra = [0, 3, 16, 50][Int.random(in: 0..<4, using: &g)]
                let slack = [6, 9, 16, 100][Int.random(in: 0..<4, using: &g)]
                let fast = escaped(bytes, alignment: alignment, extra: extra, slack: slack, with: escape)
                if fast != expected {
                    XCTFail("\(name): \(bytes) at alignment \(alignment), \(extra) after, slack \(slack): \(fast)")
                    return
                }
            }
        }
    }

    /// The writer's own paths over the C loops: `string(bytes:)` and the
    /// scalar fallback (`stringScalar`) against `stringBytewise`, with
    /// buffers that must grow mid-string.
    func testWriterStringsMatchTheReferenceThroughBothLoops() {
        var g = SeededGenerator(seed: 0x5EED_0E5D)
        for round in 0..<5_000 {
            let length = Int.random(in: 0...300, using: &g)
            let bytes = (0..<length).map { _ in Bool.random(using: &g) ? UInt8.random(in: 0...0x22, using: &g) : UInt8.random(in: 0...255, using: &g) }
            func written(_ body: (inout JSONBuffer, UnsafeBufferPointer<UInt8>) -> Void) -> [UInt8] {
                var json = JSONBuffer(capacity: [1, 16, 100][round % 3])
                defer { json.deallocate() }
                json.raw(Array("[1,".utf8))
                bytes.withUnsafeBufferPointer { body(&json, $0) }
                json.byte(UInt8(ascii: "]"))
                return json.withBytes { Array($0) }
            }
            let expected = written { $0.stringBytewise(bytes: $1) }
            XCTAssertEqual(written { $0.string(bytes: $1) }, expected)
            XCTAssertEqual(written { $0.stringScalar(bytes: $1) }, expected)
        }
    }

    /// `entex_json_short_plain` (inlined into the writer for short slices of a
    /// longer text) against the reference: for every length up to 17, every
    /// byte value at every position inside the string, with bytes that need
    /// an escape right after it (they must not count), it writes the
    /// reference literal exactly when no byte needs an escape, and declines
    /// otherwise. Sixteen bytes are readable from the start, eighteen writable.
    func testShortPlainPathWritesTheReferenceOrDeclines() {
        var written = 0, declined = 0
        for n in 0...17 {
            for position in 0..<max(n, 1) {
                for value in 0...255 {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: n)
                    if n > 0 { bytes[position] = UInt8(value) }
                    let readable = max(16, n)
                    let src = UnsafeMutablePointer<UInt8>.allocate(capacity: readable)
                    defer { src.deallocate() }
                    for k in 0..<readable { src[k] = k < n ? bytes[k] : [0x22, 0x00, 0x5C, 0x1F][k % 4] }
                    let out = UnsafeMutablePointer<UInt8>.allocate(capacity: 18)
                    defer { out.deallocate() }
                    let expected = [UInt8(ascii: "\"")] + reference(bytes) + [UInt8(ascii: "\"")]
                    if let end = entex_json_short_plain(out, src, n) {
                        XCTAssertEqual(Array(UnsafeBufferPointer(start: out, count: out.distance(to: end))), expected, "\(bytes)")
                        written += 1
                    } else {
                        // Declined: only a string longer than 16 bytes, or one that needs an escape.
                        XCTAssertTrue(n > 16 || expected.count != n + 2, "\(bytes)")
                        declined += 1
                    }
                }
                if n == 0 { break }
            }
        }
        XCTAssertGreaterThan(written, 10_000)
        XCTAssertGreaterThan(declined, 1_000)
    }

    /// The writer indexes its type-and-source table with the stored tags of
    /// `EntityType` and `EntitySource`: they must be the raw values, which
    /// must be the declaration positions the table is built in.
    func testEntityTypeAndSourceTagsAreTheirRawValuesAndPositions() {
        for (position, type) in EntityType.allCases.enumerated() {
            XCTAssertEqual(Int(type.rawValue), position)
            XCTAssertEqual(unsafeBitCast(type, to: UInt8.self), type.rawValue)
        }
        for (position, source) in EntitySource.allCases.enumerated() {
            XCTAssertEqual(Int(source.rawValue), position)
            XCTAssertEqual(unsafeBitCast(source, to: UInt8.self), source.rawValue)
            for type in EntityType.allCases {
                XCTAssertEqual(JSONWriter.typeAndSourceIndex(type, source),
                               Int(type.rawValue) * EntitySource.allCases.count + Int(source.rawValue))
            }
        }
    }
}
