@testable import Entex
import CSupport
import Foundation
import XCTest

/// The JSON Lines fast path (`JSONParser.parseRecordLine`, the text decoded
/// straight to bytes) against the full parser: on generated and hostile
/// records both must give the same documents and the same error records.
final class JSONLinesFastPathTests: XCTestCase {
    // MARK: generated records

    /// Pieces of JSON string content: plain, escaped, and every kind of
    /// trouble the full parser repairs or rejects.
    private static let stringPieces: [[UInt8]] = {
        let text: [String] = [
            "Venezuela", " ", "said", "Nicolás Maduro", "EE. UU.", "€20", "£522,000", "𝐛𝐨𝐥𝐝", "😀", "ｆｕｌｌ",
            "\\n", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\t", "\\u00e9", "\\u00E9", "\\u20ac", "\\u0000",
            "\\u001f", "\\ud83d\\ude00", "\\uD83D\\uDE00", "\\ud800", "\\udc00", "\\ud800\\u0041", "\\ud800x",
            "\\ud800\\ud800", "\\u12", "\\u12zz", "\\x", "\\", "&amp;", "&lt;", "RT @user:", "te", "xt", "\"",
            String(repeating: "abcdefgh", count: 5), String(repeating: "ñ", count: 9),
        ]
        var pieces = text.map { Array($0.utf8) }
        // Raw bytes the full parser repairs (invalid UTF-8) or rejects (control characters).
        pieces += [[0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF],
                   [0xFF], [0xF0, 0x9F, 0x98], [0x00], [0x09], [0x0B], [0x1F], [0x7F], [0xEF, 0xBB, 0xBF]]
        return pieces
    }()

    private static let keys = ["id", "text", "lang", "date", "category", "user", "id_str", "full_text", "data",
                               "extended_tweet", "retweeted_status", "te\\u0078t", "author_id", "\u{e9}t\u{e9}",
                               "i\\u0064", "l\\u0061ng"]

    /// A random JSON string; `clean` keeps to pieces the fast path accepts.
    private func randomString(_ g: inout SeededGenerator, clean: Bool) -> [UInt8] {
        var out: [UInt8] = [0x22]
        let count = Int.random(in: 0...12, using: &g)
        for _ in 0..<count {
            // Mostly well-formed pieces, so that most records take the fast path.
            let limit = clean || Int.random(in: 0..<4, using: &g) > 0 ? 25 : JSONLinesFastPathTests.stringPieces.count
            out += JSONLinesFastPathTests.stringPieces[Int.random(in: 0..<limit, using: &g)]
        }
        out.append(0x22)
        return out
    }

    private func randomValue(_ g: inout SeededGenerator, depth: Int) -> [UInt8] {
        switch Int.random(in: 0..<(depth > 2 ? 5 : 8), using: &g) {
        case 0, 1: return randomString(&g, clean: false)
        case 2: return Array(["1", "-0.5e3", "1534372037610946560", "0", "01", "1.", "-"].randomElement(using: &g)!.utf8)
        case 3: return Array(["true", "false", "null", "nul", "tru"].randomElement(using: &g)!.utf8)
        case 4: return randomString(&g, clean: true)
        case 5:
            var out: [UInt8] = [UInt8(ascii: "[")]
            for n in 0..<Int.random(in: 0...3, using: &g) {
                if n > 0 { out.append(UInt8(ascii: ",")) }
                out += randomValue(&g, depth: depth + 1)
            }
            return out + [UInt8(ascii: "]")]
        default:
            return randomObject(&g, depth: depth + 1)
        }
    }

    /// A random object; `text`, when given, is one more member at a random place.
    private func randomObject(_ g: inout SeededGenerator, depth: Int, text: [UInt8]? = nil) -> [UInt8] {
        let spaces: [[UInt8]] = [[], [], [0x20], [0x20, 0x09], [0x0D]]
        var members: [[UInt8]] = []
        for _ in 0..<Int.random(in: 0...6, using: &g) {
            var member = spaces.randomElement(using: &g)!
            member += [0x22] + Array(JSONLinesFastPathTests.keys.randomElement(using: &g)!.utf8) + [0x22]
            member += spaces.randomElement(using: &g)!
            member.append(UInt8(ascii: ":"))
            member += spaces.randomElement(using: &g)!
            member += randomValue(&g, depth: depth)
            members.append(member)
        }
        if let text { members.insert(text, at: Int.random(in: 0...members.count, using: &g)) }
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (n, member) in members.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out += member
        }
        out += spaces.randomElement(using: &g)!
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// One line: mostly a record with a text, sometimes broken on purpose.
    private func randomLine(_ g: inout SeededGenerator) -> [UInt8] {
        // Most records get a text member, usually a clean one.
        let text = Int.random(in: 0..<3, using: &g) > 0
            ? Array("\"text\":".utf8) + randomString(&g, clean: Int.random(in: 0..<3, using: &g) > 0) : nil
        var record = randomObject(&g, depth: 0, text: text)
        switch Int.random(in: 0..<30, using: &g) {
        case 0: record.removeLast()                                        // unterminated
        case 1: record += Array(" x".utf8)                                  // data after the value
        case 2: record = Array("[1,2]".utf8)                                // not an object
        case 3: record = Array("  ".utf8)                                   // blank
        case 4: record += [0x0D]                                            // CRLF line end
        case 5: record = [UInt8(ascii: "{")]                                // opens nothing (not first)
        case 6: record += Array("  ".utf8)                                  // trailing space
        default: break
        }
        return record
    }

