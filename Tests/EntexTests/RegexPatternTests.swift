import CPCRE2
import Foundation
@testable import Entex
import XCTest

/// The regex stage: every example of every pattern file, normalized values,
/// token-boundary snapping, safety limits.
final class RegexPatternTests: XCTestCase {
    static let reference = CivilDate(year: 2023, month: 9, day: 12)!  // a Tuesday
    static let stages = ["tokenize", "sentences", "language", "regex"]

    /// Runs tokenize + sentences + regex on `text` in `language` with the test reference date.
    func tag(_ text: String, language: String = "en", date: String? = nil) throws -> Document {
        var config = PipelineConfiguration(stages: RegexPatternTests.stages)
        config.referenceDate = RegexPatternTests.reference
        let pipeline = try config.makePipeline(resources: TestSupport.resources)
        var doc = Document(id: "t", text: text, language: language, date: date)
        pipeline.process(&doc)
        return doc
    }

    /// (text, type, value as JSON) of each regex candidate.
    func candidates(_ doc: Document) -> [(text: String, type: String, value: String?, rule: String?)] {
        doc.candidates.filter { $0.source == .regex }.map {
            (doc.string($0.span), $0.type.name, doc.value(of: $0).map(json), $0.rule)
        }
    }

    func json(_ v: JSONValue) -> String {
        var out: [UInt8] = []
        JSONWriter.appendValue(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func value(_ text: String, _ language: String = "en", of span: String? = nil) throws -> String? {
        let doc = try tag(text, language: language)
        let want = span ?? text
        return candidates(doc).first { $0.text == want }?.value
    }

    // MARK: - Pattern files

    func testEveryPatternFileExampleHoldsThroughTheTagger() throws {
        let patterns = TestSupport.resources.patterns
        XCTAssertGreaterThan(patterns.patterns.count, 40)
        var failures: [String] = []
        for p in patterns.patterns {
            let file = (p.file as NSString).lastPathComponent
            let languages = p.language == "*" ? ["en", "es"] : [p.language]
            for lang in languages {
                for ex in p.matches {
                    let doc = try tag(ex.text, language: lang)
                    let found = doc.candidates.filter { $0.rule == p.name }
                    guard let hit = found.first(where: { doc.string($0.span) == ex.expected }) else {
                        let got = doc.candidates.map { "\(doc.string($0.span)) [\($0.rule ?? "")]" }
                        failures.append("\(file):\(ex.line): [\(p.name)] '\(ex.text)' (\(lang)) should give '\(ex.expected)'; candidates: \(got)")
                        continue
                    }
                    XCTAssertEqual(hit.type, p.type)
                    if let want = ex.value {
                        let got = doc.value(of: hit).map(json) ?? "null"
                        if got != want.replacingOccurrences(of: " ", with: "") && got != want {
                            failures.append("\(file):\(ex.line): [\(p.name)] '\(ex.text)' value \(got), expected \(want)")
                        }
                    }
                }
                for ex in p.nomatches {
                    let doc = try tag(ex.text, language: lang)
                    let wrong = doc.candidates.filter { $0.rule == p.name }.map { doc.string($0.span) }
                    if !wrong.isEmpty {
                        failures.append("\(file):\(ex.line): [\(p.name)] nomatch '\(ex.text)' (\(lang)) gave \(wrong)")
                    }
                }
            }
        }
        XCTAssert(failures.isEmpty, "\n" + failures.joined(separator: "\n"))
    }

    func testAllPatternsAreJITCompiled() {
        for p in TestSupport.resources.patterns.patterns {
            if let regex = p.regex { XCTAssertTrue(regex.isJIT, p.name) }
        }
    }

    // MARK: - Loading errors name file and line

    func withPatternFile(_ content: String, _ check: (DataFileError) -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("entex-regex-\(UUID().uuidString)")
        let patterns = dir.appendingPathComponent("patterns")
        try FileManager.default.createDirectory(at: patterns, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "[number]\ntwo\t2\n".write(to: patterns.appendingPathComponent("words-en.txt"), atomically: true, encoding: .utf8)
        try content.write(to: patterns.appendingPathComponent("bad.txt"), atomically: true, encoding: .utf8)
        do {
            _ = try RegexPatterns.load(from: dir.path)
            XCTFail("loading should fail")
        } catch {
            check(error)
        }
    }

    func testPatternThatDoesNotCompileIsAnErrorNamingFileAndLine() throws {
        let block = "# header\n[broken]\ntype: CARDINAL\nlang: en\npriority: 1\ntrigger: digit\ncomment: c\npattern: (\\d+\nmatch: 1\nnomatch: x\n"
        try withPatternFile(block) { error in
            XCTAssertTrue(error.file.hasSuffix("bad.txt"))
            XCTAssertEqual(error.line, 8)
            XCTAssertTrue(error.message.contains("does not compile"), error.message)
        }
    }

    func testMatchExampleThatDoesNotMatchIsAnErrorNamingItsLine() throws {
        let block = "[digits]\ntype: CARDINAL\nlang: en\npriority: 1\ntrigger: digit\ncomment: c\npattern: \\d+\nmatch: 12\nmatch: twelve\nnomatch: x\n"
        try withPatternFile(block) { error in
            XCTAssertEqual(error.line, 9)
            XCTAssertTrue(error.message.contains("twelve"), error.message)
        }
    }

    func testUnknownWordListAndUnknownKeyAreErrors() throws {
        try withPatternFile("[w]\ntype: DATE\nlang: en\npriority: 1\ntrigger: digit\ncomment: c\npattern: {nolist}\nmatch: a\nnomatch: b\n") { error in
            XCTAssertEqual(error.line, 7)
            XCTAssertTrue(error.message.contains("nolist"), error.message)
        }
        try withPatternFile("[w]\ntype: DATE\ncolour: red\n") { error in
            XCTAssertEqual(error.line, 3)
        }
    }

    func testUnknownRequiredWordListIsAnError() throws {
        let block = "[w]\ntype: CARDINAL\nlang: en\npriority: 1\ntrigger: digit\nrequire: nolist\ncomment: c\npattern: \\d+\nmatch: 1\nnomatch: x\n"
        try withPatternFile(block) { error in
            XCTAssertEqual(error.line, 6)
            XCTAssertTrue(error.message.contains("nolist"), error.message)
        }
    }

    /// Skipping a pattern in windows without a token of its `require:` lists
    /// (percent-en-words, percent-es-words)
    /// must give the candidates (and warnings) of trying it everywhere:
    /// compared on the bundled news and tweets, 300 BBC documents when the
    /// shared corpus is present, and sentences with percent words near and far.
    func testRequiredWordFilterEqualsTryingEveryWindow() throws {
        var texts: [(String, String)] = []
        for file in TestSupport.corpusJSONLines + [TestSupport.sharedEnglishNews].compactMap({ $0 }) {
            texts += try TestSupport.jsonlTexts(file, limit: 300).map { ($0.text, $0.lang ?? "en") }
        }
        let ilrs = try String(contentsOf: TestSupport.corpus.appendingPathComponent("news/ilrs-venezuela.txt"), encoding: .utf8)
        texts.append((ilrs, "en"))
        for sentence in ["Prices rose 20 percent and 3.5 percentage points.", "Five per cent, twenty-five PER CENT, 7 Percent.",
                         "Up 12 per\tcent. Down 4 percent. 2024 was per se good.", "In 2020 the rate, per the report, was 5.",
                         "He said 1 2 3 4 5 6 7 8 9 10 11 12 13 14 percent.", "20\npercent", "Per 100 people 30 percent.",
                         "Sales 40 percentages, 9 perc, 6 per-cent, 10 per cent."] {
            texts.append((sentence, "en"))
            texts.append((sentence, "und"))
        }
        for sentence in ["Subió un 20 por ciento y 3,5 puntos porcentuales.", "Cinco POR CIENTO, veinte por\tciento.",
                         "Por 100 personas, 30 por ciento; 40 puntos, 7 por cien, 9 porciento."] {
            texts.append((sentence, "es"))
        }
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let filtered = RegexTagger(patterns: TestSupport.resources.patterns)
        let everywhere = RegexTagger(patterns: TestSupport.resources.patterns)
        everywhere.usesRequiredWords = false
        for tagger in [filtered, everywhere] { tagger.referenceDate = RegexPatternTests.reference }
        var percentWords = 0
        assertSameCandidates(texts, after: pipeline, filtered: filtered, everywhere: everywhere) { slow in
            percentWords += slow.candidates.filter { $0.rule == "percent-en-words" || $0.rule == "percent-es-words" }.count
        }
        // The pattern with a `require:` found matches, so the comparison covers both outcomes.
        XCTAssertGreaterThan(percentWords, 8)
    }

    /// (text, language) of the bundled news and tweets and of 300 documents of each shared
    /// corpus file present: the real text the filter comparisons run on.
    private func corpusTexts() throws -> [(String, String)] {
        let shared = ["bbc_news_en/bbc_news.jsonl", "fakenews_es/fakenews_es.jsonl", "tweeteval_en/tweeteval_tweets.jsonl",
                      "tweets_news_es/tweets_news_es.jsonl"]
            .map { TestSupport.shared.appendingPathComponent("corpus/\($0)") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        return try (TestSupport.corpusJSONLines + shared).flatMap { file in
            try TestSupport.jsonlTexts(file, limit: 300).map { ($0.text, $0.lang ?? "en") }
        }
    }

    /// Trying a pattern with `start:` only at token starts of its start classes
    /// (and with `shape:` only where its shape matches, skipping windows without a
    /// `require:` word) must give the candidates
    /// and warnings of trying every token start of every window: compared on
    /// the bundled news and tweets, 300 documents of each shared corpus file
    /// present, and generated text that puts signs, approximation, number,
    /// ordinal, month, weekday, shift, decade and unit words, apostrophes and
    /// digit shapes next to each other, with and without spaces, in every case.
    func testStartClassesEqualTryingEveryTokenStart() throws {
        var texts = try corpusTexts()
        // Every entry of every word list, as written, capitalised and in capitals.
        var words: [String] = []
        for lists in TestSupport.resources.patterns.words.values {
            for entries in lists.lists.values {
                for e in entries { words += [e.text, e.text.capitalized, e.text.uppercased()] }
            }
        }
        words.sort()
        let shapes = ["5", "20", "1990s", "80s", "’80s", "'80s", "21st", "2nd", "3rd", "1º", "2ª", "1.º", "1er", "3,5", "1,500",
                      "2.000", "3.5", "-", "−", "+", "%", "$", "€", "US$", "(", ")", ":", "/", ".", ",", "12/09/2023",
                      "2023-09-12", "10:30", "5pm", "7 a.m.", "+44", "+44 20 7946 0958", "+1 (555) 123-4567",
                      "F-16", "f-16", "mid-1990s", "twenty-five",
                      "the", "The", "a", "el", "la", "los", "de", "in", "of", "que", "per", "por", "cent", "ciento",
                      "\n", "x", "sevenkm", "tenkm"]
        let gaps = [" ", " ", " ", " ", "", "-", ", "]
        var generator = Generator(state: 0x5EED_0F_57A7)
        for i in 0..<3000 {
            var text = ""
            for _ in 0..<(8 + Int(generator.next() % 16)) {
                text += generator.next() % 2 == 0 ? generator.pick(words) : generator.pick(shapes)
                text += generator.pick(gaps)
            }
            texts.append((text, ["en", "es", "und"][i % 3]))
        }
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let filtered = RegexTagger(patterns: TestSupport.resources.patterns)
        let everywhere = RegexTagger(patterns: TestSupport.resources.patterns)
        everywhere.usesStartClasses = false
        everywhere.usesRequiredWords = false
        everywhere.usesShapes = false
        for tagger in [filtered, everywhere] { tagger.referenceDate = RegexPatternTests.reference }
        var byRule: [String: Int] = [:]
        assertSameCandidates(texts, after: pipeline, filtered: filtered, everywhere: everywhere) { slow in
            for c in slow.candidates { byRule[c.rule ?? "-", default: 0] += 1 }
        }
        // Every pattern with `start:` or `require:` found matches, so the comparison covers both outcomes.
        for p in TestSupport.resources.patterns.patterns where p.starts != 0 || p.requires != 0 {
            XCTAssertGreaterThan(byRule[p.name, default: 0], 0, p.name)
        }
        // Start-class words looked up near triggers only, against every token looked up
        // (start classes used by both): the same texts.
        let everyToken = RegexTagger(patterns: TestSupport.resources.patterns)
        everyToken.looksUpStartWordsNearTriggers = false
        everyToken.referenceDate = RegexPatternTests.reference
        assertSameCandidates(texts, after: pipeline, filtered: filtered, everywhere: everyToken) { _ in }
    }

    /// Words that only name `start:` classes (`the`, `a`, `about`, apostrophes: late keys)
    /// looked up only at the trigger tokens and the `tokensBefore` tokens before each,
    /// must give the candidates of looking up every token: compared on the bundled and
    /// shared corpora and on generated text that puts start-class words at every distance
    /// before and after digits, months, shifts and units, across sentence ends and
    /// with '.' appended.
    func testStartWordsLookedUpNearTriggersEqualLookingUpEveryToken() throws {
        var texts = try corpusTexts()
        var startWords: [String] = []
        var triggers: [String] = []
        for lists in TestSupport.resources.patterns.words.values {
            for name in ["article", "approx", "few", "one", "decade-lead", "apostrophe", "sign", "number", "ordinal"] {
                for e in lists.lists[name] ?? [] { startWords += [e.text, e.text.capitalized, e.text + "."] }
            }
            for name in ["month", "weekday", "shift", "unit-time", "currency", "unit", "percent-word", "decade-word"] {
                for e in lists.lists[name] ?? [] { triggers += [e.text, e.text.capitalized] }
            }
        }
        startWords.sort()
        triggers.sort()
        triggers += ["5", "20", "1990s", "80s", "21st", "3,5", "1,500", "2023", "12/09/2023", "10:30", "5pm", "F-16"]
        let fillers = ["x", "and", "of", "de", "in", "Then", ".", ",", "\n", "said"]
        var generator = Generator(state: 0x1A7E_5EED)
        for i in 0..<3000 {
            var text = ""
            for _ in 0..<(10 + Int(generator.next() % 20)) {
                switch generator.next() % 5 {
                case 0, 1: text += generator.pick(startWords)
                case 2: text += generator.pick(triggers)
                default: text += generator.pick(fillers)
                }
                text += generator.pick([" ", " ", " ", "", "-", ". "])
            }
            texts.append((text, ["en", "es", "und"][i % 3]))
        }
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let near = RegexTagger(patterns: TestSupport.resources.patterns)
        let everyToken = RegexTagger(patterns: TestSupport.resources.patterns)
        everyToken.looksUpStartWordsNearTriggers = false
        for tagger in [near, everyToken] { tagger.referenceDate = RegexPatternTests.reference }
        var candidates = 0
        assertSameCandidates(texts, after: pipeline, filtered: near, everywhere: everyToken) { slow in
            candidates += slow.candidates.count
        }
        XCTAssertGreaterThan(candidates, 5000)
    }

    /// Trying a pattern with `shape:` only at token starts where its shape matches must
    /// give the candidates and warnings of calling PCRE2 at every one of them: compared on
    /// every document of the bundled corpus, up to 2 500 documents of each shared corpus
    /// file present (skipped without `../shared`), and generated text that puts the shapes'
    /// near misses side by side (hours and a/p/m, phone and date digits with separators,
    /// years, decades, ordinal endings, approximation words, currency symbols, signs, and
    /// the characters PCRE2 folds to s and k), with and without white space.
    func testShapesEqualCallingPCRE2AtEveryStart() throws {
        var texts: [(String, String)] = []
        let shared = ["bbc_news_en/bbc_news.jsonl", "fakenews_es/fakenews_es.jsonl", "tweeteval_en/tweeteval_tweets.jsonl",
                      "tweets_news_es/tweets_news_es.jsonl", "reuters21578_en/reuters21578_apte.jsonl",
                      "news_commentary_es/news_commentary_es.jsonl"]
            .map { TestSupport.shared.appendingPathComponent("corpus/\($0)") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        if shared.isEmpty { print("testShapesEqualCallingPCRE2AtEveryStart: ../shared absent, bundled corpus only") }
        for file in TestSupport.corpusJSONLines {
            texts += try TestSupport.jsonlTexts(file).map { ($0.text, $0.lang ?? "en") }
        }
        for file in shared {
            texts += try TestSupport.jsonlTexts(file, limit: 2500).map { ($0.text, $0.lang ?? "en") }
        }
        let ilrs = try String(contentsOf: TestSupport.corpus.appendingPathComponent("news/ilrs-venezuela.txt"), encoding: .utf8)
        texts.append((ilrs, "en"))
        var words: [String] = []
        for name in ["approx", "currency-symbol", "ordinal", "decade-lead", "decade-word", "month", "weekday", "sign", "scale",
                     "number", "few", "shift", "unit-time", "article", "date-article", "daypart", "one", "unit", "ago",
                     "percent-word", "series", "currency"] {
            for lists in TestSupport.resources.patterns.words.values {
                for e in lists.lists[name] ?? [] { words += [e.text, e.text.uppercased()] }
            }
        }
        words.sort()
        let shapes = ["3", "10", "12", "13", "07", "1", "0", "3pm", "10am", "11 PM", "7 a.m.", "7 a. m.", "4 p", "am", "pm", "a.m.",
                      "P.M", "m", "(202)", "(202) 555-0100", "202-555-0100", "202.555.0100", "202 555 0100", "555-0100", "(20",
                      "2023", "1999", "1499", "2099", "2100", "1990s", "1990S", "1990ſ", "80s", "’80s", "'80s", "80ſ", "21st", "22nd",
                      "23rd", "4th", "21ſt", "3K", "1º", "2ª", "1.º", "3°", "1er", "2r", "3ra", "3.º", "12/09/2023", "9/12/23",
                      "1-10-2023", "2023-09-12", "2023/09/12", "2023-13-12", "10:30", "9:5", "23:59", "20%", "3.5 %", "-2,1%",
                      "−4", "+44", "-", "−", "+", "%", "$", "€", "US$", "US$5", "£522,000", "$1m", "USD 300", "5 €", "de",
                      "of", "the", "el", "in", "since", "the past", "The Last", "the year", "then", "twenty-five", "a few",
                      "this", "THIS", "last", "tonight", "to", "on", "que", "QUE", "que viene", "del", "los", "las", "los próximos",
                      "los últimos", "LOS ÚLTIMOS", "esta", "ayer", "mañana", "MAÑANA", "early", "mid", "thirties", "the '80s", ",", ".", ":", "/", "(", ")", "\n", "x", "ſ", "\u{212A}", "º",
                      "ten-km", "fivekm", "5km", "5-km", "2,5km", "\u{212A}m", "mil", "millones", "miles", "bn", "MÁS DE", "mas de",
                      "veintiún", "twenty - five", "per cent", "por ciento", "y", "Apollo 11", "Apollo  11"]
        let gaps = [" ", " ", " ", "", "", "  ", "\t", "-", ", "]
        var generator = Generator(state: 0x5_4A9E_5EED)
        for i in 0..<4000 {
            var text = ""
            for _ in 0..<(6 + Int(generator.next() % 14)) {
                text += generator.next() % 3 == 0 ? generator.pick(words) : generator.pick(shapes)
                text += generator.pick(gaps)
            }
            texts.append((text, ["en", "es", "und"][i % 3]))
        }
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let gated = RegexTagger(patterns: TestSupport.resources.patterns)
        let everywhere = RegexTagger(patterns: TestSupport.resources.patterns)
        everywhere.usesShapes = false
        for tagger in [gated, everywhere] { tagger.referenceDate = RegexPatternTests.reference }
        var byRule: [String: Int] = [:]
        assertSameCandidates(texts, after: pipeline, filtered: gated, everywhere: everywhere) { slow in
            for c in slow.candidates { byRule[c.rule ?? "-", default: 0] += 1 }
        }
        // Every pattern with a shape found matches, so the comparison covers both outcomes.
        let shaped = TestSupport.resources.patterns.patterns.filter { $0.shape != nil }
        XCTAssertGreaterThan(shaped.count, 10)
        for p in shaped { XCTAssertGreaterThan(byRule[p.name, default: 0], 0, p.name) }
    }

    /// The shapes of the quantity, word-percent, series, "ago", Spanish relative-date,
    /// word-money, duration, decade, Spanish century, Spanish day-month and ordinal patterns on
    /// ways a match can begin that tokens hide (a number word joined to its unit, an accent
    /// dropped, a scale before the unit, capitals, ſ and the Kelvin sign, hyphens), and on English
    /// words in `und` documents: the candidates are those of calling PCRE2 at every start, and
    /// each of these patterns finds matches here.
    func testShapesKeepEveryWayAMatchBeginsOnHandPickedCases() throws {
        let english = ["a ten-km walk and 5 km", "fivekm and 3 miles", "about 5 km", "at least 20 miles",
                       "as many as 30 acres", "more than 2.5 million tonnes", "a 5-km race", "twenty-five km",
                       "Seven miles", "5 \u{212A}m", "300 MPH", "twenty - five percent", "five per cent",
                       "3.5 percentage points", "Apollo 11", "APOLLO 11 and Falcon 9", "twenty-five years ago",
                       "twenty - five years ago", "a few weeks ago", "TWO DAYS AGO", "an hour and a year ago", "1999 years ago",
                       "twenty five million dollars", "five US dollars", "3,5 pounds sterling", "ten-twelve ſterling",
                       "the past five years", "the last few weeks", "THE COMING two weeks", "next 10 days", "several months",
                       "many decades", "twenty - five years", "a few centuries", "the  last   twenty-one days",
                       "the nineties", "THE SIXTIES", "early-seventies", "mid forties", "the ſixties", "Fifties", "the 1990s",
                       "late '80s", "Eighties", "the twenties", "FIRST", "ſeventh", "twenty-first", "Eleventh",
                       "the hundredth", "ninth", "4th"]
        let spanish = ["más de 5 km", "MAS DE 5 km", "unos 300 kilómetros", "2 mil millones de litros",
                       "5 millones de toneladas", "veintiún kilómetros", "cuatrocientos metros", "2 milkm",
                       "dos y tres por ciento", "veinte por ciento", "3,5 puntos porcentuales", "cerca de 10 km",
                       "el año que viene", "la semana pasada", "EL ÚLTIMO AÑO", "el ultimo mes", "del año anterior",
                       "los próximos días", "este mes", "ſemana pasada", "cinco mil dólares", "DOS Y TRES EUROS",
                       "12.000 euros", "5 dolares", "diez millones de pesos mexicanos", "20 ſoles",
                       "dos décadas", "DOS DÉCADAS", "20 AÑOS", "5 anos", "veinte y dos años", "varios ſiglos", "tres semanas",
                       "cinco dias", "DIEZ DÍAS", "3 meses", "los últimos tres meses", "LAS PRÓXIMAS 2 semanas",
                       "el siglo XXI", "EL SIGLO 19", "ſiglo XX", "12 de septiembre de 2023", "1º DE MAYO", "3 ENERO",
                       "el martes 12 de septiembre", "SÁBADO, 3 de mayo", "miercoles 5 de junio", "luneſ 4 de julio",
                       "el domingo 1 ago", "séptimo", "SÉPTIMA", "septimo", "décimo", "DECIMA", "centésimo", "cuarto",
                       "quinta", "ſegundo", "sexto", "octavo", "noveno", "vigésimo", "primer", "tercera", "21º"]
        // English units, months and centuries in documents of no detected language, which run the
        // Spanish patterns too.
        let undetermined = ["a day", "two years and a simple day", "25 Days of Christmas", "September 11 Memorial",
                            "Sunday 3 December", "4 of July", "Century 20", "the 21st century", "the sun and the storms",
                            "Covid-19 en marzo", "CR7 y el 7º"]
        let texts = english.map { ($0, "en") } + spanish.map { ($0, "es") } + undetermined.map { ($0, "und") }
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let gated = RegexTagger(patterns: TestSupport.resources.patterns)
        let everywhere = RegexTagger(patterns: TestSupport.resources.patterns)
        everywhere.usesShapes = false
        var byRule: [String: Int] = [:]
        assertSameCandidates(texts, after: pipeline, filtered: gated, everywhere: everywhere) { slow in
            for c in slow.candidates { byRule[c.rule ?? "-", default: 0] += 1 }
        }
        for name in ["quantity-en", "quantity-es", "percent-en-words", "percent-es-words", "designation-series", "date-en-ago",
                     "date-es-relative", "money-en-words", "date-en-duration",
                     "money-es-words", "date-es-duration", "date-es-century", "date-es-day-month-year", "date-en-decade",
                     "ordinal-es", "ordinal-en"] {
            XCTAssertGreaterThan(byRule[name, default: 0], 0, name)
        }
    }

    /// The shape syntax: classes, escapes, quantifiers and alternatives, matched on
    /// bytes; a negated class takes a whole character; nothing past `end` is read.
    func testShapeMatchesItsSyntaxOnBytes() throws {
        func check(_ shape: String, _ yes: [String], _ no: [String], file: StaticString = #filePath, line: UInt = #line) throws {
            let s = try StartShape(shape)
            for text in yes {
                let bytes = Array(text.utf8)
                XCTAssertTrue(bytes.withUnsafeBufferPointer { s.matches($0, at: 0, end: $0.count) }, "\(shape) on \(text)",
                              file: file, line: line)
            }
            for text in no {
                let bytes = Array(text.utf8)
                XCTAssertFalse(bytes.withUnsafeBufferPointer { s.matches($0, at: 0, end: $0.count) }, "\(shape) on \(text)",
                               file: file, line: line)
            }
        }
        try check(#"\d{1,2} \s? [ap] \.? \s? m"#, ["3pm", "10 AM", "7 a.m.", "7a. m", "12\tPm"], ["3 p", "123pm", "pm", "3  pm", "3 xm"])
        try check(#"\( \d{3} \) \s? \d{3} [.-] \d{4} | \d{3} [.-] \d{3} [.-] \d{4}"#,
                  ["(202) 555-0100", "(202)555.0100", "202-555-0100"], ["(202) 555 0100", "2023-09-12", "202-55-0100"])
        try check(#"[-−]? \d | [^\s\d]+ \s+ [-−]? \d"#, ["5", "−5", "-5", "más 5", "über −3", "ſ 1"], ["más", "más de 5", "−", "x5"])
        try check(#"[^\s\d] \s \d"#, ["é 1", "€ 2", "a 3"], ["é1", "1 1"])
        try check(#"\d+ \.? [ºª°] | \d+ [er]"#, ["1º", "2.ª", "30°", "1er", "3R"], ["1.", "1o", "1 º"])
        try check(#"\d0 s"#, ["80s", "80S", "80ſ"], ["80x", "80"])
        try check(#"3 k"#, ["3k", "3K", "3\u{212A}"], ["3x"])
        try check("20 \\d\\d | 1[5-9] \\d\\d", ["2023", "1999", "1500"], ["1499", "2100", "202"])
        // Nothing at or past `end` is read.
        let bytes = Array("10:30".utf8)
        let clock = try StartShape(#"\d{1,2} : \d\d"#)
        XCTAssertTrue(bytes.withUnsafeBufferPointer { clock.matches($0, at: 0, end: 5) })
        XCTAssertFalse(bytes.withUnsafeBufferPointer { clock.matches($0, at: 0, end: 4) })
        XCTAssertFalse(bytes.withUnsafeBufferPointer { clock.matches($0, at: 2, end: 5) })
        for bad in [".", "(a)", "a|", "[]", "[^é]", "\\q", "a{2,1}", "[z-a]"] {
            XCTAssertThrowsError(try StartShape(bad), bad)
        }
    }

    /// A shape that does not parse, or that a `match:` example does not begin with, is a
    /// load error naming its line.
    func testBadShapeAndExampleOutsideItsShapeAreErrors() throws {
        let head = "[w]\ntype: CARDINAL\nlang: en\npriority: 1\ntrigger: digit\ncomment: c\npattern: \\d+\n"
        try withPatternFile(head + "shape: \\d (\nmatch: 1\nnomatch: x\n") { error in
            XCTAssertEqual(error.line, 8)
            XCTAssertTrue(error.message.contains("shape"), error.message)
        }
        try withPatternFile(head + "shape: \\d\\d\nmatch: 12\nmatch: 3\nnomatch: x\n") { error in
            XCTAssertEqual(error.line, 10)
            XCTAssertTrue(error.message.contains("shape"), error.message)
        }
    }

    /// `TriggerKeys` (a Bloom filter on key hashes, then an open-addressed table of
    /// full hashes confirmed on the bytes) must give the bits of a plain dictionary
    /// lookup with the retry without a final '.': every key of the regex trigger tables,
    /// with '.', '..' and 'x' appended, cut short, capitalised, and 200 000 generated byte
    /// strings of 0 to 9 bytes over a small alphabet (near misses of the keys), with and
    /// without the empty key and keys ending in '.' that have no bits.
    func testTriggerKeysEqualADictionaryLookup() {
        var keys = Set<[UInt8]>()
        for (_, tables) in TestSupport.resources.patterns.triggerTables {
            for id in 0..<tables.table.count { keys.insert(Array(tables.table.key(id))) }
        }
        XCTAssertGreaterThan(keys.count, 100)
        var probes: [[UInt8]] = []
        for k in keys {
            probes += [k, k + [0x2E], k + [0x2E, 0x2E], k + [0x78], Array(k.dropLast()), Array(String(decoding: k, as: UTF8.self).capitalized.utf8)]
        }
        var generator = Generator(state: 0x7416_6E2E)
        let alphabet = Array("aeinos.t-1%".utf8)
        for _ in 0..<200_000 {
            probes.append((0..<Int(generator.next() % 10)).map { _ in generator.pick(alphabet) })
        }
        for extra in [[[UInt8]](), [[], [0x2E], Array("no.".utf8), Array("a.".utf8), Array("st".utf8)]] {
            let all = Array(keys.union(extra)).sorted { $0.lexicographicallyPrecedes($1) }
            var masks: [UInt64] = []
            var reference: [[UInt8]: UInt64] = [:]
            for (i, k) in all.enumerated() {
                // Keys ending in '.' get no bits one time in three: they only block the retry.
                let m: UInt64 = k.last == 0x2E && i % 3 == 0 ? 0 : generator.next() | 1
                masks.append(m)
                reference[k] = m
            }
            var byteTable = ByteStringTable()
            for k in all { byteTable.insert(k) }
            let table = TriggerKeys(byteTable, masks: masks)
            defer { table.deallocate() }
            // The same keys split into eager ones (a bit of `eager`) and late ones (about half).
            let eager: UInt64 = 0x2
            let split = TriggerKeys(byteTable, masks: masks, eager: eager)
            defer { split.deallocate() }
            var hits = 0, late = 0
            for probe in probes {
                var want: UInt64 = 0
                var key: [UInt8]?
                if let m = reference[probe] {
                    want = m
                    key = probe
                } else if probe.count > 1, probe.last == 0x2E, let m = reference[Array(probe.dropLast())] {
                    want = m
                    key = Array(probe.dropLast())
                }
                let h = KeyHash.hash(probe)
                let got = probe.withUnsafeBufferPointer { table.mayHave(h) ? table.tokenBits($0, hash: h) : 0 }
                XCTAssertEqual(got, want, String(decoding: probe, as: UTF8.self))
                let either = probe.withUnsafeBufferPointer {
                    split.mayHave(h) || split.mayHaveLate(h) ? split.tokenBits($0, hash: h) : 0
                }
                XCTAssertEqual(either, want, String(decoding: probe, as: UTF8.self))
                if reference[probe] != nil || (probe.count > 1 && probe.last == 0x2E && reference[Array(probe.dropLast())] != nil) {
                    XCTAssertTrue(table.mayHave(h), String(decoding: probe, as: UTF8.self))
                    hits += 1
                }
                // A key with bits found goes through the filter of its kind.
                if let key, let m = reference[key], m != 0 {
                    if m & eager == 0 {
                        XCTAssertTrue(split.mayHaveLate(h), String(decoding: probe, as: UTF8.self))
                        late += 1
                    } else {
                        XCTAssertTrue(split.mayHave(h), String(decoding: probe, as: UTF8.self))
                    }
                }
            }
            XCTAssertGreaterThan(hits, 2 * keys.count)
            XCTAssertGreaterThan(late, 10)
        }
    }

    /// Trigger words looked up through the tokenizer's key hashes (`Document.keyHashes`)
    /// must give the candidates of documents without them, whose key hashes the regex
    /// stage makes from the key bytes: compared on the bundled and shared
    /// corpora and on every word-list entry, as written, capitalised, in capitals
    /// and with a final '.', between digits and other words.
    func testTriggerLookupByKeyHashEqualsLookupByBytes() throws {
        var texts = try corpusTexts()
        var words: [String] = []
        for lists in TestSupport.resources.patterns.words.values {
            for entries in lists.lists.values {
                for e in entries { words += [e.text, e.text.capitalized, e.text.uppercased(), e.text + "."] }
            }
        }
        words.sort()
        for (i, chunk) in stride(from: 0, to: words.count, by: 12).enumerated() {
            let piece = words[chunk..<min(chunk + 12, words.count)].enumerated().map { "\($0.offset * 7) \($0.element)" }
            texts.append((piece.joined(separator: " ") + " 2023.", ["en", "es", "und"][i % 3]))
        }
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let tagger = RegexTagger(patterns: TestSupport.resources.patterns)
        tagger.referenceDate = RegexPatternTests.reference
        func describe(_ d: Document) -> [String] {
            // The value as the JSON text the writer copies, byte for byte.
            d.candidates.map { "\($0.span)|\($0.type.name)|\($0.rule ?? "-")|\(d.string($0.value) ?? "-")" }
                + d.warnings.map { "\($0.code)|\($0.offset.map(String.init) ?? "-")|\($0.message)" }
        }
        var candidates = 0
        for (text, language) in texts {
            var doc = Document(id: "t", text: text, language: language)
            pipeline.process(&doc)
            XCTAssertEqual(doc.keyHashes.count, doc.tokens.count)
            var byHash = doc, byBytes = doc
            byBytes.keyHashes = []
            tagger.process(&byHash)
            tagger.process(&byBytes)
            XCTAssertEqual(describe(byHash), describe(byBytes), text)
            candidates += byBytes.candidates.count
        }
        XCTAssertGreaterThan(candidates, 1000)
    }

    /// Runs `pipeline` then each tagger on every (text, language) and asserts the
    /// same candidates (span, type, rule, value) and warnings; `each` sees the
    /// reference tagger's document.
    /// A tagger makes the plan of a language (and the word values of a pattern language) on
    /// the first document that needs it: after documents of other languages, in any order,
    /// it must give each document the candidates, values and warnings a new tagger gives.
    func testPlansAndValuesMadeOnFirstUseDoNotDependOnEarlierDocuments() throws {
        let corpus = try corpusTexts()
        let english = corpus.filter { $0.1 == "en" }.prefix(8), spanish = corpus.filter { $0.1 == "es" }.prefix(8)
        XCTAssertEqual(english.count, 8)
        XCTAssertEqual(spanish.count, 8)
        var texts: [(String, String)] = []
        for (en, es) in zip(english, spanish) {
            texts += [es, (en.0, "und"), en, (es.0, "pt")]
        }
        texts.append(("On 12 March 2024 the price rose 5% to $1.2 million, el 3 de mayo subió un 20 por ciento.", "en"))
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let shared = RegexTagger(patterns: TestSupport.resources.patterns)
        shared.referenceDate = RegexPatternTests.reference
        var valued = 0
        for (text, language) in texts {
            var doc = Document(id: "t", text: text, language: language)
            pipeline.process(&doc)
            var seasoned = doc, new = doc
            shared.process(&seasoned)
            let fresh = RegexTagger(patterns: TestSupport.resources.patterns)
            fresh.referenceDate = RegexPatternTests.reference
            fresh.process(&new)
            func describe(_ d: Document) -> [String] {
                d.candidates.map { "\($0.span)|\($0.type.name)|\($0.rule ?? "-")|\(d.string($0.value) ?? "-")" }
                    + d.warnings.map { "\($0.code)|\($0.offset.map(String.init) ?? "-")|\($0.message)" }
            }
            XCTAssertEqual(describe(seasoned), describe(new), "\(language): \(text)")
            valued += new.candidates.filter { new.string($0.value) != nil }.count
        }
        XCTAssertGreaterThan(valued, 20, "values of several languages were compared")
    }

    private func assertSameCandidates(_ texts: [(String, String)], after pipeline: Pipeline, filtered: RegexTagger,
                                      everywhere: RegexTagger, each: (Document) -> Void) {
        func describe(_ d: Document) -> [String] {
            // The value as the JSON text the writer copies, byte for byte.
            d.candidates.map { "\($0.span)|\($0.type.name)|\($0.rule ?? "-")|\(d.string($0.value) ?? "-")" }
                + d.warnings.map { "\($0.code)|\($0.offset.map(String.init) ?? "-")|\($0.message)" }
        }
        for (text, language) in texts {
            var doc = Document(id: "t", text: text, language: language)
            pipeline.process(&doc)
            var fast = doc, slow = doc
            filtered.process(&fast)
            everywhere.process(&slow)
            XCTAssertEqual(describe(fast), describe(slow), text)
            each(slow)
        }
    }

    /// Word-list values looked up from the text as written (ASCII lowercased) must
    /// be those looked up through `WordLists.key`: every stored key is its own key,
    /// and every entry, in capitals, capitalised, with a final '.', with its spaces
    /// doubled or tabs, gets the same entry id both ways, in every list of both languages.
    func testWordValueLookupWithoutICUEqualsKeyLookup() throws {
        var checked = 0
        for (language, lists) in TestSupport.resources.patterns.words {
            let values = WordValues(lists)
            var texts: [String] = ["", ".", " ", "x", "£", "€20", "MÁS DE", "más  de", "Más\tde", "º", "−"]
            for entries in lists.lists.values {
                for e in entries {
                    XCTAssertEqual(WordLists.key(e.key), e.key, "\(language): \(e.text)")
                    for t in [e.text, e.key] {
                        texts += [t, t.uppercased(), t.capitalized, t + ".", t.uppercased() + ".",
                                  t.replacingOccurrences(of: " ", with: "  "), t.replacingOccurrences(of: " ", with: "\t"),
                                  " " + t, t + " ", t + "s"]
                    }
                }
            }
            for list in ValueList.allCases {
                for text in texts {
                    var bytes = Array(text.utf8)
                    let fast = bytes.withUnsafeMutableBufferPointer { values.id(list, UnsafeBufferPointer($0)) }
                    XCTAssertEqual(fast, values.idByKey(list, text), "\(language) \(list.name): '\(text)'")
                    if fast != nil { checked += 1 }
                }
            }
        }
        XCTAssertGreaterThan(checked, 500)
        // Written forms with accents are found without ICU, as their keys are.
        let spanish = WordValues(TestSupport.resources.patterns.words["es"]!)
        for (list, text) in [(ValueList.unitTime, "años"), (.unitTime, "Días"), (.weekday, "miércoles"), (.weekday, "Sábado"),
                             (.currency, "dólares"), (.shift, "próximo")] {
            var bytes = Array(text.utf8)
            let fast = bytes.withUnsafeMutableBufferPointer { spanish.id(list, UnsafeBufferPointer($0)) }
            XCTAssertNotNil(fast, text)
            XCTAssertEqual(fast, spanish.idByKey(list, text), text)
        }
    }

    // MARK: - Dates

    func testEnglishDatesNormalizeToISO() throws {
        XCTAssertEqual(try value("It launched on September 12, 2023.", of: "September 12, 2023"), #""2023-09-12""#)
        XCTAssertEqual(try value("Due Sept. 12 at noon.", of: "Sept. 12"), #""2023-09-12""#)
        XCTAssertEqual(try value("Filed 2023-09-12.", of: "2023-09-12"), #""2023-09-12""#)
        XCTAssertEqual(try value("Signed 9/12/2023.", of: "9/12/2023"), #""2023-09-12""#)
        XCTAssertEqual(try value("Left in April 2004 quietly.", of: "April 2004"), #""2004-04""#)
    }

    func testSpanishDatesUseDayFirstOrder() throws {
        XCTAssertEqual(try value("Llegó el 12 de septiembre de 2023 a Pekín.", "es", of: "12 de septiembre de 2023"), #""2023-09-12""#)
        XCTAssertEqual(try value("Firmado el 12/09/2023.", "es", of: "12/09/2023"), #""2023-09-12""#)
    }

    func testRelativeDatesResolveAgainstReferenceDate() throws {
        XCTAssertEqual(try value("He resigned last week.", of: "last week"), #""2023-W36""#)
        XCTAssertEqual(try value("Visited on Tuesday.", of: "Tuesday"), #""2023-09-12""#)
        XCTAssertEqual(try value("Sucedió hace dos años.", "es", of: "hace dos años"), #""2021""#)
        XCTAssertEqual(try value("Llegó el martes a Pekín.", "es", of: "el martes"), #""2023-09-12""#)
        XCTAssertEqual(try value("Ayer hubo elecciones.", "es", of: "Ayer"), #""2023-09-11""#)
    }

    func testDocumentDateWinsOverReferenceDate() throws {
        let doc = try tag("It happened yesterday.", date: "Mon Jan 01 10:00:00 +0000 2024")
        XCTAssertEqual(candidates(doc).first { $0.text == "yesterday" }?.value, #""2023-12-31""#)
    }

    func testDurationsDecadesAndCenturies() throws {
        XCTAssertEqual(try value("almost two decades of friendship", of: "two decades"), #""P20Y""#)
        XCTAssertEqual(try value("music of the 1990s", of: "the 1990s"), #""199""#)
        XCTAssertEqual(try value("la música de los años 90", "es", of: "los años 90"), #""199""#)
        XCTAssertEqual(try value("el siglo XXI será", "es", of: "el siglo XXI"), #""20""#)
    }

    // MARK: - Money, numbers

    func testMoneyAmountsAndCurrencies() throws {
        XCTAssertEqual(try value("a $20 million deal", of: "$20 million"), #"{"amount":20000000,"currency":"USD"}"#)
        XCTAssertEqual(try value("paid US$5 each", of: "US$5"), #"{"amount":5,"currency":"USD"}"#)
        XCTAssertEqual(try value("costó 20 millones de dólares", "es", of: "20 millones de dólares"),
                       #"{"amount":20000000,"currency":"USD"}"#)
        XCTAssertEqual(try value("un plan de €3,5 mil millones", "es", of: "€3,5 mil millones"),
                       #"{"amount":3500000000,"currency":"EUR"}"#)
        XCTAssertEqual(try value("Shell is to pay $1m (£522,000) to", of: "£522,000"), #"{"amount":522000,"currency":"GBP"}"#)
    }

    func testNumbersPercentsAndOrdinals() throws {
        XCTAssertEqual(try value("from over 100 countries", of: "over 100"), "100")
        XCTAssertEqual(try value("reserves were 20% smaller", of: "20%"), "20")
        XCTAssertEqual(try value("the 21st attempt", of: "21st"), "21")
        XCTAssertEqual(try value("una subida del 3,5 %", "es", of: "3,5 %"), "3.5")
        XCTAssertEqual(try value("con 1.500 personas", "es", of: "1.500"), "1500")
        XCTAssertEqual(try value("with 1,500 people", of: "1,500"), "1500")
    }

    func testContainedRegexMatchesAreNotProposed() throws {
        let doc = try tag("a $20 million deal")
        XCTAssertEqual(candidates(doc).map(\.text), ["$20 million"])
    }

    // MARK: - Tokens

    func testHashtagsAreSegmentedIntoWords() throws {
        let doc = try tag("#ÚltimoMinuto | Presidente @NicolasMaduro llega #COVID19Vaccine $AAPL", language: "es")
        let c = candidates(doc)
        XCTAssertEqual(c.first { $0.text == "#ÚltimoMinuto" }?.value, #""Último Minuto""#)
        XCTAssertEqual(c.first { $0.text == "#COVID19Vaccine" }?.value, #""COVID 19 Vaccine""#)
        XCTAssertEqual(c.first { $0.text == "@NicolasMaduro" }?.type, "HANDLE")
        XCTAssertEqual(c.first { $0.text == "$AAPL" }?.type, "CASHTAG")
        XCTAssertEqual(Normalizers.segmentHashtag("#breaking_news"), "breaking news")
    }

    func testLatinHashtagFastPathSplitsLikeTheUnicodeRules() {
        let tags = ["#ÚltimoMinuto", "#AÑONuevo", "#añoNuevo2023", "#Día_de_la_Madre", "#EEUUÉlite", "#ÑÑÑ", "#ºC",
                    "##Año__Nuevo_", "#²Cuadrado", "#MÉXICOvsESPAÑA", "#Niño3Años", "#¡Olé!", "#×Ùltimo", "#_ÁÉ_íó"]
        for tag in tags {
            XCTAssertEqual(Normalizers.segmentLatin1Hashtag(tag), Normalizers.segmentUnicodeHashtag(tag), tag)
        }
        XCTAssertNil(Normalizers.segmentLatin1Hashtag("#Привет"))
        XCTAssertEqual(Normalizers.segmentHashtag("#Привет"), Normalizers.segmentUnicodeHashtag("#Привет"))
        // Generated tags of Latin-1 letters, digits, signs and capitals runs (the byte writer the
        // regex stage uses is what `segmentLatin1Hashtag` returns).
        let pieces = ["#", "_", "a", "Z", "ñ", "Ñ", "á", "É", "ü", "Ü", "ß", "ÿ", "º", "²", "¡", "×", "÷", "0", "7", "Año",
                      "MÉXICO", "vs", "Día", "ÉLITE", "x", "-", "2023", "ÀÉc", "µ", "ª", "\u{A0}", "·"]
        var generator = Generator(state: 77)
        for _ in 0..<5000 {
            let tag = (0..<Int(generator.next() % 9)).map { _ in generator.pick(pieces) }.joined()
            XCTAssertEqual(Normalizers.segmentLatin1Hashtag(tag), Normalizers.segmentUnicodeHashtag(tag), tag)
        }
    }

    /// The byte segmenter of ASCII tags (the regex stage's path) against the Unicode rules, on generated tags.
    func testASCIIHashtagSegmenterSplitsLikeTheUnicodeRules() {
        let pieces = ["#", "_", "a", "b", "Z", "Q", "0", "7", "COVID", "Vaccine", "us", "UK", "x", "-", "!", "2023", "ABc"]
        var state: UInt64 = 20261126
        for _ in 0..<5000 {
            var tag = ""
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let length = Int(state >> 60)
            for _ in 0..<length {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                tag += pieces[Int((state >> 33) % UInt64(pieces.count))]
            }
            XCTAssertEqual(Normalizers.segmentASCIIHashtag(tag), Normalizers.segmentUnicodeHashtag(tag), tag)
        }
        XCTAssertEqual(Normalizers.segmentASCIIHashtag("#COVIDVaccine_2021"), "COVID Vaccine 2021")
        XCTAssertEqual(Normalizers.segmentASCIIHashtag("##"), "")
        // Lowercase-only tags (a path of their own) and their near misses.
        for tag in ["#news", "news", "##a", "#abcdefghijklmnopqrstuvwxyz", "#newsX", "#news_", "#news1", "#xNews", "#a-b"] {
            XCTAssertEqual(Normalizers.segmentASCIIHashtag(tag), Normalizers.segmentUnicodeHashtag(tag), tag)
        }
        XCTAssertEqual(Normalizers.segmentASCIIHashtag("#news"), "news")
    }

    /// Splicing word lists with the alternations of earlier patterns kept (as loading does)
    /// must give what splicing each pattern afresh gives, for every pattern of every file.
    func testSplicedAlternationsKeptBetweenPatternsEqualFreshOnes() throws {
        let folder = TestSupport.repoRoot.appendingPathComponent("Lexicons/patterns")
        let words = TestSupport.resources.patterns.words
        var memo: [String: String] = [:]
        var spliced = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        where file.hasSuffix(".txt") && !file.hasPrefix("words") {
            for block in try PatternFileParser.blocks(folder.appendingPathComponent(file).path) {
                guard let source = block.fields["pattern"]?.value, let lang = block.fields["lang"]?.value,
                      let lists = words[lang] else { continue }
                let kept = try RegexPatterns.splice(source, lists: lists, memo: &memo, language: lang)
                XCTAssertEqual(kept, try RegexPatterns.splice(source, lists: lists), block.name)
                spliced += 1
            }
        }
        XCTAssertGreaterThan(spliced, 40)
        XCTAssertGreaterThan(memo.count, 10)
    }

    /// Word lists spliced as tries (`RegexPatterns.alternationBody`) find, at every start,
    /// the match and the groups the plain alternations of the same forms find: each pattern
    /// of the files, compiled both ways, searched from every start where one of them matches,
    /// on the bundled corpus and on texts made of every list entry (as written, unaccented,
    /// capitalised and in capitals) with the shapes around them.
    func testWordListTriesFindWhatPlainAlternationsFind() throws {
        var texts: [String] = []
        for file in TestSupport.corpusJSONLines { texts += try TestSupport.jsonlTexts(file).map(\.text) }
        var entries: [String] = []
        for lists in TestSupport.resources.patterns.words.values {
            for (_, list) in lists.lists {
                for e in list {
                    for form in [e.text, e.key] {
                        entries += [form, form.uppercased(), form.prefix(1).uppercased() + form.dropFirst()]
                    }
                }
            }
        }
        entries = Array(Set(entries)).sorted()
        let glue = [" ", " ", "  ", "\n", "-", ", ", ". ", "", " de ", " of ", " 3 ", " 2023 ", " 12 de ", "/"]
        let numbers = ["1", "3", "12", "20", "2023", "1990", "3.5", "1,500", "25%", "$", "€", "10:30", "4pm", "21st", "80s"]
        var generator = Generator(state: 0x7E1E_5EED)
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<(4 + Int(generator.next() % 10)) {
                text += generator.next() % 4 == 0 ? generator.pick(numbers) : generator.pick(entries)
                text += generator.pick(glue)
            }
            texts.append(text)
        }
        // Every entry once, next to its neighbours in order (the longest prefixes meet).
        for first in stride(from: 0, to: entries.count, by: 40) {
            texts.append(entries[first..<min(first + 40, entries.count)].joined(separator: " "))
        }
        let folder = TestSupport.repoRoot.appendingPathComponent("Lexicons/patterns")
        let words = TestSupport.resources.patterns.words
        var compared = 0, matches = 0, sharing = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        where file.hasSuffix(".txt") && !file.hasPrefix("words") {
            for block in try PatternFileParser.blocks(folder.appendingPathComponent(file).path) {
                guard let source = block.fields["pattern"]?.value, let lang = block.fields["lang"]?.value,
                      let lists = words[lang] else { continue }
                let trie = try RegexPatterns.splice(source, lists: lists)
                // The reference: every list written out where it stands, as a plain alternation.
                let plain = try RegexPatterns.splice(source, lists: lists, tries: false, shares: false)
                guard trie != plain else { continue }
                if trie.contains("(?(DEFINE)") { sharing += 1 }
                var flags = UInt32(ENTEX_RE_EXTENDED) | UInt32(ENTEX_RE_CASELESS)
                if let f = block.fields["flags"]?.value {
                    flags = UInt32(ENTEX_RE_EXTENDED)
                    if f.contains("caseless") { flags |= UInt32(ENTEX_RE_CASELESS) }
                    if f.contains("ucp") { flags |= UInt32(ENTEX_RE_UCP) }
                }
                let a = try CompiledRegex(pattern: trie, flags: flags), b = try CompiledRegex(pattern: plain, flags: flags)
                // A shared list's group comes after every group of the pattern, and is never set.
                let pairs = a.captureCount + 1
                XCTAssertEqual(pairs, b.captureCount + 1 + trie.components(separatedBy: "(?<_list").count - 1, block.name)
                let matcher = entex_matcher_create(UInt32(pairs), RegexTagger.matchLimit, RegexTagger.depthLimit)!
                defer { entex_matcher_free(matcher) }
                for text in texts {
                    let bytes = Array(text.utf8)
                    var start = 0
                    while start <= bytes.count {
                        let x = offsets(a, bytes, from: start, matcher), y = offsets(b, bytes, from: start, matcher)
                        XCTAssertEqual(x, y, "\(block.name) at \(start) of \(text.prefix(200))")
                        guard let found = x.first, x == y else { break }
                        matches += 1
                        start = found + 1
                        while start < bytes.count && bytes[start] & 0xC0 == 0x80 { start += 1 }
                    }
                }
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 30)
        XCTAssertGreaterThan(matches, 10_000)
        XCTAssertGreaterThanOrEqual(sharing, 10)
    }

    /// A list written twice in a pattern is spliced once, in a `(?(DEFINE)…)` after the
    /// pattern, and called where it was written; not when the pattern sets an option
    /// (the called alternation would take the flags of the pattern's end).
    func testListWrittenTwiceIsSplicedOnceAndCalled() throws {
        var lists = WordLists()
        for word in ["one", "two"] { lists.add(list: "number", entry: .init(text: word, key: word, value: nil)) }
        let shared = try RegexPatterns.splice("{number} (?: \\s+ and \\s+ {number} )? # words", lists: lists)
        XCTAssertEqual(shared, "(?&_list0) (?: \\s+ and \\s+ (?&_list0) )? # words\n(?(DEFINE)(?<_list0>(?:one|two)))")
        XCTAssertEqual(try RegexPatterns.splice("{number} {number}", lists: lists, shares: false), "(?:one|two) (?:one|two)")
        XCTAssertEqual(try RegexPatterns.splice("(?-i: x ) {number} {number}", lists: lists), "(?-i: x ) (?:one|two) (?:one|two)")
        XCTAssertEqual(try RegexPatterns.splice("{number} {Number}", lists: lists), "(?:one|two) (?-i:O(?:NE|ne)|T(?:WO|wo))")
        let regex = try CompiledRegex(pattern: shared, flags: UInt32(ENTEX_RE_EXTENDED) | UInt32(ENTEX_RE_CASELESS))
        XCTAssertEqual(regex.firstMatch(in: "say One and two"), "One and two")
        XCTAssertEqual(regex.firstMatch(in: "say two andone"), "two")
    }

    /// `entex_regex_match_in_place` (the tagger's call, which reads PCRE2's offsets where
    /// they are) returns what `entex_regex_match` returns and leaves the offsets it copies,
    /// for every bundled pattern's anchored form at every start of every example.
    func testMatchInPlaceEqualsCopyingMatch() {
        let patterns = TestSupport.resources.patterns.patterns
        let pairs = (patterns.compactMap { $0.regex?.captureCount }.max() ?? 0) + 1
        let matcher = entex_matcher_create(UInt32(pairs), RegexTagger.matchLimit, RegexTagger.depthLimit)!
        defer { entex_matcher_free(matcher) }
        let offsets = entex_matcher_offsets(matcher)!
        var matches = 0
        for p in patterns {
            guard let anchored = p.anchored else { continue }
            for example in p.matches + p.nomatches {
                let bytes = Array(example.text.utf8)
                for start in 0...bytes.count {
                    let copied = self.offsets(anchored, bytes, from: start, matcher)
                    let rc = bytes.withUnsafeBufferPointer { b in
                        entex_regex_match_in_place(anchored.handle, b.baseAddress, b.count, start, matcher)
                    }
                    XCTAssertGreaterThanOrEqual(rc, 0, p.name)
                    let inPlace = rc > 0 ? Array(UnsafeBufferPointer(start: offsets, count: 2 * Int(rc))) : []
                    XCTAssertEqual(inPlace, copied, "\(p.name) at \(start) of \(example.text)")
                    if rc > 0 { matches += 1 }
                }
            }
        }
        XCTAssertGreaterThan(matches, 100)
    }

    /// The offsets of the first match of `regex` in `bytes` from `start` (whole match, then
    /// every group; -1 for a group that did not take part); empty when there is none.
    private func offsets(_ regex: CompiledRegex, _ bytes: [UInt8], from start: Int, _ matcher: OpaquePointer) -> [Int] {
        let pairs = regex.captureCount + 1
        var ovector = [Int](repeating: -1, count: 2 * pairs)
        let rc = bytes.withUnsafeBufferPointer { p in
            ovector.withUnsafeMutableBufferPointer { o in
                o.withMemoryRebound(to: size_t.self) { o in
                    entex_regex_match(regex.handle, p.baseAddress, p.count, start, 0, matcher, o.baseAddress, UInt32(pairs))
                }
            }
        }
        XCTAssertGreaterThanOrEqual(rc, 0)
        guard rc > 0 else { return [] }
        return Array(ovector.prefix(2 * Int(rc)))
    }

    /// The bounded searches `mapWindows` finds a sentence's first and last tokens with
    /// give what the search of every token gives, for every offset, with bounds around
    /// the answer (`from:to:`) and from every token that starts before the offset (`after:`).
    func testBoundedFirstTokenSearchesEqualSearchingEveryToken() {
        var generator = Generator(state: 0xF125_7703)
        for _ in 0..<300 {
            var tokens: [Token] = []
            var offset: Int32 = 0
            for _ in 0..<Int(generator.next() % 60) {
                offset += Int32(generator.next() % 4)  // tokens may share a start in this test
                tokens.append(Token(start: offset, end: offset + 1, keyStart: 0, keyEnd: 0, kind: .word, flags: []))
            }
            tokens.withUnsafeBufferPointer { tokens in
                for target in Int32(-1)...(offset + 2) {
                    let want = tokens.firstToken(atOrAfter: target)
                    for from in Set([0, want / 2, max(0, want - 1), want]) {
                        for to in Set([want, min(want + 1, tokens.count), (want + tokens.count) / 2, tokens.count]) {
                            XCTAssertEqual(RegexTagger.firstToken(atOrAfter: target, tokens, from: from, to: to), want)
                        }
                    }
                    for t in 0..<tokens.count where tokens[t].start < target {
                        XCTAssertEqual(RegexTagger.firstToken(atOrAfter: target, tokens, after: t), want)
                    }
                }
            }
        }
    }

    func testNormalizersOnBytesAgreeWithTheStringNormalizers() {
        let words = TestSupport.resources.patterns.words
        for (language, texts) in [("en", ["1,500", "3.5", "-20", "−7", "1.2.3", "1,000.50", "twenty-five", "a dozen", "three hundred",
                                          "one thousand two hundred", "2,5", "07", "1,23", "12345678901234567", "x1"]),
                                  ("es", ["1.500", "3,5", "treinta y cinco", "doscientos mil", "dieciséis", "1.000,50", "1,234",
                                          "mil millones", "veintiún", "dos mil millones", "cinco mil  millones", "mil-millones",
                                          "un millón", "tres millones", "mil", "millones mil", "mil millones de", "cien mil millones"]),
                                  ("*", ["1,500", "1.500", "1,5"])] {
            let values = WordValues(words[language] ?? WordLists())
            for text in texts {
                var bytes = text
                let byByte = bytes.withUTF8 { Normalizers.amount($0, scale: nil, values: values, language: language) }
                let byString = Normalizers.amount(text, scale: nil, words: values.words, language: language)
                XCTAssertEqual(byByte, byString, "\(language): \(text)")
            }
        }
        // Generated numbers in digits with separators: decimal marks, thousands groups,
        // signs, leading zeros, up to 20 digits (past the exact fast path), marks at the end.
        var digitGenerator = Generator(state: 0xD161_75)
        for language in ["en", "es", "*"] {
            let values = WordValues(words[language] ?? WordLists())
            for _ in 0..<4000 {
                var text = digitGenerator.pick(["", "", "", "-", "+", "−"])
                for k in 0..<(1 + Int(digitGenerator.next() % 20)) {
                    if k > 0 && digitGenerator.next() % 4 == 0 { text += digitGenerator.pick([".", ","]) }
                    text += String(digitGenerator.next() % 10)
                }
                for t in [text, text + digitGenerator.pick([".", ",", "5"])] {
                    var bytes = t
                    let byByte = bytes.withUTF8 { Normalizers.amount($0, scale: nil, values: values, language: language) }
                    let byString = Normalizers.amount(t, scale: nil, words: values.words, language: language)
                    XCTAssertEqual(byByte, byString, "\(language): \(t)")
                    if let a = byByte, let b = byString { XCTAssertEqual(a.sign, b.sign, "\(language): \(t)") }
                }
            }
        }
        // Generated number words, two-word scales among them.
        var generator = Generator(state: 31)
        for (language, pieces) in [("en", ["one", "twenty", "five", "hundred", "thousand", "million", "and", "a", "dozen", "-", "x"]),
                                   ("es", ["mil", "millones", "dos", "cien", "y", "veinte", "un", "millón", "doscientos", "-", "de"])] {
            let values = WordValues(words[language]!)
            for _ in 0..<2000 {
                let text = (0...Int(generator.next() % 5)).map { _ in generator.pick(pieces) }
                    .joined(separator: generator.pick([" ", "  ", "-"]))
                var bytes = text
                let byByte = bytes.withUTF8 { Normalizers.amount($0, scale: nil, values: values, language: language) }
                let byString = Normalizers.amount(text, scale: nil, words: values.words, language: language)
                XCTAssertEqual(byByte, byString, "\(language): \(text)")
            }
        }
    }

    func testURLAndEmailTokensBecomeEntities() throws {
        let doc = try tag("See pic.twitter.com/kkkTi7s53i or write to press@example.org today.")
        let c = candidates(doc)
        XCTAssertEqual(c.first { $0.text == "pic.twitter.com/kkkTi7s53i" }?.type, "URL")
        XCTAssertEqual(c.first { $0.text == "press@example.org" }?.type, "EMAIL")
    }

    func testMatchesSnapToTokenBoundaries() throws {
        // "16" inside the designation token F-16 is no CARDINAL; the designation is a PRODUCT.
        let doc = try tag("China's DFH-4 and F-16 jets")
        let c = candidates(doc)
        XCTAssertFalse(c.contains { $0.text == "16" || $0.text == "4" })
        XCTAssertEqual(c.first { $0.text == "F-16" }?.type, "PRODUCT")
        XCTAssertEqual(c.first { $0.text == "DFH-4" }?.type, "PRODUCT")
        // A month word inside a longer word is no date.
        XCTAssertTrue(candidates(try tag("Mayday 5 calls")).allSatisfy { $0.type != "DATE" })
    }

    func testSpanishPatternsDoNotRunOnEnglishDocuments() throws {
        let doc = try tag("hace dos años", language: "en")
        XCTAssertFalse(candidates(doc).contains { $0.rule == "date-es-ago" })
    }

    // MARK: - Safety

    func testHostileInputCompletes() throws {
        let digits = String(repeating: "1", count: 100_000)
        let doc = try tag("Total: $" + digits + " and " + String(repeating: "((((", count: 5_000) + " 12 12 12")
        // Completes; the huge number may be a candidate or a regex-limit warning, never a hang.
        XCTAssertTrue(doc.layers.contains(.candidates))
        let spaced = String(repeating: "1 ", count: 50_000)
        let doc2 = try tag(spaced)
        XCTAssertTrue(doc2.layers.contains(.candidates))
    }

    func testReferenceDateParsesTweetAndISOFormats() {
        XCTAssertEqual(CivilDate.parse("Tue Sep 12 10:00:00 +0000 2023"), RegexPatternTests.reference)
        XCTAssertEqual(CivilDate.parse("2023-09-12T10:00:00.000Z"), RegexPatternTests.reference)
        XCTAssertEqual(CivilDate.parse("1694512800000"), RegexPatternTests.reference)
        XCTAssertEqual(CivilDate.parse("Tue, 12 Sep 2023 10:00:00 GMT"), RegexPatternTests.reference)
        XCTAssertNil(CivilDate.parse("someday"))
        XCTAssertEqual(RegexPatternTests.reference.weekday, 2)
        XCTAssertEqual(RegexPatternTests.reference.isoWeek.week, 37)
    }

    /// Values written straight as JSON text (plain integers and ASCII hashtags from
    /// the text, the others by `Normalizers.writeValue`) must be the bytes that
    /// serializing their `JSONValue` gives: every candidate's value compared on the
    /// bundled corpus and on numbers, hashtags, amounts, dates and times of many shapes.
    func testValuesWrittenDirectlyEqualSerializedValues() throws {
        var texts: [(String, String)] = try TestSupport.corpusJSONLines.flatMap { try TestSupport.jsonlTexts($0) }
            .map { ($0.0, $0.1 ?? "en") }
        var generator = Generator(state: 5)
        let pieces = ["0", "7", "12", "007", "123456789012345", "1234567890123456", "#COVID19Vaccine", "#a", "#ÚltimoMinuto",
                      "#NYC2024", "#x_y", "#HTTPServer", "#iPhone15Pro", "3,000", "4.5", "-2", "#\\q", "#dos\"tres",
                      "$20 million", "$4.99", "€3,5 millones", "£1.2bn", "US$ 7", "20 dólares", "300 euros", "1.000.000 pesos",
                      "20%", "12.5 per cent", "el 40 por ciento", "3rd", "twenty-first", "21st", "el primero", "5 km", "10 kg",
                      "3.5 miles", "2 litros", "at 5:30 pm", "10am", "12 a.m.", "a las 10 de la noche", "las 8:15", "25:99",
                      "March 3, 2021", "3 de marzo de 2021", "31/12/2023", "12/31/23", "2023-09-30", "February 30, 2021",
                      "last Monday", "next Friday", "el próximo lunes", "two years ago", "hace dos años", "for 20 years",
                      "the 1990s", "los años 80", "the 80s", "siglo XXI", "the 21st century", "next week", "last month",
                      "yesterday", "ayer", "mañana", "in 2019", "en 1999", "1,5", "2.000", "-3.25", "one million", "a dozen",
                      "three hundred", "doscientos mil", "mil millones", "+44 20 7946 0958", "(555) 123-4567", "$AAPL", "$tsla",
                      "1e15", "999999999999999.5", "0.000001", "1,234,567.891", "12 de octubre", "Oct. 12", "Sept 2024", "#AñoNuevo2024", "#Día_de_la_Madre", "#Привет", "#MÉXICOvsESPAÑA", "#niño", "#ÑÑ", "#café☕"]
        for i in 0..<1200 {
            texts.append(((0..<6).map { _ in generator.pick(pieces) }.joined(separator: " "), ["en", "es", "und"][i % 3]))
        }
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let direct = RegexTagger(patterns: TestSupport.resources.patterns)
        let serialized = RegexTagger(patterns: TestSupport.resources.patterns)
        serialized.writesValuesDirectly = false
        var compared = 0
        assertSameCandidates(texts, after: pipeline, filtered: direct, everywhere: serialized) { slow in
            compared += slow.candidates.filter { !$0.value.isNone }.count
        }
        XCTAssertGreaterThan(compared, 1000)
    }

    /// The stage writes the values of a document's candidates into one buffer and copies it
    /// to `annotationBytes` once: what is there before stays, and the bytes added are the
    /// values, one after another in candidate order, each named by its candidate's `value`
    /// (as one append per value made them).
    func testValuesAreAppendedInCandidateOrderAfterEarlierBytes() throws {
        let texts = ["On 12 March 2024 the price rose 5% to $1.2 million, #BreakingNews, 3 km and 42 people.",
                     "El 3 de marzo de 2021 hubo 20 dólares, el 40 por ciento, #ÚltimoMinuto y 7.", "nothing here"]
            + (try TestSupport.jsonlTexts(TestSupport.corpusJSONLines[1]).map(\.text))
        let pipeline = try TestSupport.pipeline(["tokenize", "sentences", "language"])
        let tagger = RegexTagger(patterns: TestSupport.resources.patterns)
        tagger.referenceDate = RegexPatternTests.reference
        var values = 0
        for text in texts {
            var doc = Document(id: "t", text: text)
            pipeline.process(&doc)
            let before: [UInt8] = Array("earlier".utf8)
            doc.annotationBytes = before
            tagger.process(&doc)
            var expected = before
            for c in doc.candidates where !c.value.isNone {
                XCTAssertEqual(Int(c.value.start), expected.count, text)
                expected += doc.annotationBytes[Int(c.value.start)..<Int(c.value.end)]
                values += 1
            }
            XCTAssertEqual(doc.annotationBytes, expected, text)
        }
        XCTAssertGreaterThan(values, 20)
    }
}
