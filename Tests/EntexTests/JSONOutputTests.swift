import Entex
import Foundation
import XCTest

/// The `entex/1` output: every record decodes, carries exactly the schema's
/// keys, and escapes text so that decoding gives the input back.
final class JSONOutputTests: XCTestCase {
    static let documentKeys: Set<String> = ["schema", "id", "lang", "text", "sentences", "entities", "quotes", "relations", "warnings"]
    static let optionalDocumentKeys: Set<String> = ["tokens", "date", "meta"]
    static let errorKeys: Set<String> = ["schema", "id", "error", "line"]

    private func write(_ doc: Document, _ options: JSONWriter.Options = .init()) -> [UInt8] {
        var out: [UInt8] = []
        JSONWriter(options: options).write(doc, into: &out)
        return out
    }

    private func decode(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(bytes))
        return try XCTUnwrap(object as? [String: Any], "output is a JSON object", file: file, line: line)
    }

    // MARK: Corpus round trip

    func testEveryCorpusOutputDecodesWithExactlyTheSchemaKeys() throws {
        let pipeline = try TestSupport.pipeline()
        let files = InputFiles.collect([TestSupport.corpus.path])
        XCTAssertFalse(files.isEmpty)
        var checked = 0
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file.path)))
            // The texts the input holds, read independently of DocumentReader where that is simple.
            var inputTexts: [String]? = nil
            if file.relativePath.hasSuffix(".txt") {
                inputTexts = [String(decoding: bytes, as: UTF8.self)]
            } else if file.relativePath.hasSuffix(".sample.jsonl") || file.relativePath.hasSuffix(".handwritten.jsonl") {
                inputTexts = try bytes.split(separator: 0x0A).map { line in
                    let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
                    return try XCTUnwrap(object["text"] as? String)
                }
            }
            var outputTexts: [String] = []
            try DocumentReader(format: InputFiles.format(for: file.path), sourceName: file.relativePath)
                .read(try FileDescriptorSource(path: file.path)) { record in
                    guard case .document(var doc) = record else {
                        XCTFail("\(file.relativePath): unexpected error record")
                        return
                    }
                    pipeline.process(&doc)
                    for options in [JSONWriter.Options(offsets: .codepoints, includeTokens: true), .init(offsets: .utf16)] {
                        do {
                            let object = try decode(write(doc, options))
                            let keys = Set(object.keys)
                            XCTAssertTrue(keys.isSuperset(of: JSONOutputTests.documentKeys), "\(doc.id): missing \(JSONOutputTests.documentKeys.subtracting(keys))")
                            XCTAssertEqual(keys.subtracting(JSONOutputTests.documentKeys).subtracting(JSONOutputTests.optionalDocumentKeys), [],
                                           "\(doc.id): only the schema's keys")
                            XCTAssertEqual(object["tokens"] != nil, options.includeTokens, "\(doc.id): tokens only when asked for")
                            XCTAssertEqual(object["schema"] as? String, "entex/1")
                            XCTAssertEqual(object["id"] as? String, doc.id)
                            XCTAssertEqual(object["text"] as? String, doc.string)
                            if options.includeTokens { outputTexts.append(object["text"] as? String ?? "") }
                            checked += 1
                        } catch {
                            XCTFail("\(doc.id): output does not decode: \(error)")
                        }
                    }
                }
            if let inputTexts {
                XCTAssertEqual(outputTexts, inputTexts, "\(file.relativePath): output text is the input text")
            }
        }
        XCTAssertGreaterThan(checked, 400)
    }

    // MARK: Keys

    func testLayersNotBuiltAreEmptyArraysAndLanguageIsNull() throws {
        let object = try decode(write(Document(id: "x", text: "Hola")))
        XCTAssertEqual(Set(object.keys), JSONOutputTests.documentKeys)
        for layer in ["sentences", "entities", "quotes", "relations", "warnings"] {
            XCTAssertEqual((object[layer] as? [Any])?.count, 0, layer)
        }
        XCTAssertTrue(object["lang"] is NSNull)
    }

    func testDateAndMetaAppearOnlyWhenGiven() throws {
        let doc = Document(id: "m", bytes: Array("texto".utf8), language: "es", date: "2023-09-12",
                           meta: [("big", .number("1701234567890123456")), ("nested", .object([.init("k", .array([.string("v"), .null]))]))])
        let bytes = write(doc)
        let object = try decode(bytes)
        XCTAssertEqual(Set(object.keys), JSONOutputTests.documentKeys.union(["date", "meta"]))
        XCTAssertEqual(object["date"] as? String, "2023-09-12")
        XCTAssertEqual(object["lang"] as? String, "es")
        // Numbers pass through as written, beyond what a double holds.
        XCTAssertTrue(String(decoding: bytes, as: UTF8.self).contains(#""meta":{"big":1701234567890123456,"nested":{"k":["v",null]}}"#))
    }

    func testEntityQuoteAndRelationRecordsHaveTheirKeys() throws {
        var doc = try TestSupport.annotate("Zhang said: \"We agree.\" Maduro heads PSUV.")
        doc.entities = [
            Entity(span: Span(0, 5), type: .person, source: .rule, canonical: doc.annotation("Zhang"), cluster: 1),
            Entity(span: Span(24, 30), type: .person, source: .gazetteer, kb: doc.annotation("local:maduro"), value: doc.annotation(json: .number("1"))),
            Entity(span: Span(37, 41), type: .org, source: .gazetteer),
        ]
        doc.quotes = [Quote(span: Span(12, 23), kind: .direct, speaker: Span(0, 5), speakerEntity: 0, cue: Span(6, 10), attribution: .explicit),
                      Quote(span: Span(12, 23), kind: .mixed, attribution: .none)]
        doc.relations = [Relation(type: "head_of", subject: 1, object: 2, span: Span(24, 41), rule: "x-heads-y")]
        let object = try decode(write(doc))
        let entities = try XCTUnwrap(object["entities"] as? [[String: Any]])
        XCTAssertEqual(Set(entities[0].keys), ["id", "start", "end", "text", "type", "source", "canonical", "kb", "value", "cluster"])
        XCTAssertEqual(entities.map { $0["id"] as? String }, ["e1", "e2", "e3"])
        XCTAssertEqual(entities[0]["text"] as? String, "Zhang")
        XCTAssertEqual(entities[0]["cluster"] as? String, "c1")
        XCTAssertTrue(entities[1]["cluster"] is NSNull)
        XCTAssertTrue(entities[0]["kb"] is NSNull)
        XCTAssertEqual(entities[1]["kb"] as? String, "local:maduro")
        XCTAssertEqual(entities[1]["value"] as? Int, 1)
        XCTAssertTrue(entities[2]["value"] is NSNull)
        let quotes = try XCTUnwrap(object["quotes"] as? [[String: Any]])
        XCTAssertEqual(Set(quotes[0].keys), ["id", "start", "end", "text", "kind", "speaker", "cue", "attribution"])
        let speaker = try XCTUnwrap(quotes[0]["speaker"] as? [String: Any])
        XCTAssertEqual(Set(speaker.keys), ["start", "end", "text", "entity"])
        XCTAssertEqual(speaker["entity"] as? String, "e1")
        XCTAssertEqual(Set(try XCTUnwrap(quotes[0]["cue"] as? [String: Any]).keys), ["start", "end", "text"])
        XCTAssertTrue(quotes[1]["speaker"] is NSNull)
        XCTAssertTrue(quotes[1]["cue"] is NSNull)
        XCTAssertEqual(quotes[1]["attribution"] as? String, "none")
        let relations = try XCTUnwrap(object["relations"] as? [[String: Any]])
        XCTAssertEqual(Set(relations[0].keys), ["id", "type", "subject", "object", "start", "end", "rule"])
        XCTAssertEqual(relations[0]["subject"] as? String, "e2")
        XCTAssertEqual(relations[0]["object"] as? String, "e3")
    }

    func testErrorRecordHasSchemaIdErrorAndLine() throws {
        var out: [UInt8] = []
        JSONWriter.writeError(id: "stdin:3", message: "malformed JSON: \"oops\"\n", source: nil, line: 3, into: &out)
        let object = try decode(out)
        XCTAssertEqual(Set(object.keys), JSONOutputTests.errorKeys)
        XCTAssertEqual(object["schema"] as? String, "entex/1")
        XCTAssertEqual(object["id"] as? String, "stdin:3")
        XCTAssertEqual(object["error"] as? String, "malformed JSON: \"oops\"\n")
        XCTAssertEqual(object["line"] as? Int, 3)

        out.removeAll()
        JSONWriter.writeError(id: nil, message: "too big", source: "file.jsonl", line: nil, into: &out)
        let other = try decode(out)
        XCTAssertEqual(Set(other.keys), JSONOutputTests.errorKeys.union(["source"]))
        XCTAssertTrue(other["id"] is NSNull)
        XCTAssertTrue(other["line"] is NSNull)
    }

    // MARK: Escaping

    func testControlCharactersQuotesBackslashesAndNonASCIIRoundTrip() throws {
        var text = ""
        for c in 0..<0x20 { text.unicodeScalars.append(Unicode.Scalar(UInt8(c))) }
        text += "\u{7F} \" \\ / \\\" é ñ 😀 👨‍👩‍👧‍👦 \u{2028}\u{2029} \u{FFFD} \u{10FFFF} مرحبا"
        let doc = Document(id: "id \"with\" \\ and \n", bytes: Array(text.utf8), language: "e\u{1}s", date: "\t",
                           meta: [("k\"ey", .string("v\\al\u{0}ue"))])
        let bytes = write(doc, .init(includeTokens: true))
        XCTAssertFalse(bytes.contains { $0 < 0x20 }, "no raw control character in the output")
        let object = try decode(bytes)
        XCTAssertEqual(object["text"] as? String, text)
        XCTAssertEqual(object["id"] as? String, doc.id)
        XCTAssertEqual(object["lang"] as? String, "e\u{1}s")
        XCTAssertEqual(object["date"] as? String, "\t")
        XCTAssertEqual((object["meta"] as? [String: Any])?["k\"ey"] as? String, "v\\al\u{0}ue")
        let raw = String(decoding: bytes, as: UTF8.self)
        for escaped in [#"\u0000"#, #"\u0001"#, #"\u001f"#, #"\n"#, #"\t"#, #"\r"#, #"\b"#, #"\f"#, #"\""#, #"\\"#] {
            XCTAssertTrue(raw.contains(escaped), "output escapes as \(escaped)")
        }
        XCTAssertTrue(raw.contains("é ñ 😀"), "non-ASCII is written as UTF-8, not escaped")
    }

    func testTokenKeysAreEscapedToo() throws {
        var doc = Document(id: "k", text: "\"Quote\" \\ back")
        try TestSupport.pipeline(["tokenize"]).process(&doc)
        let object = try decode(write(doc, .init(includeTokens: true)))
        let tokens = try XCTUnwrap(object["tokens"] as? [[String: Any]])
        XCTAssertEqual(tokens.map { $0["key"] as? String }, doc.tokens.indices.map { doc.keyString(ofToken: $0) })
        XCTAssertEqual(Set(tokens.first?.keys.map { $0 } ?? []), ["start", "end", "key", "kind"])
    }

    func testRepairedTextIsWhatTheOutputCarries() throws {
        let doc = Document(id: "r", bytes: [0x41, 0xFF, 0x42, 0x00, 0xE2, 0x82])
        let object = try decode(write(doc))
        XCTAssertEqual(object["text"] as? String, "A\u{FFFD}B\u{0}\u{FFFD}")
        let warnings = try XCTUnwrap(object["warnings"] as? [[String: Any]])
        XCTAssertEqual(warnings.map { $0["code"] as? String }, ["invalid-utf8", "invalid-utf8"])
        XCTAssertEqual(warnings.map { $0["offset"] as? Int }, [1, 4], "warning offsets are code points by default")
        XCTAssertEqual(Set(warnings[0].keys), ["code", "message", "offset"])
    }

    // MARK: JSON Schema file

    private var schemaURL: URL {
        TestSupport.repoRoot.appendingPathComponent("Sources/Entex/Output/entex-1.schema.json")
    }

    private func schemaDefinition(_ name: String) throws -> [String: Any] {
        let schema = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: schemaURL)) as? [String: Any])
        XCTAssertEqual(schema["$schema"] as? String, "https://json-schema.org/draft/2020-12/schema")
        let defs = try XCTUnwrap(schema["$defs"] as? [String: Any])
        return try XCTUnwrap(defs[name] as? [String: Any], "schema defines \(name)")
    }

    private func keys(_ definition: [String: Any], _ member: String) throws -> Set<String> {
        Set(try XCTUnwrap(definition[member] as? [String: Any], member).keys)
    }

    func testSchemaListsTheTopLevelKeysTheWriterEmits() throws {
        let document = try schemaDefinition("document")
        let full = Document(id: "s", bytes: Array("x".utf8), language: "en", date: "2023", meta: [("m", .null)])
        let written = Set(try decode(write(full, .init(includeTokens: true))).keys)
        XCTAssertEqual(try keys(document, "properties"), written)
        XCTAssertEqual(Set(try XCTUnwrap(document["required"] as? [String])), JSONOutputTests.documentKeys)
        XCTAssertEqual(document["additionalProperties"] as? Bool, false)

        let error = try schemaDefinition("error")
        var out: [UInt8] = []
        JSONWriter.writeError(id: "e", message: "m", source: "stdin", line: 1, into: &out)
        XCTAssertEqual(try keys(error, "properties"), Set(try decode(out).keys))
        XCTAssertEqual(Set(try XCTUnwrap(error["required"] as? [String])), JSONOutputTests.errorKeys)
    }

    func testSchemaListsTheKeysOfEveryLayerItem() throws {
        let properties = try XCTUnwrap(try schemaDefinition("document")["properties"] as? [String: Any])
        func itemKeys(_ layer: String) throws -> Set<String> {
            let items = try XCTUnwrap((properties[layer] as? [String: Any])?["items"] as? [String: Any], layer)
            return try keys(items, "properties")
        }
        XCTAssertEqual(try itemKeys("sentences"), ["start", "end"])
        XCTAssertEqual(try itemKeys("tokens"), ["start", "end", "key", "kind"])
        XCTAssertEqual(try itemKeys("entities"), ["id", "start", "end", "text", "type", "source", "canonical", "kb", "value", "cluster"])
        XCTAssertEqual(try itemKeys("quotes"), ["id", "start", "end", "text", "kind", "speaker", "cue", "attribution"])
        XCTAssertEqual(try itemKeys("relations"), ["id", "type", "subject", "object", "start", "end", "rule"])
        XCTAssertEqual(try itemKeys("warnings"), ["code", "message", "offset"])
        let entityItems = try XCTUnwrap((properties["entities"] as? [String: Any])?["items"] as? [String: Any])
        let typeEnum = try XCTUnwrap(((entityItems["properties"] as? [String: Any])?["type"] as? [String: Any])?["enum"] as? [String])
        XCTAssertEqual(Set(typeEnum), Set(EntityType.allCases.map(\.name)))
        let sourceEnum = try XCTUnwrap(((entityItems["properties"] as? [String: Any])?["source"] as? [String: Any])?["enum"] as? [String])
        XCTAssertEqual(Set(sourceEnum), Set(EntitySource.allCases.map(\.name)))
        let tokenItems = try XCTUnwrap((properties["tokens"] as? [String: Any])?["items"] as? [String: Any])
        let kindEnum = try XCTUnwrap(((tokenItems["properties"] as? [String: Any])?["kind"] as? [String: Any])?["enum"] as? [String])
        XCTAssertEqual(Set(kindEnum), Set(TokenKind.allCases.map(\.name)))
    }

    func testEveryEntityTypeAndSourceIsWrittenByItsName() throws {
        // The writer finds names by raw value: each type and source must come out as its `name`.
        var doc = Document(id: "t", text: String(repeating: "x", count: EntityType.allCases.count * EntitySource.allCases.count))
        var n = 0
        for type in EntityType.allCases {
            for source in EntitySource.allCases {
                doc.entities.append(Entity(span: Span(n, n + 1), type: type, source: source))
                n += 1
            }
        }
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(write(doc))) as? [String: Any])
        let entities = try XCTUnwrap(object["entities"] as? [[String: Any]])
        XCTAssertEqual(entities.map { $0["type"] as? String }, doc.entities.map(\.type.name))
        XCTAssertEqual(entities.map { $0["source"] as? String }, doc.entities.map(\.source.name))
    }
}
