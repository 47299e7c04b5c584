import Entex
import XCTest

/// One row of a tokenization table: an input and the tokens a reader sees in it.
struct TokenCase {
    var text: String
    /// Surface texts of all tokens, in order.
    var tokens: [String]
    /// Expected match keys of some tokens, by surface text.
    var keys: [String: String]
    /// Expected kinds of some tokens, by surface text.
    var kinds: [String: TokenKind]
    var file: StaticString
    var line: UInt
}

/// A table row; `keys` and `kinds` name tokens by their surface text.
func tok(_ text: String, _ tokens: [String], keys: [String: String] = [:], kinds: [String: TokenKind] = [:],
         file: StaticString = #filePath, line: UInt = #line) -> TokenCase {
    TokenCase(text: text, tokens: tokens, keys: keys, kinds: kinds, file: file, line: line)
}

/// The tokenization table of issue 2: English news, Spanish news and tweets.
/// Every row states all the tokens; rows are grouped by the behaviour they pin.
enum TokenTable {
    static let urls: [TokenCase] = [
        tok("Visit pic.twitter.com/kkkTi7s53i now", ["Visit", "pic.twitter.com/kkkTi7s53i", "now"],
            kinds: ["pic.twitter.com/kkkTi7s53i": .url]),
        tok("Más en https://t.co/AbC123xyZ.", ["Más", "en", "https://t.co/AbC123xyZ", "."],
            kinds: ["https://t.co/AbC123xyZ": .url, ".": .punct]),
        tok("(see https://en.wikipedia.org/wiki/Caracas_(city))",
            ["(", "see", "https://en.wikipedia.org/wiki/Caracas_(city)", ")"],
            kinds: ["https://en.wikipedia.org/wiki/Caracas_(city)": .url]),
        tok("Lea www.elpais.com/internacional hoy", ["Lea", "www.elpais.com/internacional", "hoy"],
            kinds: ["www.elpais.com/internacional": .url]),
        tok("Go to google.com. Or bit.ly/3xYz", ["Go", "to", "google.com", ".", "Or", "bit.ly/3xYz"],
            kinds: ["google.com": .url, "bit.ly/3xYz": .url]),
        tok("http://example.org/a?b=1&c=2, then", ["http://example.org/a?b=1&c=2", ",", "then"],
            kinds: ["http://example.org/a?b=1&c=2": .url]),
        tok("HTTPS://EXAMPLE.COM/X", ["HTTPS://EXAMPLE.COM/X"], kinds: ["HTTPS://EXAMPLE.COM/X": .url]),
        tok("https://t.co/x1y2z3🇻🇪", ["https://t.co/x1y2z3", "🇻🇪"],
            kinds: ["https://t.co/x1y2z3": .url, "🇻🇪": .emoji]),
        tok("version 2.0 of the plan", ["version", "2.0", "of", "the", "plan"], kinds: ["2.0": .number]),
    ]

    static let emails: [TokenCase] = [
        tok("Write to info@example.com today", ["Write", "to", "info@example.com", "today"],
            keys: ["info@example.com": "info@example.com"], kinds: ["info@example.com": .email]),
        tok("Escriba a jane.doe+news@mail.example.org.", ["Escriba", "a", "jane.doe+news@mail.example.org", "."],
            kinds: ["jane.doe+news@mail.example.org": .email]),
    ]

    static let handles: [TokenCase] = [
        tok("RT @NicolasMaduro: hola", ["RT", "@NicolasMaduro", ":", "hola"],
            keys: ["@NicolasMaduro": "@nicolasmaduro"], kinds: ["@NicolasMaduro": .handle]),
        tok(".@NASA announced it", [".", "@NASA", "announced", "it"], kinds: ["@NASA": .handle, ".": .punct]),
        tok("Gracias @el_pais y @CNNEE!", ["Gracias", "@el_pais", "y", "@CNNEE", "!"],
            kinds: ["@el_pais": .handle, "@CNNEE": .handle]),
        tok("meet @ 5", ["meet", "@", "5"], kinds: ["@": .punct]),
    ]

