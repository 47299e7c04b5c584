@testable import Entex
import Foundation
import XCTest

/// The fast matcher (memos, Bloom filter, bitsets, early rejections) against a
/// plain one written straight from the documented rules: one vocabulary lookup
/// and one transition-table probe per step, no caches, the emit rules spelled out.
final class GazetteerReferenceTests: XCTestCase {
    /// Every candidate field that the writer or a later stage can see.
    private static func describe(_ e: Entity, canonical: String?, kb: String?) -> String {
        "\(e.span.start)-\(e.span.end)|\(e.type.name)|\(e.source)|\(canonical ?? "-")|\(kb ?? "-")|\(e.priority)|\(e.rule ?? "-")"
    }

    /// `describe` of each candidate of `d` (also what `GazetteerFastPathTests` compares).
    static func describe(_ d: Document) -> [String] {
        d.candidates.map { describe($0, canonical: d.canonical(of: $0), kb: d.kb(of: $0)) }
    }

    /// The candidates of `doc` by the plain matcher.
    static func referenceCandidates(_ g: Gazetteer, _ doc: Document, functionWords: ByteStringTable) -> [String] {
        let tokens = doc.tokens
        let language: Gazetteer.Language = doc.language == "en" ? .en : doc.language == "es" ? .es : .any
        func term(_ t: Int) -> Int? {
            let key = Array(doc.tokenKeys[Int(tokens[t].keyStart)..<Int(tokens[t].keyEnd)])
            let id = key.withUnsafeBufferPointer { g.vocabulary.lookup($0, hash: ByteStringTable.hash($0)) }
            return id < 0 ? nil : Int(id)
        }
        func outputs(_ s: UInt32) -> Range<Int> { Int(g.outputStarts[Int(s)])..<Int(g.outputStarts[Int(s) + 1]) }
        func capitalized(_ t: Int) -> Bool { tokens[t].flags.contains(.capitalized) }
        func allCapsSentence(_ t: Int) -> Bool {
            var s = t
            while s > 0 && !tokens[s].flags.contains(.sentenceStart) { s -= 1 }
            var e = t + 1
            while e < tokens.count && !tokens[e].flags.contains(.sentenceStart) { e += 1 }
            let letters = (s..<e).filter { tokens[$0].flags.contains(.hasLetter) }
            return letters.count >= 2 && letters.allSatisfy { tokens[$0].flags.contains(.allCaps) }
        }
        var result: [String] = []
        for i in tokens.indices where Gazetteer.canEdge(tokens[i].kind) {
            guard let first = term(i), g.rootTargets[first] != 0 else { continue }
            var state = g.rootTargets[first]
            var accepting: [(UInt32, Int)] = outputs(state).isEmpty ? [] : [(state, i)]
            var j = i + 1
            while j < tokens.count, let t = term(j),
                  let next = Gazetteer.step(g.transitionKeys.withUnsafeBufferPointer { $0 },
                                            g.transitionTargets.withUnsafeBufferPointer { $0 }, state, UInt32(t)) {
                state = next
                if !outputs(state).isEmpty && Gazetteer.canEdge(tokens[j].kind) { accepting.append((state, j)) }
                j += 1
            }
            for (state, last) in accepting.reversed() {
                let span = Span(start: tokens[i].start, end: tokens[last].end)
                var bundledAllowed = (i...last).contains(where: capitalized)
                var lone = false
                if bundledAllowed && i == last
                    && functionWords.lookup(doc.tokenKeys[Int(tokens[i].keyStart)..<Int(tokens[i].keyEnd)]) != nil {
                    lone = true
                    let besideCapitals = [i - 1, i + 1].contains { k in
                        k >= 0 && k < tokens.count && tokens[k].flags.contains(.allCaps)
                            && tokens[k].flags.contains(.hasLetter) && tokens[k].end - tokens[k].start > 1
                    }
                    if tokens[i].flags.contains(.sentenceStart) || besideCapitals { bundledAllowed = false }
                }
                var emitted: [(UInt8, UInt32, UInt32)] = []
                for o in outputs(state) {
                    let entry = Int(g.outputEntries[o])
                    let flags = Gazetteer.Flags(rawValue: g.entryFlags[entry])
                    let user = g.fileIsUser[Int(g.entryFiles[entry])]
                    if !bundledAllowed && !user && !flags.contains(.anyCase) { continue }
                    if lone && !user && !flags.contains(.caseSensitive) { continue }
                    let lang = g.entryLanguages[entry]
                    if lang != 0 && language != .any && lang != language.rawValue { continue }
                    if flags.contains(.caseSensitive) && g.outputForms[o] != Gazetteer.noForm
                        && !doc.text[Int(span.start)..<Int(span.end)].elementsEqual(g.string(Int(g.outputForms[o]))) {
                        continue
                    }
                    if flags.contains(.needsCapital) {
                        let mask = g.outputCapitals[o]
                        if (i...last).contains(where: { $0 - i < 32 && mask & (1 << UInt32($0 - i)) != 0 && !capitalized($0) }) {
                            continue
                        }
                        if i == last && (tokens[i].flags.contains(.sentenceStart) || allCapsSentence(i)) { continue }
                    }
                    let key = (g.entryTypes[entry], g.entryCanonical[entry], g.entryKB[entry])
                    if emitted.contains(where: { $0 == key }) { continue }
                    emitted.append(key)
                    let file = Int(g.entryFiles[entry])
                    result.append(describe(Entity(
                        span: span, type: EntityType(rawValue: key.0)!, source: user ? .user : .gazetteer,
                        priority: user ? Gazetteer.userPriority : Gazetteer.bundledPriority, rule: g.files[file]),
                        canonical: g.canonical(entry), kb: g.kb(entry)))
                }
                if !emitted.isEmpty { break }
            }
        }
        return result
    }

