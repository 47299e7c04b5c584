@testable import Entex
import Foundation
import XCTest

/// A gazetteer read from its cache file is a view of the file's mapped pages, with the
/// derived matching tables read rather than rebuilt, and a file validated once is
/// trusted by its identity afterwards. These tests compare the mapped gazetteer with
/// the compiled one (every array, and matching on many texts), and check that a file
/// changed after its validation is validated (and refused) again.
final class GazetteerMappedCacheTests: XCTestCase {
    private func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-mapped-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.path
    }

    /// Texts of the bundled samples (news and tweets, English and Spanish).
    private static func sampleTexts() throws -> [(text: String, lang: String?)] {
        var texts = try TestSupport.corpusJSONLines.flatMap { try TestSupport.jsonlTexts($0) }
        let article = try String(contentsOf: TestSupport.corpus.appendingPathComponent("news/ilrs-venezuela.txt"), encoding: .utf8)
        texts.append((article, "en"))
        return texts
    }

    /// Bundled lexicons plus a user lexicon and a bundled-style one of names made from the
    /// sample texts' capitalized words (one to three in a row), with every flag and
    /// language, aliases and kb ids: thousands of entries, most of which occur in the texts.
    private static func makeSources(in dir: String, texts: [(text: String, lang: String?)]) throws -> [GazetteerSource] {
        var names: [String] = []
        var seen = Set<String>()
        for (text, _) in texts {
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
                .map { $0.trimmingCharacters(in: .punctuationCharacters) }
            var i = 0
            while i < words.count {
                guard let first = words[i].first, first.isUppercase, !words[i].contains("\"") else { i += 1; continue }
                var j = i + 1
                while j < words.count && j < i + 3, let c = words[j].first, c.isUppercase, !words[j].contains("\"") { j += 1 }
                let name = words[i..<j].joined(separator: " ")
                if !name.isEmpty, seen.insert(name).inserted { names.append(name) }
                i = j
            }
        }
        XCTAssertGreaterThan(names.count, 1000)
        let types = ["ORG", "PERSON", "GPE", "LOC", "PRODUCT", "EVENT"]
        let flags = ["-", "cs", "cap", "lc", "cap,lc", "cs,cap"]
        let langs = ["*", "en", "es"]
        var user: [String] = [], bundled: [String] = []
        for (k, name) in names.enumerated() {
            let alias = k % 7 == 0 ? name.uppercased() : (k % 11 == 0 ? name + " Group" : "-")
            let row = "\(name)\t\(types[k % types.count])\t\(k % 5 == 0 ? "-" : "local:n\(k)")\t\(langs[k % 3])\t\(alias)\t\(flags[k % flags.count])"
            if k % 2 == 0 { user.append(row) } else { bundled.append(row) }
            if k % 13 == 0 { user.append("\(name.lowercased())\tORG") }
        }
        let userPath = dir + "/generated-user.tsv", bundledPath = dir + "/generated-bundled.tsv"
        try (user.joined(separator: "\n") + "\n").write(toFile: userPath, atomically: true, encoding: .utf8)
        try (bundled.joined(separator: "\n") + "\n").write(toFile: bundledPath, atomically: true, encoding: .utf8)
        return try GazetteerSource.all(lexicons: TestSupport.lexicons, userLexicons: [userPath])
            + [GazetteerSource(path: bundledPath, isUser: false)]
    }

    /// Every array of `a` equals that of `b`, derived tables included.
    private func assertSameArrays(_ a: Gazetteer, _ b: Gazetteer, _ what: String) {
        XCTAssertTrue(a.vocabulary.pool == b.vocabulary.pool && a.vocabulary.ends == b.vocabulary.ends
                      && a.vocabulary.slots == b.vocabulary.slots, what)
        XCTAssertTrue(a.rootTargets == b.rootTargets && a.transitionKeys == b.transitionKeys
                      && a.transitionTargets == b.transitionTargets, what)
        XCTAssertTrue(a.outputStarts == b.outputStarts && a.outputEntries == b.outputEntries
                      && a.outputForms == b.outputForms && a.outputCapitals == b.outputCapitals, what)
        XCTAssertTrue(a.entryTypes == b.entryTypes && a.entryFlags == b.entryFlags && a.entryLanguages == b.entryLanguages
                      && a.entryFiles == b.entryFiles && a.entryCanonical == b.entryCanonical && a.entryKB == b.entryKB, what)
        XCTAssertTrue(a.stringPool == b.stringPool && a.stringEnds == b.stringEnds, what)
        XCTAssertEqual(a.files, b.files, what)
        XCTAssertEqual(a.fileIsUser, b.fileIsUser, what)
        XCTAssertTrue(a.stateFlags == b.stateFlags && a.termValues == b.termValues
                      && a.termFollows == b.termFollows && a.termSeconds == b.termSeconds, what)
        XCTAssertEqual(a.termFilter.words, b.termFilter.words, what)
        XCTAssertEqual(a.longestTerm, b.longestTerm, what)
        XCTAssertTrue(GazetteerCache.sameBytes(a.outputRecords, b.outputRecords.array), what)
    }

    /// Every candidate of every text, one tagger for all (so memos carry over, as in a run).
    private func describeMatches(_ g: Gazetteer, _ docs: [Document]) -> [String] {
        let tagger = GazetteerTagger(gazetteer: g)
        var lines: [String] = []
        for var doc in docs {
            tagger.process(&doc)
            for e in doc.candidates {
                lines.append("\(doc.id) \(e.span.start)-\(e.span.end) \(e.type.name) \(doc.canonical(of: e) ?? "-") \(doc.kb(of: e) ?? "-") "
                             + "\(e.source.name) \(e.rule ?? "-") \(e.priority)")
            }
        }
        return lines
    }

    func testMappedGazetteerMatchesExactlyLikeTheCompiledOne() throws {
        let dir = try temporaryDirectory()
        let texts = try GazetteerMappedCacheTests.sampleTexts()
        let sources = try GazetteerMappedCacheTests.makeSources(in: dir, texts: texts)
        let compiled = try GazetteerBuilder.compile(sources, text: TestSupport.resources.text)
        XCTAssertGreaterThan(compiled.entryCount, 20_000)
        let path = dir + "/gazetteer.bin"
        XCTAssertTrue(GazetteerCache.write(compiled, key: 7, to: path))
        let checked = try XCTUnwrap(GazetteerCache.read(path, key: 7, stateLimit: Gazetteer.stateLimit,
                                                        trustDirectory: dir, trustAge: -.infinity))
        XCTAssertTrue(checked.validated, "read for the first time: validated")
        let trusted = try XCTUnwrap(GazetteerCache.read(path, key: 7, stateLimit: Gazetteer.stateLimit,
                                                        trustDirectory: dir, trustAge: -.infinity))
        XCTAssertFalse(trusted.validated, "read again, same identity: trusted")
        assertSameArrays(checked.gazetteer, compiled, "validated read")
        assertSameArrays(trusted.gazetteer, compiled, "trusted read")

        // The texts, then the texts again with their words' case changed (capitals lost,
        // all in capitals), and sentences made of the generated names in other company.
        var inputs = texts
        for (text, lang) in texts.prefix(200) {
            inputs.append((text.lowercased(), lang))
            inputs.append((text.uppercased(), lang))
        }
        var generator = Generator(state: 11)
        let pieces = texts.prefix(300).flatMap { $0.text.split(separator: " ").prefix(12).map(String.init) }
        for _ in 0..<400 {
            let sentence = (0..<(4 + Int(generator.next() % 12))).map { _ in generator.pick(pieces) }.joined(separator: " ")
            inputs.append((sentence + ".", generator.pick(["en", "es", nil])))
        }
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let docs = try inputs.enumerated().map { (i, input) -> Document in
            var doc = Document(id: "d\(i)", text: input.text, language: input.lang)
            try pipeline.process(&doc)
            return doc
        }
        let expected = describeMatches(compiled, docs)
        XCTAssertGreaterThan(expected.count, 5_000)
        XCTAssertEqual(describeMatches(checked.gazetteer, docs), expected)
        XCTAssertEqual(describeMatches(trusted.gazetteer, docs), expected)

        // Lookups of whole names (the hashtag linker's), found and not.
        for (text, lang) in texts.prefix(100) {
            let words = text.split(separator: " ").prefix(40).map { Array($0.utf8) }
            for start in 0..<max(words.count - 2, 0) {
                for length in 1...2 {
                    let name = Array(words[start..<(start + length)])
                    XCTAssertEqual(trusted.gazetteer.entry(namedBy: name, language: lang),
                                   compiled.entry(namedBy: name, language: lang))
                }
            }
        }
    }

    func testValidationIsRememberedUntilTheFileChanges() throws {
        let dir = try temporaryDirectory()
        let lexicon = dir + "/user.tsv"
        try "Atlantis\tLOC\nNew Atlantis Company\tORG\tlocal:nac\t*\tNAC\tcs\n".write(toFile: lexicon, atomically: true, encoding: .utf8)
        let g = try GazetteerBuilder.compile([GazetteerSource(path: lexicon, isUser: true)], text: TestSupport.resources.text)
        let path = dir + "/gazetteer.bin"
        XCTAssertTrue(GazetteerCache.write(g, key: 42, to: path))
        // `trustAge: -.infinity`: a validation is remembered whatever the file's age.
        func read(trustAge: Double = -.infinity, stateLimit: Int = Gazetteer.stateLimit) -> (gazetteer: Gazetteer, validated: Bool)? {
            GazetteerCache.read(path, key: 42, stateLimit: stateLimit, trustDirectory: dir, trustAge: trustAge)
        }
        func memos() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".valid") }
        }
        /// Replaces the cache file with `bytes` as entex does: a new file renamed into place.
        /// The file replaced is kept under another name, so that no later file reuses its
        /// inode (and, written within the same clock tick, its identity: `trustAge` keeps
        /// that from happening outside tests).
        var replaced = 0
        func replace(with bytes: [UInt8]) throws {
            replaced += 1
            XCTAssertEqual(link(path, dir + "/replaced-\(replaced).bin"), 0)
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        }

        // Just written: too recent for its validation to be remembered (a change within the
        // same clock tick could keep the identity), so it is validated at every read.
        XCTAssertEqual(read(trustAge: 3600)?.validated, true)
        XCTAssertEqual(read(trustAge: 3600)?.validated, true)
        XCTAssertEqual(try memos(), [])
        // Old enough (here: any age): validated once, then trusted.
        XCTAssertEqual(read()?.validated, true)
        XCTAssertEqual(try memos().count, 1)
        XCTAssertEqual(read()?.validated, false)
        XCTAssertEqual(read()?.validated, false)
        // The memo names the state limit too: a smaller one validates (and refuses) again.
        XCTAssertNil(read(stateLimit: 3))

        // Damaged after its validation: a new identity, so validated again, and refused;
        // at every offset, and whether the damage is in the core or in the derived tables.
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let rewritten = dir + "/rewritten.bin"
        var refused = 0, tried = 0
        for offset in stride(from: 0, to: original.count, by: max(1, original.count / 300)) {
            tried += 1
            var damaged = original
            damaged[offset] ^= 0x5A
            try replace(with: damaged)
            let again = read()
            if let again {
                // Only the padding between arrays is never read: the gazetteer is the same.
                XCTAssertTrue(again.validated)
                XCTAssertTrue(GazetteerCache.write(again.gazetteer, key: 42, to: rewritten))
                XCTAssertEqual(try [UInt8](Data(contentsOf: URL(fileURLWithPath: rewritten))), original, "offset \(offset)")
            } else {
                refused += 1
            }
            XCTAssertEqual(GazetteerCache.read(path, key: 42) == nil, again == nil, "offset \(offset): as without a memo")
        }
        XCTAssertGreaterThan(refused * 4, tried * 3, "all but padding bytes are refused")
        // Truncated, or not a cache at all.
        try replace(with: Array(original.prefix(original.count - 8)))
        XCTAssertNil(read())
        try replace(with: Array("not a cache".utf8))
        XCTAssertNil(read())
        // Restored (a new identity again): validated, then trusted.
        try replace(with: original)
        XCTAssertEqual(read()?.validated, true)
        XCTAssertEqual(read()?.validated, false)
    }

    func testMappedCacheReaderRefusesCountsBeyondTheFile() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/arrays.bin"
        var out = try XCTUnwrap(BinaryCacheWriter(path: path, checksummed: true, aligned: true))
        out.put([UInt8](repeating: 7, count: 5))
        out.put([UInt32](repeating: 9, count: 3))
        out.putChecksum()
        XCTAssertTrue(out.finish())
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(bytes.count, 8 + 8 + 8 + 16 + 8 + 8, "each array padded to 8 bytes")
        let good = MappedCacheReader(try XCTUnwrap(MappedFile(path: path)), checksummed: true)
        XCTAssertEqual(good.get(UInt8.self).array, [7, 7, 7, 7, 7])
        XCTAssertEqual(good.get(UInt32.self).array, [9, 9, 9])
        XCTAssertTrue(good.checksumMatches())
        XCTAssertTrue(good.isComplete)
        // A count of 2^61 elements of 8 bytes (overflowing), and one just past the end.
        for count: UInt64 in [1 << 61, 5] {
            var damaged = bytes
            withUnsafeBytes(of: count.littleEndian) { damaged.replaceSubrange(16..<24, with: $0) }
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            let bad = MappedCacheReader(try XCTUnwrap(MappedFile(path: path)), checksummed: true)
            _ = bad.get(UInt8.self)
            XCTAssertTrue(bad.get(UInt64.self).isEmpty)
            XCTAssertFalse(bad.isComplete)
        }
        XCTAssertNil(MappedFile(path: dir + "/absent.bin"))
        try Data().write(to: URL(fileURLWithPath: path))
        XCTAssertNil(MappedFile(path: path), "an empty file is not mapped")
    }
}
