import Foundation
@testable import Entex
import XCTest

/// The `alias` stage: clusters, canonical names and alias mentions.
final class AliasTests: XCTestCase {
    /// Tokenizes `text`, installs hand-made entities (each at the first
    /// occurrence of its text not inside an earlier one), and runs the alias stage alone.
    private func alias(_ text: String, _ entities: [(String, EntityType, EntitySource, Int32?)]) throws -> Document {
        var doc = try TestSupport.annotate(text, language: "en", stages: ["tokenize", "sentences", "language"])
        let bytes = doc.text
        var made: [Entity] = []
        for (surface, type, source, cluster) in entities {
            let needle = Array(surface.utf8)
            var found: Span?
            // The next occurrence that is not inside an entity placed already.
            for i in 0...(bytes.count - needle.count) where Array(bytes[i..<(i + needle.count)]) == needle {
                let candidate = Span(i, i + needle.count)
                if made.contains(where: { $0.span.overlaps(candidate) }) { continue }
                found = candidate
                break
            }
            made.append(Entity(span: try XCTUnwrap(found, surface), type: type, source: source, cluster: cluster))
        }
        doc.entities = made.sorted { $0.span < $1.span }
        doc.layers.insert(.entities)
        Aliasing().process(&doc)
        return doc
    }

    private func describe(_ doc: Document) -> [String] {
        doc.entities.map { "\(doc.string($0.span))|\($0.type.name)|\($0.source.name)|\($0.cluster.map(String.init) ?? "-")" }
    }

    /// Every field aliasing may set, one line per entity: what the comparisons of a
    /// shortcut against the stage that takes every step compare.
    private func describeLinks(_ d: Document) -> [String] {
        d.entities.map { e in
            "\(e.span)|\(e.type.name)|\(e.source.name)|\(e.cluster.map(String.init) ?? "-")|\(d.canonical(of: e) ?? "-")|\(d.kb(of: e) ?? "-")|\(e.rule ?? "-")"
        }
    }

    /// The bundled news and tweets, and 150 English news articles when the shared
    /// corpus is on this machine and `withSharedNews` (many persons per document).
    private func corpusTexts(withSharedNews: Bool) throws -> [(String, String?)] {
        var texts: [(String, String?)] = try TestSupport.corpusJSONLines.flatMap { try TestSupport.jsonlTexts($0) }
        if withSharedNews, let bbc = TestSupport.sharedEnglishNews {
            texts += try TestSupport.jsonlTexts(bbc, limit: 150).map { ($0.text, "en") }
        }
        return texts
    }

    /// `texts` through every stage before aliasing; documents without entities are left out.
    private func documentsBeforeAliasing(_ texts: [(String, String?)]) throws -> [(text: String, doc: Document)] {
        let pipeline = try TestSupport.pipeline(Array(PipelineConfiguration.defaultStages.dropLast()))
        var documents: [(text: String, doc: Document)] = []
        for (text, language) in texts {
            var doc = Document(id: "t", text: text, language: language)
            try pipeline.process(&doc)
            if !doc.entities.isEmpty { documents.append((text, doc)) }
        }
        return documents
    }

    func testLaterSurnameAloneBecomesAliasInThePersonsCluster() throws {
        let doc = try alias("Director Zhang Keijan spoke. Then Zhang left.", [("Zhang Keijan", .person, .rule, nil)])
        XCTAssertEqual(describe(doc), ["Zhang Keijan|PERSON|rule|1", "Zhang|PERSON|alias|1"])
        XCTAssertEqual(doc.entities.map(doc.canonical(of:)), ["Zhang Keijan", "Zhang Keijan"])
    }

    func testTaggedLaterMentionJoinsAccentInsensitively() throws {
        let doc = try alias("Nicolas Maduro arrived. Later Nicolás MADURO spoke and Maduro left.", [
            ("Nicolas Maduro", .person, .gazetteer, nil),
            ("Nicolás MADURO", .person, .rule, nil),
        ])
        XCTAssertEqual(describe(doc), ["Nicolas Maduro|PERSON|gazetteer|1", "Nicolás MADURO|PERSON|rule|1", "Maduro|PERSON|alias|1"])
    }

    func testCanonicalIsTheLongestMentionsCanonicalName() throws {
        let doc = try alias("Maduro Moros spoke. Nicolas Maduro Moros left.", [
            ("Maduro Moros", .person, .rule, nil),
            ("Nicolas Maduro Moros", .person, .rule, nil),
        ])
        XCTAssertEqual(doc.entities.map(doc.canonical(of:)), ["Nicolas Maduro Moros", "Nicolas Maduro Moros"])
        XCTAssertEqual(Set(doc.entities.compactMap(\.cluster)), [1])
    }

