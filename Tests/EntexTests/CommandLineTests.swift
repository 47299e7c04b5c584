import Foundation
import XCTest

/// The built `entex` executable, run with standard input: exit statuses,
/// error records and the main options.
final class CommandLineTests: XCTestCase {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Each output line decoded as a JSON object.
        var records: [[String: Any]] {
            stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
    }

    private func entex(_ arguments: [String], input: String) throws -> Run {
        try entex(arguments, input: Array(input.utf8))
    }

    private func entex(_ arguments: [String], input: [UInt8]) throws -> Run {
        let run = try TestSupport.runEntex(arguments, input: input)
        return Run(status: run.status, stdout: run.stdoutText, stderr: run.stderr)
    }

    func testGoodInputExitsZeroWithOneRecord() throws {
        let run = try entex([], input: "President Nicolás Maduro visited Beijing. He met Xi.")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.records.count, 1)
        XCTAssertEqual(run.records.first?["schema"] as? String, "entex/1")
        XCTAssertEqual(run.records.first?["text"] as? String, "President Nicolás Maduro visited Beijing. He met Xi.")
        XCTAssertEqual((run.records.first?["sentences"] as? [Any])?.count, 2)
        XCTAssertNil(run.records.first?["tokens"], "tokens only with --tokens")
    }

    func testReferenceDateResolvesRelativeDatesOfUndatedDocuments() throws {
        func value(_ run: Run) -> Any? {
            let entities = run.records.first?["entities"] as? [[String: Any]] ?? []
            return entities.first { ($0["text"] as? String) == "yesterday" }?["value"]
        }
        let dated = try entex(["--reference-date", "2024-03-01"], input: "The rocket launched yesterday.")
        XCTAssertEqual(dated.status, 0, dated.stderr)
        XCTAssertEqual(value(dated) as? String, "2024-02-29")
        let own = try entex(["--reference-date", "2024-03-01", "--format", "jsonl"],
                            input: "{\"text\":\"The rocket launched yesterday.\",\"date\":\"2023-01-10\"}\n")
        XCTAssertEqual(value(own) as? String, "2023-01-09", "a document's own date comes first")
        let bad = try entex(["--reference-date", "March 1"], input: "x")
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("--reference-date"), bad.stderr)
    }

    func testEmptyInputExitsZeroWithNoOutput() throws {
        let run = try entex([], input: "")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "")
    }

    func testMalformedJSONLineExitsOneAndOtherLinesStillProduceRecords() throws {
        let run = try entex(["--format", "jsonl"], input: "{\"id\":\"a\",\"text\":\"Hola.\"}\n{\"id\":\"b\",\"text\":\n{\"id\":\"c\",\"text\":\"Adiós.\"}\n")
        XCTAssertEqual(run.status, 1)
        let records = run.records
        XCTAssertEqual(records.count, 3, run.stdout)
        guard records.count == 3 else { return }
        XCTAssertEqual(records[0]["id"] as? String, "a")
        XCTAssertNotNil(records[1]["error"])
        XCTAssertEqual(records[1]["line"] as? Int, 2)
        XCTAssertEqual(records[2]["id"] as? String, "c")
        XCTAssertTrue(run.stderr.contains(":2"), "stderr names the line: \(run.stderr)")
    }

    func testMalformedLineIsAlsoAnErrorInAutoFormat() throws {
        let run = try entex([], input: "{\"text\":\"uno\"}\n{broken\n")
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.records.map { $0["error"] == nil }, [true, false])
    }

    func testBadOptionExitsTwo() throws {
        for arguments in [["--no-such-option"], ["--offsets", "bytes"], ["--format", "xml"], ["--max-doc-bytes", "0"]] {
            let run = try entex(arguments, input: "Hola")
            XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
            XCTAssertEqual(run.stdout, "", "\(arguments): nothing processed")
        }
    }

    /// An empty `-o` is a usage error, refused before anything is written (it once left
    /// `..entex-partial` and `..entex-state` in the working folder and failed at the rename).
    func testBatchEmptyOutputExitsTwoAndWritesNothing() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("entex-empty-output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let input = scratch.appendingPathComponent("a.txt")
        try "Nicolás Maduro visited Beijing.".write(to: input, atomically: true, encoding: .utf8)
        let before = FileManager.default.currentDirectoryPath
        let strays = ["..entex-partial", "..entex-state"].map { before + "/" + $0 }
        for arguments in [["batch", input.path, "-o", ""], ["batch", input.path, "--output="]] {
            let run = try entex(arguments, input: "")
            XCTAssertEqual(run.status, 2, "\(arguments): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("--output"), run.stderr)
            XCTAssertEqual(run.stdout, "")
            for stray in strays { XCTAssertFalse(FileManager.default.fileExists(atPath: stray), stray) }
        }
    }

    func testConfigurationErrorExitsTwo() throws {
        let run = try entex(["--lexicons", "/nonexistent/entex-lexicons"], input: "Hola")
        XCTAssertEqual(run.status, 2)
        XCTAssertFalse(run.stderr.isEmpty)
        let stages = try entex(["--stages", "sentences"], input: "Hola")
        XCTAssertEqual(stages.status, 2, "a pipeline whose stage lacks its input layer is refused")
    }

    func testOffsetsUTF16CountsAstralCharactersAsTwoUnits() throws {
        let input = "😀 Maduro"
        let utf16 = try entex(["--offsets", "utf16", "--tokens"], input: input)
        let codepoints = try entex(["--tokens"], input: input)
        XCTAssertEqual(utf16.status, 0, utf16.stderr)
        func starts(_ run: Run) -> [Int] {
            (run.records.first?["tokens"] as? [[String: Any]] ?? []).compactMap { $0["start"] as? Int }
        }
        XCTAssertEqual(starts(utf16), [0, 3])
        XCTAssertEqual(starts(codepoints), [0, 2])
        let utf8 = try entex(["--offsets", "utf8", "--tokens"], input: input)
        XCTAssertEqual(starts(utf8), [0, 5])
    }

    func testTokensOptionAddsTheTokenLayer() throws {
        let run = try entex(["--tokens"], input: "Hola, @amigo")
        let tokens = try XCTUnwrap(run.records.first?["tokens"] as? [[String: Any]])
        XCTAssertEqual(tokens.map { $0["key"] as? String }, ["hola", ",", "@amigo"])
        XCTAssertEqual(tokens.map { $0["kind"] as? String }, ["word", "punct", "handle"])
    }

    func testFormatLinesMakesOneRecordPerLine() throws {
        let run = try entex(["--format", "lines"], input: "uno\n\ndos\ntres\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.records.map { $0["text"] as? String }, ["uno", "dos", "tres"])
        XCTAssertEqual(run.records.map { $0["id"] as? String }, ["1", "3", "4"])
    }

    func testTweetLineKeepsItsIdAndLanguage() throws {
        let run = try entex([], input: #"{"id_str":"123","full_text":"Hello &amp; bye","lang":"en"}"#)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.records.first?["id"] as? String, "123")
        XCTAssertEqual(run.records.first?["lang"] as? String, "en")
        XCTAssertEqual(run.records.first?["text"] as? String, "Hello & bye")
    }

    /// The plain command lines `entex` reads without argument-parser (`QuickArguments`) do
    /// what argument-parser makes of them: naming the default command (`entex annotate …`)
    /// always goes through argument-parser, so each line is run both ways and must give the
    /// same output, errors and exit status — also for lines the quick reading hands over
    /// (repeated, unknown, short or `=` options, values that look like options, bad values).
    func testQuickArgumentReadingEqualsArgumentParser() throws {
        let corpus = try XCTUnwrap(TestSupport.corpusJSONLines.first)
        let file = corpus.path
        let lexicon = FileManager.default.temporaryDirectory.appendingPathComponent("entex-quick-\(UUID().uuidString).tsv")
        try "Zyxwv Corp\tORG\n".write(to: lexicon, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: lexicon) }
        let input = "{\"id\":\"a\",\"text\":\"Yesterday Nicolás Maduro met Zyxwv Corp in Caracas for $5 million.\"}\n{broken\n"
        let lines: [[String]] = [
            [], ["--format", "jsonl"], ["--format", "text", "--tokens"], ["--offsets", "utf16", "--tokens", "--format", "jsonl"],
            ["--format", "jsonl", "--lexicon", lexicon.path], ["--lexicon", lexicon.path, "--lexicon", lexicon.path],
            ["--keep-overlaps", "--lenient"], ["--stages", "tokenize,sentences"], ["--reference-date", "2024-03-01"],
            ["--max-doc-bytes", "20"], ["--max-doc-bytes", "0"], ["--max-doc-bytes", "x"], ["--format", "xml"],
            ["--reference-date", "March 1"], ["--lexicons", "/nonexistent/entex-lexicons"], ["--lexicons", TestSupport.lexicons],
            [file], ["--format", "jsonl", file, "--tokens", file], ["/nonexistent/file.txt"],
            ["--format", "jsonl", "--format", "text"], ["--tokens", "--tokens"], ["--format=jsonl"], ["--format"],
            ["--lexicon", "--tokens"], ["--no-such-option"], ["-"], [""],
        ]
        for line in lines {
            let quick = try TestSupport.runEntex(line, input: Array(input.utf8))
            let parsed = try TestSupport.runEntex(["annotate"] + line, input: Array(input.utf8))
            XCTAssertEqual(quick.status, parsed.status, "\(line)")
            XCTAssertEqual(quick.stdout, parsed.stdout, "\(line)")
            XCTAssertEqual(quick.stderr, parsed.stderr, "\(line)")
        }
    }

    /// The plain `entex batch` command lines `QuickArguments` reads do what argument-parser
    /// makes of them: `--output=OUT` always goes through argument-parser, so each line is run
    /// with its `-o OUT` (or `--output OUT`) and again with `--output=OUT`, and must give the
    /// same output, errors and exit status — also for lines the quick reading hands over
    /// (help, repeated, unknown, grouped or `=` options, bad or missing values, no path).
    func testQuickBatchArgumentReadingEqualsArgumentParser() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("entex-quick-batch-\(UUID().uuidString)")
        let inputs = scratch.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        try "Yesterday Nicolás Maduro met Zyxwv Corp in Caracas for $5 million.".write(
            to: inputs.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try "{\"id\":\"b1\",\"text\":\"@amigo Hola desde Madrid, dice Pedro Sánchez.\"}\n{broken\n".write(
            to: inputs.appendingPathComponent("b.jsonl"), atomically: true, encoding: .utf8)
        let good = inputs.appendingPathComponent("a.txt").path
        let folder = inputs.path
        let lexicon = scratch.appendingPathComponent("user.tsv").path
        try "Zyxwv Corp\tORG\n".write(toFile: lexicon, atomically: true, encoding: .utf8)
        let file = scratch.appendingPathComponent("out.jsonl").path
        let directory = scratch.appendingPathComponent("out").path + "/"
        let lines: [[String]] = [
            [good, "-o", "-", "--quiet"], [folder, "-o", "-", "--jobs", "1", "-q"], [folder, "--output", "-", "--jobs", "2", "-q"],
            [folder, "-o", "-"], ["-q", "--tokens", "--offsets", "utf16", "-o", "-", folder, good],
            ["--lexicon", lexicon, "--lexicon", lexicon, folder, "-o", "-", "-q"], [folder, "-o", "-", "--keep-overlaps", "--lenient"],
            [folder, "-o", "-", "--stages", "tokenize,sentences"], [folder, "-o", "-", "--reference-date", "2024-03-01"],
            [folder, "-o", "-", "--max-doc-bytes", "20"], [folder, "-o", "-", "--lexicons", TestSupport.lexicons],
            [folder, "-o", file], [folder, "-o", file, "--resume"], [folder, "-o", directory, "-q"],
            [folder, "-o", "-", "--jobs", "+1", "-q"],
            // Handed to argument-parser.
            [folder, "-o", "-", "--jobs", "0"], [folder, "-o", "-", "--jobs", "x"], [folder, "-o", "-", "--jobs", "-1"],
            [folder, "-o", "-", "--max-doc-bytes", "0"], [folder, "-o", "-", "--offsets", "bytes"],
            [folder, "-o", "-", "--reference-date", "March 1"], [folder, "-o", "-", "--lexicons", "/nonexistent/entex-lexicons"],
            [folder, "-o", "-", "--stages", "sentences"], [folder, "-o", "-", "--format", "jsonl"], [folder, "-o", "-", "--help"],
            [folder, "-o", "-", "-h"], [folder, "-o", "-", "--version"], [folder, "-o", "-", "-q", "-q"], [folder, "-o", "-", "--quiet", "-q"],
            [folder, "-o", "-", "--jobs", "1", "--jobs", "2"], [folder, "-o", "-", "--tokens", "--tokens"], [folder, "-o", "-", "--jobs=1"],
            [folder, "-o", "-", "--jobs"], [folder, "-o", "-", "--lexicon", "--tokens"], [folder, "-o", "-", "-x"], [folder, "-qo", "-"],
            [folder, "-o", "-", "-o", "-"], ["-o", "-"], ["-o", "-", "help"], ["-o", "-", "batch"], ["-o", "-", "--", folder],
            ["/nonexistent/file.txt", "-o", "-"], [scratch.appendingPathComponent("empty").path, "-o", "-"], [folder],
            [folder, "-o"], [folder, "-o", "--quiet"], ["", "-o", "-"],
        ]
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("empty"), withIntermediateDirectories: true)
        /// The run's exit status, standard output, standard error (the timings of the summary
        /// masked) and output file or folder.
        func run(_ arguments: [String]) throws -> [String] {
            try? FileManager.default.removeItem(atPath: file)
            try? FileManager.default.removeItem(atPath: directory)
            let run = try TestSupport.runEntex(["batch"] + arguments, input: [])
            let stderr = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).map {
                $0.contains(" docs/s, ") ? String($0.prefix { $0 != "," }) : String($0)
            }
            let written = [file, directory + "a.jsonl", directory + "b.jsonl"].map {
                (try? String(contentsOfFile: $0, encoding: .utf8)) ?? ""
            }.joined(separator: "\n")
            return ["\(run.status)", run.stdoutText, stderr.joined(separator: "\n"), written]
        }
        for line in lines {
            var parsed = line
            if let o = line.firstIndex(where: { $0 == "-o" || $0 == "--output" }), o + 1 < line.count,
               line[o + 1] == "-" || !(line[o + 1].isEmpty || line[o + 1].hasPrefix("-")) {
                parsed[o...(o + 1)] = ["--output=" + line[o + 1]]
            }
            XCTAssertEqual(try run(line), try run(parsed), "\(line)")
        }
    }

    func testHelpDocumentsExitStatuses() throws {
        let run = try entex(["--help"], input: "")
        XCTAssertEqual(run.status, 0)
        XCTAssertTrue(run.stdout.contains("Exit status"), run.stdout)
    }
}
