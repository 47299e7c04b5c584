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
}
