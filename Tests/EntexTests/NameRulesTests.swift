import Entex
import Foundation
import XCTest

/// The `rules` stage on small literal inputs, and the seed article end to end.
final class NameRulesTests: XCTestCase {
    static let ruleStages = ["tokenize", "sentences", "language", "rules"]

    /// (text, type, rule) of the rule candidates of `text`.
    private func ruleCandidates(_ text: String, language: String? = nil) throws -> [(String, String, String)] {
        let doc = try TestSupport.annotate(text, language: language, stages: NameRulesTests.ruleStages)
        return doc.candidates.filter { $0.source == .rule }.map { (doc.string($0.span), $0.type.name, $0.rule ?? "") }
    }

    private func assertFinds(_ text: String, _ name: String, _ type: String, rule: String? = nil, language: String? = nil,
                             file: StaticString = #filePath, line: UInt = #line) throws {
        let found = try ruleCandidates(text, language: language)
        XCTAssertTrue(found.contains { $0.0 == name && $0.1 == type && (rule == nil || $0.2 == rule) },
                      "expected \(type) '\(name)'\(rule.map { " by \($0)" } ?? "") in \(found)", file: file, line: line)
    }

    // MARK: PERSON

    func testRoleBeforeCapitalizedNameMakesPersonWithoutTheTitle() throws {
        let found = try ruleCandidates("On Tuesday, President Nicolas Maduro visited the facilities.", language: "en")
        XCTAssertTrue(found.contains { $0 == ("Nicolas Maduro", "PERSON", "title-person") }, "\(found)")
        XCTAssertFalse(found.contains { $0.0.contains("President") }, "the title is not part of the name: \(found)")
    }

    func testRoleAfterAnAcronymStillIntroducesAName() throws {
        try assertFinds("He was received by the CNSA Director Zhang Keijan yesterday.", "Zhang Keijan", "PERSON",
                        rule: "title-person", language: "en")
    }

    func testSpanishRolesWithArticleIntroduceNames() throws {
        try assertFinds("Ayer el presidente Nicolás Maduro llegó a Pekín.", "Nicolás Maduro", "PERSON", rule: "title-person", language: "es")
        try assertFinds("Ayer la ministra Carolina Darias habló con la prensa.", "Carolina Darias", "PERSON", rule: "title-person", language: "es")
    }

    func testAbbreviatedHonorificsWithOrWithoutDot() throws {
        try assertFinds("Llegó el Sr. Maduro con su comitiva.", "Maduro", "PERSON", rule: "title-person", language: "es")
        try assertFinds("We met Dr. Smith at noon.", "Smith", "PERSON", rule: "title-person", language: "en")
        try assertFinds("We met Mr Brown at noon.", "Brown", "PERSON", rule: "title-person", language: "en")
    }

    func testMultiWordTitleIsTakenWhole() throws {
        let found = try ruleCandidates("The talks were led by Prime Minister Rishi Sunak.", language: "en")
        XCTAssertTrue(found.contains { $0 == ("Rishi Sunak", "PERSON", "title-person") }, "\(found)")
    }

    func testKnownFirstNameFollowedByCapitalizedWords() throws {
        try assertFinds("Yesterday the committee heard John Whitfield explain the plan.", "John Whitfield", "PERSON",
                        rule: "first-name-person", language: "en")
    }

    func testNameParticlesStayInsideThePersonName() throws {
        try assertFinds("El ministro Luis de Guindos habló ayer.", "Luis de Guindos", "PERSON", language: "es")
    }

    func testInitialsFollowedBySurnameMakePerson() throws {
        try assertFinds("Their bowler P. Simmons took four wickets.", "P. Simmons", "PERSON", language: "en")
    }

    func testNameBeforeHandleMakesPersonAndHandleLinked() throws {
        let doc = try TestSupport.annotate("Thanks to Carolina Darias (@carolinadarias) for the visit.", language: "en",
                                           stages: NameRulesTests.ruleStages)
        let person = doc.candidates.first { $0.rule == "name-handle" && $0.type == .person }
        let handle = doc.candidates.first { $0.rule == "name-handle" && $0.type == .handle }
        XCTAssertEqual(person.map { doc.string($0.span) }, "Carolina Darias")
        XCTAssertEqual(handle.map { doc.string($0.span) }, "@carolinadarias")
        XCTAssertNotNil(person?.cluster)
        XCTAssertEqual(person?.cluster, handle?.cluster)
    }

    func testSentenceInitialCommonWordsAreNotNames() throws {
        let found = try ruleCandidates("Director said so. Mark the date, said Will.", language: "en")
        XCTAssertTrue(found.isEmpty, "\(found)")
    }

