@testable import Entex
import Foundation
import XCTest

/// Memory reused from document to document (recycled layer arrays, one
/// output buffer, caches) must never change what is written: each test
/// compares the reusing path with fresh documents over many inputs.
final class RecyclingTests: XCTestCase {
    /// Texts of every size, in an order that makes a small document follow a
    /// large one and the reverse: the bundled tweets and news, generated
    /// texts with hashtags, handles, quotes and non-ASCII letters, and edge
    /// cases (empty, white space only, one character).
    private func variedTexts() throws -> [(text: String, lang: String?)] {
        var texts: [(text: String, lang: String?)] = []
        for url in TestSupport.corpusJSONLines { texts += try TestSupport.jsonlTexts(url, limit: 60) }
        var generator = Generator(state: 20261126)
        let pieces = ["#NicolasMaduro", "#Venezuela", "#venezuela", "#EEUU", "#NewYork", "@user", "Biden", "dijo",
                      "\"Es un día histórico\",", "Caracas.", "El presidente Nicolás Maduro", "in Washington on Tuesday.",
                      "$5 million", "12 de marzo de 2024", "https://t.co/abc", "😀", "¿Qué?", "U.S.", "Dr. Smith", "\n\n"]
        for n in 0..<120 {
            let count = n % 7 == 0 ? 300 : Int(generator.next() % 25)
            texts.append(((0..<count).map { _ in generator.pick(pieces) }.joined(separator: " "), n % 3 == 0 ? "es" : nil))
        }
        texts += [("", nil), ("   \n ", nil), ("x", nil), ("#Venezuela", "es"), ("#Venezuela", "en"), ("#Venezuela", nil)]
        // Interleave large and small: sort by a key that alternates.
        return texts.enumerated().sorted { ($0.offset % 5, $0.offset) < ($1.offset % 5, $1.offset) }.map(\.element)
    }

    private func freshJSON(_ doc: Document, pipeline: Pipeline, writer: JSONWriter) -> [UInt8] {
        var doc = doc
        pipeline.process(&doc)
        var line: [UInt8] = []
        writer.write(doc, into: &line)
        line.append(0x0A)
        return line
    }

    func testRecycledDocumentsWriteWhatFreshDocumentsWrite() throws {
        for options in [JSONWriter.Options(), JSONWriter.Options(offsets: .utf16, includeTokens: true)] {
            let writer = JSONWriter(options: options)
            // One pipeline never given a document back (every layer fresh), one that always is.
            let fresh = try TestSupport.pipeline()
            let annotator = Annotator(pipeline: try TestSupport.pipeline(), writer: writer)
            var compared = 0
            for (n, item) in try variedTexts().enumerated() {
                let doc = Document(id: "d\(n)", text: item.text, language: item.lang)
                let expected = freshJSON(doc, pipeline: fresh, writer: writer)
                let got = annotator.annotate(doc) { Array($0) }
                XCTAssertEqual(String(decoding: got, as: UTF8.self), String(decoding: expected, as: UTF8.self),
                               "document \(n) differs when annotated in recycled memory")
                compared += 1
            }
            XCTAssertGreaterThan(compared, 250)
        }
    }

    /// The per-token key hashes are not written out, so the output comparison
    /// above cannot see them: in recycled memory too, each is the hash of its key.
    func testRecycledDocumentsKeepOneKeyHashPerToken() throws {
        let pipeline = try TestSupport.pipeline()
        var tokens = 0
        for (n, item) in try variedTexts().enumerated() {
            var doc = Document(id: "d\(n)", text: item.text, language: item.lang)
            pipeline.process(&doc)
            XCTAssertEqual(doc.keyHashes.count, doc.tokens.count, "document \(n)")
            for i in doc.tokens.indices where i < doc.keyHashes.count {
                XCTAssertEqual(doc.keyHashes[i], KeyHash.hash(doc.key(ofToken: i)), "document \(n), token \(i)")
            }
            tokens += doc.tokens.count
            pipeline.recycle(doc)
        }
        XCTAssertGreaterThan(tokens, 10_000)
    }

