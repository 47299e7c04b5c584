import CSupport
import Foundation
@testable import Entex
import XCTest

/// The regex stage's trigger pass lists the tokens that are not quiet in C
/// (`entex_regex_stops`, four tokens a step with AVX2) instead of finding them one after
/// another with `RegexTagger.nextNotQuiet`: both must give the same tokens, masks and
/// candidates.
final class RegexTriggerFastPathTests: XCTestCase {
    /// A random 64-bit hash (`Generator` gives 31 bits a call).
    private func hash(_ g: inout Generator) -> UInt64 { g.next() << 33 ^ g.next() << 2 ^ g.next() }

    /// The tokens `nextNotQuiet` stops at, one call after another, and the masks it leaves.
    private func referenceStops(_ tokens: [Token], _ hashes: [UInt64], _ table: TriggerKeys,
                                blockKinds: UInt32) -> (stops: [Int32], masks: [UInt64]) {
        let n = tokens.count
        var masks = [UInt64](repeating: 0xDEAD, count: n)
        var stops: [Int32] = []
        tokens.withUnsafeBufferPointer { t in
            hashes.withUnsafeBufferPointer { h in
                masks.withUnsafeMutableBufferPointer { m in
                    guard let tb = t.baseAddress, let hb = h.baseAddress, let mb = m.baseAddress else { return }
                    var i = RegexTagger.nextNotQuiet(from: 0, n, tb, hb, mb, table, blockKinds: blockKinds)
                    while i < n {
                        stops.append(Int32(i))
                        mb[i] = 0  // the trigger pass writes a stop's mask itself
                        i = RegexTagger.nextNotQuiet(from: i + 1, n, tb, hb, mb, table, blockKinds: blockKinds)
                    }
                }
            }
        }
        return (stops, masks)
    }

    private typealias StopScan = (UnsafePointer<entex_token>?, UnsafePointer<UInt64>?, Int, UnsafePointer<UInt64>?, UInt32,
                                  UnsafeMutablePointer<UInt64>?, UnsafeMutablePointer<Int32>?) -> Int

    private func stops(_ scan: StopScan, _ tokens: [Token], _ hashes: [UInt64], _ table: TriggerKeys,
                       blockKinds: UInt32) -> (stops: [Int32], masks: [UInt64]) {
        let n = tokens.count
        var masks = [UInt64](repeating: 0xDEAD, count: n)
        var stops = [Int32](repeating: -1, count: n)
        let count = tokens.withUnsafeBytes { t in
            masks.withUnsafeMutableBufferPointer { m in
                stops.withUnsafeMutableBufferPointer { s in
                    scan(t.baseAddress?.assumingMemoryBound(to: entex_token.self), hashes, n, table.filterBase, blockKinds,
                         m.baseAddress, s.baseAddress)
                }
            }
        }
        return (Array(stops.prefix(count)), masks)
    }