    func testAllCapitalsHeadlineDoesNotMakeEveryWordAName() throws {
        let found = try ruleCandidates("THE PRESIDENT WILL SPEAK TODAY ABOUT NEW TAXES AND JOBS", language: "en")
        XCTAssertTrue(found.isEmpty, "\(found)")
    }

    func testLowercaseWordAfterTitleIsNotAName() throws {
        let found = try ruleCandidates("The president said the minister would resign.", language: "en")
        XCTAssertTrue(found.isEmpty, "\(found)")
    }

    // MARK: ORG

    func testOrganizationWithHeadWordAndOfInside() throws {
        try assertFinds("They toured the China Academy of Aerospace Technology in Beijing.", "China Academy of Aerospace Technology",
                        "ORG", rule: "org-head", language: "en")
    }

    func testOrganizationEndingInHeadWord() throws {
        try assertFinds("A statement from the National Space Administration followed.", "National Space Administration",
                        "ORG", rule: "org-head", language: "en")
    }

    func testSpanishOrganizationStartingWithHeadWord() throws {
        try assertFinds("Según el Banco Central de Venezuela, la inflación bajó.", "Banco Central de Venezuela", "ORG",
                        rule: "org-head", language: "es")
    }

    func testHeadWordAloneIsNotAnOrganization() throws {
        let found = try ruleCandidates("University students said the bank would reopen.", language: "en")
        XCTAssertFalse(found.contains { $0.1 == "ORG" }, "\(found)")
    }

    func testLoneCapitalizedHeadMidSentenceIsAWeakOrganization() throws {
        let doc = try TestSupport.annotate("Ayer el Gobierno aprobó la ley.", language: "es", stages: NameRulesTests.ruleStages)
        let org = doc.candidates.first { $0.rule == "lone-head" }
        XCTAssertEqual(org.map { doc.string($0.span) }, "Gobierno")
        XCTAssertEqual(org?.type, .org)
        XCTAssertEqual(org?.priority, -1)
    }

    func testUnknownCapitalizedWordMidSentenceIsTheWeakestPersonGuess() throws {
        let doc = try TestSupport.annotate("El gol lo marcó Rivaldo en el minuto diez.", language: "es", stages: NameRulesTests.ruleStages)
        let guess = doc.candidates.first { $0.rule == "unknown-name" }
        XCTAssertEqual(guess.map { doc.string($0.span) }, "Rivaldo")
        XCTAssertEqual(guess?.priority, -2)
    }

    func testLowercaseFirstNameInEnglishTweetIsAWeakPerson() throws {
        let doc = try TestSupport.annotate("omg jessica biel and marcus were on tv", language: "en", stages: NameRulesTests.ruleStages)
        let found = doc.candidates.filter { $0.rule == "lowercase-name" }
        XCTAssertEqual(found.map { doc.string($0.span) }, ["jessica biel", "marcus"])
        XCTAssertTrue(found.allSatisfy { $0.type == .person && $0.priority == -1 })
    }

    func testLowercaseNameRuleSkipsCommonWordsAndSpanish() throws {
        let english = try ruleCandidates("we will mark the rose garden", language: "en")
        XCTAssertFalse(english.contains { $0.2 == "lowercase-name" }, "\(english)")
        let contraction = try ruleCandidates("lol jake wasn\u{2019}t there", language: "en")
        XCTAssertTrue(contraction.contains { $0 == ("jake", "PERSON", "lowercase-name") }, "\(contraction)")
        let edited = try ruleCandidates("He hit a homer in the ninth inning.", language: "en")
        XCTAssertFalse(edited.contains { $0.2 == "lowercase-name" }, "news capitalises names: \(edited)")
        let spanish = try ruleCandidates("me dará lo que le dan y le gusta", language: "es")
        XCTAssertFalse(spanish.contains { $0.2 == "lowercase-name" }, "\(spanish)")
    }

    func testPlaceFollowedByAScoreIsTheTeam() throws {
        let doc = try TestSupport.annotate("LONDON 1996-08-30\nResults on Saturday : Liverpool 3 Chelsea 2 .\nThey met in Madrid at 3 p.m. and flew to Paris 2 days later .",
                                           language: "en")
        func type(_ text: String) -> EntityType? { doc.entities.first { doc.string($0.span) == text }?.type }
        XCTAssertEqual(type("Liverpool"), .org)
        XCTAssertEqual(type("Chelsea"), .org)
        XCTAssertEqual(type("LONDON"), .gpe, "a dateline is a place")
        XCTAssertEqual(type("Madrid"), .gpe)
        XCTAssertEqual(type("Paris"), .gpe, "a count of days is no score")
        let national = try TestSupport.annotate("Friendly : Brazil 2 Chile 1 .", language: "en")
        XCTAssertEqual(national.entities.first { national.string($0.span) == "Brazil" }?.type, .gpe,
                       "a national team is named as its country")
    }