    private func read(_ bytes: [UInt8], format: InputFormat, fastPath: Bool, documentLines: Bool = true,
                      maxDocumentBytes: Int = DocumentReader.defaultMaxDocumentBytes) throws -> [InputRecord] {
        var reader = DocumentReader(format: format, sourceName: "gen", maxDocumentBytes: maxDocumentBytes)
        reader.usesRecordFastPath = fastPath
        reader.usesDocumentLinePath = documentLines
        var records: [InputRecord] = []
        try reader.read(MemorySource(bytes)) { records.append($0) }
        return records
    }

    /// Every field a reader sets, as text to compare and to show on failure.
    private func describe(_ record: InputRecord) -> String {
        switch record {
        case .document(let d):
            let meta = d.meta.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            let warnings = d.warnings.map { "\($0.code)|\($0.message)|\($0.offset.map(String.init) ?? "-")" }
            return "doc id=\(d.id) text=\(d.string) lang=\(d.language ?? "-") given=\(d.languageGiven) "
                + "date=\(d.date ?? "-") meta=[\(meta)] origin=\(d.origin.map { "\($0.source):\($0.line)" } ?? "-") "
                + "warnings=\(warnings) layers=\(d.layers.rawValue)"
        case .failure(let f):
            return "error id=\(f.id ?? "-") message=\(f.message) source=\(f.source) line=\(f.line.map(String.init) ?? "-")"
        }
    }

    private func assertBothPathsAgree(_ bytes: [UInt8], format: InputFormat, maxDocumentBytes: Int = DocumentReader.defaultMaxDocumentBytes,
                                      file: StaticString = #filePath, line: UInt = #line) throws {
        let fast = try read(bytes, format: format, fastPath: true, maxDocumentBytes: maxDocumentBytes).map(describe)
        let slow = try read(bytes, format: format, fastPath: false, maxDocumentBytes: maxDocumentBytes).map(describe)
        XCTAssertEqual(fast.count, slow.count, "record count, format \(format)", file: file, line: line)
        for (a, b) in zip(fast, slow) where a != b {
            XCTFail("fast path:\n\(a)\nfull parser:\n\(b)\nformat \(format)", file: file, line: line)
            return
        }
        // The general fast path alone (no plain-document line read straight to its document) too.
        let general = try read(bytes, format: format, fastPath: true, documentLines: false,
                               maxDocumentBytes: maxDocumentBytes).map(describe)
        XCTAssertEqual(general.count, slow.count, "record count, format \(format)", file: file, line: line)
        for (a, b) in zip(general, slow) where a != b {
            XCTFail("general fast path:\n\(a)\nfull parser:\n\(b)\nformat \(format)", file: file, line: line)
            return
        }
    }

    func testFastPathGivesTheFullParsersRecordForEachGeneratedLine() {
        var g = SeededGenerator(seed: 20261126)
        var fastCount = 0
        var withText = 0
        for _ in 0..<20_000 {
            let line = randomLine(&g)
            var fastParser = JSONParser()
            var fullParser = JSONParser()
            fullParser.decodesEscapesInOnePass = false
            let full = try? fullParser.parse(line)
            // The one-pass decoding of escaped strings in the full parser changes nothing either.
            var onePass = JSONParser()
            let onePassResult = Result { () throws(JSONParseError) in try onePass.parse(line) }
            var byteByByte = JSONParser()
            byteByByte.decodesEscapesInOnePass = false
            let byteByByteResult = Result { () throws(JSONParseError) in try byteByByte.parse(line) }
            switch (onePassResult, byteByByteResult) {
            case (.success(let a), .success(let b)):
                XCTAssertEqual(a, b, String(decoding: line, as: UTF8.self))
                XCTAssertEqual(onePass.replacements, byteByByte.replacements, String(decoding: line, as: UTF8.self))
            case (.failure(let a), .failure(let b)):
                XCTAssertEqual(a.description, b.description, String(decoding: line, as: UTF8.self))
            default:
                XCTFail("one parser failed, the other did not: \(String(decoding: line, as: UTF8.self))")
            }
            let fast = line.withUnsafeBufferPointer { fastParser.parseRecordLine($0) }
            guard let fast else { continue }
            fastCount += 1
            if fast.textIndex != nil { withText += 1 }
            // Whatever the fast path accepts, the full parser parses to the same value and count.
            XCTAssertEqual(fast.value, full, String(decoding: line, as: UTF8.self))
            XCTAssertEqual(fastParser.replacements, fullParser.replacements, String(decoding: line, as: UTF8.self))
            XCTAssertNil(fast.text.withUnsafeBufferPointer { UTF8Repair.firstInvalid($0) })
        }
        // The generator must exercise the fast path, not only the fallback.
        XCTAssertGreaterThan(fastCount, 4_000)
        XCTAssertGreaterThan(withText, 2_000)
    }

