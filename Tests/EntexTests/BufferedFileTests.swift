@testable import Entex
import Foundation
import XCTest

/// `BufferedFile` copies small writes into its buffer and writes large ones
/// straight from the caller's memory; either way the file must hold every
/// byte, in order.
final class BufferedFileTests: XCTestCase {
    func testDirectAndBufferedWritesGiveTheBytesInOrder() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("entex-buffered-\(UUID().uuidString)").path
        defer { unlink(path) }
        var generator = SystemRandomNumberGenerator()
        // Sizes around the direct-write threshold (32 KiB) and the buffer's limit (1 MiB).
        let sizes = [0, 1, 100, (1 << 15) - 1, 1 << 15, (1 << 15) + 1, 70_000, (1 << 20) - 5, 1 << 20, (1 << 20) + 3, 1_500_000]
        var expected: [UInt8] = []
        let file = try BufferedFile.open(path, append: false)
        for round in 0..<60 {
            let size = round < sizes.count ? sizes[round] : sizes[Int.random(in: 0..<sizes.count, using: &generator)] / Int.random(in: 1...3, using: &generator)
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &+ round &* 7) }
            expected.append(contentsOf: bytes)
            try bytes.withUnsafeBytes { try file.write($0) }
        }
        try file.close()
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(written.count, expected.count)
        XCTAssertTrue(written == expected, "the file's bytes differ from the bytes written")
    }
}