    /// Documents of every `Corpus/` JSONL file, plus variants that stress the rules:
    /// all lower case, all capitals, and words shuffled across sentence starts.
    static func documents() throws -> [Document] {
        var texts: [String] = []
        for folder in ["news", "tweets"] {
            let dir = TestSupport.corpus.appendingPathComponent(folder)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where name.hasSuffix(".jsonl") {
                var records: [InputRecord] = []
                let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent(name)))
                try DocumentReader(format: .jsonl, sourceName: name).read(MemorySource(bytes)) { records.append($0) }
                for case .document(let d) in records { texts.append(d.string) }
            }
        }
        var variants: [String] = []
        var seed: UInt64 = 0x5EED
        for (k, text) in texts.enumerated() where k % 3 == 0 {
            variants.append(text.lowercased())
            variants.append(text.uppercased())
            var words = text.split(separator: " ")
            for w in words.indices.reversed() where w > 0 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                words.swapAt(w, Int(seed >> 33) % (w + 1))
            }
            variants.append(words.joined(separator: " "))
        }
        let base = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        return (texts + variants).map { text in
            var doc = Document(id: "d", text: text)
            base.process(&doc)
            return doc
        }
    }

    private func assertFastMatchesReference(_ g: Gazetteer, _ docs: [Document], file: StaticString = #filePath,
                                            line: UInt = #line) {
        let functionWords = TestSupport.resources.text.functionWords
        // One tagger for all documents, so that its memos carry over as in a real run.
        let tagger = GazetteerTagger(gazetteer: g, functionWords: functionWords)
        var total = 0
        for doc in docs {
            var d = doc
            tagger.process(&d)
            let fast = Self.describe(d)
            let reference = Self.referenceCandidates(g, doc, functionWords: functionWords)
            XCTAssertEqual(fast, reference, doc.string, file: file, line: line)
            total += fast.count
        }
        XCTAssertGreaterThan(total, 100, "the corpus should give candidates", file: file, line: line)
    }

    /// Taggers whose key memo holds 16 or 256 keys: nearly every token evicts another's
    /// entry, so memo misses, refills from `termValues` and the re-check of long keys'
    /// remembered hits run at almost every token, and must give the same candidates.
    func testTaggersWithTinyMemosMatchTheReference() throws {
        let g = try TestSupport.resources.gazetteer()
        let functionWords = TestSupport.resources.text.functionWords
        let docs = try Self.documents()
        for bits in [4, 8] {
            let tagger = GazetteerTagger(gazetteer: g, functionWords: functionWords, memoBits: bits)
            var total = 0
            for doc in docs {
                var d = doc
                tagger.process(&d)
                XCTAssertEqual(Self.describe(d), Self.referenceCandidates(g, doc, functionWords: functionWords),
                               "memo of \(1 << bits): \(doc.string)")
                total += d.candidates.count
            }
            XCTAssertGreaterThan(total, 100, "the corpus should give candidates")
        }
    }

    func testBundledGazetteerMatchesTheReferenceOnTheCorpus() throws {
        let g = try TestSupport.resources.gazetteer()
        try assertFastMatchesReference(g, Self.documents())
    }

    /// User rows: lower-case names, `cs`, `cap`, language-bound entries, names whose
    /// words are common function words, and names that share prefixes with bundled ones.
    func testGazetteerWithUserRowsMatchesTheReferenceOnTheCorpus() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-gazetteer-ref-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let user = dir.appendingPathComponent("user.tsv")
        try """
            the government\tORG
            de la\tORG
            el presidente\tPERSON\tlocal:p\tes\t-\t-
            New York Times\tORG\tlocal:nyt\ten\tNYT|the Times\tcap
            Trump\tPERSON\tlocal:t\t*\tDonald Trump|Mr Trump\tcap
            US\tGPE\tlocal:us\t*\t-\tcs
            said\tPRODUCT
            Maduro\tPERSON\tlocal:m\tes\tNicolás Maduro\t-
            Venezuela\tORG
            a\tLOC\tlocal:a\ten\t-\tcap

            """.write(to: user, atomically: true, encoding: .utf8)
        let sources = try GazetteerSource.all(lexicons: TestSupport.lexicons, userLexicons: [user.path])
        let g = try GazetteerBuilder.compile(sources, text: TestSupport.resources.text)
        try assertFastMatchesReference(g, Self.documents())
    }
}