    func testRecycledDocumentsAfterAnErrorRecordWriteWhatFreshOnesWrite() throws {
        // A JSON Lines stream with malformed and oversized records among documents of all sizes.
        var lines: [String] = []
        for (n, item) in try variedTexts().prefix(120).enumerated() {
            if n % 17 == 5 { lines.append("{\"id\": broken") }
            if n % 29 == 7 { lines.append("{\"id\":\"big\",\"text\":\"" + String(repeating: "a", count: 5000) + "\"}") }
            let object: [String: Any] = item.lang.map { ["id": "r\(n)", "text": item.text, "lang": $0] } ?? ["id": "r\(n)", "text": item.text]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
        }
        let input = Array((lines.joined(separator: "\n") + "\n").utf8)
        let reader = DocumentReader(format: .jsonl, sourceName: "mem", maxDocumentBytes: 4096)
        let writer = JSONWriter()
        let fresh = try TestSupport.pipeline()
        let annotator = Annotator(pipeline: try TestSupport.pipeline(), writer: writer)
        var expected: [UInt8] = [], got: [UInt8] = []
        var failures = 0
        try reader.readConsuming(MemorySource(input)) { record in
            switch consume record {
            case .document(let doc):
                expected += freshJSON(doc, pipeline: fresh, writer: writer)
                annotator.annotate(doc) { got += $0 }
            case .failure(let failure):
                failures += 1
                var line: [UInt8] = []
                JSONWriter.writeError(id: failure.id, message: failure.message, source: failure.source, line: failure.line, into: &line)
                line.append(0x0A)
                expected += line
                got += line
            }
        }
        XCTAssertGreaterThan(failures, 8, "the stream should hold malformed and oversized records")
        XCTAssertEqual(String(decoding: got, as: UTF8.self), String(decoding: expected, as: UTF8.self))
    }

    func testRecycledLayersAreGivenOnlyToEmptyLayersAndComeBackEmpty() throws {
        let pipeline = try TestSupport.pipeline()
        var first = Document(id: "a", text: "President Nicolás Maduro visited Beijing on Tuesday. #Venezuela", language: "en")
        pipeline.process(&first)
        let count = first.entities.count
        XCTAssertGreaterThan(count, 2)
        let kept = first  // a copy the caller still holds
        pipeline.recycle(first)
        XCTAssertEqual(kept.entities.count, count, "recycling must not touch a copy of the document")

        // A document that arrives with a layer already filled keeps it.
        var second = Document(id: "b", text: "Biden in Washington.", language: "en")
        second.sentences = [Span(0, 5)]
        var layers = RecycledLayers()
        layers.sentences = [Span(1, 2)]
        layers.sentences.removeAll(keepingCapacity: true)
        layers.lend(to: &second)
        XCTAssertEqual(second.sentences, [Span(0, 5)])

        // Taken layers come back empty, keeping their memory.
        var third = Document(id: "c", text: "Maduro habló en Caracas.", language: "es")
        pipeline.process(&third)
        var spare = RecycledLayers()
        let capacity = third.tokens.capacity
        spare.take(from: &third)
        XCTAssertTrue(spare.tokens.isEmpty && spare.entities.isEmpty && spare.sentences.isEmpty)
        XCTAssertEqual(spare.tokens.capacity, capacity)
    }

    /// `removeAllKeepingCapacity` (the layers' and the rules' emptying) leaves what
    /// `removeAll(keepingCapacity: true)` leaves, at every length it treats apart:
    /// an empty array with the memory kept, and a copy that shared it untouched.
    func testRemoveAllKeepingCapacityEmptiesAsRemoveAllDoes() {
        for count in [0, 1, 2, 3, 17] {
            var fast = Array(0..<count), reference = Array(0..<count)
            fast.reserveCapacity(40)
            reference.reserveCapacity(40)
            let capacity = fast.capacity
            fast.removeAllKeepingCapacity()
            reference.removeAll(keepingCapacity: true)
            XCTAssertEqual(fast, reference, "length \(count)")
            XCTAssertEqual(fast.capacity, capacity, "length \(count): memory kept")
            fast.append(contentsOf: [7, 8])
            XCTAssertEqual(fast, [7, 8], "length \(count): refilled")

            // A shared array: emptying it leaves the other holder's elements as they were.
            var shared = Array(0..<count)
            let copy = shared
            shared.removeAllKeepingCapacity()
            XCTAssertTrue(shared.isEmpty, "length \(count), shared")
            XCTAssertEqual(copy, Array(0..<count), "length \(count): the copy is untouched")
        }
    }

