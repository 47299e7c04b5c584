@testable import Entex
import XCTest

final class HashtagLinkerTests: XCTestCase {
    private func hashtags(_ text: String, language: String? = nil) throws -> [(text: String, canonical: String?, kb: String?)] {
        let doc = try TestSupport.annotate(text, language: language)
        return doc.entities.filter { $0.type == .hashtag }.map { (doc.string($0.span), doc.canonical(of: $0), doc.kb(of: $0)) }
    }

    func testHashtagsNamingAGazetteerEntryTakeItsCanonicalNameAndId() throws {
        let found = try hashtags("Crisis en #Venezuela: #NicolasMaduro habló con #EEUU.", language: "es")
        XCTAssertEqual(found.map(\.text), ["#Venezuela", "#NicolasMaduro", "#EEUU"])
        XCTAssertEqual(found.map(\.canonical), ["Venezuela", "Nicolás Maduro", "Estados Unidos"])
        XCTAssertEqual(found[0].kb, "iso3166:VE")
        XCTAssertEqual(found[2].kb, "iso3166:US")
    }

    func testFlagsApplyAsInRunningText() throws {
        // `US` is case-sensitive, `Reading` needs its capital, bundled names need a capital somewhere.
        let found = try hashtags("Live from #us and #reading, then #venezuela and #ÚltimoMinuto.", language: "en")
        XCTAssertEqual(found.map(\.text), ["#us", "#reading", "#venezuela", "#ÚltimoMinuto"])
        XCTAssertEqual(found.compactMap(\.canonical), [])
    }

    func testOnlyTheWholeHashtagLinks() throws {
        // `New York` is an entry; `NewYorkTimesSquare` is not, and no part of it is taken.
        let found = try hashtags("#NewYork #NewYorkTimesSquare", language: "en")
        XCTAssertEqual(found.map(\.canonical), ["New York", nil])
    }