    // MARK: plain documents read straight to their fields

    /// A record made of `id`, `text`, `lang` and `date` members only, mostly
    /// once each and clean, sometimes given twice, of another kind, escaped,
    /// broken, or with one more member: lines `parseDocumentLine` reads and
    /// lines it must leave to the general path.
    private func randomDocumentLine(_ g: inout SeededGenerator) -> [UInt8] {
        let spaces: [[UInt8]] = [[], [], [], [0x20], [0x20, 0x09]]
        var names = ["id", "text", "lang", "date"].filter { $0 == "text" || Bool.random(using: &g) }
        if Int.random(in: 0..<8, using: &g) == 0 {
            names.append(["id", "text", "lang", "date", "category", "user", "i\\u0064", "data"].randomElement(using: &g)!)
        }
        if Int.random(in: 0..<10, using: &g) == 0 { names.removeAll { $0 == "text" } }
        names.shuffle(using: &g)
        var members: [[UInt8]] = []
        for name in names {
            var member = spaces.randomElement(using: &g)! + [0x22] + Array(name.utf8) + [0x22]
            member += spaces.randomElement(using: &g)! + [UInt8(ascii: ":")] + spaces.randomElement(using: &g)!
            switch Int.random(in: 0..<12, using: &g) {
            case 0: member += randomValue(&g, depth: 2)
            case 1: member += Array(["42", "-7", "1534372037610946560", "0.5", "1e3", "01", "-"].randomElement(using: &g)!.utf8)
            case 2: member += randomString(&g, clean: false)
            case 3: member += Array([#""und""#, #""""#, #""es""#, #""en""#, #""zxx""#, "null"].randomElement(using: &g)!.utf8)
            default: member += randomString(&g, clean: true)
            }
            members.append(member)
        }
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (n, member) in members.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            out += member
        }
        out += spaces.randomElement(using: &g)! + [UInt8(ascii: "}")]
        switch Int.random(in: 0..<25, using: &g) {
        case 0: out.removeLast()
        case 1: out += Array(" x".utf8)
        case 2: out += Array(" \t".utf8)
        default: break
        }
        return out
    }

    /// `parseDocumentLine` against the general fast path and its mapping:
    /// every line it reads is one the general path maps to a plain document
    /// of the same fields with nothing replaced and no other member.
    /// (Whole streams of such lines go through `assertBothPathsAgree` in
    /// `testGeneratedDocumentLineStreamsGiveTheSameRecordsOnEveryPath`.)
    func testDocumentLinePathReadsWhatTheGeneralPathMapsToAPlainDocument() {
        var g = SeededGenerator(seed: 261126)
        var read = 0, refused = 0
        for round in 0..<30_000 {
            let line = round % 4 == 3 ? randomLine(&g) : randomDocumentLine(&g)
            let label = String(decoding: line, as: UTF8.self)
            var direct = JSONParser()
            var general = JSONParser()
            let document = line.withUnsafeBufferPointer { direct.parseDocumentLine($0) }
            let record = line.withUnsafeBufferPointer { general.parseRecordLine($0) }
            let mapped = record.flatMap { RecordMapper.mapPlainDocument($0) }
            guard let document else {
                refused += 1
                continue
            }
            read += 1
            guard let record, let mapped else {
                XCTFail("read straight, refused by the general path: \(label)")
                continue
            }
            XCTAssertEqual(general.replacements, 0, label)
            XCTAssertEqual(document.id, mapped.id, label)
            XCTAssertEqual(document.text, mapped.text, label)
            XCTAssertEqual(RecordMapper.language(document.lang), mapped.language, label)
            XCTAssertEqual(document.date, mapped.date, label)
            XCTAssertTrue(mapped.meta.isEmpty, label)
            XCTAssertTrue(record.members.isEmpty, label)
            XCTAssertNil(document.text.withUnsafeBufferPointer { UTF8Repair.firstInvalid($0) }, label)
        }
        // Both outcomes must be exercised (9 195 of the 30 000 lines are read straight).
        XCTAssertGreaterThan(read, 7_000)
        XCTAssertGreaterThan(refused, 5_000)
    }

    func testGeneratedDocumentLineStreamsGiveTheSameRecordsOnEveryPath() throws {
        var g = SeededGenerator(seed: 2611)
        for _ in 0..<60 {
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 1...120, using: &g) {
                stream += randomDocumentLine(&g)
                stream.append(0x0A)
            }
            for format in [InputFormat.auto, .jsonl, .tweets] {
                try assertBothPathsAgree(stream, format: format)
            }
            try assertBothPathsAgree(stream, format: .jsonl, maxDocumentBytes: 30)
            try assertRawLinesAgree(stream, format: .jsonl)
        }
    }

