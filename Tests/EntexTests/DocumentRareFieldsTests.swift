import XCTest
@testable import Entex

/// `Document`'s rarely set fields (`date`, `meta`, `quotes`, `relations`, `warnings`)
/// live in one shared box (`Document.rare`): a document still behaves as a value.
final class DocumentRareFieldsTests: XCTestCase {
    func testRareFieldsReadBackAsGivenAndStartEmpty() {
        let plain = Document(id: "a", text: "Maduro in Caracas.")
        XCTAssertNil(plain.date)
        XCTAssertTrue(plain.meta.isEmpty && plain.quotes.isEmpty && plain.relations.isEmpty && plain.warnings.isEmpty)

        let given = Document(id: "b", validUTF8: Array("x".utf8), date: "2024-05-01",
                             meta: [(key: "source", value: .string("wire"))],
                             warnings: [Warning(code: "w", message: "m")])
        XCTAssertEqual(given.date, "2024-05-01")
        XCTAssertEqual(given.meta.map(\.key), ["source"])
        XCTAssertEqual(given.warnings.map(\.code), ["w"])
    }

    func testChangingACopyLeavesTheOriginal() {
        var original = Document(id: "a", text: "Maduro in Caracas.", date: "2024-05-01")
        original.warnings.append(Warning(code: "first", message: "m"))
        var copy = original
        copy.warnings.append(Warning(code: "second", message: "m"))
        copy.quotes.append(Quote(span: Span(0, 6), kind: .direct, attribution: .none))
        copy.relations.append(Relation(type: "t", subject: 0, object: 1, span: Span(0, 6), rule: "r"))
        copy.meta.append((key: "k", value: .string("v")))
        copy.date = nil
        XCTAssertEqual(original.warnings.map(\.code), ["first"])
        XCTAssertTrue(original.quotes.isEmpty && original.relations.isEmpty && original.meta.isEmpty)
        XCTAssertEqual(original.date, "2024-05-01")
        XCTAssertEqual(copy.warnings.map(\.code), ["first", "second"])
        XCTAssertEqual(copy.quotes.map(\.span), [Span(0, 6)])
        XCTAssertEqual(copy.relations.map(\.type), ["t"])
        XCTAssertEqual(copy.meta.map(\.key), ["k"])
        XCTAssertNil(copy.date)

        // A document that alone holds its box changes it in place, and a copy taken before keeps its own.
        let before = copy
        copy.warnings.removeAll()
        XCTAssertEqual(before.warnings.count, 2)
        XCTAssertTrue(copy.warnings.isEmpty)
    }
}
