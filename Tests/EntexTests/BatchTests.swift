import Entex
import Foundation
import XCTest

/// Collects a batch run's output in memory, with the file boundaries.
private final class MemorySink: BatchSink {
    var bytes: [UInt8] = []
    var events: [String] = []
    var report: BatchProgress?
    func beginFile(_ index: Int, _ file: BatchFile) throws { events.append("begin \(file.entry.relativePath)") }
    func write(_ records: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: records) }
    func endFile(_ index: Int, _ file: BatchFile) throws { events.append("end \(file.entry.relativePath)") }

    var lines: [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }
}

final class BatchTests: XCTestCase {
    private var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("entex-batch-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: scratch)
    }

    // MARK: - Helpers

    private func engine(jobs: Int, maxInFlightRecords: Int? = nil, documentsPerJob: Int = 64,
                        bytesPerJob: Int = 128 << 10, parsesInWorkers: Bool? = nil) throws -> BatchEngine {
        try BatchEngine(resources: TestSupport.resources, configuration: PipelineConfiguration(),
                        options: BatchOptions(jobs: jobs, maxInFlightRecords: maxInFlightRecords,
                                             documentsPerJob: documentsPerJob, bytesPerJob: bytesPerJob,
                                             parsesInWorkers: parsesInWorkers))
    }

    private func run(_ paths: [String], jobs: Int = 2, maxInFlightRecords: Int? = nil,
                     documentsPerJob: Int = 64, bytesPerJob: Int = 128 << 10, parsesInWorkers: Bool? = nil,
                     skipRecords: Int = 0) throws -> MemorySink {
        let sink = MemorySink()
        let files = InputFiles.collect(paths).map { BatchFile(entry: $0) }
        let report = try engine(jobs: jobs, maxInFlightRecords: maxInFlightRecords, documentsPerJob: documentsPerJob,
                                bytesPerJob: bytesPerJob, parsesInWorkers: parsesInWorkers)
            .run(files: files, skipRecords: skipRecords, sink: sink)
        sink.report = report
        return sink
    }

    private func write(_ relative: String, _ bytes: [UInt8]) throws -> URL {
        let url = scratch.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
        return url
    }

    private func write(_ relative: String, _ text: String) throws -> URL {
        try write(relative, Array(text.utf8))
    }

    /// The `id` (or null) and whether the record is an error, per output line.
    private func records(_ sink: MemorySink) throws -> [(id: String?, error: String?, source: String?, line: Int?)] {
        try sink.lines.map { line in
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (object["id"] as? String, object["error"] as? String, object["source"] as? String, object["line"] as? Int)
        }
    }