    static let hashtags: [TokenCase] = [
        tok("#ÚltimoMinuto Maduro", ["#ÚltimoMinuto", "Maduro"],
            keys: ["#ÚltimoMinuto": "#ultimominuto"], kinds: ["#ÚltimoMinuto": .hashtag]),
        tok("#Venezuela2024", ["#Venezuela2024"], kinds: ["#Venezuela2024": .hashtag]),
        tok("#1 en ventas", ["#", "1", "en", "ventas"], kinds: ["1": .number]),
        tok("¡Vamos #Colombia!", ["¡", "Vamos", "#Colombia", "!"], kinds: ["#Colombia": .hashtag]),
        tok("#Niño #東京", ["#Niño", "#東京"], keys: ["#Niño": "#nino"], kinds: ["#Niño": .hashtag, "#東京": .hashtag]),
        tok("I code in C# daily", ["I", "code", "in", "C", "#", "daily"]),
    ]

    static let cashtags: [TokenCase] = [
        tok("$AAPL fell", ["$AAPL", "fell"], keys: ["$AAPL": "$aapl"], kinds: ["$AAPL": .cashtag]),
        tok("$BRK.B rose", ["$BRK.B", "rose"], kinds: ["$BRK.B": .cashtag]),
        tok("It costs $20 today", ["It", "costs", "$", "20", "today"], kinds: ["$": .symbol, "20": .number]),
        tok("$1,000.50", ["$", "1,000.50"], kinds: ["1,000.50": .number]),
        tok("$NQ y $AMX", ["$NQ", "y", "$AMX"], kinds: ["$NQ": .cashtag, "$AMX": .cashtag]),
    ]

    static let emoji: [TokenCase] = [
        tok("👨‍👩‍👧‍👦 familia", ["👨‍👩‍👧‍👦", "familia"], kinds: ["👨‍👩‍👧‍👦": .emoji]),
        tok("👍🏽👍🏽", ["👍🏽", "👍🏽"], kinds: ["👍🏽": .emoji]),
        tok("🇻🇪🇨🇴", ["🇻🇪", "🇨🇴"], kinds: ["🇻🇪": .emoji, "🇨🇴": .emoji]),
        tok("Pride 🏳️‍🌈", ["Pride", "🏳️‍🌈"], kinds: ["🏳️‍🌈": .emoji]),
        tok("dev 👩🏽‍💻", ["dev", "👩🏽‍💻"], kinds: ["👩🏽‍💻": .emoji]),
        tok("I ❤️ NY", ["I", "❤️", "NY"], kinds: ["❤️": .emoji]),
        tok("1️⃣ 2️⃣", ["1️⃣", "2️⃣"], kinds: ["1️⃣": .emoji, "2️⃣": .emoji]),
        tok("#️⃣ tecla", ["#️⃣", "tecla"], kinds: ["#️⃣": .emoji]),
        tok("🏴󠁧󠁢󠁳󠁣󠁴󠁿 win", ["🏴󠁧󠁢󠁳󠁣󠁴󠁿", "win"], kinds: ["🏴󠁧󠁢󠁳󠁣󠁴󠁿": .emoji]),
        tok("Hola😂", ["Hola", "😂"], kinds: ["😂": .emoji]),
    ]

    static let numbers: [TokenCase] = [
        tok("1,000.50 dollars", ["1,000.50", "dollars"], kinds: ["1,000.50": .number]),
        tok("1.000,50 euros", ["1.000,50", "euros"], kinds: ["1.000,50": .number]),
        tok("3.5% growth", ["3.5", "%", "growth"], kinds: ["3.5": .number]),
        tok("2019–2020", ["2019", "–", "2020"], kinds: ["2019": .number, "–": .punct]),
        tok("12.000 millones", ["12.000", "millones"], kinds: ["12.000": .number]),
        tok("0,5 puntos", ["0,5", "puntos"], kinds: ["0,5": .number]),
    ]

