import Entex
import XCTest

/// Bundled names need a capital; function words and the retweet marker are not names.
final class GazetteerCapitalizationTests: XCTestCase {
    private func gazetteerCandidates(_ text: String, language: String) throws -> [(String, String)] {
        let doc = try TestSupport.annotate(text, language: language,
                                           stages: ["tokenize", "sentences", "language", "gazetteer"])
        return doc.candidates.map { (doc.string($0.span), $0.type.name) }
    }

    func testLowercaseCommonWordDoesNotMatchABundledPlace() throws {
        let lower = try gazetteerCandidates("las ventas de los venezolanos subieron en caracas", language: "es")
        XCTAssertTrue(lower.isEmpty, "\(lower)")
        let capitalized = try gazetteerCandidates("Los venezolanos llegaron a Caracas.", language: "es")
        XCTAssertTrue(capitalized.contains { $0 == ("Caracas", "GPE") }, "\(capitalized)")
    }

    func testFunctionWordAtSentenceStartIsNotAName() throws {
        let found = try gazetteerCandidates("Un grupo llegó. Se fue.", language: "es")
        XCTAssertFalse(found.contains { $0.0 == "Un" || $0.0 == "Se" }, "\(found)")
    }

    func testRetweetMarkerIsASymbolAndNotAnOrganization() throws {
        let doc = try TestSupport.annotate("RT @NASA: Launch today from Florida")
        XCTAssertEqual(doc.tokens.first?.kind, .symbol)
        XCTAssertFalse(doc.entities.contains { doc.string($0.span) == "RT" })
        XCTAssertTrue(doc.entities.contains { doc.string($0.span) == "@NASA" && $0.type == .handle })
    }
}
