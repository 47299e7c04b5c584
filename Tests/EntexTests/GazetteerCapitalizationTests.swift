import Entex
import XCTest

/// Bundled names need a capital (unless flagged `lc`); function words and the retweet marker are not names.
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

    func testFunctionWordAfterLeadingHandlesIsNotAPlace() throws {
        let found = try gazetteerCandidates("@ana_r Un momento ? @luis99 Se fue", language: "es")
        XCTAssertFalse(found.contains { $0.0 == "Un" || $0.0 == "Se" }, "\(found)")
    }

    func testAcronymThatIsAFunctionWordIsNotANameAmongCapitals() throws {
        let shouted = try gazetteerCandidates("WHERE IS THE PARTY TONIGHT", language: "en")
        XCTAssertFalse(shouted.contains { $0.0 == "IS" }, "\(shouted)")
        let spanish = try gazetteerCandidates("MAÑANA VAMOS A COMPRAR UN COCHE NUEVO", language: "es")
        XCTAssertFalse(spanish.contains { $0.0 == "UN" }, "\(spanish)")
        let running = try gazetteerCandidates("Troops of the US and the UN arrived.", language: "en")
        XCTAssertTrue(running.contains { $0.0 == "US" }, "\(running)")
        XCTAssertTrue(running.contains { $0.0 == "UN" }, "\(running)")
    }

    func testLowercaseFlagLetsOnlineServicesMatchInLowerCase() throws {
        let found = try gazetteerCandidates("lo vi en twitter y en youtube, luego abri google wave", language: "es")
        XCTAssertTrue(found.contains { $0 == ("twitter", "ORG") }, "\(found)")
        XCTAssertTrue(found.contains { $0 == ("youtube", "ORG") }, "\(found)")
        XCTAssertTrue(found.contains { $0 == ("google wave", "PRODUCT") }, "\(found)")
        // Rows without `lc` still need a capital: "windows" is a common word.
        let plain = try gazetteerCandidates("open the windows please", language: "en")
        XCTAssertTrue(plain.isEmpty, "\(plain)")
    }

    func testCountryNameWithoutOtherMeaningMatchesAtSentenceStart() throws {
        let found = try gazetteerCandidates("Rusia y Brasil firmaron. Brasil ganó.", language: "es")
        XCTAssertEqual(found.filter { $0.0 == "Brasil" && $0.1 == "GPE" }.count, 2, "\(found)")
        XCTAssertTrue(found.contains { $0 == ("Rusia", "GPE") }, "\(found)")
    }

    func testHashtagWhoseWordsNameAnEntryIsLinkedToIt() throws {
        let doc = try TestSupport.annotate("Hoy en #Venezuela y #NuevaYork con #amor #US", language: "es")
        func tag(_ text: String) -> Entity? { doc.entities.first { doc.string($0.span) == text } }
        XCTAssertEqual(tag("#Venezuela")?.type, .hashtag)
        XCTAssertEqual(tag("#Venezuela").flatMap(doc.kb(of:)), "iso3166:VE")
        XCTAssertEqual(tag("#Venezuela")?.source, .regex)
        XCTAssertNotNil(tag("#NuevaYork").flatMap(doc.kb(of:)))
        XCTAssertEqual(tag("#NuevaYork").flatMap(doc.value(of:))?.scalarText, "Nueva York")
        XCTAssertEqual(tag("#amor")?.type, .hashtag)
        XCTAssertNil(tag("#amor").flatMap(doc.kb(of:)))
        XCTAssertNil(tag("#US").flatMap(doc.kb(of:)), "acronym rows are not linked")
    }

    func testRetweetMarkerIsASymbolAndNotAnOrganization() throws {
        let doc = try TestSupport.annotate("RT @NASA: Launch today from Florida")
        XCTAssertEqual(doc.tokens.first?.kind, .symbol)
        XCTAssertFalse(doc.entities.contains { doc.string($0.span) == "RT" })
        XCTAssertTrue(doc.entities.contains { doc.string($0.span) == "@NASA" && $0.type == .handle })
    }
}
