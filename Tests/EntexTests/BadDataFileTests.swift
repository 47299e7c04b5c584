@testable import Entex
import Foundation
import XCTest

/// Lexicon and pattern files with bad rows: without `--lenient` loading stops
/// with an error naming file and line; with it the row is skipped and reported.
final class BadDataFileTests: XCTestCase {
    // MARK: - Gazetteer rows (user lexicons and bundled TSV files share the loader)

    private func builderErrors(_ contents: [UInt8], lenient: Bool) throws -> (thrown: DataFileError?, skipped: [DataFileError]) {
        var builder = try GazetteerBuilder(text: TestSupport.resources.text)
        builder.lenient = lenient
        do {
            try builder.add(bytes: contents, source: GazetteerSource(path: "bad.tsv", isUser: false))
            return (nil, builder.skipped)
        } catch {
            return (error, builder.skipped)
        }
    }

    private let goodRow = Array("Zorblax Industries\tORG\tlocal:org/zorblax\ten\t-\t-\n".utf8)

    func testGazetteerRowWithWrongColumnCountNamesFileAndLine() throws {
        let contents = Array("# header\n".utf8) + goodRow + Array("Only Two\tORG\n".utf8)
        let strict = try builderErrors(contents, lenient: false)
        let error = try XCTUnwrap(strict.thrown)
        XCTAssertEqual(error.file, "bad.tsv")
        XCTAssertEqual(error.line, 3)
        XCTAssertTrue(error.message.contains("columns"), error.message)
    }

    func testGazetteerRowWithInvalidUTF8NamesFileAndLine() throws {
        let contents = goodRow + Array("Caf".utf8) + [0xE9] + Array("\tORG\t-\ten\t-\t-\n".utf8) + goodRow
        let strict = try builderErrors(contents, lenient: false)
        XCTAssertEqual(strict.thrown?.line, 2)
        XCTAssertTrue(strict.thrown?.message.contains("UTF-8") ?? false, "\(String(describing: strict.thrown))")
        let lenient = try builderErrors(contents, lenient: true)
        XCTAssertNil(lenient.thrown)
        XCTAssertEqual(lenient.skipped.map(\.line), [2])
    }

    func testLenientGazetteerSkipsEachBadRowAndKeepsTheOthers() throws {
        let contents = goodRow
            + Array("Only Two\tORG\n".utf8)
            + Array("Bad Type\tNOTATYPE\t-\ten\t-\t-\n".utf8)
            + Array("Qwertyville\tGPE\t-\t*\t-\t-\n".utf8)
        var builder = try GazetteerBuilder(text: TestSupport.resources.text)
        builder.lenient = true
        try builder.add(bytes: contents, source: GazetteerSource(path: "bad.tsv", isUser: false))
        XCTAssertEqual(builder.skipped.map(\.line), [2, 3])
        XCTAssertTrue(builder.skipped.allSatisfy { $0.file == "bad.tsv" })
        let gazetteer = builder.build()
        var doc = Document(id: "t", text: "Zorblax Industries opened in Qwertyville.", language: "en")
        let tokenizer = try Tokenizer(resources: TestSupport.resources.text)
        tokenizer.process(&doc)
        let stage = GazetteerTagger(gazetteer: gazetteer)
        try SentenceSplitter(resources: TestSupport.resources.text).process(&doc)
        LanguageDetector(resources: TestSupport.resources.text).process(&doc)
        stage.process(&doc)
        XCTAssertEqual(Set(doc.candidates.map { doc.string($0.span) }), ["Zorblax Industries", "Qwertyville"])
    }

    // MARK: - Pattern files

    private static let goodBlock = """
        [test-zorbs]
        type: QUANTITY
        lang: *
        priority: 1
        trigger: digit
        comment: a count of zorbs (test data)
        pattern: \\d+ \\s zorbs
        match: 12 zorbs
        nomatch: zorbs

        """

