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
    /// `AnnotatingWriter` (lines written straight into its output buffer)
    /// writes what `Annotator` gives line by line, error lines in their
    /// places, across many flushes of its 64 KiB buffer.
    func testAnnotatingWriterWritesWhatTheAnnotatorGives() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("entex-annotating-\(UUID().uuidString)").path
        defer { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let configuration = PipelineConfiguration()
        let annotator = Annotator(pipeline: try configuration.makePipeline(resources: TestSupport.resources), writer: JSONWriter())
        let writer = AnnotatingWriter(pipeline: try configuration.makePipeline(resources: TestSupport.resources),
                                      writer: JSONWriter(), descriptor: fd)
        var expected: [UInt8] = []
        var documents = 0
        for url in TestSupport.corpusJSONLines {
            let reader = DocumentReader(sourceName: url.lastPathComponent)
            var failure: Error?
            try reader.read(try FileDescriptorSource(path: url.path)) { record in
                guard failure == nil else { return }
                switch record {
                case .document(let doc):
                    documents += 1
                    annotator.annotate(doc) { expected.append(contentsOf: $0) }
                    var mine = doc
                    do { try writer.annotate(&mine) } catch { failure = error }
                    if documents % 17 == 0 {
                        let line = Array("{\"error\":\"line \(documents)\"}\n".utf8)
                        expected += line
                        do { try writer.write(line: line) } catch { failure = error }
                    }
                case .failure: break
                }
            }
            if let failure { throw failure }
        }
        try writer.flush()
        XCTAssertEqual(close(fd), 0)
        XCTAssertGreaterThan(expected.count, 1 << 18, "the corpus should fill the buffer several times")
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(written.count, expected.count)
        XCTAssertTrue(written == expected, "AnnotatingWriter's bytes differ from Annotator's")
    }
}
