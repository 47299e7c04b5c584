import Entex
import Foundation
import XCTest

/// Paths and shared fixtures for the tests.
enum TestSupport {
    /// The repository root (this file is Tests/EntexTests/TestSupport.swift).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var lexicons: String { repoRoot.appendingPathComponent("Lexicons").path }
    static var corpus: URL { repoRoot.appendingPathComponent("Corpus") }

    /// `../shared` beside the repository, which CI and developers may or may not have.
    static var shared: URL { repoRoot.deletingLastPathComponent().appendingPathComponent("shared") }

    /// The bundled JSON Lines samples of news and tweets in `Corpus/`.
    static var corpusJSONLines: [URL] {
        ["Corpus/tweets/tweets_en.handwritten.jsonl", "Corpus/tweets/tweets_es.sample.jsonl",
         "Corpus/news/fakenews_es.sample.jsonl"].map { repoRoot.appendingPathComponent($0) }
    }

    /// English news from `../shared` (nil when absent): many named people per document.
    static var sharedEnglishNews: URL? {
        let url = shared.appendingPathComponent("corpus/bbc_news_en/bbc_news.jsonl")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The `text` and `lang` of the first `limit` records of a JSON Lines file.
    static func jsonlTexts(_ url: URL, limit: Int = .max) throws -> [(text: String, lang: String?)] {
        let data = try String(contentsOf: url, encoding: .utf8)
        var texts: [(text: String, lang: String?)] = []
        for line in data.split(separator: "\n").prefix(limit) {
            let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let text = record["text"] as? String { texts.append((text, record["lang"] as? String)) }
        }
        return texts
    }

    /// Skips the calling test with a clear message when `../shared/<relative>` is absent.
    static func requireShared(_ relative: String) throws -> URL {
        let url = shared.appendingPathComponent(relative)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw XCTSkip("\(url.path) is absent: this test needs the project's ../shared data beside the repository")
        }
        return url
    }

    /// Bundled resources, loaded once for all tests.
    static let resources: Resources = {
        do {
            return try Resources.load(lexicons: lexicons)
        } catch {
            fatalError("cannot load Lexicons for tests: \(error)")
        }
    }()

    /// A new pipeline with the given stages (default: all).
    static func pipeline(_ stages: [String] = PipelineConfiguration.defaultStages) throws -> Pipeline {
        try PipelineConfiguration(stages: stages).makePipeline(resources: resources)
    }

    /// Annotates `text` with the full default pipeline.
    static func annotate(_ text: String, language: String? = nil, stages: [String] = PipelineConfiguration.defaultStages) throws -> Document {
        var doc = Document(id: "test", text: text, language: language)
        try pipeline(stages).process(&doc)
        return doc
    }

    /// The surface texts of a document's tokens.
    static func tokenTexts(_ doc: Document) -> [String] {
        doc.tokens.map { doc.string($0.span) }
    }

    /// (text, type) of each resolved entity.
    static func entities(_ doc: Document) -> [(String, String)] {
        doc.entities.map { (doc.string($0.span), $0.type.name) }
    }
}

/// Running the built `entex` executable, shared by the command-line tests.
extension TestSupport {
    /// What one run of the binary gave.
    struct CommandRun {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
        var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    }

    /// The `entex` binary in the same build products folder as the test
    /// bundle, found by walking up from the bundle and the test runner.
    static let entexExecutable: URL? = {
        let fm = FileManager.default
        var starts = [Bundle(for: ExecutableLocator.self).bundleURL, Bundle.main.bundleURL]
        if let exe = Bundle.main.executableURL { starts.append(exe) }
        starts.append(URL(fileURLWithPath: CommandLine.arguments[0]))
        for start in starts {
            var dir = start.resolvingSymlinksInPath()
            for _ in 0..<6 {
                let candidate = dir.appendingPathComponent("entex")
                var isDirectory: ObjCBool = false
                if fm.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                   fm.isExecutableFile(atPath: candidate.path) {
                    return candidate
                }
                dir.deleteLastPathComponent()
            }
        }
        return nil
    }()

    /// The binary, or a skip with a clear message when it was not built.
    static func requireEntex() throws -> URL {
        guard let executable = entexExecutable else {
            throw XCTSkip("no built entex executable beside the test bundle; run `swift build` first")
        }
        return executable
    }

    /// Runs `entex arguments` with `input` on standard input and the bundled
    /// Lexicons; both outputs are read while the input is written, so a large
    /// output cannot block the child.
    static func runEntex(_ arguments: [String], input: [UInt8]) throws -> CommandRun {
        let process = Process()
        process.executableURL = try requireEntex()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["ENTEX_LEXICONS"] = lexicons
        process.environment = environment
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = Collected(), err = Collected()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { out.data = stdout.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { err.data = stderr.fileHandleForReading.readDataToEndOfFile() }
        // The child may stop reading early (it must not, but a failing test should not hang).
        signal(SIGPIPE, SIG_IGN)
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        group.wait()
        process.waitUntilExit()
        return CommandRun(status: process.terminationStatus, stdout: Array(out.data),
                          stderr: String(decoding: err.data, as: UTF8.self))
    }
}

/// Anchors `Bundle(for:)` to the test bundle.
private final class ExecutableLocator {}

/// Bytes one reader thread collects; read only after the group is done.
private final class Collected: @unchecked Sendable {
    var data = Data()
}

/// A small deterministic generator (a 64-bit LCG) for the fast-path tests
/// that build text from pieces: the same seed gives the same texts everywhere.
struct Generator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
    mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
}
