import Entex
import Foundation
import XCTest

/// Every input format through `DocumentReader` and a `MemorySource`.
final class InputFormatTests: XCTestCase {
    private func read(_ bytes: [UInt8], _ format: InputFormat = .auto, maxDocumentBytes: Int = DocumentReader.defaultMaxDocumentBytes,
                      sourceName: String = "stdin") throws -> [InputRecord] {
        var records: [InputRecord] = []
        try DocumentReader(format: format, sourceName: sourceName, maxDocumentBytes: maxDocumentBytes)
            .read(MemorySource(bytes)) { records.append($0) }
        return records
    }

    private func read(_ string: String, _ format: InputFormat = .auto, maxDocumentBytes: Int = DocumentReader.defaultMaxDocumentBytes) throws -> [InputRecord] {
        try read(Array(string.utf8), format, maxDocumentBytes: maxDocumentBytes)
    }

    /// `doc:<text>` for documents, `error@<line>` for failures: the shape of a stream at a glance.
    private func outline(_ records: [InputRecord]) -> [String] {
        records.map {
            switch $0 {
            case .document(let d): "doc:" + d.string
            case .failure(let f): "error@" + (f.line.map(String.init) ?? "nil")
            }
        }
    }

    private func documents(_ records: [InputRecord]) -> [Document] {
        records.compactMap { if case .document(let d) = $0 { d } else { nil } }
    }

    private func failures(_ records: [InputRecord]) -> [RecordFailure] {
        records.compactMap { if case .failure(let f) = $0 { f } else { nil } }
    }

    private func metaKeys(_ doc: Document) -> [String] { doc.meta.map(\.key) }
    private func meta(_ doc: Document, _ key: String) -> JSONValue? { doc.meta.first { $0.key == key }?.value }

    // MARK: text and lines

    func testTextFormatMakesOneDocumentOfAllInput() throws {
        let records = try read("Line one.\nLine two.\n", .text)
        XCTAssertEqual(outline(records), ["doc:Line one.\nLine two.\n"])
        XCTAssertEqual(documents(records).first?.id, "stdin")
    }

    func testTextFormatKeepsBracesAsText() throws {
        XCTAssertEqual(outline(try read("{not json}\n[1, 2]\n", .text)), ["doc:{not json}\n[1, 2]\n"])
    }

    func testLinesFormatMakesOneDocumentPerNonBlankLine() throws {
        let records = try read("uno\n\n  \ndos\r\ntres", .lines)
        XCTAssertEqual(outline(records), ["doc:uno", "doc:dos", "doc:tres"])
        XCTAssertEqual(documents(records).map(\.id), ["stdin:1", "stdin:4", "stdin:5"])
        XCTAssertEqual(documents(records).map { $0.origin?.line }, [1, 4, 5])
    }

    // MARK: JSON Lines

    func testJSONLinesPassIdLangDateAndOtherFieldsAsMeta() throws {
        let line = #"{"id":"d1","text":"Hola","lang":"es","date":"2023-09-12","source":"x","n":3,"nested":{"a":[1,true,null]}}"#
        let docs = documents(try read(line + "\n", .jsonl))
        XCTAssertEqual(docs.count, 1)
        guard let doc = docs.first else { return }
        XCTAssertEqual(doc.id, "d1")
        XCTAssertEqual(doc.string, "Hola")
        XCTAssertEqual(doc.language, "es")
        XCTAssertTrue(doc.languageGiven)
        XCTAssertEqual(doc.date, "2023-09-12")
        XCTAssertEqual(metaKeys(doc), ["source", "n", "nested"])
        XCTAssertEqual(meta(doc, "source"), .string("x"))
        XCTAssertEqual(meta(doc, "n"), .number("3"))
        XCTAssertEqual(meta(doc, "nested"), .object([.init("a", .array([.number("1"), .bool(true), .null]))]))
    }

