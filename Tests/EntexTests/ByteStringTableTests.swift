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

    /// `removeAll` empties every slot of a table reused for documents of random sizes,
    /// grown or not (a weak hash, so probes collide and wrap): no key is left after
    /// each, and the next document's keys get ids 0, 1, 2, … again.
    func testRemoveAllEmptiesEverySlotOfASparseOrFullTable() {
        var generator = Generator(state: 5)
        var table = ByteStringTable()
        var sparse = 0
        for round in 0..<400 {
            let count = round % 7 == 0 ? Int(generator.next() % 600) : Int(generator.next() % 40)
            var keys: [[UInt8]] = []
            for _ in 0..<count {
                keys.append((0..<Int(1 + generator.next() % 6)).map { _ in UInt8(97 + generator.next() % 4) })
            }
            // A weak hash of the length alone: long runs of collisions that wrap around.
            for key in keys { _ = key.withUnsafeBufferPointer { table.insert($0, hash: UInt32(key.count) &* 0x9E37_79B9) } }
            let distinct = Set(keys).count
            XCTAssertEqual(table.count, distinct)
            if table.count * 8 < table.slots.count { sparse += 1 }  // few keys in a grown table
            table.removeAll()
            XCTAssertEqual(table.count, 0)
            XCTAssertTrue(table.slots.allSatisfy { $0 == 0 }, "round \(round)")
            XCTAssertEqual(table.insert(Array("again".utf8)), 0)
            table.removeAll()
        }
        XCTAssertGreaterThan(sparse, 100)
    }
}
