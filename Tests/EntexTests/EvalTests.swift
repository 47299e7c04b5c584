import Entex
import Foundation
import XCTest

/// `entex eval ner`: reading CoNLL files, decoding tags, scoring.
final class EvalTests: XCTestCase {
    private func mentions(_ tags: String, untyped: Bool = false) -> [String] {
        TagDecoder.mentions(tags.split(separator: " ").map(String.init), untyped: untyped)
            .map { "\($0.start)-\($0.end):\($0.type)" }
    }

    func testIOB1AndIOB2DecodeToTheSameMentions() {
        // IOB1: B- only between two adjacent entities of one type.
        XCTAssertEqual(mentions("I-PER I-PER B-PER O I-LOC"), ["0-2:PER", "2-3:PER", "4-5:LOC"])
        XCTAssertEqual(mentions("B-PER I-PER B-PER O B-LOC"), ["0-2:PER", "2-3:PER", "4-5:LOC"])
    }

    func testInsideTagOfAnotherTypeStartsANewMention() {
        XCTAssertEqual(mentions("B-ORG I-PER I-PER O"), ["0-1:ORG", "1-3:PER"])
    }

    func testUntypedRunsOfENTAreOneMentionEach() {
        XCTAssertEqual(mentions("SPA ENT ENT N ENT SPA", untyped: true), ["1-3:ENT", "4-5:ENT"])
    }

    func testReaderSplitsDocumentsAtDocstart() throws {
        let text = "-DOCSTART- -X- O O\n\nZhang NNP I-NP I-PER\nspoke VBD I-VP O\n\nHe PRP I-NP O\n\n-DOCSTART- -X- O O\n\nOK UH O O\n"
        let docs = try CoNLLReader.parse(text, name: "t.conll")
        XCTAssertEqual(docs.map(\.sentences.count), [2, 1])
        XCTAssertEqual(docs[0].sentences[0].tokens, ["Zhang", "spoke"])
        XCTAssertEqual(docs[0].sentences[0].tags, ["I-PER", "O"])
    }

    func testWithoutDocstartEverySentenceIsADocumentAndCRLFIsRead() throws {
        let text = "Hola\tSPA\r\nMadrid\tENT\r\n\r\nAdiós\tSPA\r\n"
        let docs = try CoNLLReader.parse(text, name: "t.conll")
        XCTAssertEqual(docs.count, 2)
        XCTAssertEqual(docs[0].sentences[0].tags, ["SPA", "ENT"])
    }

    func testLineWithoutTagIsAnErrorNamingTheLine() {
        XCTAssertThrowsError(try CoNLLReader.parse("Zhang B-PER\nspoke\n", name: "bad.conll")) { error in
            XCTAssertEqual((error as? DataFileError)?.line, 2)
            XCTAssertEqual((error as? DataFileError)?.file, "bad.conll")
        }
    }

    func testScoresCountExactSpanAndType() {
        var scores = NERScores()
        scores.add(gold: [TokenMention(start: 0, end: 2, type: "PER"), TokenMention(start: 4, end: 5, type: "LOC")],
                   predicted: [TokenMention(start: 0, end: 2, type: "PER"), TokenMention(start: 4, end: 5, type: "ORG"),
                               TokenMention(start: 6, end: 7, type: "PER")])
        XCTAssertEqual(scores.overall, NERCounts(gold: 2, predicted: 3, correct: 1))
        XCTAssertEqual(scores.byType["PER"], NERCounts(gold: 1, predicted: 2, correct: 1))
        XCTAssertEqual(scores.overall.precision, 1.0 / 3.0, accuracy: 1e-9)
        XCTAssertEqual(scores.overall.recall, 0.5, accuracy: 1e-9)
        XCTAssertEqual(scores.overall.f1, 0.4, accuracy: 1e-9)
    }

    func testTypeMapFileMapsEntexAndGoldLabels() throws {
        let map = try NERTypeMap.load(path: TestSupport.lexicons + "/eval/type-map.tsv")
        XCTAssertEqual(map.coarse("GPE", scheme: "entex"), "LOC")
        XCTAssertEqual(map.coarse("NORP", scheme: "entex"), "MISC")
        XCTAssertNil(map.coarse("DATE", scheme: "entex"))
        XCTAssertEqual(map.coarse("group", scheme: "wnut17"), "ORG")
        XCTAssertEqual(map.coarse("creative-work", scheme: "wnut17"), "MISC")
    }

    func testEvaluatorRebuildsTextAndScoresAPipeline() throws {
        let conll = """
            -DOCSTART- -X- O O

            The DT B-NP O
            director NN I-NP O
            Zhang NNP I-NP I-PER
            Keijan NNP I-NP I-PER
            spoke VBD B-VP O
            . . O O

            Zhang NNP I-NP I-PER
            left VBD B-VP O
            . . O O

            """
        let docs = try CoNLLReader.parse(conll, name: "synthetic")
        let text = NEREvaluator.text(of: docs[0])
        XCTAssertEqual(String(decoding: text.text, as: UTF8.self), "The director Zhang Keijan spoke .\nZhang left .")
        let map = try NERTypeMap.load(path: TestSupport.lexicons + "/eval/type-map.tsv")
        let scores = NEREvaluator(format: .conll, typeMap: map, language: "en").evaluate(docs, pipeline: try TestSupport.pipeline())
        XCTAssertEqual(scores.byType["PER"]?.gold, 2)
        XCTAssertEqual(scores.byType["PER"]?.correct, 2)
    }

    func testBTCLeavesAtMentionsOutOnBothSides() throws {
        let docs = try CoNLLReader.parse("RT\tO\n@\tB-ORG\nSportsCenter\tB-ORG\n:\tO\nJohn\tB-PER\nSmith\tI-PER\n", name: "btc")
        let map = try NERTypeMap.load(path: TestSupport.lexicons + "/eval/type-map.tsv")
        let evaluator = NEREvaluator(format: .btc, typeMap: map, language: "en")
        XCTAssertEqual(evaluator.excludedTokens(docs[0]), [1, 2])
        let gold = evaluator.gold(docs[0]).filter { m in !(m.start..<m.end).contains(where: evaluator.excludedTokens(docs[0]).contains) }
        XCTAssertEqual(gold, [TokenMention(start: 4, end: 6, type: "PER")])
    }

    func testEnglishDevelopmentSetScoresAboveAFloor() throws {
        let url = try TestSupport.requireShared("eval/conll2003_en/eng.testa")
        let docs = try CoNLLReader.read(path: url.path)
        let map = try NERTypeMap.load(path: TestSupport.lexicons + "/eval/type-map.tsv")
        let scores = NEREvaluator(format: .conll, typeMap: map, language: "en").evaluate(docs, pipeline: try TestSupport.pipeline())
        XCTAssertEqual(scores.overall.gold, 5942, "entity count given in the data set's README")
        XCTAssertGreaterThan(scores.overall.f1, 0.55)
    }
}