    func testDefinedAcronymUsedLaterGetsTheLongNamesCluster() throws {
        let doc = try alias("The Lunar Orbit Research Group (LORG) met. Later LORG said no.", [
            ("Lunar Orbit Research Group", .org, .rule, 40),
            ("LORG", .org, .rule, 40),
        ])
        XCTAssertEqual(describe(doc), ["Lunar Orbit Research Group|ORG|rule|1", "LORG|ORG|rule|1", "LORG|ORG|alias|1"])
        XCTAssertEqual(doc.entities.last.flatMap(doc.canonical(of:)), "Lunar Orbit Research Group")
    }

    func testEarlierLongNameJoinsWhenTheAcronymIsDefinedLater() throws {
        let doc = try alias("The Lunar Orbit Research Group met. The Lunar Orbit Research Group (LORG) said no.", [
            ("Lunar Orbit Research Group", .org, .gazetteer, nil),
            ("Lunar Orbit Research Group", .org, .rule, 3),
            ("LORG", .org, .rule, 3),
        ])
        XCTAssertEqual(Set(doc.entities.map(\.cluster)), [1])
    }

    func testClustersAreNumberedByFirstMention() throws {
        let doc = try alias("Director Zhang Keijan met Ana Quintero. Quintero and Zhang spoke.", [
            ("Zhang Keijan", .person, .rule, nil),
            ("Ana Quintero", .person, .rule, nil),
        ])
        XCTAssertEqual(describe(doc), ["Zhang Keijan|PERSON|rule|1", "Ana Quintero|PERSON|rule|2",
                                       "Quintero|PERSON|alias|2", "Zhang|PERSON|alias|1"])
    }

    func testSingleMentionsHaveNoCluster() throws {
        let doc = try alias("Zhang Keijan spoke in Beijing.", [
            ("Zhang Keijan", .person, .rule, nil),
            ("Beijing", .gpe, .gazetteer, 9),
        ])
        XCTAssertEqual(doc.entities.map(\.cluster), [nil, nil])
    }

    func testLowercaseWordIsNotAnAlias() throws {
        let doc = try alias("Director Rosa Verde spoke. The verde fields stayed.", [("Rosa Verde", .person, .rule, nil)])
        XCTAssertEqual(doc.entities.count, 1)
    }

    func testBareSurnameBeforeTheFullNameIsNotCreated() throws {
        let doc = try alias("Keijan arrived. Director Zhang Keijan spoke.", [("Zhang Keijan", .person, .rule, nil)])
        XCTAssertEqual(describe(doc), ["Zhang Keijan|PERSON|rule|-"])
    }

    func testPlaceNamedLikeAPersonsSurnameBecomesThatPerson() throws {
        let doc = try alias("Bill Clinton spoke. Clinton said no.", [
            ("Bill Clinton", .person, .gazetteer, nil),
            ("Clinton", .gpe, .gazetteer, nil),
        ])
        XCTAssertEqual(describe(doc), ["Bill Clinton|PERSON|gazetteer|1", "Clinton|PERSON|alias|1"])
        XCTAssertNil(doc.entities.last.flatMap(doc.kb(of:)))
    }

    func testFullPipelineLinksLaterSurname() throws {
        let doc = try TestSupport.annotate("The talks were led by Director Zhang Keijan. Afterwards Zhang toured the site.", language: "en")
        let zhang = doc.entities.filter { doc.string($0.span).hasPrefix("Zhang") }
        XCTAssertEqual(zhang.map { doc.string($0.span) }, ["Zhang Keijan", "Zhang"])
        XCTAssertEqual(Set(zhang.map(\.cluster)).count, 1)
        XCTAssertNotNil(zhang.first?.cluster)
    }