    func testOrganizationStopsBeforeDayNamesAndTitles() throws {
        let found = try ruleCandidates("The Boxing Association President Ramon Manzanares spoke to Prensa Latina on Saturday.", language: "en")
        XCTAssertTrue(found.contains { $0 == ("Boxing Association", "ORG", "org-head") }, "\(found)")
        XCTAssertTrue(found.contains { $0.0 == "Ramon Manzanares" && $0.1 == "PERSON" }, "\(found)")
        XCTAssertFalse(found.contains { $0.1 == "ORG" && $0.0.hasSuffix("Saturday") }, "\(found)")
    }

    // MARK: Acronyms

    func testAcronymDefinitionLinksBothMentions() throws {
        let doc = try TestSupport.annotate("Members of the Lunar Orbit Research Group (LORG) met.", language: "en",
                                           stages: NameRulesTests.ruleStages)
        let defs = doc.candidates.filter { $0.rule == "acronym-definition" }
        XCTAssertEqual(defs.map { doc.string($0.span) }.sorted(), ["LORG", "Lunar Orbit Research Group"])
        XCTAssertEqual(Set(defs.map(\.type)), [.org])
        XCTAssertEqual(Set(defs.compactMap(\.cluster)).count, 1)
        XCTAssertEqual(defs.compactMap(\.cluster).count, 2)
    }

    func testAcronymBeforeLongNameInParentheses() throws {
        let doc = try TestSupport.annotate("Members of LORG (Lunar Orbit Research Group) met.", language: "en",
                                           stages: NameRulesTests.ruleStages)
        let defs = doc.candidates.filter { $0.rule == "acronym-definition" }
        XCTAssertEqual(defs.map { doc.string($0.span) }.sorted(), ["LORG", "Lunar Orbit Research Group"])
    }

    func testAcronymMaySkipFunctionWordsAndTakeALetterInsideAWord() throws {
        try assertFinds("Engineers of the China Academy of Aerospace Technology (CAST) built it.", "CAST", "ORG",
                        rule: "acronym-definition", language: "en")
        try assertFinds("The Banco Central de Venezuela (BCV) publicó datos.", "Banco Central de Venezuela", "ORG",
                        rule: "acronym-definition", language: "es")
    }

    func testAcronymWhoseLettersDoNotFitIsNotLinked() throws {
        let found = try ruleCandidates("Members of the Lunar Orbit Research Group (XQZ) met.", language: "en")
        XCTAssertFalse(found.contains { $0.2 == "acronym-definition" }, "\(found)")
    }

    // MARK: Robustness

    func testOddInputsDoNotCrash() throws {
        for text in ["", "(", "( )", "(ABC", "Mr.", "President", "@x (", "( @x )", "A (B) C (DE)", "de la de la de",
                     "Banco de", "Dr. Dr. Dr.", String(repeating: "Ministry of ", count: 200)] {
            _ = try ruleCandidates(text)
        }
    }

    func testMalformedTitleFileIsAnErrorNamingFileAndLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("rules"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("rules/titles-en.txt").path
        try "# header\npresident\trole\nsenator\tsometimes\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try NameRuleResources.load(from: dir.path)) { error in
            let e = error as? DataFileError
            XCTAssertEqual(e?.file, path)
            XCTAssertEqual(e?.line, 3)
        }
    }

    // MARK: Seed article (full default pipeline)

    func testSeedArticleFindsNamesAndLinksAcronyms() throws {
        let url = TestSupport.corpus.appendingPathComponent("news/ilrs-venezuela.txt")
        let doc = try TestSupport.annotate(String(contentsOf: url, encoding: .utf8))
        func mentions(_ text: String) -> [Entity] { doc.entities.filter { doc.string($0.span) == text } }
        func cluster(_ text: String, _ type: EntityType) -> Int32? {
            mentions(text).first { $0.type == type }?.cluster
        }

        XCTAssertTrue(mentions("Zhang Keijan").contains { $0.type == .person }, "Zhang Keijan PERSON")
        XCTAssertTrue(mentions("Nicolas Maduro").allSatisfy { $0.type == .person } && !mentions("Nicolas Maduro").isEmpty)
        let maduro = cluster("Nicolas Maduro", .person)
        XCTAssertNotNil(maduro)
        XCTAssertTrue(mentions("Maduro").contains { $0.type == .person && $0.cluster == maduro }, "later Maduro joins Nicolas Maduro")
        let zhang = cluster("Zhang Keijan", .person)
        XCTAssertNotNil(zhang)
        XCTAssertTrue(mentions("Zhang").allSatisfy { $0.cluster == zhang } && !mentions("Zhang").isEmpty)

        for (long, short) in [("China Academy of Aerospace Technology", "CAST"),
                              ("China National Space Administration", "CNSA"),
                              ("International Lunar Research Station", "ILRS")] {
            let longCluster = cluster(long, .org)
            XCTAssertNotNil(longCluster, "\(long) ORG with a cluster")
            XCTAssertEqual(cluster(short, .org), longCluster, "\(short) linked to \(long)")
        }
    }
}