    static let abbreviations: [TokenCase] = [
        tok("Dr. Smith", ["Dr.", "Smith"], kinds: ["Dr.": .abbreviation]),
        tok("Sra. López", ["Sra.", "López"], keys: ["López": "lopez"], kinds: ["Sra.": .abbreviation]),
        tok("llegó a EE. UU. ayer", ["llegó", "a", "EE. UU.", "ayer"], kinds: ["EE. UU.": .abbreviation]),
        tok("llegó a EE.UU. ayer", ["llegó", "a", "EE.UU.", "ayer"], kinds: ["EE.UU.": .abbreviation]),
        tok("the U.S. economy", ["the", "U.S.", "economy"], kinds: ["U.S.": .abbreviation]),
        tok("John F. Kennedy", ["John", "F.", "Kennedy"]),
        tok("Acme Inc. reported", ["Acme", "Inc.", "reported"], kinds: ["Inc.": .abbreviation]),
        tok("e.g. oil", ["e.g.", "oil"], kinds: ["e.g.": .abbreviation]),
        tok("a las 10 a. m.", ["a", "las", "10", "a. m."], kinds: ["a. m.": .abbreviation]),
        tok("No. 10 Downing Street", ["No.", "10", "Downing", "Street"], kinds: ["No.": .abbreviation]),
        tok("Dijo que no.", ["Dijo", "que", "no", "."], kinds: ["no": .word, ".": .punct]),
        tok("Gen. Padrino López", ["Gen.", "Padrino", "López"], kinds: ["Gen.": .abbreviation]),
    ]

    static let designations: [TokenCase] = [
        tok("the DFH-4 satellite", ["the", "DFH-4", "satellite"], keys: ["DFH-4": "dfh-4"]),
        tok("COVID-19 cases", ["COVID-19", "cases"], keys: ["COVID-19": "covid-19"]),
        tok("an F-16 jet", ["an", "F-16", "jet"]),
        tok("cazas Su-57", ["cazas", "Su-57"]),
        tok("flight MH17", ["flight", "MH17"]),
    ]

    static let elongations: [TokenCase] = [
        tok("siiii", ["siiii"], keys: ["siiii": "si"]),
        tok("nooo", ["nooo"], keys: ["nooo": "no"]),
        tok("GOOOAL", ["GOOOAL"], keys: ["GOOOAL": "goal"]),
        tok("Sooo good", ["Sooo", "good"], keys: ["Sooo": "so", "good": "good"]),
        tok("síííí", ["síííí"], keys: ["síííí": "si"]),
        tok("www", ["www"], keys: ["www": "www"]),
        tok("cool", ["cool"], keys: ["cool": "cool"]),
        tok("jajajaja", ["jajajaja"], keys: ["jajajaja": "jajajaja"]),
    ]

    static let spanishPunctuation: [TokenCase] = [
        tok("¿Qué pasó?", ["¿", "Qué", "pasó", "?"], keys: ["Qué": "que", "pasó": "paso"], kinds: ["¿": .punct]),
        tok("¡Viva!", ["¡", "Viva", "!"], kinds: ["¡": .punct]),
        tok("«Basta», dijo.", ["«", "Basta", "»", ",", "dijo", "."], kinds: ["«": .punct, "»": .punct]),
        tok("¿¡En serio!?", ["¿", "¡", "En", "serio", "!", "?"]),
    ]

    static let possessives: [TokenCase] = [
        tok("China's economy", ["China", "'s", "economy"], keys: ["China": "china"]),
        tok("China’s economy", ["China", "’s", "economy"], keys: ["China": "china"]),
        tok("Maduro's government", ["Maduro", "'s", "government"]),
        tok("its economy", ["its", "economy"]),
    ]

    static let keys: [TokenCase] = [
        tok("Nicolás", ["Nicolás"], keys: ["Nicolás": "nicolas"]),
        tok("NICOLAS", ["NICOLAS"], keys: ["NICOLAS": "nicolas"]),
        tok("Nicola\u{301}s", ["Nicola\u{301}s"], keys: ["Nicola\u{301}s": "nicolas"]),
        tok("ｆｕｌｌ", ["ｆｕｌｌ"], keys: ["ｆｕｌｌ": "full"]),
        tok("𝐛𝐨𝐥𝐝", ["𝐛𝐨𝐥𝐝"], keys: ["𝐛𝐨𝐥𝐝": "bold"]),
        tok("España", ["España"], keys: ["España": "espana"]),
        tok("Straße", ["Straße"], keys: ["Straße": "strasse"]),
        tok("CAFÉ", ["CAFÉ"], keys: ["CAFÉ": "cafe"]),
        tok("İstanbul", ["İstanbul"], keys: ["İstanbul": "istanbul"]),
        tok("ﬁnal", ["ﬁnal"], keys: ["ﬁnal": "final"]),
    ]