    /// A reader that decodes each text into the array of the document
    /// annotated before it (`DocumentReader.recycledText`, as the `entex`
    /// command and batch workers read) gives the documents a reader without
    /// it gives, texts growing and shrinking, escapes and all.
    func testTextsDecodedIntoRecycledArraysEqualFreshTexts() throws {
        var lines: [String] = []
        for (n, item) in try variedTexts().enumerated() {
            let object: [String: Any] = ["id": "t\(n)", "text": item.text + (n % 4 == 1 ? " \\ \"q\" \u{7}" : "")]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            if n % 11 == 2 { lines.append("{\"id\":\"m\(n)\",\"text\":\"x\",\"extra\":1}") }
        }
        let input = Array((lines.joined(separator: "\n") + "\n").utf8)
        let writer = JSONWriter()
        let fresh = try TestSupport.pipeline()
        var expected: [UInt8] = []
        var texts: [[UInt8]] = []
        try DocumentReader(format: .jsonl, sourceName: "mem").read(MemorySource(input)) { record in
            guard case .document(let doc) = record else { return XCTFail("every record is a document") }
            texts.append(doc.text)
            expected += freshJSON(doc, pipeline: fresh, writer: writer)
        }
        for lineReadSize in [1 << 16, 7] {
            let pipeline = try TestSupport.pipeline()
            var reader = DocumentReader(format: .jsonl, sourceName: "mem")
            reader.recycledText = pipeline.recycledText
            reader.lineReadSize = lineReadSize
            var got: [UInt8] = []
            var n = 0
            try reader.readConsuming(MemorySource(input)) { record in
                guard case .document(var doc) = consume record else { return XCTFail("every record is a document") }
                XCTAssertEqual(doc.text, texts[n], "text \(n)")
                n += 1
                pipeline.process(&doc)
                writer.write(doc, into: &got)
                got.append(0x0A)
                pipeline.recycleLayers(of: &doc)
                XCTAssertTrue(doc.text.isEmpty || doc.text == texts[n - 1], "a recycled document keeps its text or none")
            }
            XCTAssertEqual(n, texts.count)
            XCTAssertEqual(String(decoding: got, as: UTF8.self), String(decoding: expected, as: UTF8.self))
        }
    }