    private func gzip(_ url: URL) throws -> URL {
        let gzipPath = ["/usr/bin/gzip", "/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let gzipPath else { throw XCTSkip("gzip is not installed: cannot make compressed test input") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gzipPath)
        process.arguments = ["-k", "-n", "-f", url.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        return URL(fileURLWithPath: url.path + ".gz")
    }

    // MARK: - Order and identity

    func testOutputIsInInputOrderAndIdenticalForOneTwoAndFourJobs() throws {
        let corpus = TestSupport.corpus.path
        let one = try run([corpus], jobs: 1)
        // A small in-flight window makes the reader wait for the writer often.
        let two = try run([corpus], jobs: 2, maxInFlightRecords: 8)
        let four = try run([corpus], jobs: 4)
        // Documents travel in groups: one per group, and groups of an odd size, change nothing.
        let single = try run([corpus], jobs: 2, documentsPerJob: 1)
        let threes = try run([corpus], jobs: 3, maxInFlightRecords: 5, documentsPerJob: 3)
        XCTAssertGreaterThan(one.lines.count, 300, "the bundled corpus should give hundreds of records")
        XCTAssertEqual(one.bytes, single.bytes, "one document per group must write the same bytes")
        XCTAssertEqual(one.bytes, threes.bytes, "groups of three must write the same bytes")
        XCTAssertEqual(one.bytes, two.bytes, "--jobs 2 must write the same bytes as --jobs 1")
        XCTAssertEqual(one.bytes, four.bytes, "--jobs 4 must write the same bytes as --jobs 1")

        // Input order: the order a sequential reader sees the documents in.
        var expected: [String?] = []
        for entry in InputFiles.collect([corpus]) {
            let reader = DocumentReader(format: InputFiles.format(for: entry.path), sourceName: entry.relativePath,
                                        idPrefix: entry.relativePath + ":")
            try reader.read(try FileDescriptorSource(path: entry.path)) { record in
                switch record {
                case .document(let doc): expected.append(doc.id)
                case .failure(let failure): expected.append(failure.id)
                }
            }
        }
        XCTAssertEqual(try records(two).map(\.id), expected)
    }

    func testSmallInFlightWindowsWriteEveryRecordInOrder() throws {
        // Workers that parse default to a window of a few groups a job, and their
        // buffers of lines are all kept: windows of a handful of one-document
        // groups make the reader wait for room and reuse every buffer many times.
        let corpus = TestSupport.corpus.path
        let one = try run([corpus], jobs: 1)
        XCTAssertEqual(BatchOptions(jobs: 2).maxInFlightRecords, 32)
        XCTAssertEqual(BatchOptions(jobs: 1).maxInFlightRecords, 64)
        for (jobs, window, parses) in [(1, 4, false), (2, 4, true), (2, nil, true), (3, 7, true)] as [(Int, Int?, Bool)] {
            let small = try run([corpus], jobs: jobs, maxInFlightRecords: window, documentsPerJob: 1, parsesInWorkers: parses)
            XCTAssertEqual(small.bytes, one.bytes, "\(jobs) jobs, \(window ?? -1) groups in flight, parsing in workers: \(parses)")
            XCTAssertEqual(small.report?.records, one.report?.records)
        }
    }

    func testWorkersParsingTheLinesWriteWhatTheReaderParsingThemWrites() throws {
        // Bad and awkward lines among good ones: blank lines, CRLF and a
        // second carriage return, malformed and non-object records, a v2
        // response of two tweets, a line over the size limit, a first line
        // that opens multi-line JSON, no line feed at the end.
        var lines: [String] = []
        for n in 1...300 {
            switch n % 23 {
            case 3: lines.append("")
            case 5: lines.append("{\"id\":\"crlf\(n)\",\"text\":\"Caracas y Bogotá \(n)\"}\r")
            case 7: lines.append("{\"id\": broken \(n)")
            case 11: lines.append("[\(n)]")
            case 13: lines.append("{\"data\":[{\"id\":\"v2-\(n)\",\"text\":\"Maduro en Caracas\"},{\"text\":\"Biden &amp; Obama\"}]}")
            case 17: lines.append("{\"id\":\"big\(n)\",\"text\":\"" + String(repeating: "Nicolás Maduro habló. ", count: 60) + "\"}")
            case 19: lines.append("{\"id\":\"cr\(n)\",\"text\":\"two returns\"}\r\r")
            default: lines.append("{\"id\":\"\(n)\",\"text\":\"Documento \(n) sobre Lima, Quito y Joe Biden.\",\"lang\":\"es\",\"x\":\(n)}")
            }
        }
        _ = try write("in/a.jsonl", lines.joined(separator: "\n"))
        _ = try write("in/b/pretty.json", "{\n  \"id\": \"p\",\n  \"text\": \"Pretty JSON about Lima.\"\n}\n")
        _ = try write("in/b/tweets.json", "[{\"id_str\":\"1\",\"text\":\"Hola Caracas\",\"user\":{\"screen_name\":\"u\"}}]")
        _ = try write("in/c.txt", "Caracas is the capital of Venezuela.")
        _ = try write("in/d.jsonl", "{\n" + lines.prefix(40).joined(separator: "\n") + "\n")
        let compressed = try gzip(try write("gz/e.jsonl", lines.joined(separator: "\n") + "\n"))
        let paths = [scratch.appendingPathComponent("in").path, compressed.path]
        let expected = try run(paths, jobs: 1, parsesInWorkers: false)
        let errors = try XCTUnwrap(expected.report).errors
        XCTAssertGreaterThan(errors, 10, "the input should hold error records")
        XCTAssertGreaterThan(expected.lines.count, 600)
        for (jobs, perJob, bytes) in [(1, 64, 128 << 10), (2, 64, 128 << 10), (2, 1, 1), (3, 5, 700), (4, 64, 2000)] {
            let parsed = try run(paths, jobs: jobs, maxInFlightRecords: 6, documentsPerJob: perJob, bytesPerJob: bytes,
                                 parsesInWorkers: true)
            XCTAssertEqual(parsed.bytes, expected.bytes, "\(jobs) jobs, \(perJob) lines or \(bytes) bytes a job")
            XCTAssertEqual(parsed.report?.records, expected.report?.records)
            XCTAssertEqual(parsed.report?.errors, errors)
            XCTAssertEqual(parsed.events, expected.events)
        }
        // Skipped records (a resumed run) are parsed and counted by the reader, then lines go on raw.
        let whole = expected.lines
        for skip in [1, 57, 333, whole.count - 2] {
            let resumed = try run(paths, jobs: 2, documentsPerJob: 7, parsesInWorkers: true, skipRecords: skip)
            XCTAssertEqual(resumed.lines, Array(whole.dropFirst(skip)), "skipping \(skip) records")
            XCTAssertEqual(resumed.report?.resumedRecords, skip)
        }
    }

    func testSinkSeesEveryFileBeginAndEndAroundItsRecords() throws {
        _ = try write("a.jsonl", "{\"id\":\"a1\",\"text\":\"Hola\"}\n{\"id\":\"a2\",\"text\":\"Adiós\"}\n")
        _ = try write("b/c.txt", "Caracas is the capital of Venezuela.")
        let sink = try run([scratch.path], jobs: 3)
        XCTAssertEqual(sink.events, ["begin a.jsonl", "end a.jsonl", "begin b/c.txt", "end b/c.txt"])
        XCTAssertEqual(try records(sink).map(\.id), ["a1", "a2", "b/c.txt"])
    }

    // MARK: - Compressed input

    func testGzipInputGivesTheSameRecordsAsThePlainFile() throws {
        let plain = try write("news.jsonl", try Data(contentsOf: TestSupport.corpus.appendingPathComponent("tweets/tweets_v2.jsonl")).map { $0 })
        let compressed = try gzip(plain)
        let plainOut = try run([plain.path])
        let gzOut = try run([compressed.path])
        XCTAssertFalse(plainOut.bytes.isEmpty)
        XCTAssertEqual(gzOut.bytes, plainOut.bytes)
    }

    func testConcatenatedGzipMembersAreReadAsOneStream() throws {
        let first = try gzip(try write("part1.jsonl", "{\"id\":\"1\",\"text\":\"Madrid\"}\n"))
        let second = try gzip(try write("part2.jsonl", "{\"id\":\"2\",\"text\":\"Lima\"}\n"))
        var joined = try Data(contentsOf: first)
        joined.append(try Data(contentsOf: second))
        let both = try write("joined/both.jsonl.gz", Array(joined))
        XCTAssertEqual(try records(try run([both.path])).map(\.id), ["1", "2"])
    }

    func testTruncatedGzipKeepsTheRecordsBeforeAndAddsAnErrorRecord() throws {
        var text = ""
        for n in 1...2000 { text += "{\"id\":\"\(n)\",\"text\":\"Documento número \(n) sobre Bogotá y \(n * 7919 % 1000) cosas\"}\n" }
        let full = try Data(contentsOf: try gzip(try write("long.jsonl", text)))
        let cut = try write("cut/long.jsonl.gz", Array(full.prefix(full.count / 2)))
        let out = try records(try run([cut.path]))
        XCTAssertGreaterThan(out.count, 1)
        let last = try XCTUnwrap(out.last)
        XCTAssertEqual(last.source, "long.jsonl.gz")
        XCTAssertTrue(last.error?.contains("truncated") ?? false, "got \(last.error ?? "no error")")
        XCTAssertTrue(out.dropLast().allSatisfy { $0.error == nil })
    }

    func testNonGzipBytesInAGzFileAreOneErrorRecord() throws {
        let bogus = try write("bogus.jsonl.gz", "{\"id\":\"1\",\"text\":\"not compressed\"}\n")
        let out = try records(try run([bogus.path]))
        XCTAssertEqual(out.count, 1)
        XCTAssertTrue(out[0].error?.contains("gzip") ?? false)
    }

    // MARK: - One record per document

    func testEveryInputDocumentYieldsExactlyOneRecordEvenForBadInput() throws {
        _ = try write("1-lines.jsonl", "{\"id\":\"ok1\",\"text\":\"Maduro habló en Caracas.\"}\n{\"id\": broken\n\n{\"id\":\"ok2\",\"text\":\"Biden in Washington.\"}\n")
        _ = try write("2-empty.txt", [])
        _ = try write("3-empty.jsonl", [])
        var binary: [UInt8] = []
        var seed: UInt32 = 12345
        for _ in 0..<4096 {
            seed = seed &* 1_103_515_245 &+ 12345
            binary.append(UInt8(truncatingIfNeeded: seed >> 16))
        }
        binary[0] = 0x00
        _ = try write("4-binary.txt", binary)
        let out = try records(try run([scratch.path]))
        XCTAssertEqual(out.map(\.id), ["ok1", "1-lines.jsonl:2", "ok2", "2-empty.txt", "4-binary.txt"])
        XCTAssertEqual(out[1].source, "1-lines.jsonl")
        XCTAssertEqual(out[1].line, 2)
        XCTAssertTrue(out[1].error?.contains("malformed JSON") ?? false)
        XCTAssertNil(out[3].error, "an empty .txt file is an empty document, not an error")
        XCTAssertNil(out[4].error, "invalid UTF-8 is repaired with warnings, not an error")
    }

    func testAFileThatDisappearsBeforeItIsReadIsAnErrorRecord() throws {
        let kept = try write("a.jsonl", "{\"id\":\"a\",\"text\":\"Quito\"}\n")
        let gone = try write("b.txt", "Lima")
        let files = InputFiles.collect([scratch.path]).map { BatchFile(entry: $0) }
        try FileManager.default.removeItem(at: gone)
        let sink = MemorySink()
        try engine(jobs: 2).run(files: files, sink: sink)
        let out = try records(sink)
        XCTAssertEqual(out.count, 2)
        XCTAssertEqual(out[0].id, "a")
        XCTAssertEqual(out[1].id, "b.txt")
        XCTAssertEqual(out[1].source, "b.txt")
        XCTAssertTrue(out[1].error?.contains("No such file") ?? false, "got \(out[1].error ?? "no error")")
        _ = kept
    }

    // MARK: - Output layout and resumption

    func testFolderOutputMirrorsTheInputTree() throws {
        _ = try write("in/a/b.jsonl", "{\"id\":\"b\",\"text\":\"Roma\"}\n")
        _ = try write("in/x.txt", "París")
        _ = try gzip(try write("in/c/d.ndjson", "{\"id\":\"d\",\"text\":\"Oslo\"}\n"))
        try FileManager.default.removeItem(at: scratch.appendingPathComponent("in/c/d.ndjson"))
        let out = scratch.appendingPathComponent("out")
        let entries = InputFiles.collect([scratch.appendingPathComponent("in").path])
        let job = try BatchJob(entries: entries, target: BatchTarget(argument: out.path + "/"), resume: false, configuration: "test")
        let report = try job.run(engine: try engine(jobs: 2)) { _ in }
        XCTAssertEqual(report.records, 3)
        let made = try FileManager.default.subpathsOfDirectory(atPath: out.path).sorted()
        XCTAssertEqual(made, ["a", "a/b.jsonl", "c", "c/d.jsonl", "x.jsonl"], "no temporary or state file may be left")
        let x = try String(contentsOf: out.appendingPathComponent("x.jsonl"), encoding: .utf8)
        XCTAssertTrue(x.hasPrefix("{\"schema\":\"entex/1\",\"id\":\"x.txt\""))
    }

    func testTwoInputsMappingToOneOutputFileAreRefused() throws {
        _ = try write("in/x.txt", "uno")
        _ = try write("in/x.jsonl", "{\"text\":\"dos\"}\n")
        let entries = InputFiles.collect([scratch.appendingPathComponent("in").path])
        XCTAssertThrowsError(try BatchJob(entries: entries, target: .directory(scratch.appendingPathComponent("out").path),
                                          resume: false, configuration: "test"))
    }

    func testResumeAfterAPartlyWrittenLineEqualsAnUninterruptedRun() throws {
        let corpus = TestSupport.corpus.appendingPathComponent("tweets").path
        let entries = InputFiles.collect([corpus])
        let full = scratch.appendingPathComponent("full.jsonl").path
        _ = try BatchJob(entries: entries, target: .file(full), resume: false, configuration: "test").run(engine: try engine(jobs: 2)) { _ in }
        let expected = try Data(contentsOf: URL(fileURLWithPath: full))

        // An interrupted run: its state file exists and its temporary file
        // ends in the middle of a record.
        let target = scratch.appendingPathComponent("resumed.jsonl").path
        _ = try BatchJob(entries: entries, target: .file(target), resume: false, configuration: "test")
        let partial = scratch.appendingPathComponent(".resumed.jsonl.entex-partial")
        try expected.prefix(expected.count / 2).write(to: partial)

        let job = try BatchJob(entries: entries, target: .file(target), resume: true, configuration: "test")
        XCTAssertGreaterThan(job.skipRecords, 0)
        let report = try job.run(engine: try engine(jobs: 2)) { _ in }
        XCTAssertEqual(report.resumedRecords, job.skipRecords)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target)), expected)
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent(".resumed.jsonl.entex-state").path))
    }

    func testResumeWithOtherOptionsIsRefused() throws {
        let entries = InputFiles.collect([TestSupport.corpus.appendingPathComponent("tweets").path])
        let target = scratch.appendingPathComponent("out.jsonl").path
        _ = try BatchJob(entries: entries, target: .file(target), resume: false, configuration: "offsets utf8")
        try Data("{}\n".utf8).write(to: scratch.appendingPathComponent(".out.jsonl.entex-partial"))
        XCTAssertThrowsError(try BatchJob(entries: entries, target: .file(target), resume: true, configuration: "offsets utf16"))
    }

    func testADeviceOutputIsWrittenDirectlyNeverReplaced() throws {
        _ = try write("a.jsonl", "{\"id\":\"a\",\"text\":\"Quito\"}\n")
        let job = try BatchJob(entries: InputFiles.collect([scratch.path]), target: BatchTarget(argument: "/dev/null"),
                               resume: false, configuration: "test")
        let report = try job.run(engine: try engine(jobs: 1)) { _ in }
        XCTAssertEqual(report.records, 1)
        var info = stat()
        XCTAssertEqual(stat("/dev/null", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR, "/dev/null must still be a character device")
        XCTAssertThrowsError(try BatchJob(entries: [], target: .file("/dev/null"), resume: true, configuration: "test"))
    }

    func testMirroredNamesDropCompressionAndInputExtension() {
        XCTAssertEqual(BatchJob.mirroredName("a/b.jsonl"), "a/b.jsonl")
        XCTAssertEqual(BatchJob.mirroredName("x.txt"), "x.jsonl")
        XCTAssertEqual(BatchJob.mirroredName("t/tweets.json.gz"), "t/tweets.jsonl")
        XCTAssertEqual(BatchJob.mirroredName("v1.2/notes.NDJSON"), "v1.2/notes.jsonl")
    }

    // MARK: - The command, killed and resumed

    /// The built `entex` executable next to the test bundle (any scratch path).
    private func entexBinary() -> URL? {
        var candidates: [URL] = []
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            candidates.append(dir.appendingPathComponent("entex"))
            candidates.append(dir.appendingPathComponent("debug/entex"))
            dir.deleteLastPathComponent()
        }
        candidates.append(TestSupport.repoRoot.appendingPathComponent(".build/debug/entex"))
        return candidates.first { url in
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && !isDir.boolValue
                && FileManager.default.isExecutableFile(atPath: url.path)
        }
    }

    private func launch(_ binary: URL, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func testBatchKilledMidwayThenResumedWritesTheSameOutputAsAnUninterruptedRun() throws {
        guard let binary = entexBinary() else {
            throw XCTSkip("the entex executable was not found beside the test bundle (\(Bundle.main.bundleURL.path)); build it first")
        }
        // A corpus that takes a few seconds in a debug build and whose output
        // is several times the writer's 1 MiB buffer: copies of the bundled one.
        let input = scratch.appendingPathComponent("input")
        for copy in 1...3 {
            for entry in InputFiles.collect([TestSupport.corpus.path]) where entry.relativePath.hasSuffix(".jsonl") {
                let to = input.appendingPathComponent("copy\(copy)/" + entry.relativePath)
                try FileManager.default.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: entry.path, toPath: to.path)
            }
        }
        // Resumption does not depend on the stages: the first two keep it quick.
        let common = ["batch", input.path, "--jobs", "2", "--quiet", "--lexicons", TestSupport.lexicons,
                      "--stages", "tokenize,sentences"]
        let full = scratch.appendingPathComponent("full.jsonl")
        let reference = try launch(binary, common + ["-o", full.path])
        reference.waitUntilExit()
        XCTAssertEqual(reference.terminationStatus, 0)
        let expected = try Data(contentsOf: full)
        XCTAssertFalse(expected.isEmpty)

        let target = scratch.appendingPathComponent("killed.jsonl")
        let partial = scratch.appendingPathComponent(".killed.jsonl.entex-partial")
        let victim = try launch(binary, common + ["-o", target.path])
        // Kill it once about a third of the output is on disk.
        let deadline = Date().addingTimeInterval(120)
        while victim.isRunning && Date() < deadline {
            let size = (try? FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)??.intValue ?? 0
            if size >= expected.count / 3 { break }
            usleep(5_000)
        }
        let stillRunning = victim.isRunning
        if stillRunning { kill(victim.processIdentifier, SIGKILL) }
        victim.waitUntilExit()
        guard stillRunning else {
            return XCTFail("the run finished before it could be killed; the test corpus is too small for this machine")
        }
        XCTAssertEqual(victim.terminationReason, .uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path), "no final output after a kill")
        let partialSize = (try FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)?.intValue ?? 0
        XCTAssertGreaterThan(partialSize, 0)
        XCTAssertLessThan(partialSize, expected.count)

        let resumed = try launch(binary, common + ["-o", target.path, "--resume"])
        resumed.waitUntilExit()
        XCTAssertEqual(resumed.terminationStatus, 0)
        XCTAssertEqual(try Data(contentsOf: target), expected, "the resumed output must equal the uninterrupted run's")
        XCTAssertFalse(FileManager.default.fileExists(atPath: partial.path))
    }
}