    static let quotesDashesEllipses: [TokenCase] = [
        tok("\"Hello,\" she said.", ["\"", "Hello", ",", "\"", "she", "said", "."], kinds: ["\"": .punct]),
        tok("“Hi” ‘there’", ["“", "Hi", "”", "‘", "there", "’"], kinds: ["“": .punct, "”": .punct]),
        tok("Caracas — the capital — is", ["Caracas", "—", "the", "capital", "—", "is"], kinds: ["—": .punct]),
        tok("Wait… what", ["Wait", "…", "what"], kinds: ["…": .punct]),
        tok("Wait... what", ["Wait", "...", "what"], kinds: ["...": .punct]),
        tok("'yes'", ["'", "yes", "'"]),
    ]

    static let hyphenated: [TokenCase] = [
        tok("a well-known case", ["a", "well", "-", "known", "case"]),
        tok("anti-Maduro protests", ["anti", "-", "Maduro", "protests"]),
        tok("el ex-presidente", ["el", "ex", "-", "presidente"]),
    ]

    static let whiteSpace: [TokenCase] = [
        tok("Hola\u{00A0}mundo", ["Hola", "mundo"]),
        tok("Hola\u{200B}mundo", ["Hola", "mundo"]),
        tok("  tabs\tand\r\nnewlines  ", ["tabs", "and", "newlines"]),
        tok("\u{200F}مرحبا بالعالم", ["مرحبا", "بالعالم"]),
    ]

    static let englishNews: [TokenCase] = [
        tok("President Nicolás Maduro met China's Xi Jinping in Beijing on Sept. 12, 2023.",
            ["President", "Nicolás", "Maduro", "met", "China", "'s", "Xi", "Jinping", "in", "Beijing", "on",
             "Sept.", "12", ",", "2023", "."]),
        tok("The U.S. imposed $1.5 billion in sanctions on PDVSA, officials said.",
            ["The", "U.S.", "imposed", "$", "1.5", "billion", "in", "sanctions", "on", "PDVSA", ",",
             "officials", "said", "."]),
        tok("Venezuela's DFH-4 satellite, built by CAST, failed in March.",
            ["Venezuela", "'s", "DFH-4", "satellite", ",", "built", "by", "CAST", ",", "failed", "in", "March", "."]),
    ]

    static let spanishNews: [TokenCase] = [
        tok("El Sr. Maduro viajó a EE. UU. el 12 de septiembre.",
            ["El", "Sr.", "Maduro", "viajó", "a", "EE. UU.", "el", "12", "de", "septiembre", "."]),
        tok("«No vamos a permitirlo», afirmó la Dra. Rodríguez.",
            ["«", "No", "vamos", "a", "permitirlo", "»", ",", "afirmó", "la", "Dra.", "Rodríguez", "."]),
        tok("La inflación llegó al 1.000,5 % en 2019.",
            ["La", "inflación", "llegó", "al", "1.000,5", "%", "en", "2019", "."]),
    ]

    static let tweets: [TokenCase] = [
        tok("RT @CNNEE: ¡Última hora! #Venezuela 🇻🇪 https://t.co/AbCdEf1234",
            ["RT", "@CNNEE", ":", "¡", "Última", "hora", "!", "#Venezuela", "🇻🇪", "https://t.co/AbCdEf1234"]),
        tok("siiii ganamos!!! 🎉🎉 #CampeonesDelMundo",
            ["siiii", "ganamos", "!", "!", "!", "🎉", "🎉", "#CampeonesDelMundo"], keys: ["siiii": "si"]),
        tok("$TSLA up 5% 🚀 via @Reuters pic.twitter.com/kkkTi7s53i",
            ["$TSLA", "up", "5", "%", "🚀", "via", "@Reuters", "pic.twitter.com/kkkTi7s53i"]),
    ]

    static var all: [TokenCase] {
        urls + emails + handles + hashtags + cashtags + emoji + numbers + abbreviations + designations + elongations
            + spanishPunctuation + possessives + keys + quotesDashesEllipses + hyphenated + whiteSpace
            + englishNews + spanishNews + tweets
    }
}

final class TokenizerTests: XCTestCase {
    /// One tokenizer for the whole class: a stage keeps ICU state and is reused per document.
    private static let tokenizer: Pipeline = {
        do { return try TestSupport.pipeline(["tokenize"]) } catch { fatalError("cannot build tokenizer: \(error)") }
    }()