    /// The shortcut for documents with nothing to link (no tagger cluster, no
    /// multi-word PERSON, entities in order), and the one past `number` for
    /// documents that end without a cluster of two, must give what the full stage gives:
    /// compared on the bundled tweets and news, and on documents made to need links.
    func testShortcutForUnlinkedDocumentsEqualsFullStage() throws {
        var texts = try corpusTexts(withSharedNews: false)
        texts += [
            ("Nicolas Maduro arrived. Later Maduro spoke.", "en"),
            ("The Lunar Orbit Research Group (LORG) met. Later LORG said no.", "en"),
            ("Clinton spoke in Paris. Bill Clinton left.", "en"),
            ("@NicolasMaduro met Madrid officials.", "en"),
            // Linked, yet no cluster of two: `number` is skipped as well.
            ("Nicolas Maduro arrived in Caracas.", "en"),
            ("Ana María Quintero habló en Madrid con la ONU.", "es"),
        ]
        var shortcuts = 0, full = 0
        for (text, doc) in try documentsBeforeAliasing(texts) {
            var fast = doc, slow = doc
            let unlinked = doc.tokens.withUnsafeBufferPointer { Aliasing.nothingToLink(doc.entities, tokens: $0, names: doc.annotationBytes) }
            if unlinked { shortcuts += 1 } else { full += 1 }
            Aliasing().process(&fast)
            let stage = Aliasing()
            stage.skipsUnlinkedDocuments = false
            stage.process(&slow)
            XCTAssertEqual(describeLinks(fast), describeLinks(slow), text)
        }
        // Both paths were exercised.
        XCTAssertGreaterThan(shortcuts, 50)
        XCTAssertGreaterThan(full, 20)
    }
    /// Interning only multi-word persons' words (the default) must link exactly
    /// as interning every name token: compared on the bundled news and tweets,
    /// the ILRS text, and documents whose single words, bare names and places
    /// share or miss persons' words (both with the unlinked-document shortcut off).
    func testInterningOnlyPersonWordsEqualsInterningEveryNameToken() throws {
        var texts = try corpusTexts(withSharedNews: true)
        let ilrs = try String(contentsOf: TestSupport.corpus.appendingPathComponent("news/ilrs-venezuela.txt"), encoding: .utf8)
        texts.append((ilrs, "en"))
        texts += [
            ("Nicolas Maduro arrived. Later Maduro spoke and Nicolás MADURO left.", "en"),
            ("Clinton spoke in Paris. Bill Clinton left. Then Hillary Clinton and Clinton met in Washington.", "en"),
            ("Director Zhang Keijan met Ana Quintero. Quintero and Zhang spoke. Keijan Zhang left. Ana stayed.", "en"),
            ("Jordan said Michael Jordan visited Jordan. Then Jordan Peele met Michael.", "en"),
            ("President Joe Biden and Vice President Kamala Harris met Biden aides in Harris County.", "en"),
        ]
        var linked = 0
        for (text, doc) in try documentsBeforeAliasing(texts) {
            var fast = doc, slow = doc
            let fastStage = Aliasing()
            fastStage.skipsUnlinkedDocuments = false
            fastStage.process(&fast)
            let slowStage = Aliasing()
            slowStage.skipsUnlinkedDocuments = false
            slowStage.internsAllNameTokens = true
            slowStage.process(&slow)
            XCTAssertEqual(describeLinks(fast), describeLinks(slow), text)
            if slow.entities.contains(where: { $0.source == .alias }) { linked += 1 }
        }
        // Documents where person words made links were among them.
        XCTAssertGreaterThan(linked, 5)
    }

    /// `Aliasing.permute` (moving entities into output order) against building the
    /// reordered array by copies, the stage's first way: random permutations of
    /// entity arrays of 0 to 60 entities with strings that must survive the moves.
    func testPermuteMovesEntitiesIntoTheOrderCopyingWouldGive() {
        var generator = Generator(state: 31)
        var checked = 0
        for round in 0..<2000 {
            let count = round % 61
            var entities: [Entity] = [], names: [UInt8] = []
            for k in 0..<count {
                let start = Int32(generator.next() % 500)
                var e = Entity(span: Span(start: start, end: start + 1 + Int32(generator.next() % 9)),
                               type: generator.pick([.person, .org, .gpe]), source: .rule, rule: "r\(k)-\(round)")
                if generator.next() % 2 == 0 { e.canonical = TextRef.append(String(repeating: "c", count: k + 20) + "\(round)", to: &names) }
                if generator.next() % 3 == 0 { e.kb = TextRef.append("kb:\(k)", to: &names) }
                entities.append(e)
            }
            var order = Array(0..<count)
            for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
            let copied = order.map { entities[$0] }
            var moved = entities
            Aliasing.permute(&moved, to: order)
            XCTAssertEqual(moved.map { "\($0)" }, copied.map { "\($0)" }, "round \(round)")
            // The original array is untouched (the permuted one was a copy on write).
            XCTAssertEqual(entities.count, count)
            checked += count
        }
        XCTAssertGreaterThan(checked, 50_000)
    }