    func testBatchOutputEqualsFreshAnnotationOfEveryRecord() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-recycle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var lines: [String] = []
        for (n, item) in try variedTexts().enumerated() {
            if n % 23 == 3 { lines.append("not json at all") }
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: ["id": "b\(n)", "text": item.text], options: [.sortedKeys]),
                                as: UTF8.self))
        }
        let path = dir.appendingPathComponent("docs.jsonl").path
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)

        // Expected: every record annotated by a pipeline that never recycles.
        let fresh = try TestSupport.pipeline()
        let writer = JSONWriter()
        var expected: [UInt8] = []
        let entry = try XCTUnwrap(InputFiles.collect([path]).first)
        try DocumentReader(format: .jsonl, sourceName: entry.relativePath, idPrefix: entry.relativePath + ":")
            .read(try FileDescriptorSource(path: path)) { record in
                switch record {
                case .document(let doc): expected += freshJSON(doc, pipeline: fresh, writer: writer)
                case .failure(let failure):
                    JSONWriter.writeError(id: failure.id, message: failure.message, source: failure.source, line: failure.line, into: &expected)
                    expected.append(0x0A)
                }
            }
        for (jobs, perJob) in [(1, 64), (2, 5), (3, 1)] {
            let sink = CollectingSink()
            try BatchEngine(resources: TestSupport.resources, configuration: PipelineConfiguration(),
                            options: BatchOptions(jobs: jobs, documentsPerJob: perJob))
                .run(files: [BatchFile(entry: entry)], sink: sink)
            XCTAssertEqual(String(decoding: sink.bytes, as: UTF8.self), String(decoding: expected, as: UTF8.self),
                           "batch with \(jobs) jobs, \(perJob) documents per job")
        }
    }

    func testResolverInsertionSortRanksAsTheStandardSort() throws {
        // Candidates of many documents, resolved with the insertion sort and with the standard sort.
        let upToRules = try TestSupport.pipeline(["tokenize", "sentences", "language", "gazetteer", "regex", "rules"])
        let small = OverlapResolver(), standard = OverlapResolver()
        standard.smallSortLimit = 0
        var withCandidates = 0
        for (n, item) in try variedTexts().enumerated() {
            var doc = Document(id: "s\(n)", text: item.text, language: item.lang)
            upToRules.process(&doc)
            if doc.candidates.count > 1 { withCandidates += 1 }
            // Shuffled copies too: the result must not depend on input order either way.
            var generator = Generator(state: UInt64(n + 1))
            for round in 0..<3 {
                var a = doc, b = doc
                if round > 0 {
                    var shuffled = doc.candidates
                    for i in shuffled.indices.reversed() where i > 0 { shuffled.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
                    a.candidates = shuffled
                    b.candidates = shuffled
                }
                small.process(&a)
                standard.process(&b)
                XCTAssertEqual(a.entities.map(\.span), b.entities.map(\.span), "document \(n)")
                XCTAssertEqual(a.entities.map(\.type), b.entities.map(\.type), "document \(n)")
                XCTAssertEqual(a.entities.map(\.source), b.entities.map(\.source), "document \(n)")
                XCTAssertEqual(a.entities.map(a.canonical(of:)), b.entities.map(b.canonical(of:)), "document \(n)")
            }
        }
        XCTAssertGreaterThan(withCandidates, 100)

        // And on plain integers with ties broken by position, of every small length.
        var generator = Generator(state: 7)
        for length in 0..<40 {
            let values = (0..<length).map { _ in Int(generator.next() % 5) }
            let before = { (a: Int, b: Int) in values[a] != values[b] ? values[a] < values[b] : a < b }
            var order = Array(0..<length)
            order.withUnsafeMutableBufferPointer { OverlapResolver.insertionSort($0, by: before) }
            XCTAssertEqual(order, Array(0..<length).sorted(by: before))
        }
    }

    func testHashtagLinkStageWithCacheLinksAsWithout() throws {
        // Whole documents through `process`, twice, so that the second pass answers from the cache.
        let upToResolve = try TestSupport.pipeline(["tokenize", "sentences", "language", "gazetteer", "regex", "rules", "resolve"])
        let gazetteer = try TestSupport.resources.gazetteer()
        let cached = HashtagLinker(gazetteer: gazetteer), small = HashtagLinker(gazetteer: gazetteer, cacheSize: 4, arenaBytes: 64)
        let direct = HashtagLinker(gazetteer: gazetteer)
        direct.usesCache = false
        var docs: [Document] = []
        for (n, item) in try variedTexts().enumerated() {
            var doc = Document(id: "h\(n)", text: item.text, language: item.lang)
            upToResolve.process(&doc)
            docs.append(doc)
        }
        var linked = 0
        for _ in 0..<2 {
            for doc in docs {
                var a = doc, b = doc, c = doc
                cached.process(&a)
                small.process(&c)
                direct.process(&b)
                XCTAssertEqual(a.entities.map(a.canonical(of:)), b.entities.map(b.canonical(of:)), doc.id)
                XCTAssertEqual(a.entities.map(a.kb(of:)), b.entities.map(b.kb(of:)), doc.id)
                XCTAssertEqual(c.entities.map(c.canonical(of:)), b.entities.map(b.canonical(of:)), doc.id)
                XCTAssertEqual(c.entities.map(c.kb(of:)), b.entities.map(b.kb(of:)), doc.id)
                linked += zip(a.entities, doc.entities).filter { $0.0.type == .hashtag && a.canonical(of: $0.0) != doc.canonical(of: $0.1) }.count
            }
        }
        XCTAssertGreaterThan(linked, 0)
    }

    func testHashtagLinkCacheAnswersAsTheGazetteer() throws {
        let gazetteer = try TestSupport.resources.gazetteer()
        let cached = HashtagLinker(gazetteer: gazetteer), direct = HashtagLinker(gazetteer: gazetteer)
        direct.usesCache = false
        let hashtags = ["Nicolas Maduro", "Venezuela", "venezuela", "EEUU", "New York", "New  York", " New York ", "",
                        "New York Times Square", "Reading", "reading", "us", "US", "Estados Unidos", "Caracas", "x"]
        var generator = Generator(state: 99)
        var linked = 0
        // Many rounds in a shuffled order over three languages: answers come from the cache, and
        // slots are overwritten by other pairs, yet every answer equals the gazetteer's.
        for _ in 0..<2000 {
            let tag = generator.pick(hashtags)
            let language = generator.pick([Optional("en"), Optional("es"), nil, Optional("")])
            let a = cached.link(tag, language: language), b = direct.link(tag, language: language)
            XCTAssertEqual(a?.canonical, b?.canonical, "\(tag) in \(language ?? "nil")")
            XCTAssertEqual(a?.kb, b?.kb, "\(tag) in \(language ?? "nil")")
            if a != nil { linked += 1 }
        }
        XCTAssertGreaterThan(linked, 100)
        // Enough distinct pairs to wrap the cache many times over; a small cache
        // whose key arena fills every few lookups (and a key that never fits it)
        // answers the same.
        let small = HashtagLinker(gazetteer: gazetteer, cacheSize: 8, arenaBytes: 40)
        let long = "Estados Unidos de America del Norte y del Sur"
        for n in 0..<5000 {
            let tag = n % 97 == 0 ? long : "Tag\(n % 3000) " + generator.pick(hashtags)
            let language = n % 2 == 0 ? "en" : nil
            let a = cached.link(tag, language: language), b = direct.link(tag, language: language)
            XCTAssertEqual(a?.canonical, b?.canonical)
            let picked = generator.pick(hashtags)
            let c = small.link(picked, language: language), d = direct.link(picked, language: language)
            XCTAssertEqual(c?.canonical, d?.canonical, picked)
            XCTAssertEqual(c?.kb, d?.kb, picked)
            XCTAssertEqual(small.link(tag, language: language)?.canonical, b?.canonical, tag)
        }
    }
}

/// Collects a batch run's records in memory.
private final class CollectingSink: BatchSink {
    var bytes: [UInt8] = []
    func beginFile(_ index: Int, _ file: BatchFile) throws {}
    func write(_ records: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: records) }
    func endFile(_ index: Int, _ file: BatchFile) throws {}
}