    /// Checks every row, reporting each mismatch at its row with actual and expected values.
    private func check(_ cases: [TokenCase]) {
        for c in cases {
            var doc = Document(id: "t", text: c.text)
            TokenizerTests.tokenizer.process(&doc)
            let texts = TestSupport.tokenTexts(doc)
            if texts != c.tokens {
                XCTFail("tokens of \(debug(c.text)):\n  expected \(debug(c.tokens))\n  actual   \(debug(texts))",
                        file: c.file, line: c.line)
            }
            for (surface, key) in c.keys {
                guard let i = texts.firstIndex(of: surface) else { continue }  // reported above
                let actual = doc.keyString(ofToken: i)
                if actual != key {
                    XCTFail("key of \(debug(surface)) in \(debug(c.text)): expected \(debug(key)), actual \(debug(actual))",
                            file: c.file, line: c.line)
                }
            }
            for (surface, kind) in c.kinds {
                guard let i = texts.firstIndex(of: surface) else { continue }
                if doc.tokens[i].kind != kind {
                    XCTFail("kind of \(debug(surface)) in \(debug(c.text)): expected \(kind.name), actual \(doc.tokens[i].kind.name)",
                            file: c.file, line: c.line)
                }
            }
            // Whatever the tokens are, they are ordered, disjoint and inside the text.
            var previousEnd: Int32 = 0
            for t in doc.tokens {
                if t.start < previousEnd || t.end <= t.start || Int(t.end) > doc.text.count {
                    XCTFail("token \(t.start)..<\(t.end) of \(debug(c.text)) is out of order or outside the text",
                            file: c.file, line: c.line)
                }
                previousEnd = t.end
            }
        }
    }

    private func debug(_ s: String) -> String { s.debugDescription }
    private func debug(_ list: [String]) -> String { "[" + list.map(\.debugDescription).joined(separator: ", ") + "]" }

    func testTableHasAtLeastEightyCases() {
        XCTAssertGreaterThanOrEqual(TokenTable.all.count, 80)
    }

    func testURLsWithAndWithoutSchemeStayWhole() { check(TokenTable.urls) }
    func testEmailAddressesStayWhole() { check(TokenTable.emails) }
    func testHandlesIncludingDotHandleAndRetweetPrefix() { check(TokenTable.handles) }
    func testHashtagsKeepUnicodeLettersAndNeedALetter() { check(TokenTable.hashtags) }
    func testCashtagsAreTickersButDollarAmountsAreNot() { check(TokenTable.cashtags) }
    func testEmojiSequencesAreOneTokenEach() { check(TokenTable.emoji) }
    func testNumbersWithEitherDecimalConventionStayWhole() { check(TokenTable.numbers) }
    func testAbbreviationsKeepTheirPeriods() { check(TokenTable.abbreviations) }
    func testDesignationsStayWhole() { check(TokenTable.designations) }
    func testElongationsGetAShortenedKey() { check(TokenTable.elongations) }
    func testSpanishOpeningMarksAndGuillemetsAreTheirOwnTokens() { check(TokenTable.spanishPunctuation) }
    func testPossessivesSplitOffTheNoun() { check(TokenTable.possessives) }
    func testKeysFoldCaseAccentsAndStyledLetters() { check(TokenTable.keys) }
    func testQuotesDashesAndEllipsesArePunctuationTokens() { check(TokenTable.quotesDashesEllipses) }
    func testHyphenatedWordsSplitAtTheHyphen() { check(TokenTable.hyphenated) }
    func testWhiteSpaceAndInvisibleMarksAreNotTokens() { check(TokenTable.whiteSpace) }
    func testEnglishNewsSentences() { check(TokenTable.englishNews) }
    func testSpanishNewsSentences() { check(TokenTable.spanishNews) }
    func testTweets() { check(TokenTable.tweets) }

    func testStaticKeyIsTheKeyTheTokenizerGives() throws {
        for word in ["Nicolás", "NICOLAS", "ｆｕｌｌ", "𝐛𝐨𝐥𝐝", "Bogotá", "ÑANDÚ"] {
            let doc = try TestSupport.annotate(word, stages: ["tokenize"])
            XCTAssertEqual(doc.tokens.count, 1, word)
            XCTAssertEqual(Array(doc.key(ofToken: 0)), Tokenizer.key(word), word)
        }
    }