    func testJSONLinesWithoutIdAreNamedByLine() throws {
        let docs = documents(try read("{\"text\":\"a\"}\n\n{\"text\":\"b\",\"id\":7}\n{\"text\":\"c\"}\n", .jsonl))
        XCTAssertEqual(docs.map(\.id), ["stdin:1", "7", "stdin:4"])
        XCTAssertEqual(docs.map { $0.language }, [nil, nil, nil])
    }

    func testJSONLinesTextIsNotHTMLUnescaped() throws {
        XCTAssertEqual(outline(try read(#"{"text":"AT&amp;T"}"#, .jsonl)), ["doc:AT&amp;T"])
    }

    func testJSONLinesEscapesAreDecoded() throws {
        let docs = documents(try read(#"{"text":"a\"b\\c\/d\n\te\u00e9\ud83d\ude00\u0000"}"#, .jsonl))
        XCTAssertEqual(docs.first?.string, "a\"b\\c/d\n\teé😀\u{0}")
        XCTAssertEqual(docs.first?.warnings.count, 0)
    }

    // MARK: Tweets, v1.1

    func testTweetV1FullTextWithIdLangDateAndUser() throws {
        let line = #"{"id":1701234567890123456,"id_str":"1701234567890123456","created_at":"Tue Sep 12 10:00:00 +0000 2023","full_text":"Hola #Venezuela","truncated":false,"lang":"es","user":{"id":1,"screen_name":"entex_tv"}}"#
        let doc = try XCTUnwrap(documents(try read(line, .tweets)).first)
        XCTAssertEqual(doc.id, "1701234567890123456")
        XCTAssertEqual(doc.string, "Hola #Venezuela")
        XCTAssertEqual(doc.language, "es")
        XCTAssertEqual(doc.date, "Tue Sep 12 10:00:00 +0000 2023")
        XCTAssertEqual(meta(doc, "source"), .string("twitter-v1.1"))
        XCTAssertEqual(meta(doc, "user"), .string("entex_tv"))
    }

    func testTweetV1ExtendedTweetGivesTheFullText() throws {
        let line = #"{"id_str":"2","text":"Un texto cortado… https://t.co/abcdefghij","truncated":true,"extended_tweet":{"full_text":"Un texto cortado que sigue hasta el final."},"lang":"es"}"#
        XCTAssertEqual(outline(try read(line, .tweets)), ["doc:Un texto cortado que sigue hasta el final."])
    }

    func testTweetV1WithOnlyTextIsRead() throws {
        let line = #"{"id_str":"3","text":"Classic tweet","lang":"en","user":{"screen_name":"a"}}"#
        let doc = try XCTUnwrap(documents(try read(line, .tweets)).first)
        XCTAssertEqual(doc.string, "Classic tweet")
        XCTAssertEqual(doc.id, "3")
    }

    func testRetweetUsesTheOriginalFullText() throws {
        let line = #"{"id_str":"5","text":"RT @orig: El texto original trunc…","lang":"es","retweeted_status":{"id_str":"4","full_text":"El texto original truncado en el retuit, completo aquí.","lang":"es"},"user":{"screen_name":"b"}}"#
        let doc = try XCTUnwrap(documents(try read(line, .tweets)).first)
        XCTAssertEqual(doc.string, "El texto original truncado en el retuit, completo aquí.")
        XCTAssertEqual(doc.id, "5")
        XCTAssertEqual(meta(doc, "retweet_of"), .string("4"))
    }

    func testTweetTextIsHTMLUnescaped() throws {
        let line = #"{"id_str":"6","full_text":"AT&amp;T &lt;3 &gt; &amp;amp;","lang":"en"}"#
        XCTAssertEqual(outline(try read(line, .tweets)), ["doc:AT&T <3 > &amp;"])
    }

    func testUndeterminedTweetLanguageIsLeftForDetection() throws {
        let line = #"{"id_str":"7","full_text":"😂😂","lang":"und"}"#
        let doc = try XCTUnwrap(documents(try read(line, .tweets)).first)
        XCTAssertNil(doc.language)
        XCTAssertFalse(doc.languageGiven)
    }

    // MARK: Tweets, v2

    func testTweetV2ObjectWithData() throws {
        let line = #"{"data":{"id":"9","text":"Hola &amp; adiós","lang":"es","created_at":"2023-09-12T10:00:00.000Z","author_id":"42"}}"#
        let doc = try XCTUnwrap(documents(try read(line, .tweets)).first)
        XCTAssertEqual(doc.id, "9")
        XCTAssertEqual(doc.string, "Hola & adiós")
        XCTAssertEqual(doc.language, "es")
        XCTAssertEqual(doc.date, "2023-09-12T10:00:00.000Z")
        XCTAssertEqual(meta(doc, "source"), .string("twitter-v2"))
        XCTAssertEqual(meta(doc, "author_id"), .string("42"))
    }

    func testTweetV2DataArrayMakesOneDocumentPerTweet() throws {
        let line = #"{"data":[{"id":"10","text":"uno","lang":"es"},{"id":"11","text":"two","lang":"en"}],"meta":{"result_count":2}}"#
        let docs = documents(try read(line, .tweets))
        XCTAssertEqual(docs.map(\.id), ["10", "11"])
        XCTAssertEqual(docs.map(\.string), ["uno", "two"])
        XCTAssertEqual(docs.map { $0.language }, ["es", "en"])
    }

    // MARK: Whole-input JSON

    func testJSONArrayOverSeveralLines() throws {
        let input = "[\n  {\"id_str\":\"1\",\"full_text\":\"primero\",\"lang\":\"es\"},\n  {\"id_str\":\"2\",\n   \"text\":\"second\",\"lang\":\"en\"}\n]\n"
        let records = try read(input)
        XCTAssertEqual(outline(records), ["doc:primero", "doc:second"])
        XCTAssertEqual(documents(records).map(\.id), ["1", "2"])
    }

    func testJSONArrayOfPlainDocuments() throws {
        let records = try read("[{\"text\":\"a\"},\n{\"text\":\"b\",\"id\":\"x\"}]")
        XCTAssertEqual(outline(records), ["doc:a", "doc:b"])
        XCTAssertEqual(documents(records).map(\.id), ["stdin:1", "x"])
    }

    func testPrettyPrintedSingleObject() throws {
        let input = "{\n  \"id\": \"p1\",\n  \"text\": \"Texto\\nen dos líneas\",\n  \"lang\": \"es\"\n}\n"
        let records = try read(input)
        XCTAssertEqual(outline(records), ["doc:Texto\nen dos líneas"])
        XCTAssertEqual(documents(records).first?.id, "p1")
    }

    // MARK: Auto-detection (documented in InputFormat.auto)

    func testAutoReadsTextWhenTheFirstCharacterIsNotABrace() throws {
        XCTAssertEqual(outline(try read("Hola {\"text\":\"x\"}\n{\"text\":\"y\"}\n")), ["doc:Hola {\"text\":\"x\"}\n{\"text\":\"y\"}\n"])
    }

    func testAutoReadsJSONLinesAfterLeadingBlankLines() throws {
        XCTAssertEqual(outline(try read("\n \t\n{\"text\":\"a\"}\n{\"text\":\"b\"}\n")), ["doc:a", "doc:b"])
    }

    func testAutoTellsTweetsAndDocumentsApartPerRecord() throws {
        let input = """
            {"text":"plain document"}
            {"id_str":"1","full_text":"a v1.1 tweet &amp;","lang":"en"}
            {"data":{"id":"2","text":"a v2 tweet","lang":"en"}}

            """
        let docs = documents(try read(input))
        XCTAssertEqual(docs.map(\.string), ["plain document", "a v1.1 tweet &", "a v2 tweet"])
        XCTAssertEqual(docs.map { meta($0, "source") }, [nil, .string("twitter-v1.1"), .string("twitter-v2")])
    }

    func testAutoTreatsABraceThatIsNotJSONAsAnError() throws {
        let records = try read("{not json}\n")
        XCTAssertEqual(outline(records), ["error@1"])
    }

    func testTweetsFormatRejectsPlainDocuments() throws {
        let records = try read("{\"text\":\"plain\"}\n{\"id_str\":\"1\",\"full_text\":\"tweet\"}\n", .tweets)
        XCTAssertEqual(outline(records), ["error@1", "doc:tweet"])
    }

    // MARK: Malformed records

    func testMalformedLineIsAnErrorRecordAndOtherLinesGoOn() throws {
        let records = try read("{\"text\":\"a\"}\n{\"text\": \"b\n{\"text\":\"c\"}\n[1,2]\n\"str\"\n{\"id\":\"n\",\"no_text\":1}\n{\"text\":5}\n{\"text\":\"d\"}\n", .jsonl)
        XCTAssertEqual(outline(records), ["doc:a", "error@2", "doc:c", "error@4", "error@5", "error@6", "error@7", "doc:d"])
        let errors = failures(records)
        XCTAssertEqual(errors.first?.id, "stdin:2")
        XCTAssertEqual(errors.first?.source, "stdin")
        XCTAssertTrue(errors.first?.message.contains("malformed JSON") ?? false, errors.first?.message ?? "")
        XCTAssertEqual(errors.dropFirst(3).first?.id, "n", "a record without text keeps its id")
    }

    func testMalformedFirstLineDoesNotSwallowTheRest() throws {
        let records = try read("{\"text\": oops}\n{\"text\":\"b\"}\n{\"text\":\"c\"}\n", .jsonl)
        XCTAssertEqual(outline(records), ["error@1", "doc:b", "doc:c"])
    }

    func testTruncatedFirstLineDoesNotSwallowTheRest() throws {
        let records = try read("{\"text\":\"a\n{\"text\":\"b\"}\n", .auto)
        XCTAssertEqual(outline(records), ["error@1", "doc:b"])
    }

    func testMalformedJSONArrayIsOneErrorRecord() throws {
        let records = try read("[\n{\"text\":\"a\"},\n{\"text\" \"b\"}\n]\n")
        XCTAssertEqual(outline(records), ["error@3"])
    }

    // MARK: Edge inputs

    func testEmptyInputMakesNoRecords() throws {
        for format in InputFormat.allCases {
            XCTAssertEqual(outline(try read("", format)), [], "\(format)")
        }
    }

    func testBlankInputIsOneBlankTextDocumentOrNothing() throws {
        let blank = " \n\n\t\r\n"
        // text (and auto, which finds no brace) keep all of the input as one document.
        XCTAssertEqual(outline(try read(blank, .text)), ["doc:" + blank])
        XCTAssertEqual(outline(try read(blank, .auto)), ["doc:" + blank])
        // Record formats skip blank lines.
        for format in [InputFormat.lines, .jsonl, .tweets] {
            XCTAssertEqual(outline(try read(blank, format)), [], "\(format)")
        }
    }

    func testTwentyMegabyteSingleLine() throws {
        let word = Array("palabra ".utf8)
        var big: [UInt8] = []
        big.reserveCapacity(20 << 20)
        while big.count < 20 << 20 { big += word }
        for format in [InputFormat.text, .lines] {
            let docs = documents(try read(big, format))
            XCTAssertEqual(docs.count, 1, "\(format)")
            XCTAssertEqual(docs.first?.text.count, big.count, "\(format)")
        }
        let json = Array(#"{"id":"big","text":""#.utf8) + big + Array("\"}\n{\"text\":\"after\"}\n".utf8)
        let records = try read(json, .auto)
        XCTAssertEqual(records.count, 2)
        XCTAssertEqual(documents(records).first?.text.count, big.count)
        XCTAssertEqual(documents(records).last?.string, "after")
    }

    func testByteOrderMarkIsIgnored() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        XCTAssertEqual(outline(try read(bom + Array("Hola".utf8), .text)), ["doc:Hola"])
        XCTAssertEqual(outline(try read(bom + Array("Hola".utf8), .auto)), ["doc:Hola"])
        XCTAssertEqual(outline(try read(bom + Array("uno\ndos\n".utf8), .lines)), ["doc:uno", "doc:dos"])
        XCTAssertEqual(outline(try read(bom + Array("{\"text\":\"x\"}\n".utf8), .auto)), ["doc:x"])
        XCTAssertEqual(outline(try read(bom + Array("[{\"text\":\"y\"}]".utf8), .auto)), ["doc:y"])
    }

    func testByteOrderMarkInsideTheTextIsKept() throws {
        XCTAssertEqual(outline(try read("a\u{FEFF}b", .text)), ["doc:a\u{FEFF}b"])
    }

    func testInvalidUTF8InTextIsReplacedWithAWarning() throws {
        let doc = try XCTUnwrap(documents(try read([0x61, 0xFF, 0x62, 0xC3], .text)).first)
        XCTAssertEqual(doc.string, "a\u{FFFD}b\u{FFFD}")
        XCTAssertEqual(doc.warnings.map(\.code), ["invalid-utf8", "invalid-utf8"])
        XCTAssertEqual(doc.warnings.map(\.offset), [1, 5])
    }

    func testInvalidUTF8InsideAJSONStringIsReplacedWithAWarning() throws {
        let line = Array(#"{"text":"a"#.utf8) + [0xFF] + Array(#"b"}"#.utf8)
        let doc = try XCTUnwrap(documents(try read(line, .jsonl)).first)
        XCTAssertEqual(doc.string, "a\u{FFFD}b")
        XCTAssertFalse(doc.warnings.isEmpty)
    }

    func testLoneSurrogateEscapeBecomesReplacementWithAWarning() throws {
        for escape in [#"\ud800"#, #"\udc00"#, #"\ud800x"#, #"\ud800\u0041"#] {
            let doc = try XCTUnwrap(documents(try read(#"{"text":"a"# + escape + #""}"#, .jsonl)).first, escape)
            XCTAssertTrue(doc.string.hasPrefix("a\u{FFFD}"), "\(escape): \(doc.string.debugDescription)")
            XCTAssertEqual(doc.warnings.map(\.code), ["invalid-input"], escape)
        }
    }

    func testNULBytesAreKeptInText() throws {
        XCTAssertEqual(outline(try read([0x61, 0x00, 0x62], .text)), ["doc:a\u{0}b"])
        XCTAssertEqual(outline(try read([0x61, 0x00, 0x62, 0x0A, 0x00], .lines)), ["doc:a\u{0}b", "doc:\u{0}"])
    }

    func testRawNULInsideAJSONStringIsAnErrorRecord() throws {
        let input = Array(#"{"text":"a"#.utf8) + [0x00] + Array("\"}\n{\"text\":\"b\"}\n".utf8)
        XCTAssertEqual(outline(try read(input, .jsonl)), ["error@1", "doc:b"])
    }

    func testOversizeDocumentIsAnErrorRecord() throws {
        let long = String(repeating: "x", count: 200)
        XCTAssertEqual(outline(try read("short\n\(long)\nok\n", .lines, maxDocumentBytes: 100)), ["doc:short", "error@2", "doc:ok"])
        XCTAssertEqual(outline(try read(long, .text, maxDocumentBytes: 100)), ["error@nil"])
        let jsonl = "{\"text\":\"a\"}\n{\"text\":\"\(long)\"}\n{\"text\":\"c\"}\n"
        let records = try read(jsonl, .jsonl, maxDocumentBytes: 100)
        XCTAssertEqual(outline(records), ["doc:a", "error@2", "doc:c"])
        XCTAssertTrue(failures(records).first?.message.contains("maximum") ?? false)
    }

    // MARK: Corpus files

    private func readCorpus(_ relative: String) throws -> (docs: [Document], errors: [RecordFailure]) {
        let url = TestSupport.corpus.appendingPathComponent(relative)
        let bytes = try [UInt8](Data(contentsOf: url))
        let records = try read(bytes, InputFiles.format(for: relative), sourceName: relative)
        return (documents(records), failures(records))
    }

    func testCorpusTweetFilesAreReadWhole() throws {
        let expected = ["tweets/tweets_v11.jsonl": 40, "tweets/tweets_v2.jsonl": 30, "tweets/tweets_v11_array.json": 10,
                        "tweets/tweets_es.sample.jsonl": 200, "tweets/tweets_en.handwritten.jsonl": 32]
        for (file, count) in expected.sorted(by: { $0.key < $1.key }) {
            let (docs, errors) = try readCorpus(file)
            XCTAssertEqual(docs.count, count, file)
            XCTAssertEqual(errors.map(\.message), [], file)
            XCTAssertTrue(docs.allSatisfy { $0.language == "es" || $0.language == "en" }, "\(file): every record gives its language")
            XCTAssertEqual(Set(docs.map(\.id)).count, docs.count, "\(file): ids are unique")
        }
    }

    func testCorpusTweetEnvelopesYieldFullUnescapedTexts() throws {
        for file in ["tweets/tweets_v11.jsonl", "tweets/tweets_v2.jsonl", "tweets/tweets_v11_array.json"] {
            let (docs, _) = try readCorpus(file)
            for doc in docs {
                XCTAssertFalse(doc.string.contains("&amp;") || doc.string.contains("&lt;") || doc.string.contains("&gt;"),
                               "\(file) \(doc.id): HTML escapes are undone")
                XCTAssertNotNil(doc.date, "\(file) \(doc.id): created_at is the date")
            }
        }
        let (v11, _) = try readCorpus("tweets/tweets_v11.jsonl")
        let retweets = v11.filter { meta($0, "retweet_of") != nil }
        XCTAssertEqual(retweets.count, 7, "the v1.1 file has seven retweets")
        XCTAssertTrue(retweets.allSatisfy { !$0.string.hasPrefix("RT @") }, "a retweet's document is the original's text")
    }

    /// The documents of the v1.1 file against an independent reading with JSONSerialization:
    /// the retweeted status's text, else `extended_tweet.full_text`, else `full_text`, else `text`.
    func testCorpusV1TweetsGiveTheirFullText() throws {
        let url = TestSupport.corpus.appendingPathComponent("tweets/tweets_v11.jsonl")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        func fullText(_ tweet: [String: Any]) -> String? {
            if let extended = tweet["extended_tweet"] as? [String: Any], let t = extended["full_text"] as? String { return t }
            return tweet["full_text"] as? String ?? tweet["text"] as? String
        }
        var expected: [String] = []
        for line in lines {
            let tweet = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let source = tweet["retweeted_status"] as? [String: Any] ?? tweet
            let text = try XCTUnwrap(fullText(source))
            expected.append(text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                .replacingOccurrences(of: "&amp;", with: "&"))
        }
        let (docs, _) = try readCorpus("tweets/tweets_v11.jsonl")
        XCTAssertEqual(docs.map(\.string), expected)
    }

    func testCorpusNewsFilesAreRead() throws {
        let (news, errors) = try readCorpus("news/fakenews_es.sample.jsonl")
        XCTAssertEqual(news.count, 150)
        XCTAssertEqual(errors.count, 0)
        let (seed, _) = try readCorpus("news/ilrs-venezuela.txt")
        XCTAssertEqual(seed.count, 1)
        XCTAssertEqual(seed.first?.id, "news/ilrs-venezuela.txt")
    }
}
