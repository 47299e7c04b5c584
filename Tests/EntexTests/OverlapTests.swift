import Entex
import XCTest

/// The `resolve` stage's overlap policy on hand-made candidates.
final class OverlapTests: XCTestCase {
    private let text = "President Nicolas Maduro visited Beijing on September 12, 2023."

    private func span(_ s: String) -> Span {
        let bytes = Array(text.utf8), needle = Array(s.utf8)
        for i in 0...(bytes.count - needle.count) where Array(bytes[i..<(i + needle.count)]) == needle {
            return Span(i, i + needle.count)
        }
        fatalError("'\(s)' not in text")
    }

    /// `names`: the candidates' `annotationBytes`.
    private func resolve(_ candidates: [Entity], names: [UInt8] = [], keepOverlaps: Bool = false) -> Document {
        var doc = Document(id: "t", text: text)
        doc.candidates = candidates
        doc.annotationBytes = names
        OverlapResolver(keepOverlaps: keepOverlaps).process(&doc)
        return doc
    }

    private func texts(_ doc: Document) -> [String] { doc.entities.map { doc.string($0.span) } }

    func testLongestSpanWins() {
        let doc = resolve([
            Entity(span: span("Maduro"), type: .person, source: .gazetteer),
            Entity(span: span("Nicolas Maduro"), type: .person, source: .rule),
        ])
        XCTAssertEqual(texts(doc), ["Nicolas Maduro"])
    }

    func testUserLexiconWinsOverLongerSpans() {
        let doc = resolve([
            Entity(span: span("President Nicolas Maduro"), type: .person, source: .rule),
            Entity(span: span("Maduro"), type: .org, source: .user),
        ])
        XCTAssertEqual(doc.entities.map(\.source), [.user])
    }

    func testHigherPriorityWinsOnEqualSpans() {
        let doc = resolve([
            Entity(span: span("Beijing"), type: .gpe, source: .gazetteer, priority: 0),
            Entity(span: span("Beijing"), type: .org, source: .gazetteer, priority: 5),
        ])
        XCTAssertEqual(doc.entities.map(\.type), [.org])
    }

    func testGazetteerBeatsRuleForNamesAndRegexBeatsGazetteerForValues() {
        var bytes = Document(id: "names", text: "")
        let names = resolve([
            Entity(span: span("Nicolas Maduro"), type: .person, source: .rule),
            Entity(span: span("Nicolas Maduro"), type: .person, source: .gazetteer, kb: bytes.annotation("local:person/x")),
        ], names: bytes.annotationBytes)
        XCTAssertEqual(names.entities.map(\.source), [.gazetteer])
        let values = resolve([
            Entity(span: span("September 12"), type: .date, source: .gazetteer),
            Entity(span: span("September 12"), type: .date, source: .regex),
        ])
        XCTAssertEqual(values.entities.map(\.source), [.regex])
    }

    func testEarlierStartWinsBetweenEqualLengthOverlaps() {
        // Two overlapping 7-byte spans from the same source and of the same type.
        let a = Span(10, 17), b = Span(13, 20)
        let doc = resolve([
            Entity(span: b, type: .person, source: .rule),
            Entity(span: a, type: .person, source: .rule),
        ])
        XCTAssertEqual(doc.entities.map(\.span), [a])
    }

    func testResultDoesNotDependOnCandidateOrder() {
        let candidates = [
            Entity(span: span("Nicolas Maduro"), type: .person, source: .rule, rule: "title-person"),
            Entity(span: span("Nicolas Maduro"), type: .org, source: .rule, rule: "org-head"),
            Entity(span: span("Nicolas Maduro"), type: .person, source: .gazetteer),
            Entity(span: span("Maduro visited"), type: .org, source: .rule),
            Entity(span: span("Beijing"), type: .gpe, source: .gazetteer),
            Entity(span: span("Beijing"), type: .loc, source: .gazetteer),
            Entity(span: span("September 12, 2023"), type: .date, source: .regex),
            Entity(span: span("12, 2023"), type: .cardinal, source: .regex),
            Entity(span: span("2023"), type: .date, source: .regex),
        ]
        func describe(_ doc: Document) -> [String] {
            doc.entities.map { "\($0.span.start)-\($0.span.end) \($0.type.name) \($0.source.name) \($0.rule ?? "")" }
        }
        let reference = describe(resolve(candidates))
        XCTAssertEqual(reference.count, 3, "\(reference)")
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            XCTAssertEqual(describe(resolve(candidates.shuffled(using: &generator))), reference)
        }
        XCTAssertEqual(describe(resolve(candidates.reversed())), reference)
    }

    func testEntitiesAreSortedByStartThenEnd() {
        let doc = resolve([
            Entity(span: span("2023"), type: .date, source: .regex),
            Entity(span: span("Beijing"), type: .gpe, source: .gazetteer),
            Entity(span: span("President"), type: .person, source: .rule),
        ])
        XCTAssertEqual(doc.entities.map(\.span), doc.entities.map(\.span).sorted())
        XCTAssertEqual(texts(doc), ["President", "Beijing", "2023"])
    }

    func testKeepOverlapsEmitsEveryCandidateSorted() {
        let candidates = [
            Entity(span: span("Maduro"), type: .person, source: .gazetteer),
            Entity(span: span("Nicolas Maduro"), type: .person, source: .rule),
            Entity(span: span("Nicolas Maduro"), type: .person, source: .gazetteer),
        ]
        let doc = resolve(candidates, keepOverlaps: true)
        XCTAssertEqual(doc.entities.count, 3)
        XCTAssertEqual(texts(doc), ["Nicolas Maduro", "Nicolas Maduro", "Maduro"])
        XCTAssertEqual(doc.entities.first?.source, .gazetteer, "equal spans in rank order")
    }

    func testEqualSpanLoserHandsItsLinkToTheWinner() {
        var bytes = Document(id: "names", text: "")
        let doc = resolve([
            Entity(span: span("Beijing"), type: .gpe, source: .gazetteer, kb: bytes.annotation("geonames:1816670")),
            Entity(span: span("Beijing"), type: .gpe, source: .rule, cluster: 7),
        ], names: bytes.annotationBytes)
        XCTAssertEqual(doc.entities.count, 1)
        XCTAssertEqual(doc.entities.first.flatMap(doc.kb(of:)), "geonames:1816670")
        XCTAssertEqual(doc.entities.first?.cluster, 7)
    }

    func testEmptySpansAreDropped() {
        let doc = resolve([Entity(span: Span(3, 3), type: .person, source: .rule)])
        XCTAssertTrue(doc.entities.isEmpty)
        XCTAssertTrue(doc.layers.contains(.entities))
    }
}
