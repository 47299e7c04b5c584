@testable import Entex
import XCTest

/// `ByteStringTable.Pinned`, the pointer copy the hot passes look keys up in, must give
/// the table's own ids for every key and nil for every other string.
final class ByteStringTableTests: XCTestCase {
    func testPinnedLookupEqualsTableLookup() {
        var generator = Generator(state: 0x5EED_B17E)
        let alphabet = Array("abcdeéñ.-1 ".utf8)
        func randomKey() -> [UInt8] { (0..<Int(generator.next() % 12)).map { _ in generator.pick(alphabet) } }
        // Empty, small (slots still the initial 16), and grown several times.
        for size in [0, 1, 7, 300, 5_000] {
            var table = ByteStringTable()
            var keys: [[UInt8]] = []
            while table.count < size {
                let k = randomKey()
                if table.insert(k) == keys.count { keys.append(k) }
            }
            let pinned = ByteStringTable.Pinned(table)
            defer { pinned.deallocate() }
            XCTAssertEqual(pinned.count, table.count)
            var probes = keys
            for k in keys { probes += [k + [0x2E], Array(k.dropLast()), [0x78] + k] }
            for _ in 0..<20_000 { probes.append(randomKey()) }
            var found = 0
            for probe in probes {
                probe.withUnsafeBufferPointer { p in
                    let want = table.lookup(p)
                    XCTAssertEqual(pinned.lookup(p, hash: ByteStringTable.hash(p)), want, String(decoding: probe, as: UTF8.self))
                    if want != nil { found += 1 }
                }
            }
            XCTAssertGreaterThanOrEqual(found, keys.count)
            for (id, k) in keys.enumerated() {
                XCTAssertEqual(k.withUnsafeBufferPointer { pinned.lookup($0, hash: ByteStringTable.hash($0)) }, id)
            }
        }
    }
}