    func testDocumentLinePathLeavesEveryOtherRecordToTheGeneralPath() {
        let left: [String] = [
            #"{"id":"1","text":"a","x":1}"#, #"{"text":"a","id":"1","id":"2"}"#, #"{"text":"a","text":"b"}"#,
            #"{"id":null,"text":"a"}"#, #"{"id":true,"text":"a"}"#, #"{"lang":5,"text":"a"}"#, #"{"date":null,"text":"a"}"#,
            #"{"i\u0064":"1","text":"a"}"#, #"{"id":"\ud800","text":"a"}"#, #"{"text":"a","lang":"\udc00"}"#,
            #"{"text":"\ud800"}"#, #"{"text":5}"#, #"{"id":"1"}"#, #"{}"#, #"{"text":"a"} x"#, #"{"text":"a""#,
            #"{"text":"a","user":{"screen_name":"u"}}"#, #"{"text":"a","id_str":"9"}"#, #"[{"text":"a"}]"#,
        ]
        for json in left {
            var parser = JSONParser()
            XCTAssertNil(Array(json.utf8).withUnsafeBufferPointer { parser.parseDocumentLine($0) }, json)
        }
        let read = #" { "date" : "2020-01-02" , "lang":"und", "text":"x\n\u00e9\ud83d\ude00" ,"id":-12.5e1 } "#
        var parser = JSONParser()
        let document = Array(read.utf8).withUnsafeBufferPointer { parser.parseDocumentLine($0) }
        XCTAssertEqual(document?.id, "-12.5e1")
        XCTAssertEqual(document.map { String(decoding: $0.text, as: UTF8.self) }, "x\né😀")
        XCTAssertEqual(document?.lang, "und")
        XCTAssertEqual(document?.date, "2020-01-02")
    }

    func testFastPathRefusesWhatTheFullParserRepairsOrRejects() {
        let refused: [String] = [
            #"{"text":"a\ud800b"}"#, #"{"text":"\udc00"}"#, #"{"text":"\ud800\u0041"}"#, #"{"text":"a\x"}"#,
            #"{"text":"\u12"}"#, #"{"text":"abc"#, #"{"text":"a"} x"#, #"["text"]"#, #"{"text":"a"}}"#, "",
        ]
        for json in refused {
            var parser = JSONParser()
            XCTAssertNil(Array(json.utf8).withUnsafeBufferPointer { parser.parseRecordLine($0) }, json)
        }
        for bytes: [UInt8] in [[0x7B, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3A, 0x22, 0x80, 0x22, 0x7D],  // {"text":"\x80"}
                               [0x7B, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3A, 0x22, 0x00, 0x22, 0x7D],  // raw NUL
                               [0x7B, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3A, 0x22, 0xC3, 0x22, 0x7D]] { // truncated é
            var parser = JSONParser()
            XCTAssertNil(bytes.withUnsafeBufferPointer { parser.parseRecordLine($0) }, "\(bytes)")
        }
    }

    func testFastPathDecodesEscapesAndKeepsTheOtherMembersInOrder() throws {
        let json = #"{"a":1,"text":"x\n\"\u00e9\ud83d\ude00\/","text":5,"b":"\ud800"}"#
        var parser = JSONParser()
        let record = try XCTUnwrap(Array(json.utf8).withUnsafeBufferPointer { parser.parseRecordLine($0) })
        XCTAssertEqual(String(decoding: record.text, as: UTF8.self), "x\n\"é😀/")
        XCTAssertEqual(record.textIndex, 1)
        XCTAssertEqual(record.allMembers.map(\.key), ["a", "text", "text", "b"])
        XCTAssertEqual(record.allMembers[2].value, .number("5"))
        // The lone surrogate outside the text is still repaired and counted.
        XCTAssertEqual(record.allMembers[3].value, .string("\u{FFFD}"))
        XCTAssertEqual(parser.replacements, 1)
    }