    /// `Tokenizer.process` replaces what a document's token arrays hold, whether
    /// they are empty without storage (a fresh document), empty with the storage
    /// of an earlier text (a recycled document), or full from an earlier text.
    func testTokenizingAgainReplacesTheTokensOfAnEarlierText() throws {
        let tokenizer = try Tokenizer(resources: TestSupport.resources.text)
        let texts = ["RT @user: Nicolás visits #Bogotá today... https://t.co/x", "ok", "Three words here."]
        for earlier in texts {
            for text in texts {
                var fresh = Document(id: "fresh", text: text, language: nil)
                tokenizer.process(&fresh)
                for emptied in [false, true] {
                    var before = Document(id: "before", text: earlier, language: nil)
                    tokenizer.process(&before)
                    var reused = Document(id: "reused", text: text, language: nil)
                    reused.tokens = before.tokens
                    reused.tokenKeys = before.tokenKeys
                    reused.keyHashes = before.keyHashes
                    if emptied {
                        reused.tokens.removeAll(keepingCapacity: true)
                        reused.tokenKeys.removeAll(keepingCapacity: true)
                        reused.keyHashes.removeAll(keepingCapacity: true)
                    }
                    tokenizer.process(&reused)
                    XCTAssertEqual(reused.tokens, fresh.tokens, text)
                    XCTAssertEqual(reused.tokenKeys, fresh.tokenKeys, text)
                    XCTAssertEqual(reused.keyHashes, fresh.keyHashes, text)
                }
            }
        }
    }

    func testFlagsDescribeTheSurfaceForm() throws {
        let doc = try TestSupport.annotate("NASA y Nicolás siiii", stages: ["tokenize"])
        XCTAssertEqual(TestSupport.tokenTexts(doc), ["NASA", "y", "Nicolás", "siiii"])
        guard doc.tokens.count == 4 else { return }
        XCTAssertTrue(doc.tokens[0].flags.isSuperset(of: [.allCaps, .capitalized, .hasLetter, .ascii, .spaceBefore]))
        XCTAssertFalse(doc.tokens[1].flags.contains(.capitalized))
        XCTAssertTrue(doc.tokens[2].flags.contains(.capitalized))
        XCTAssertFalse(doc.tokens[2].flags.contains(.allCaps))
        XCTAssertFalse(doc.tokens[2].flags.contains(.ascii))
        XCTAssertTrue(doc.tokens[3].flags.contains(.elongated))
        XCTAssertFalse(doc.tokens[0].flags.contains(.elongated))
    }

    func testSpaceBeforeIsFalseForGluedPunctuation() throws {
        let doc = try TestSupport.annotate("Hola, mundo", stages: ["tokenize"])
        XCTAssertEqual(TestSupport.tokenTexts(doc), ["Hola", ",", "mundo"])
        guard doc.tokens.count == 3 else { return }
        XCTAssertTrue(doc.tokens[0].flags.contains(.spaceBefore), "the first token starts the text")
        XCTAssertFalse(doc.tokens[1].flags.contains(.spaceBefore))
        XCTAssertTrue(doc.tokens[2].flags.contains(.spaceBefore))
    }
}

/// Sentence boundaries: ICU's, minus those after titles, initials and
/// abbreviations that the next token shows are mid-sentence.
final class SentenceSplitterTests: XCTestCase {
    private func sentences(_ text: String) throws -> [String] {
        let doc = try TestSupport.annotate(text, stages: ["tokenize", "sentences"])
        return doc.sentences.map { doc.string($0) }
    }

    func testSpanishTitleNeverEndsASentence() throws {
        XCTAssertEqual(try sentences("Ayer el Sr. Maduro habló. Luego se fue."),
                       ["Ayer el Sr. Maduro habló.", "Luego se fue."])
        XCTAssertEqual(try sentences("La Sra. Rodríguez llegó. Luego habló."),
                       ["La Sra. Rodríguez llegó.", "Luego habló."])
    }

    func testSpanishTitleAtTheStartDoesNotEndASentence() throws {
        XCTAssertEqual(try sentences("Sr. Maduro habló hoy. Luego se fue."), ["Sr. Maduro habló hoy.", "Luego se fue."])
    }

    func testEnglishTitleNeverEndsASentence() throws {
        XCTAssertEqual(try sentences("Dr. Smith arrived. He spoke."), ["Dr. Smith arrived.", "He spoke."])
        XCTAssertEqual(try sentences("They met Mr. Smith and Gen. Padrino in Caracas. Talks failed."),
                       ["They met Mr. Smith and Gen. Padrino in Caracas.", "Talks failed."])
    }