/// The filters the rules put before the word index: they must never turn a
/// listed word away, and the stage must say the same with and without them.
final class NameRulesFilterTests: XCTestCase {
    private var lists: NameRuleResources { TestSupport.resources.nameRules }

    func testFirstNameFilterAcceptsEveryFirstName() {
        let filter = KeyHashFilter([lists.firstNames])
        XCTAssertGreaterThan(lists.firstNames.count, 1000, "the bundled first-name list")
        for id in 0..<lists.firstNames.count {
            let key = Array(lists.firstNames.key(id))
            let h = key.withUnsafeBufferPointer { ByteStringTable.hash($0) }
            XCTAssertTrue(filter.mayContain(h), "first name '\(String(decoding: key, as: UTF8.self))' rejected")
        }
    }

    func testWordFilterAcceptsEveryKeyOfTheWordIndex() {
        let tables = [lists.firstNames] + lists.commonWords.keys.sorted().map { lists.commonWords[$0]! }
        let filter = KeyHashFilter(tables)
        var checked = 0
        for table in tables {
            for id in 0..<table.count {
                let key = Array(table.key(id))
                let h = key.withUnsafeBufferPointer { ByteStringTable.hash($0) }
                XCTAssertTrue(filter.mayContain(h), "word '\(String(decoding: key, as: UTF8.self))' rejected")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 50_000)
    }

    func testFilterTurnsAwayMostWordsItDoesNotHold() {
        let filter = KeyHashFilter([lists.firstNames])
        var generator = Generator(state: 42)
        let letters = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        var absent = 0, accepted = 0
        for _ in 0..<20_000 {
            let key = (0..<(4 + Int(generator.next() % 6))).map { _ in generator.pick(letters) } + [UInt8(ascii: "q")]
            let found = key.withUnsafeBufferPointer { lists.firstNames.lookup($0) }
            guard found == nil else { continue }
            absent += 1
            if filter.mayContain(key.withUnsafeBufferPointer { ByteStringTable.hash($0) }) { accepted += 1 }
        }
        XCTAssertGreaterThan(absent, 19_000)
        XCTAssertLessThan(Double(accepted) / Double(absent), 0.03, "false positives \(accepted) of \(absent)")
    }

    func testEmptyAndAcceptAllFilters() {
        let empty = KeyHashFilter([])
        for h: UInt32 in [0, 1, 12345, .max] {
            XCTAssertFalse(empty.mayContain(h))
            XCTAssertTrue(KeyHashFilter.acceptingAll.mayContain(h))
        }
    }

    /// Candidates of the rules stage, with and without the filters (and the
    /// `StartBits` probe that turns lowercase words away before them), on the
    /// corpus and the shared news and tweets: identical.
    func testRulesSayTheSameWithAndWithoutFilters() throws {
        let before = try TestSupport.pipeline(["tokenize", "sentences", "language", "gazetteer", "regex"])
        let filtered = NameRules(resources: TestSupport.resources)
        let unfiltered = NameRules(resources: TestSupport.resources, prefilter: false)
        var texts: [(text: String, lang: String?)] = []
        for url in TestSupport.corpusJSONLines { texts += try TestSupport.jsonlTexts(url) }
        for relative in ["corpus/tweeteval_en/tweeteval_tweets.jsonl", "corpus/bbc_news_en/bbc_news.jsonl",
                         "corpus/tweets_news_es/tweets_news_es.jsonl", "corpus/fakenews_es/fakenews_es.jsonl"] {
            let url = TestSupport.shared.appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: url.path) { texts += try TestSupport.jsonlTexts(url, limit: 600) }
        }
        // Lower-case and shouted copies reach the lowercase-name rule and the common-word checks.
        texts += texts.prefix(300).map { ($0.text.lowercased(), $0.lang) } + texts.prefix(200).map { ($0.text.uppercased(), $0.lang) }
        XCTAssertGreaterThan(texts.count, 400)
        var compared = 0
        for (text, lang) in texts {
            var doc = Document(id: "t", text: text, language: lang)
            before.process(&doc)
            var a = doc, b = doc
            filtered.process(&a)
            unfiltered.process(&b)
            let fast = a.candidates.map { "\($0)" }, slow = b.candidates.map { "\($0)" }
            XCTAssertEqual(fast, slow, "rules differ on: \(text.prefix(200))")
            if fast != slow { return }
            compared += a.candidates.count
        }
        XCTAssertGreaterThan(compared, 1000)
    }
}