    func testFirstIdLangAndDateScalarsAreHeldAtTheirPlaces() throws {
        let json = #"{"lang":"es","x":1,"id":42,"text":"t","id":"second","date":"2020-01-02","lang":7}"#
        var parser = JSONParser()
        let record = try XCTUnwrap(Array(json.utf8).withUnsafeBufferPointer { parser.parseRecordLine($0) })
        // Only the first of each name is held, and only when it is a scalar of the kind read.
        XCTAssertEqual(record.members.map(\.key), ["x", "id", "lang"])
        XCTAssertEqual(record.id?.text, "42")
        XCTAssertEqual(record.id?.isNumber, true)
        XCTAssertEqual(record.lang?.text, "es")
        XCTAssertEqual(record.date?.position, 5)
        XCTAssertEqual(record.allMembers.map(\.key), ["lang", "x", "id", "text", "id", "date", "lang"])
        var full = JSONParser()
        XCTAssertEqual(record.value, try full.parse(Array(json.utf8)))
    }

    func testRecordsWhoseFirstDocumentFieldIsNotHeldGiveTheSameRecordsOnBothPaths() throws {
        // A first id, lang or date of another kind (or a key written with escapes)
        // is an ordinary member: the plain mapping must leave such records to `map`.
        let lines = [
            #"{"id":null,"text":"a","id":"later"}"#, #"{"id":{"x":1},"text":"a"}"#, #"{"id":[1],"text":"a"}"#,
            #"{"id":true,"text":"a"}"#, #"{"id":-1.5e3,"text":"a"}"#, #"{"i\u0064":"escaped","text":"a"}"#,
            #"{"lang":5,"text":"a","lang":"es"}"#, #"{"lang":"und","text":"a"}"#, #"{"lang":"","text":"a"}"#,
            #"{"date":[],"text":"a","date":"2020"}"#, #"{"d\u0061te":"2020","l\u0061ng":"en","text":"a"}"#,
            #"{"text":"a","user":{"screen_name":"u"},"id":"9"}"#, #"{"text":"a","id_str":"9"}"#,
            #"{"text":"a","category":"x","id":"1","category":"y","lang":"es","date":"d"}"#,
            #"{"id":"\u00e9\ud800","text":"a"}"#, #"{"id":"caf\u00e9 \u20ac","text":"a","date":"\ud83d\ude00"}"#,
        ]
        for line in lines {
            for format in [InputFormat.auto, .jsonl, .tweets] {
                try assertBothPathsAgree(Array(line.utf8), format: format)
            }
        }
    }

    func testGeneratedStreamsGiveTheSameRecordsOnBothPaths() throws {
        var g = SeededGenerator(seed: 7)
        for round in 0..<40 {
            var stream: [UInt8] = round % 5 == 0 ? [0xEF, 0xBB, 0xBF] : []   // a byte order mark now and then
            for _ in 0..<Int.random(in: 1...150, using: &g) {
                stream += randomLine(&g)
                stream.append(0x0A)
            }
            for format in [InputFormat.auto, .jsonl, .tweets] {
                try assertBothPathsAgree(stream, format: format)
            }
            // A small document limit turns some records into size errors.
            try assertBothPathsAgree(stream, format: .jsonl, maxDocumentBytes: 40)
        }
    }

