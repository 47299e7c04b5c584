@testable import Entex
import XCTest

/// `Document.keyHashes` must hold `KeyHash.hash` of every token's stored
/// key, whichever path of the tokenizer wrote the key; the word-at-a-time
/// forms of the hash must equal the plain one.
final class KeyHashTests: XCTestCase {
    /// Asserts one hash per token, each equal to the hash of the token's key bytes.
    static func assertHashesOfKeys(_ doc: Document, _ message: @autoclosure () -> String,
                                   file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(doc.keyHashes.count, doc.tokens.count, message(), file: file, line: line)
        guard doc.keyHashes.count == doc.tokens.count else { return }
        for i in doc.tokens.indices where doc.keyHashes[i] != KeyHash.hash(doc.key(ofToken: i)) {
            XCTFail("token \(i) \(doc.keyString(ofToken: i).debugDescription): stored hash differs; \(message())",
                    file: file, line: line)
            return
        }
    }

    func testStoredHashesEqualHashesOfKeysOnTheCorpora() throws {
        let tokenizer = try Tokenizer(resources: TestSupport.resources.text)
        var files = TestSupport.corpusJSONLines
        if let news = TestSupport.sharedEnglishNews { files.append(news) }
        for name in ["corpus/tweeteval_en/tweeteval_tweets.jsonl", "corpus/tweets_news_es/tweets_news_es.jsonl",
                     "corpus/fakenews_es/fakenews_es.jsonl"] {
            let url = TestSupport.shared.appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: url.path) { files.append(url) }
        }
        var tokens = 0
        for url in files {
            for (n, record) in try TestSupport.jsonlTexts(url, limit: 20_000).enumerated() {
                var doc = Document(id: "\(n)", text: record.text)
                tokenizer.process(&doc)
                tokens += doc.tokens.count
                KeyHashTests.assertHashesOfKeys(doc, "\(url.lastPathComponent) record \(n)")
                if testRun?.failureCount ?? 0 > 10 { return }
            }
        }
        XCTAssertGreaterThan(tokens, 1000)
    }

    func testWordFormsEqualTheByteForm() {
        var g = Generator(state: 31)
        for _ in 0..<2000 {
            let count = Int(g.next() % 41)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            let expected = KeyHash.hash(bytes)
            // Any bytes after the key: the padded form masks them.
            let padded = bytes + (0..<8).map { _ in UInt8(truncatingIfNeeded: g.next() | 1) }
            padded.withUnsafeBufferPointer { p in
                XCTAssertEqual(KeyHash.hash(padded: p.baseAddress!, count: count), expected, "\(bytes)")
                if count > 8 && count <= 16 {
                    let w0 = KeyHash.loadPartial(p.baseAddress!, 8), w1 = KeyHash.loadPartial(p.baseAddress! + 8, count - 8)
                    XCTAssertEqual(KeyHash.hash(w0, w1, count: count), expected, "\(bytes)")
                }
                if count <= 8 {
                    var word: UInt64 = 0
                    for (k, b) in bytes.enumerated() { word |= UInt64(b) << (8 * UInt64(k)) }
                    XCTAssertEqual(KeyHash.loadPartial(p.baseAddress!, count), word, "\(bytes)")
                    XCTAssertEqual(KeyHash.hash(word: word, count: count), expected, "\(bytes)")
                }
            }
            XCTAssertEqual(KeyHash.hash(bytes[...]), expected)
        }
    }

    func testKeysThatDifferOnlyInLengthOrOneByteDiffer() {
        XCTAssertNotEqual(KeyHash.hash([UInt8]()), KeyHash.hash([0]))
        XCTAssertNotEqual(KeyHash.hash([UInt8](repeating: 0, count: 8)), KeyHash.hash([UInt8](repeating: 0, count: 9)))
        // Every one-bit change of a 1- to 24-byte key changes the low 20 bits (a table slot) in almost every case.
        var g = Generator(state: 5)
        var same = 0, total = 0
        for _ in 0..<300 {
            let count = 1 + Int(g.next() % 24)
            var key = (0..<count).map { _ in UInt8(ascii: "a") + UInt8(g.next() % 26) }
            let h = KeyHash.hash(key)
            for bit in 0..<(count * 8) {
                key[bit / 8] ^= 1 << UInt8(bit % 8)
                if KeyHash.hash(key) & 0xFFFFF == h & 0xFFFFF { same += 1 }
                total += 1
                key[bit / 8] ^= 1 << UInt8(bit % 8)
            }
        }
        XCTAssertLessThan(same, 3, "\(same) of \(total) one-bit changes kept the low 20 bits")
    }

    /// Stages that look token keys up read the stored hashes (language
    /// detection, name rules, regex triggers) and hash the key themselves when a
    /// document has none: both ways must give the same document.
    func testStagesGiveTheSameResultsWithoutStoredHashes() throws {
        let pipeline = try TestSupport.pipeline()
        var files = TestSupport.corpusJSONLines
        if let news = TestSupport.sharedEnglishNews { files.append(news) }
        var entities = 0
        for url in files {
            for (n, record) in try TestSupport.jsonlTexts(url, limit: 400).enumerated() {
                var with = Document(id: "\(n)", text: record.text, language: record.lang)
                var without = with
                for stage in pipeline.stages {
                    stage.process(&with)
                    stage.process(&without)
                    if stage is Tokenizer { without.keyHashes = [] }
                }
                XCTAssertEqual(with.language, without.language, "\(url.lastPathComponent) record \(n)")
                XCTAssertEqual(with.candidates.map(\.span), without.candidates.map(\.span), "\(url.lastPathComponent) record \(n)")
                XCTAssertEqual(with.entities.map(\.span), without.entities.map(\.span), "\(url.lastPathComponent) record \(n)")
                XCTAssertEqual(with.entities.map(\.type), without.entities.map(\.type), "\(url.lastPathComponent) record \(n)")
                entities += with.entities.count
            }
        }
        XCTAssertGreaterThan(entities, 1000)
    }
}