    /// Skipping, in the token walk, name tokens that can start no alias (the default)
    /// must link exactly as stepping over each of them: compared on the bundled news
    /// and tweets, English news when present, and documents with bare person words,
    /// acronyms used before and after their definition, and names no person has
    /// (with the unlinked-document shortcut off, interning every name token or not).
    func testSkippingUnmatchableNameTokensEqualsSteppingOverEach() throws {
        var texts = try corpusTexts(withSharedNews: true)
        texts += [
            ("Clinton spoke in Paris. Bill Clinton left. Then Hillary Clinton and Clinton met in Washington.", "en"),
            ("NASA and ESA met. The China National Space Administration (CNSA) said CNSA and NASA would talk. CNSA agreed.", "en"),
            ("CNSA spoke first. Later the China National Space Administration (CNSA) met Zhang Keijan. Zhang and CNSA left.", "en"),
            ("Director Zhang Keijan met Ana Quintero. Quintero, Zhang, Keijan Zhang and Ana Maria Quintero spoke.", "en"),
            ("El Banco Central de Venezuela (BCV) y Nicolás Maduro. Maduro habló con el BCV y Nicolas MADURO.", "es"),
        ]
        var aliases = 0
        for (text, doc) in try documentsBeforeAliasing(texts) {
            for internsAll in [false, true] {
                var fast = doc, slow = doc
                let fastStage = Aliasing(), slowStage = Aliasing()
                for stage in [fastStage, slowStage] {
                    stage.skipsUnlinkedDocuments = false
                    stage.internsAllNameTokens = internsAll
                }
                slowStage.skipsUnmatchableNameTokens = false
                fastStage.process(&fast)
                slowStage.process(&slow)
                XCTAssertEqual(describeLinks(fast), describeLinks(slow), text)
                aliases += slow.entities.filter { $0.source == .alias }.count
            }
        }
        // Aliases (bare person words and acronyms) were made on both paths.
        XCTAssertGreaterThan(aliases, 20)
    }

    /// `link`'s shortcuts (no linked names without a tagger cluster, no person match
    /// for a mention with a word no multi-word person has, name keys made only past a
    /// `ShapeFilter`, the clustered mentions' keys only once a loose mention passes the
    /// key-signature filter of `joinLooseMentions`, cluster sizes kept by `union`), and the tokenizer's key hashes
    /// in place of hashing keys, must link exactly as the stage that takes every step
    /// and hashes each key: compared on the bundled news and tweets, English news when
    /// present, and documents with acronyms (tagger clusters), bare surnames, places
    /// named like persons, and names of other types that share or miss persons' words.
    func testShortcutsAndStoredHashesLinkAsEveryStepDoes() throws {
        var texts = try corpusTexts(withSharedNews: true)
        texts += [
            ("Nicolas Maduro arrived. Later Maduro spoke and Nicolás MADURO left.", "en"),
            ("Clinton spoke in Paris. Bill Clinton left. Then Hillary Clinton and Clinton met in Washington.", "en"),
            ("The Lunar Orbit Research Group (LORG) met. Later LORG said no. The Lunar Orbit Research Group agreed.", "en"),
            ("CNSA spoke first. Later the China National Space Administration (CNSA) met Zhang Keijan. Zhang and CNSA left.", "en"),
            ("Jordan said Michael Jordan visited Jordan. Then Jordan Peele met Michael in Washington.", "en"),
            ("President Joe Biden and Vice President Kamala Harris met Biden aides in Harris County.", "en"),
            ("El Banco Central de Venezuela (BCV) y Nicolás Maduro. Maduro habló con el BCV y Nicolas MADURO.", "es"),
        ]
        var clustered = 0
        for (text, doc) in try documentsBeforeAliasing(texts) {
            var fast = doc, slow = doc
            slow.keyHashes = []
            let fastStage = Aliasing(), slowStage = Aliasing()
            for stage in [fastStage, slowStage] { stage.skipsUnlinkedDocuments = false }
            slowStage.takesShortcuts = false
            fastStage.process(&fast)
            slowStage.process(&slow)
            XCTAssertEqual(describeLinks(fast), describeLinks(slow), text)
            if slow.entities.contains(where: { $0.cluster != nil }) { clustered += 1 }
        }
        // Documents with clusters were among them.
        XCTAssertGreaterThan(clustered, 20)
    }

