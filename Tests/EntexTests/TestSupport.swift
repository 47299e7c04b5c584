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