    func testMonthAbbreviationBeforeADayDoesNotEndASentence() throws {
        XCTAssertEqual(try sentences("The vote is on Sept. 12 in Caracas. Results follow."),
                       ["The vote is on Sept. 12 in Caracas.", "Results follow."])
    }

    func testQuestionMarkInsideAURLDoesNotEndASentence() throws {
        XCTAssertEqual(try sentences("See https://example.com/search?q=venezuela&x=1 for more. Thanks."),
                       ["See https://example.com/search?q=venezuela&x=1 for more.", "Thanks."])
        XCTAssertEqual(try sentences("Mira https://example.com/a?B=1 ahora"), ["Mira https://example.com/a?B=1 ahora"])
    }

    func testSpacedSpanishAcronymDoesNotEndASentence() throws {
        XCTAssertEqual(try sentences("Maduro criticó a EE. UU. por las sanciones. Después habló."),
                       ["Maduro criticó a EE. UU. por las sanciones.", "Después habló."])
    }

    func testAcronymBeforeACapitalizedWordEndsASentence() throws {
        XCTAssertEqual(try sentences("He lives in the U.S. He works in Texas."),
                       ["He lives in the U.S.", "He works in Texas."])
    }

    func testInitialInsideANameDoesNotEndASentence() throws {
        XCTAssertEqual(try sentences("John F. Kennedy was president. He died in 1963."),
                       ["John F. Kennedy was president.", "He died in 1963."])
    }

    func testLineBreakEndsAHeadline() throws {
        XCTAssertEqual(try sentences("Venezuela protests\nThousands marched in Caracas."),
                       ["Venezuela protests", "Thousands marched in Caracas."])
    }

    func testSpanishQuestionsAndExclamationsAreSentences() throws {
        XCTAssertEqual(try sentences("¿Qué pasó? ¡Nadie sabe! «Basta», dijo."),
                       ["¿Qué pasó?", "¡Nadie sabe!", "«Basta», dijo."])
    }

    func testSentencesExcludeSurroundingWhiteSpace() throws {
        XCTAssertEqual(try sentences("  One here.   Two there.  \n"), ["One here.", "Two there."])
        XCTAssertEqual(try sentences(" \n\t "), [])
    }

    func testFirstTokenOfEachSentenceIsFlagged() throws {
        let doc = try TestSupport.annotate("Dr. Smith arrived. He spoke.", stages: ["tokenize", "sentences"])
        let starts = doc.tokens.indices.filter { doc.tokens[$0].flags.contains(.sentenceStart) }.map { doc.string(doc.tokens[$0].span) }
        XCTAssertEqual(starts, ["Dr.", "He"])
    }
}

/// Language of a document: given, or told between English and Spanish from
/// function words, or `und` when there is too little evidence.
final class LanguageDetectionTests: XCTestCase {
    private func language(_ text: String, given: String? = nil) throws -> String? {
        try TestSupport.annotate(text, language: given).language
    }

    func testEnglishNewsIsEnglish() throws {
        XCTAssertEqual(try language("The president said that the government will meet with the opposition on Monday."), "en")
    }

    func testSpanishNewsIsSpanish() throws {
        XCTAssertEqual(try language("El presidente dijo que el gobierno se reunirá con la oposición el lunes."), "es")
    }

    func testSpanishTweetWithHashtagsIsSpanish() throws {
        XCTAssertEqual(try language("Gracias a todos por el apoyo en #Caracas 🙏 ¡Nos vemos!"), "es")
    }

    func testEnglishTweetWithHandlesIsEnglish() throws {
        XCTAssertEqual(try language("Thanks @NASA for the live stream, it was amazing 🚀 #Artemis"), "en")
    }

    func testTextWithoutWordsIsUndetermined() throws {
        XCTAssertEqual(try language("👍🏽 #Venezuela 2024"), "und")
        XCTAssertEqual(try language("12345"), "und")
    }

    func testGivenLanguageIsKeptWithoutItsRegion() throws {
        XCTAssertEqual(try language("The president said that the government will meet.", given: "es-419"), "es")
        XCTAssertEqual(try language("Olá a todos", given: "pt"), "pt")
    }

    func testGivenUndeterminedLanguageIsDetected() throws {
        XCTAssertEqual(try language("El presidente dijo que el gobierno se reunirá con la oposición.", given: "und"), "es")
    }
}