    /// Stopping `link` before its walk when no person's word is at a second name token
    /// (no tagger cluster, no two entities sharing a token) must link exactly as the
    /// walk does: compared on the bundled news and tweets, English news when present,
    /// documents made to have repeated person words or none, and the same documents
    /// with overlapping entities (`--keep-overlaps`), where a mention inside a
    /// person's own span shares its words without repeating them.
    func testStoppingWithoutRepeatedPersonWordsLinksAsTheWalk() throws {
        var texts = try corpusTexts(withSharedNews: true)
        texts += [
            ("Nicolas Maduro arrived. Later Maduro spoke and Nicolás MADURO left.", "en"),
            ("Nicolas Maduro arrived in Caracas and Ana Quintero left Madrid.", "en"),
            ("Clinton spoke in Paris. Bill Clinton left. Then Hillary Clinton and Clinton met in Washington.", "en"),
            ("President Joe Biden and Vice President Kamala Harris met in Harris County.", "en"),
            ("Jordan said Michael Jordan visited Amman with Jordan Peele.", "en"),
            ("The Lunar Orbit Research Group (LORG) met Zhang Keijan. Later LORG said no.", "en"),
            ("Ana María Quintero habló en Madrid con la ONU y con Nicolás Maduro.", "es"),
        ]
        var plain = try documentsBeforeAliasing(texts)
        var overlapping: [(text: String, doc: Document)] = []
        var configuration = PipelineConfiguration(stages: Array(PipelineConfiguration.defaultStages.dropLast()))
        configuration.keepOverlaps = true
        let keeping = try configuration.makePipeline(resources: TestSupport.resources)
        for (text, language) in texts {
            var doc = Document(id: "t", text: text, language: language)
            try keeping.process(&doc)
            if !doc.entities.isEmpty { overlapping.append((text, doc)) }
        }
        // A person and a place of its surname on one token: linked only by the walk's
        // match of a mention inside the person (the surname is at one name token).
        var made = try TestSupport.annotate("Nicolas Maduro spoke.", language: "en", stages: ["tokenize", "sentences", "language"])
        made.entities = [Entity(span: Span(0, 14), type: .person, source: .rule),
                         Entity(span: Span(8, 14), type: .gpe, source: .gazetteer)]
        made.layers.insert(.entities)
        overlapping.append(("made overlap", made))
        plain += overlapping
        var stopped = 0, clustered = 0
        for (text, doc) in plain {
            var fast = doc, slow = doc
            let fastStage = Aliasing(), slowStage = Aliasing()
            for stage in [fastStage, slowStage] { stage.skipsUnlinkedDocuments = false }
            slowStage.skipsDocumentsWithoutRepeatedNames = false
            fastStage.process(&fast)
            slowStage.process(&slow)
            XCTAssertEqual(describeLinks(fast), describeLinks(slow), text)
            if slow.entities.contains(where: { $0.cluster != nil }) { clustered += 1 } else { stopped += 1 }
        }
        // The made overlap is linked (a person mention), and both kinds of document were there.
        var linked = made
        Aliasing().process(&linked)
        XCTAssertEqual(describe(linked), ["Nicolas Maduro|PERSON|rule|1", "Maduro|PERSON|alias|1"])
        XCTAssertGreaterThan(clustered, 20)
        XCTAssertGreaterThan(stopped, 20)
    }

    /// `number` merging the tagged entities and the appended aliases as two ascending
    /// runs must order them as the stable sort does: compared on the bundled news and
    /// tweets, English news when present, and made documents with aliases before,
    /// between and after tagged mentions, with and without overlapping entities.
    func testMergingTheTwoRunsOrdersAsTheStableSort() throws {
        var texts = try corpusTexts(withSharedNews: true)
        texts += [
            ("Nicolas Maduro arrived. Later Maduro spoke and Nicolás MADURO left. Maduro and Caracas.", "en"),
            ("The Lunar Orbit Research Group (LORG) met. Later LORG said no. LORG, LORG and Paris.", "en"),
            ("CNSA spoke first. Later the China National Space Administration (CNSA) met Zhang Keijan. Zhang and CNSA left.", "en"),
            ("Clinton spoke in Paris. Bill Clinton left. Then Hillary Clinton and Clinton met in Washington. Clinton.", "en"),
            ("El Banco Central de Venezuela (BCV) y Nicolás Maduro. Maduro habló con el BCV y Maduro.", "es"),
        ]
        var documents = try documentsBeforeAliasing(texts)
        var configuration = PipelineConfiguration(stages: Array(PipelineConfiguration.defaultStages.dropLast()))
        configuration.keepOverlaps = true
        let keeping = try configuration.makePipeline(resources: TestSupport.resources)
        for (text, language) in texts {
            var doc = Document(id: "t", text: text, language: language)
            try keeping.process(&doc)
            if !doc.entities.isEmpty { documents.append((text, doc)) }
        }
        var reordered = 0
        for (text, doc) in documents {
            var merged = doc, sorted = doc
            let mergingStage = Aliasing(), sortingStage = Aliasing()
            sortingStage.mergesRuns = false
            mergingStage.process(&merged)
            sortingStage.process(&sorted)
            XCTAssertEqual(describeLinks(merged), describeLinks(sorted), text)
            // Aliases placed among the tagged entities (not all after them).
            if let last = sorted.entities.indices.last, sorted.entities[..<last].contains(where: { $0.source == .alias }) { reordered += 1 }
        }
        XCTAssertGreaterThan(reordered, 20)
    }