    func testUserLexiconEntriesLinkToo() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-link-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("watch.tsv").path
        try "Acme Rockets\tORG\n".write(toFile: file, atomically: true, encoding: .utf8)
        let resources = try Resources.load(lexicons: TestSupport.lexicons, userLexicons: [file])
        var doc = Document(id: "t", text: "Launch day for #AcmeRockets and #acmerockets", language: "en")
        try PipelineConfiguration().makePipeline(resources: resources).process(&doc)
        let tags = doc.entities.filter { $0.type == .hashtag }
        XCTAssertEqual(tags.map(doc.canonical(of:)), ["Acme Rockets", nil],
                       "a lowercase hashtag is one word, `acmerockets`, which is not the two-word name")
    }

    /// Names to look tags up by: the canonical names of about `entries` gazetteer
    /// entries spread over the whole gazetteer, and every run of 1 to `longestRun`
    /// words among the first 30 words of the first `textsPerFile` texts of each
    /// bundled JSONL corpus file.
    private static func tagNames(_ gazetteer: Gazetteer, entries: Int, textsPerFile: Int, longestRun: Int) throws -> [String] {
        var names: [String] = []
        for e in stride(from: 0, to: gazetteer.entryCount, by: max(1, gazetteer.entryCount / entries)) {
            names.append(gazetteer.describe(e).canonical)
        }
        for url in TestSupport.corpusJSONLines {
            for (text, _) in try TestSupport.jsonlTexts(url, limit: textsPerFile) {
                let words = text.split(separator: " ").prefix(30).map(String.init)
                for start in words.indices {
                    for length in 1...longestRun where start + length <= words.count {
                        names.append(words[start..<(start + length)].joined(separator: " "))
                    }
                }
            }
        }
        return names
    }

    /// The linker's lookup of a tag's bytes (`entry(namedBy:language:key:)`)
    /// against the reference over word arrays, on entry names and runs of
    /// corpus words, in several casings and spacings and all three languages.
    func testLookupByBytesFindsWhatTheWordArrayLookupFinds() throws {
        let gazetteer = try TestSupport.resources.gazetteer()
        var names = try Self.tagNames(gazetteer, entries: 3_000, textsPerFile: 60, longestRun: 3)
        names += ["US", "us", "EEUU", "New York", "new york", "NEW YORK", "", " ", "Nicolás Maduro"]
        var generator = Generator(state: 7)
        var key: [UInt8] = []
        var found = 0
        var compared = 0
        for name in names {
            let variants = [name, name.lowercased(), name.uppercased(), " " + name, name + " ",
                            name.replacingOccurrences(of: " ", with: "  "),
                            name.split(separator: " ").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")]
            for variant in variants {
                let language = generator.pick(["en", "es", nil, "und"] as [String?])
                let words = variant.split(separator: " ").map { Array($0.utf8) }
                let expected = gazetteer.entry(namedBy: words, language: language)
                let bytes = Array(variant.utf8)
                let actual = bytes.withUnsafeBufferPointer { gazetteer.entry(namedBy: $0, language: language, key: &key) }
                XCTAssertEqual(actual, expected, "\(variant) (\(language ?? "nil"))")
                if expected != nil { found += 1 }
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 20_000)
        XCTAssertGreaterThan(found, 2_000)
    }

    /// The first-word test (`HashtagLinker.firstWordStartsNoName`) turns away only
    /// tags the gazetteer's walk names nothing with, and the linker answers the same
    /// with it and without it: entry names, runs of corpus words and made-up words, in
    /// several casings and spacings and all three languages.
    func testFirstWordTestTurnsAwayOnlyTagsThatNameNothing() throws {
        let gazetteer = try TestSupport.resources.gazetteer()
        var names = try Self.tagNames(gazetteer, entries: 2_000, textsPerFile: 40, longestRun: 2)
        names += ["US", "us", "EEUU", "New York", "NEW YORK", "", " ", "Zyxwv", "Nicolás Maduro", "Último Minuto", "a"]
        let tested = HashtagLinker(gazetteer: gazetteer), reference = HashtagLinker(gazetteer: gazetteer)
        tested.usesCache = false
        reference.usesCache = false
        reference.usesFirstWordTest = false
        var generator = Generator(state: 11)
        var key: [UInt8] = []
        var turnedAway = 0, linked = 0
        for name in names {
            for variant in [name, name.lowercased(), name.uppercased(), "  " + name, name.replacingOccurrences(of: " ", with: "  ")] {
                let language = generator.pick(["en", "es", nil, "und"] as [String?])
                let bytes = Array(variant.utf8)
                if bytes.withUnsafeBufferPointer({ tested.firstWordStartsNoName($0) }) {
                    turnedAway += 1
                    XCTAssertNil(bytes.withUnsafeBufferPointer { gazetteer.entry(namedBy: $0, language: language, key: &key) },
                                 "\(variant) (\(language ?? "nil"))")
                }
                let found = tested.link(variant, language: language)
                XCTAssertEqual(found?.canonical, reference.link(variant, language: language)?.canonical, variant)
                XCTAssertEqual(found?.kb, reference.link(variant, language: language)?.kb, variant)
                if found != nil { linked += 1 }
            }
        }
        XCTAssertGreaterThan(turnedAway, 1_000)
        XCTAssertGreaterThan(linked, 1_000)
    }

    /// A value read as the bytes between its quotes (`HashtagLinker.plainValue`) is
    /// exactly what `Document.stringValue` decodes, and only plain ASCII values without
    /// escapes are read so: JSON strings with accents, quotes, backslashes and
    /// control bytes, numbers and no value at all.
    func testPlainValueBytesAreTheDecodedString() {
        let values: [JSONValue?] = [
            .string("Nicolas Maduro"), .string(""), .string("EEUU"), .string("Último Minuto"), .string("a \"b\""),
            .string("back\\slash"), .string("tab\there"), .string("New  York "), .number("3"), nil,
        ]
        var plain = 0
        for value in values {
            var names: [UInt8] = Array("prefix".utf8)
            let ref = TextRef.append(json: value, to: &names)
            let decoded = Document.stringValue(ref, in: names)
            let bytes = names.withUnsafeBufferPointer { HashtagLinker.plainValue(ref, in: $0).map(Array.init) }
            if let bytes {
                plain += 1
                XCTAssertEqual(bytes, decoded.map { Array($0.utf8) }, "\(String(describing: value))")
                XCTAssertTrue(bytes.allSatisfy { $0 < 0x80 && $0 != UInt8(ascii: "\\") })
            }
        }
        XCTAssertEqual(plain, 4)
    }

    /// The stage reading plain values as bytes (the default) links every hashtag as
    /// decoding each value first does: the bundled tweets and news through the pipeline.
    func testPlainValuesLinkAsDecodedOnes() throws {
        let upToResolve = try TestSupport.pipeline(["tokenize", "sentences", "language", "gazetteer", "regex", "rules", "resolve"])
        let gazetteer = try TestSupport.resources.gazetteer()
        let bytes = HashtagLinker(gazetteer: gazetteer), decoded = HashtagLinker(gazetteer: gazetteer)
        decoded.usesPlainValues = false
        var linked = 0
        for (text, language) in try TestSupport.corpusJSONLines.flatMap({ try TestSupport.jsonlTexts($0) }) {
            var doc = Document(id: "t", text: text, language: language)
            upToResolve.process(&doc)
            var a = doc, b = doc
            bytes.process(&a)
            decoded.process(&b)
            XCTAssertEqual(a.entities.map(a.canonical(of:)), b.entities.map(b.canonical(of:)), text)
            XCTAssertEqual(a.entities.map(a.kb(of:)), b.entities.map(b.kb(of:)), text)
            linked += a.entities.filter { $0.type == .hashtag && !$0.canonical.isNone }.count
        }
        XCTAssertGreaterThan(linked, 5)
    }

    /// `plainValue`, which reads eight bytes at a time (the last ones with the
    /// eight that end where the value ends), says what the byte loop says: values
    /// of every length at every offset, plain or with a byte from 0x80 on or a
    /// backslash anywhere, after annotations that hold such bytes themselves.
    func testPlainValueWordScanAgreesWithTheByteLoop() {
        var g = Generator(state: 7)
        let bytes: [UInt8] = [0x61, 0x5A, 0x20, 0x5C, 0x22, 0x80, 0xC3, 0xFF, 0x5B, 0x5D, 0x7F, 0x00, 0x30]
        var plain = 0
        for round in 0..<40_000 {
            let prefix = (0..<Int(g.next() % 12)).map { _ in g.pick(bytes) }
            let length = Int(g.next() % 24)
            var inner = (0..<length).map { _ in UInt8(0x20 + g.next() % 0x5F) }.map { $0 == 0x5C ? 0x41 : $0 }
            if g.next() % 2 == 0, length > 0 { inner[Int(g.next() % UInt64(length))] = g.pick([0x5C, 0x80, 0xC3, 0xFF, 0xDC]) }
            let names = prefix + [0x22] + inner + [0x22] + (0..<Int(g.next() % 3)).map { _ in g.pick(bytes) }
            let ref = TextRef(start: UInt32(prefix.count), end: UInt32(prefix.count + length + 2))
            names.withUnsafeBufferPointer { p in
                let fast = HashtagLinker.plainValue(ref, in: p).map(Array.init)
                let slow = HashtagLinker.plainValueBytewise(ref, in: p).map(Array.init)
                XCTAssertEqual(fast, slow, "round \(round): \(names)")
                if fast != nil { plain += 1 }
            }
        }
        XCTAssertGreaterThan(plain, 10_000)
    }

    /// The first word lowered eight bytes at a time gives the answers of the byte
    /// loop: entry names and corpus words in every casing, runs of the bytes around
    /// "A", "Z", "a", "z" and the space, non-ASCII bytes past the eighth.
    func testFirstWordLoweredByWordsAnswersAsTheByteLoop() throws {
        let gazetteer = try TestSupport.resources.gazetteer()
        var names = try Self.tagNames(gazetteer, entries: 2_000, textsPerFile: 40, longestRun: 2)
        var g = Generator(state: 5)
        let edges: [UInt8] = [0x40, 0x41, 0x4D, 0x5A, 0x5B, 0x60, 0x61, 0x7A, 0x7B, 0x20, 0x30, 0x7E]
        for _ in 0..<3_000 {
            var word = (0..<(1 + Int(g.next() % 20))).map { _ in g.pick(edges) }
            if g.next() % 4 == 0 { word[Int(g.next() % UInt64(word.count))] = 0xC3 }
            names.append(String(decoding: word, as: UTF8.self))
        }
        let words = HashtagLinker(gazetteer: gazetteer), bytes = HashtagLinker(gazetteer: gazetteer)
        bytes.usesWordLowering = false
        var startsName = 0
        for name in names {
            for variant in [name, name.lowercased(), name.uppercased(), " " + name, name + " x"] {
                let tag = Array(variant.utf8)
                let a = tag.withUnsafeBufferPointer { words.firstWordStartsNoName($0) }
                XCTAssertEqual(a, tag.withUnsafeBufferPointer { bytes.firstWordStartsNoName($0) }, variant)
                if !a { startsName += 1 }
            }
        }
        XCTAssertGreaterThan(startsName, 2_000)
    }
}