    func testPatternThatDoesNotCompileNamesFileAndLine() throws {
        let lexicons = try TemporaryLexicons(patterns: [
            "test.txt": "# test patterns\n" + BadDataFileTests.goodBlock + """
                [test-broken]
                type: CARDINAL
                lang: *
                priority: 1
                trigger: digit
                comment: an unclosed group
                pattern: ( \\d+
                match: 12
                nomatch: x

                """,
        ])
        XCTAssertThrowsError(try RegexPatterns.load(from: lexicons.path)) { error in
            let e = error as? DataFileError
            XCTAssertEqual(e?.file.hasSuffix("patterns/test.txt"), true, "\(error)")
            XCTAssertEqual(e?.line, 17, "the line of the pattern")
            XCTAssertTrue(e?.message.contains("does not compile") ?? false, "\(error)")
        }
        let lenient = try RegexPatterns.load(from: lexicons.path, lenient: true)
        XCTAssertEqual(lenient.patterns.map(\.name), ["test-zorbs"])
        XCTAssertEqual(lenient.skippedRows.map(\.line), [17])
    }

    func testDuplicatePatternNameNamesFileAndLine() throws {
        let lexicons = try TemporaryLexicons(patterns: [
            "a.txt": "# first\n" + BadDataFileTests.goodBlock,
            "b.txt": "# second\n\n" + BadDataFileTests.goodBlock,
        ])
        XCTAssertThrowsError(try RegexPatterns.load(from: lexicons.path)) { error in
            let e = error as? DataFileError
            XCTAssertEqual(e?.file.hasSuffix("patterns/b.txt"), true, "\(error)")
            XCTAssertEqual(e?.line, 3)
            XCTAssertTrue(e?.description.contains("a.txt:2") ?? false, "names the first use: \(error)")
        }
        let lenient = try RegexPatterns.load(from: lexicons.path, lenient: true)
        XCTAssertEqual(lenient.patterns.count, 1)
        XCTAssertEqual(lenient.skippedRows.first?.file.hasSuffix("b.txt"), true)
    }

    // MARK: - The command

    func testCommandRefusesABadLexiconRowUnlessLenient() throws {
        _ = try TestSupport.requireEntex()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let lexicon = dir.appendingPathComponent("mine.tsv")
        try Data(goodRow + Array("Too\tMany\tColumns\there\n".utf8)).write(to: lexicon)

        func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            let run = try TestSupport.runEntex(arguments, input: Array("Zorblax Industries hired 300 people.".utf8))
            return (run.status, run.stdoutText, run.stderr)
        }
        let strict = try run(["--lexicon", lexicon.path])
        XCTAssertEqual(strict.status, 2)
        XCTAssertEqual(strict.stdout, "")
        XCTAssertTrue(strict.stderr.contains("mine.tsv:2:"), strict.stderr)

        let lenient = try run(["--lenient", "--lexicon", lexicon.path])
        XCTAssertEqual(lenient.status, 0, lenient.stderr)
        XCTAssertTrue(lenient.stderr.contains("mine.tsv:2:") && lenient.stderr.contains("skipped"), lenient.stderr)
        XCTAssertTrue(lenient.stdout.contains("\"Zorblax Industries\""), lenient.stdout)
    }
}

/// A Lexicons folder for one test: links to the bundled folders, with its own
/// `patterns/` (the bundled word lists plus the given pattern files). Deleted
/// when the value is released.
final class TemporaryLexicons {
    let path: String

    init(patterns: [String: String]) throws {
        let fm = FileManager.default
        path = fm.temporaryDirectory.appendingPathComponent("entex-lexicons-\(UUID().uuidString)").path
        try fm.createDirectory(atPath: path + "/patterns", withIntermediateDirectories: true)
        let bundled = TestSupport.lexicons
        for name in try fm.contentsOfDirectory(atPath: bundled) where name != "patterns" {
            try fm.createSymbolicLink(atPath: path + "/" + name, withDestinationPath: bundled + "/" + name)
        }
        for name in try fm.contentsOfDirectory(atPath: bundled + "/patterns") where name.hasPrefix("words") {
            try fm.copyItem(atPath: bundled + "/patterns/" + name, toPath: path + "/patterns/" + name)
        }
        for (name, text) in patterns {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path + "/patterns/" + name))
        }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}
