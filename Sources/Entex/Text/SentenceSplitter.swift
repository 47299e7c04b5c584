/// Finds sentence boundaries with ICU's sentence break iterator, then
/// removes the boundaries that follow abbreviations: a title (`Dr.`,
/// `Sr.`) never ends a sentence; an initial (`F.` after a capitalized word)
/// does not either. Sentence spans exclude surrounding white space. Marks
/// the first token of each sentence with `.sentenceStart`.
public final class SentenceSplitter: Stage {
    public let name = "sentences"
    public let requires: Layers = [.tokens]
    public let produces: Layers = [.sentences]

    private let resources: TextResources
    private let breaker: ICUBreaker
    private var boundaries: [Int] = []

    public init(resources: TextResources) throws {
        self.resources = resources
        self.breaker = try ICUBreaker(.sentence)
    }

    public func process(_ doc: inout Document) {
        doc.sentences.removeAll(keepingCapacity: true)
        boundaries.removeAll(keepingCapacity: true)
        doc.text.withUnsafeBufferPointer { p in
            breaker.forEachBoundary(p) { boundary, _ in boundaries.append(boundary) }
        }
        var start = 0
        var t = 0  // token cursor
        let tokens = doc.tokens
        for boundary in boundaries {
            // The last token that ends at or before the boundary.
            while t < tokens.count, Int(tokens[t].end) <= boundary { t += 1 }
            // ICU sees sentence ends inside URLs ("…/x?y=1") and spaced abbreviations ("EE. UU.").
            if t < tokens.count, Int(tokens[t].start) < boundary { continue }
            if boundary < doc.text.count, t > 0, keepsSentenceOpen(doc, tokenIndex: t - 1, boundary: boundary) {
                continue
            }
            appendSentence(&doc, start, boundary)
            start = boundary
        }
        if start < doc.text.count { appendSentence(&doc, start, doc.text.count) }

        // Flag the first token of each sentence.
        var s = 0
        for i in doc.tokens.indices {
            while s < doc.sentences.count, doc.sentences[s].end <= doc.tokens[i].start { s += 1 }
            if s < doc.sentences.count, doc.sentences[s].start == doc.tokens[i].start {
                doc.tokens[i].flags.insert(.sentenceStart)
            }
        }
        doc.layers.insert(.sentences)
    }

    private func keepsSentenceOpen(_ doc: Document, tokenIndex: Int, boundary: Int) -> Bool {
        let token = doc.tokens[tokenIndex]
        // A line break between them is a real boundary (headlines, lists).
        let between = doc.text[Int(token.end)..<boundary]
        if between.contains(0x0A) { return false }
        guard token.kind == .abbreviation else { return false }
        if let id = resources.abbreviations.lookup(doc.text[Int(token.start)..<Int(token.end)]) {
            if resources.abbreviationKinds[id] == .title { return true }
            // "Sept. 12", "U.S. officials": what follows shows the sentence goes on.
            guard tokenIndex + 1 < doc.tokens.count else { return false }
            let next = doc.tokens[tokenIndex + 1]
            return !next.flags.contains(.capitalized) && (next.kind == .number || next.kind == .word)
        }
        // An initial after a capitalized word: "John F. Kennedy".
        if token.end - token.start == 2, tokenIndex > 0 {
            let previous = doc.tokens[tokenIndex - 1]
            return previous.flags.contains(.capitalized) && previous.kind == .word
        }
        return false
    }

    private func appendSentence(_ doc: inout Document, _ start: Int, _ end: Int) {
        var a = start, b = end
        doc.text.withUnsafeBufferPointer { p in
            while a < b, Self.isSpaceAt(p, a) { a += Self.scalarLength(p[a]) }
            while b > a, Self.isSpaceBefore(p, b) { b -= UTF8Repair.decodeBefore(p, b).1 }
        }
        if a < b { doc.sentences.append(Span(a, b)) }
    }

    private static func scalarLength(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    private static func isSpaceAt(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        if p[i] < 0x80 { return ByteClass.isSpace(p[i]) }
        return Unicode.Scalar(UTF8Repair.decode(p, i).0)?.properties.isWhitespace ?? false
    }

    private static func isSpaceBefore(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        if p[i - 1] < 0x80 { return ByteClass.isSpace(p[i - 1]) }
        return Unicode.Scalar(UTF8Repair.decodeBefore(p, i).0)?.properties.isWhitespace ?? false
    }
}

/// Tells English from Spanish by counting function words in token keys
/// (lists in `Lexicons/text/stopwords-*.txt`) plus the characters only
/// Spanish uses (ñ ¿ ¡). Keeps a language the input gave. Too little
/// evidence gives `und`.
public final class LanguageDetector: Stage {
    public let name = "language"
    public let requires: Layers = [.tokens]
    public let produces: Layers = [.language]

    /// Function words of both languages in one table (one lookup a token);
    /// `languages[id]`: bit 0 English, bit 1 Spanish.
    private let functionWords: ByteStringTable
    private let languages: [UInt8]
    /// At most this many tokens are looked at: the start of a text decides.
    static let sampleTokens = 400

    public init(resources: TextResources) {
        var table = ByteStringTable()
        var languages: [UInt8] = []
        for (bit, lang) in [(UInt8(1), "en"), (UInt8(2), "es")] {
            guard let words = resources.stopwords[lang] else { continue }
            for id in 0..<words.count {
                let combined = table.insert(words.key(id))
                if combined == languages.count { languages.append(0) }
                languages[combined] |= bit
            }
        }
        functionWords = table
        self.languages = languages
    }

    public func process(_ doc: inout Document) {
        defer { doc.layers.insert(.language) }
        if doc.languageGiven, let given = doc.language, !given.isEmpty, given != "und" {
            // Normalize region-tagged codes: "es-419" → "es".
            doc.language = String(given.prefix { $0 != "-" && $0 != "_" }).lowercased()
            return
        }
        doc.language = detect(doc)
        doc.languageGiven = false
    }

    public func detect(_ doc: Document) -> String {
        var en = 0, es = 0
        doc.tokenKeys.withUnsafeBufferPointer { keys in
            for token in doc.tokens.prefix(LanguageDetector.sampleTokens) where token.kind == .word || token.kind == .punct {
                let key = UnsafeBufferPointer(rebasing: keys[Int(token.keyStart)..<Int(token.keyEnd)])
                if let id = functionWords.lookup(key) {
                    en += Int(languages[id] & 1)
                    es += Int(languages[id] >> 1)
                }
                if token.kind == .punct, key.count == 2, key[0] == 0xC2, key[1] == 0xBF || key[1] == 0xA1 { es += 2 }  // ¿ ¡
            }
        }
        if en + es < 2 { return "und" }
        if Double(en) >= Double(es) * 1.5 { return "en" }
        if Double(es) >= Double(en) * 1.5 { return "es" }
        return "und"
    }
}