    /// `Aliasing.keySignature`, which lets `joinLooseMentions` skip making the
    /// clustered mentions' name keys, must be the same for every two token ranges and
    /// types whose name keys (`nameKey`) are equal, or a loose mention would miss its
    /// cluster: every range of up to five tokens, under three types, of the bundled news
    /// and tweets and of texts with repeated names, punctuation, digits, accents and
    /// elongated words, grouped by key.
    func testKeySignatureIsSharedByEqualNameKeys() throws {
        var texts = try corpusTexts(withSharedNews: false)
        texts += [
            ("Nicolas Maduro arrived. Later Maduro spoke and Nicolás MADURO left, and then maduro.", "en"),
            ("The Lunar Orbit Research Group (LORG) met. Later LORG said no. The Lunar Orbit Research Group agreed.", "en"),
            ("¡¡Siiiii!! Ana María Quintero habló — con la ONU… y Ana Maria QUINTERO 2024 🙂 @ana #Quintero.", "es"),
            ("U.S. and U.S. officials met at 10:30 in St. Louis; St Louis said \"no\" -- again.", "en"),
        ]
        let stage = Aliasing()
        let types: [EntityType] = [.person, .org, .gpe]
        var signatureOfKey: [[UInt8]: UInt64] = [:]
        var repeatedKeys = 0
        for (text, language) in texts {
            let doc = try TestSupport.annotate(text, language: language, stages: ["tokenize"])
            doc.tokens.withUnsafeBufferPointer { tokens in
                doc.tokenKeys.withUnsafeBufferPointer { keys in
                    for start in 0...tokens.count {
                        for end in start...min(start + 5, tokens.count) {
                            for type in types {
                                let key = stage.nameKeyForTesting(start..<end, type: type, tokens: tokens, keys: keys)
                                let signature = Aliasing.keySignature(start..<end, type: type, tokens: tokens, keys: keys)
                                if let known = signatureOfKey[key] {
                                    XCTAssertEqual(known, signature, "\(text) \(start)..<\(end)")
                                    repeatedKeys += 1
                                } else {
                                    signatureOfKey[key] = signature
                                }
                            }
                        }
                    }
                }
            }
        }
        // Many keys were met again (the comparisons above were made).
        XCTAssertGreaterThan(repeatedKeys, 1000)
    }

    /// A `ShapeFilter` never rules out a shape inserted into it (it may let others
    /// through: the lookup after it decides), and one made to pass everything does.
    func testShapeFilterKeepsEveryInsertedShape() {
        var generator = Generator(state: 7)
        let types: [EntityType] = [.person, .org, .gpe, .loc, .fac]
        for _ in 0..<500 {
            var filter = Aliasing.ShapeFilter()
            var inserted: [(EntityType, Int)] = []
            for _ in 0..<Int(generator.next() % 40) {
                let shape = (generator.pick(types), Int(generator.next() % 300))
                filter.insert(type: shape.0, length: shape.1)
                inserted.append(shape)
            }
            for (type, length) in inserted { XCTAssertTrue(filter.mayContain(type: type, length: length)) }
            XCTAssertTrue(Aliasing.ShapeFilter(passesAll: true).mayContain(type: generator.pick(types), length: Int(generator.next() % 300)))
        }
        // An empty filter lets nothing through.
        XCTAssertFalse(Aliasing.ShapeFilter().mayContain(type: .person, length: 12))
    }
}