    /// Random tokens (every kind, with and without `hasDigit`), hashes that are keys',
    /// keys' with a '.', or random, every length from 0 to 70 (the vector loop's tails)
    /// and several token-block kind sets: the C loops list the tokens `nextNotQuiet` stops
    /// at and zero every mask.
    func testStopScanEqualsNextNotQuiet() {
        var g = Generator(state: 0x5709_2718)
        var keys = ByteStringTable()
        var masks: [UInt64] = []
        var keyHashes: [UInt64] = []
        for k in 0..<300 {
            let key = Array("w\(k)x".utf8)
            keys.insert(key)
            masks.append(k % 5 == 0 ? 0 : UInt64(1) << UInt64(k % 60))
            keyHashes += [KeyHash.hash(key), KeyHash.hash(key + [UInt8(ascii: ".")])]
        }
        let table = TriggerKeys(keys, masks: masks, eager: ~0)
        defer { table.deallocate() }
        var compared = 0, stopped = 0
        for round in 0..<400 {
            let n = round < 71 ? round : Int(g.next() % 300)
            var tokens: [Token] = []
            var hashes: [UInt64] = []
            for i in 0..<n {
                let kind = TokenKind(rawValue: UInt8(g.next() % UInt64(TokenKind.allCases.count)))!
                var flags: TokenFlags = g.next() % 7 == 0 ? [.hasDigit] : []
                if g.next() % 2 == 0 { flags.insert(.spaceBefore) }
                if g.next() % 3 == 0 { flags.insert(.hasLetter) }
                tokens.append(Token(start: Int32(2 * i), end: Int32(2 * i + 1), keyStart: 0, keyEnd: 0, kind: kind, flags: flags))
                hashes.append(g.next() % 6 == 0 ? g.pick(keyHashes) : hash(&g))
            }
            let blockKinds: UInt32 = [0, 0x3E0, UInt32(1) << UInt32(g.next() % 11), 0x7FF][round % 4]
            let want = referenceStops(tokens, hashes, table, blockKinds: blockKinds)
            var scans: [(String, StopScan)] = [("scalar", entex_regex_stops_scalar), ("dispatched", entex_regex_stops)]
            if entex_regex_stops_has_avx2() != 0 { scans.append(("avx2", entex_regex_stops_avx2)) }
            for (name, scan) in scans {
                let got = stops(scan, tokens, hashes, table, blockKinds: blockKinds)
                XCTAssertEqual(got.stops, want.stops, "\(name), round \(round)")
                XCTAssertEqual(got.masks, [UInt64](repeating: 0, count: n), "\(name), round \(round)")
                XCTAssertEqual(want.masks, [UInt64](repeating: 0, count: n), "reference, round \(round)")
                compared += 1
            }
            stopped += want.stops.count
            if testRun?.failureCount ?? 0 > 10 { return }
        }
        XCTAssertGreaterThan(compared, 800)
        XCTAssertGreaterThan(stopped, 5000)
    }

    /// The tagger with its stops listed in C gives every document of the bundled and shared
    /// corpora (300 of each shared file) the candidates, values and warnings it gives with
    /// `nextNotQuiet`, in each language's plan.
    func testCandidatesWithStopsListedInCEqualNextNotQuiet() throws {
        let shared = ["bbc_news_en/bbc_news.jsonl", "fakenews_es/fakenews_es.jsonl", "tweeteval_en/tweeteval_tweets.jsonl",
                      "tweets_news_es/tweets_news_es.jsonl"]
            .map { TestSupport.shared.appendingPathComponent("corpus/\($0)") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        let texts = try (TestSupport.corpusJSONLines + shared).flatMap { file in
            try TestSupport.jsonlTexts(file, limit: 300).map { ($0.text, $0.lang ?? "en") }
        }
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let inC = RegexTagger(patterns: TestSupport.resources.patterns)
        let reference = RegexTagger(patterns: TestSupport.resources.patterns)
        reference.listsStopsInC = false
        for tagger in [inC, reference] { tagger.referenceDate = CivilDate(year: 2023, month: 9, day: 12) }
        func describe(_ d: Document) -> [String] {
            d.candidates.map { "\($0.span)|\($0.type.name)|\($0.rule ?? "-")|\(d.string($0.value) ?? "-")" }
                + d.warnings.map { "\($0.code)|\($0.offset.map(String.init) ?? "-")|\($0.message)" }
        }
        var candidates = 0
        for (i, (text, language)) in texts.enumerated() {
            var doc = Document(id: "t", text: text, language: [language, "es", "und"][i % 5 < 3 ? 0 : i % 5 - 2])
            pipeline.process(&doc)
            var a = doc, b = doc
            inC.process(&a)
            reference.process(&b)
            XCTAssertEqual(describe(a), describe(b), text)
            candidates += a.candidates.count
        }
        XCTAssertGreaterThan(candidates, 500)
    }
}
