import Entex
import Foundation
import XCTest

/// Replays every input kept in `Tests/Fuzz/regressions/` (inputs the fuzzer
/// once crashed on, and hand-made hostile seeds) the way the fuzz target runs
/// them: read in every input format, annotate with the full pipeline, write in
/// every offset unit; every output must parse as JSON and every span must lie
/// inside its document's text.
final class FuzzRegressionTests: XCTestCase {
    static var folder: URL { TestSupport.repoRoot.appendingPathComponent("Tests/Fuzz/regressions") }

    /// The kept inputs (the folder's README is not one).
    static func inputs() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix("README") && !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    func testRegressionFolderHoldsInputs() throws {
        XCTAssertFalse(try FuzzRegressionTests.inputs().isEmpty, "\(FuzzRegressionTests.folder.path) has no inputs")
    }

    func testEveryKeptFuzzInputRunsThroughReaderPipelineAndWriter() throws {
        let pipeline = try TestSupport.pipeline()
        for url in try FuzzRegressionTests.inputs() {
            let bytes = try [UInt8](Data(contentsOf: url))
            let name = url.lastPathComponent
            for format in InputFormat.allCases {
                let reader = DocumentReader(format: format, sourceName: name, maxDocumentBytes: 1 << 20)
                try reader.read(MemorySource(bytes)) { record in
                    var out: [UInt8] = []
                    switch record {
                    case .document(var doc):
                        pipeline.process(&doc)
                        HostileInputTests.checkSpans(doc)
                        for unit in OffsetUnit.allCases {
                            out.removeAll()
                            JSONWriter(options: .init(offsets: unit, includeTokens: true)).write(doc, into: &out)
                            XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(out)), "\(name), \(format), \(unit): output parses")
                        }
                    case .failure(let failure):
                        XCTAssertFalse(failure.message.isEmpty, "\(name), \(format): an error record says why")
                        JSONWriter.writeError(id: failure.id, message: failure.message, source: failure.source, line: failure.line, into: &out)
                        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(out)), "\(name), \(format): error record parses")
                    }
                }
            }
        }
    }
}