    func testHostileStreamsGiveTheSameRecordsOnBothPaths() throws {
        var streams: [[UInt8]] = [
            Array(#"{"id":"1","text":"a","text":"b","lang":"es","date":"2020","id":"2","x":{"y":[1,"\u00e9"]}}"#.utf8),
            Array(#"{"text":1,"text":"b"}"#.utf8),
            Array(#"{"te\u0078t":"escaped key","id":7}"#.utf8),
            Array(#"{"id_str":"9","text":"RT &amp; &lt;b&gt;","user":{"screen_name":"u"},"lang":"und"}"#.utf8),
            Array(#"{"data":{"id":"5","text":"v2 &amp;","author_id":"3","lang":"en"}}"#.utf8),
            Array(#"{"data":[{"id":"5","text":"one"},{"text":"two"}]}"#.utf8),
            Array(#"{"data":{"id":"5"},"text":"has both"}"#.utf8),
            Array(#"{"full_text":"ft","text":"t","retweeted_status":{"extended_tweet":{"full_text":"orig"},"id_str":"1"}}"#.utf8),
            Array("{\n\"text\": \"pretty\",\n\"id\": \"p\"\n}".utf8),
            Array("{\"text\":\"first\"}\r\n\r\n{\"text\":\"second\\u0000\"}\r\n".utf8),
            Array("{\"text\":\"a\"}\n{\"text\":\"b\"\n{\"text\":\"c\"}".utf8),
            [0xEF, 0xBB, 0xBF] + Array(#"{"text":"after a BOM \u00e9"}"#.utf8),
            Array(#"{"text":"\ud83d\ude00 \ud83d"}"#.utf8),
            Array(#"{"text":"x","meta":"\ud800","other":"\udfff"}"#.utf8),
            Array("{\"text\":\"".utf8) + [0xE2, 0x82, 0xAC, 0xE2, 0x82, 0x20, 0xC0, 0x80, 0xF5] + Array("\"}".utf8),
            Array("{\"text\":\"tab\tin\"}".utf8),
            Array(#"{"text":""}"#.utf8),
            Array(#"{}"#.utf8),
            Array(#"{"id":5}"#.utf8),
        ]
        // Deep nesting outside the text.
        streams.append(Array("{\"text\":\"deep\",\"x\":".utf8) + Array(repeating: UInt8(ascii: "["), count: 600)
                       + Array(repeating: UInt8(ascii: "]"), count: 600) + [UInt8(ascii: "}")])
        // A line of a megabyte with escapes every few bytes.
        var long = Array(#"{"id":"long","text":""#.utf8)
        for n in 0..<100_000 { long += Array((n % 7 == 0 ? "é\\n" : "abcdefghi\\\"").utf8) }
        long += Array(#""}"#.utf8)
        streams.append(long)
        for stream in streams {
            for format in [InputFormat.auto, .jsonl, .tweets] {
                try assertBothPathsAgree(stream, format: format)
                try assertBothPathsAgree(stream + [0x0A] + stream, format: format)
            }
        }
        // Over and under the limit (the line is 1,000,021 bytes, its text 899,998).
        try assertBothPathsAgree(long, format: .jsonl, maxDocumentBytes: 950_000)
        try assertBothPathsAgree(long, format: .jsonl, maxDocumentBytes: 1 << 20)
    }

    /// `UTF8Repair.firstInvalid` (which skips ASCII by words and takes
    /// two-byte sequences first) against a byte-by-byte walk with
    /// `sequenceLength`, and against the standard library's validation.
    func testFirstInvalidAgreesWithAByteByByteWalk() {
        var g = SeededGenerator(seed: 99)
        let pieces: [[UInt8]] = [Array("abcdefgh".utf8), Array("a".utf8), Array("ñ".utf8), Array("€".utf8), Array("😀".utf8),
                                 [0x80], [0xC3], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
                                 [0xF0, 0x9F, 0x98], [0xFF], [0xDF, 0xBF], [0xC2, 0x80]]
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...20, using: &g) {
                // Mostly valid pieces, so that invalid ones turn up at every position.
                bytes += pieces[Int.random(in: 0..<(Int.random(in: 0..<8, using: &g) == 0 ? pieces.count : 5), using: &g)]
            }
            let expected: Int? = bytes.withUnsafeBufferPointer { p in
                var i = 0
                while i < p.count {
                    var subpart = 0
                    let length = UTF8Repair.sequenceLength(p, i, subpart: &subpart)
                    if length == 0 { return i }
                    i += length
                }
                return nil
            }
            let found = bytes.withUnsafeBufferPointer { UTF8Repair.firstInvalid($0) }
            XCTAssertEqual(found, expected, "\(bytes)")
            XCTAssertEqual(found == nil, String(validating: bytes, as: UTF8.self) != nil, "\(bytes)")
        }
    }

    /// The text decoder checks UTF-8 where its sixteen-byte scan meets a
    /// byte >= 0x80: valid and invalid sequences at every position of the
    /// scan's words, cut short by a quote, an escape or the end, must be
    /// accepted exactly when the full parser keeps the string as it is, and
    /// decode to the same bytes.
    func testTextDecoderChecksUTF8AtEveryPositionOfItsScan() {
        var g = SeededGenerator(seed: 1126)
        let pieces: [[UInt8]] = [Array("é".utf8), Array("€".utf8), Array("😀".utf8), Array("ñá".utf8),
                                 Array("\\n".utf8), Array("\\\"".utf8), Array("\\u00e9".utf8),
                                 [0x80], [0xC3], [0xC1, 0xBF], [0xE2, 0x82], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
                                 [0xF0, 0x9F, 0x98], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xC3, 0x22], [0xE2, 0x82, 0x5C, 0x6E],
                                 [0xC3, 0x09], [0xDF, 0xBF], [0xEF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF]]
        var accepted = 0, refused = 0
        var scratch: [UInt8] = []
        for _ in 0..<30_000 {
            var content: [UInt8] = []
            for _ in 0..<Int.random(in: 0...4, using: &g) {
                // ASCII of every length, so the pieces land at every offset of a word.
                content += (0..<Int.random(in: 0...40, using: &g)).map { _ in UInt8.random(in: 0x61...0x7A, using: &g) }
                // Mostly valid pieces, so that most strings are accepted and invalid ones come late too.
                content += pieces[Int.random(in: 0..<(Int.random(in: 0..<3, using: &g) == 0 ? pieces.count : 7), using: &g)]
            }
            let line = Array("{\"text\":\"".utf8) + content + Array("\"}".utf8)
            var fullParser = JSONParser()
            fullParser.decodesEscapesInOnePass = false
            let full = try? fullParser.parse(line)
            var i = 8
            // A scratch shorter than the text now and then, so that it grows.
            if Int.random(in: 0..<50, using: &g) == 0 { scratch = [] }
            let fast = line.withUnsafeBufferPointer { JSONParser.decodeCleanString($0, &i, scratch: &scratch) }
            let label = "\(content)"
            if let fast {
                accepted += 1
                XCTAssertEqual(fullParser.replacements, 0, label)
                XCTAssertEqual(full, .object([.init("text", .string(String(decoding: fast, as: UTF8.self)))]), label)
                XCTAssertEqual(i, line.count - 1, label)
                XCTAssertNil(fast.withUnsafeBufferPointer { UTF8Repair.firstInvalid($0) }, label)
            } else {
                refused += 1
                // Refused: the full parser repairs the string or rejects the line.
                XCTAssertTrue(full == nil || fullParser.replacements > 0, label)
            }
        }
        XCTAssertGreaterThan(accepted, 10_000)
        XCTAssertGreaterThan(refused, 5_000)
    }

    /// The text decoder's scan for the end of a plain run
    /// (`entex_json_plain_run`, sixteen bytes at a time, the last few in the
    /// sixteen that end the bytes) against its byte-by-byte reference: every
    /// kind of stop at every position of every length up to 70, from every
    /// start, and runs with no stop at all.
    func testPlainRunScanFindsTheStopsOfItsByteByByteReference() {
        let stops: [UInt8?] = [nil, 0x22, 0x5C, 0x00, 0x0A, 0x1F, 0x80, 0xC3, 0xFF]
        for n in 0...70 {
            for position in 0..<max(n, 1) {
                for stop in stops where stop == nil || position < n {
                    // Printable ASCII other than '"' and '\\' ('a' in their places).
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: n)
                    for k in 0..<n {
                        let b = UInt8(0x20 + (k * 7) % 0x5F)
                        if b != 0x22 && b != 0x5C { bytes[k] = b }
                    }
                    if let stop { bytes[position] = stop }
                    bytes.withUnsafeBufferPointer { p in
                        guard let base = p.baseAddress else { return }
                        for start in 0...n {
                            XCTAssertEqual(entex_json_plain_run(base, start, n), entex_json_plain_run_scalar(base, start, n),
                                           "\(n) bytes, \(String(describing: stop)) at \(position), from \(start)")
                        }
                    }
                }
            }
        }
    }

    func testCorpusFilesGiveTheSameRecordsOnBothPaths() throws {
        for name in ["news/fakenews_es.sample.jsonl", "tweets/tweets_es.sample.jsonl", "tweets/tweets_en.handwritten.jsonl",
                     "tweets/tweets_v11.jsonl", "tweets/tweets_v2.jsonl"] {
            let bytes = try [UInt8](Data(contentsOf: TestSupport.corpus.appendingPathComponent(name)))
            try assertBothPathsAgree(bytes, format: .auto)
            try assertBothPathsAgree(bytes, format: .jsonl)
        }
    }
    // MARK: lines handed on raw

    /// The records of `bytes` when the lines `takes` picks (by number) are
    /// handed on raw, as `BatchEngine`'s reader thread does (runs of whole
    /// lines from the reader's buffer, a line across its end alone), and
    /// read afterwards with `readJSONLines(inBlock:firstLine:emit:)` in
    /// their place in the stream, as its workers do; `raw` counts the lines
    /// taken. `readSize` is the reader's least read, `maxLines` the most
    /// lines handed on at once.
    private func readSplit(_ bytes: [UInt8], format: InputFormat, maxDocumentBytes: Int, readSize: Int, maxLines: Int,
                           raw: inout Int, takes: @escaping (Int) -> Bool) throws -> [InputRecord] {
        var reader = DocumentReader(format: format, sourceName: "gen", maxDocumentBytes: maxDocumentBytes)
        reader.lineReadSize = readSize
        enum Piece {
            case record(InputRecord)
            case block([UInt8], firstLine: Int, lines: Int)
        }
        var pieces: [Piece] = []
        var taken = 0
        var asked = 0
        let taker = RawLineTaker(room: { next in
            // A run of lines that `takes` picks, cut at the first it does not.
            asked = next
            guard takes(next) else { return (0, 0) }
            var n = 1
            while n < maxLines && takes(next + n) { n += 1 }
            return (n, 1 << 30)
        }, take: { lines, first, count in
            XCTAssertEqual(first, asked, "the lines handed on begin with the one asked about")
            XCTAssertTrue(count == 1 || lines.last == 0x0A, "a run of lines ends in a line feed")
            XCTAssertEqual(lines.filter { $0 == 0x0A }.count, lines.last == 0x0A ? count : count - 1, "line count")
            XCTAssertTrue((first..<(first + count)).allSatisfy(takes), "only lines picked are handed on")
            taken += count
            var piece = Array(lines)
            if piece.last != 0x0A { piece.append(0x0A) }
            if case .block(let block, let start, let n)? = pieces.last, start + n == first {
                pieces.removeLast()
                pieces.append(.block(block + piece, firstLine: start, lines: n + count))
            } else {
                pieces.append(.block(piece, firstLine: first, lines: count))
            }
        })
        try reader.readConsuming(MemorySource(bytes), takeRaw: taker, emit: { pieces.append(.record($0)) })
        raw += taken
        var records: [InputRecord] = []
        for piece in pieces {
            switch piece {
            case .record(let record): records.append(record)
            case .block(let block, let first, _):
                block.withUnsafeBufferPointer { reader.readJSONLines(inBlock: $0, firstLine: first) { records.append($0) } }
            }
        }
        return records
    }

    /// Reading every line in place, and handing all, every other or some lines on raw, give the same records.
    @discardableResult
    private func assertRawLinesAgree(_ bytes: [UInt8], format: InputFormat,
                                     maxDocumentBytes: Int = DocumentReader.defaultMaxDocumentBytes,
                                     file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let inPlace = try read(bytes, format: format, fastPath: true, maxDocumentBytes: maxDocumentBytes).map(describe)
        var raw = 0
        let choices: [(String, (Int) -> Bool)] = [("all", { _ in true }), ("odd", { $0 % 2 == 1 }), ("some", { $0 % 7 < 3 })]
        // The reader's usual buffer, and small ones that lines often cross the end of.
        for (name, takes) in choices {
            for (readSize, maxLines) in [(1 << 16, 64), (64, 5), (9, 1), (200, 1000)] {
                let split = try readSplit(bytes, format: format, maxDocumentBytes: maxDocumentBytes, readSize: readSize,
                                          maxLines: maxLines, raw: &raw, takes: takes).map(describe)
                let setting = "format \(format), \(name) lines raw, reads of \(readSize), \(maxLines) lines at most"
                XCTAssertEqual(split.count, inPlace.count, "record count, \(setting)", file: file, line: line)
                for (a, b) in zip(split, inPlace) where a != b {
                    XCTFail("lines raw (\(setting)):\n\(a)\nread in place:\n\(b)", file: file, line: line)
                    return raw
                }
            }
        }
        return raw
    }

    func testLinesHandedOnRawGiveTheSameRecordsAsLinesReadInPlace() throws {
        var raw = 0
        var g = SeededGenerator(seed: 11)
        for round in 0..<40 {
            var stream: [UInt8] = round % 5 == 0 ? [0xEF, 0xBB, 0xBF] : []
            for _ in 0..<Int.random(in: 1...150, using: &g) {
                stream += randomLine(&g)
                stream.append(0x0A)
            }
            for format in [InputFormat.auto, .jsonl, .tweets] {
                raw += try assertRawLinesAgree(stream, format: format)
            }
            raw += try assertRawLinesAgree(stream, format: .jsonl, maxDocumentBytes: 40)
        }
        // Blank lines, carriage returns (one is removed, a second is kept),
        // a first line that opens multi-line JSON, lines over the limit,
        // a last line without its line feed, a v2 response of two tweets.
        let hostile: [String] = [
            "{\"text\":\"first\"}\r\n\r\n{\"text\":\"second\"}\r\r\n  \n{\"id\":1,\"text\":\"third\"}",
            "{\n\"text\": \"pretty\",\n\"id\": \"p\"\n}\n",
            "{\n{\"text\":\"after a first line that opens nothing\"}\n{\"text\":\"b\"\n",
            "\n\n{\"data\":[{\"id\":\"5\",\"text\":\"one\"},{\"text\":\"two\"}]}\n{\"data\":{\"id\":\"6\",\"text\":\"x\"}}\n[1]\n{}\n",
            "{\"text\":\"short\"}\n{\"text\":\"" + String(repeating: "long ", count: 40) + "\"}\n{\"text\":\"short again\"}\n",
        ]
        for text in hostile {
            for format in [InputFormat.auto, .jsonl, .tweets] {
                raw += try assertRawLinesAgree(Array(text.utf8), format: format)
                raw += try assertRawLinesAgree(Array(text.utf8), format: format, maxDocumentBytes: 100)
            }
        }
        for name in ["news/fakenews_es.sample.jsonl", "tweets/tweets_es.sample.jsonl", "tweets/tweets_v11.jsonl", "tweets/tweets_v2.jsonl"] {
            let bytes = try [UInt8](Data(contentsOf: TestSupport.corpus.appendingPathComponent(name)))
            raw += try assertRawLinesAgree(bytes, format: .auto)
        }
        XCTAssertGreaterThan(raw, 10_000, "most lines should have been handed on raw")
    }
}
