import CSupport

/// Finds sentence boundaries as ICU's sentence break iterator does (for
/// ASCII and Latin text, emoji included, by `SimpleSentenceBreaks`, the same rules without
/// ICU; for other text by ICU itself), then removes the boundaries that
/// follow abbreviations: a title (`Dr.`,
/// `Sr.`) never ends a sentence; an initial (`F.` after a capitalized word)
/// does not either. Sentence spans exclude surrounding white space. Marks
/// the first token of each sentence with `.sentenceStart`.
public final class SentenceSplitter: Stage {
    public let name = "sentences"
    public let requires: Layers = [.tokens]
    public let produces: Layers = [.sentences]

    private let resources: TextResources
    private let breaker: ICUBreaker
    /// The boundaries of the document being split, kept between documents:
    /// emptying it costs nothing (an array's `removeAll(keepingCapacity:)`
    /// was about 90 instructions a document) and appending checks no uniqueness.
    private var boundaries = GrowableBuffer<Int>(capacity: 64)
    /// `SimpleSentenceBreaks.asciiTable`, read once: a static's first-use check cost a call a document.
    private let asciiClasses = SimpleSentenceBreaks.asciiTable
    /// Whether `split` finds the token after each boundary by binary search
    /// (tests turn it off to compare with the plain scan).
    var searchesTokens = true

    public init(resources: TextResources) throws {
        self.resources = resources
        self.breaker = try ICUBreaker(.sentence)
    }

    deinit { boundaries.deallocate() }

    public func process(_ doc: inout Document) {
        // The layers are swapped out and worked on through pointers: no
        // uniqueness or bounds checks per token, and no copy of the document
        // for the abbreviation checks.
        var sentences: [Span] = []
        swap(&sentences, &doc.sentences)
        if !sentences.isEmpty { sentences.removeAll(keepingCapacity: true) }
        var tokens: [Token] = []
        swap(&tokens, &doc.tokens)
        // A local copy of the buffer (three words), stored back after: no
        // access to the property in the loops, no capture of it.
        var boundaries = self.boundaries
        defer { self.boundaries = boundaries }
        boundaries.count = 0
        doc.text.withUnsafeBufferPointer { p in
            if !SimpleSentenceBreaks.find(p, into: &boundaries, ascii: asciiClasses) {
                boundaries.count = 0
                breaker.forEachBoundary(p) { boundary, _ in boundaries.append(boundary) }
            }
            let found = UnsafeBufferPointer(start: boundaries.base, count: boundaries.count)
            tokens.withUnsafeMutableBufferPointer { tokens in
                split(p, boundaries: found, tokens: tokens, into: &sentences)
            }
        }
        swap(&tokens, &doc.tokens)
        swap(&sentences, &doc.sentences)
        doc.layers.insert(.sentences)
    }

    /// Appends to `sentences` the spans between the boundaries in `boundaries`
    /// that are kept (not inside a token, not after an abbreviation that
    /// keeps the sentence open), white space trimmed, and flags the first
    /// token of each (`.sentenceStart`).
    ///
    /// The first token of a sentence is found from the token cursor at the
    /// boundary it starts at (the first token ending after it), which the
    /// search for that boundary already gave: a step or none past the white
    /// space trimmed, where a binary search over the tokens for each sentence
    /// (`flagSentenceStarts`, the reference the tests compare it with) cost
    /// 8.8 M instructions on the mixed inputs.
    /// (Inlined into `process`: as a call it cost some 45 instructions a document.)
    @inline(__always)
    private func split(_ text: UnsafeBufferPointer<UInt8>, boundaries: UnsafeBufferPointer<Int>,
                       tokens mutableTokens: UnsafeMutableBufferPointer<Token>, into sentences: inout [Span]) {
        let tokens = UnsafeBufferPointer(mutableTokens)
        var start = 0
        var startToken = 0  // the first token ending after `start`
        var t = 0  // token cursor
        let count = text.count
        let search = searchesTokens
        for boundary in boundaries {
            // Past the tokens that end at or before the boundary.
            t = SentenceSplitter.firstTokenEnding(after: boundary, in: tokens, from: t, search: search)
            // ICU sees sentence ends inside URLs ("…/x?y=1") and spaced abbreviations ("EE. UU.").
            if t < tokens.count, Int(tokens[t].start) < boundary { continue }
            if boundary < count, t > 0, keepsSentenceOpen(text, tokens: tokens, tokenIndex: t - 1, boundary: boundary) {
                continue
            }
            SentenceSplitter.appendSentence(text, start, boundary, to: &sentences, flagging: mutableTokens, near: startToken)
            start = boundary
            startToken = t
        }
        if start < count {
            SentenceSplitter.appendSentence(text, start, count, to: &sentences, flagging: mutableTokens, near: startToken)
        }
    }

    /// Flags the tokens that start at `start` (tokens sorted by start), searching
    /// from token `near`: back over the tokens before it that start at or after
    /// `start` (none unless empty ones), then forward over those that start
    /// before it (white space only), so the first token flagged is the one a
    /// binary search over all the tokens finds.
    @inline(__always)
    private static func flagTokens(startingAt start: Int32, in tokens: UnsafeMutableBufferPointer<Token>, near: Int) {
        var i = near
        while i > 0, tokens[i &- 1].start >= start { i &-= 1 }
        while i < tokens.count, tokens[i].start < start { i &+= 1 }
        while i < tokens.count, tokens[i].start == start {
            tokens[i].flags.insert(.sentenceStart)
            i &+= 1
        }
    }

    /// The first token at or after `from` whose end is after `boundary`
    /// (`tokens.count` if none): tokens are disjoint and sorted, so their
    /// ends rise, and a binary search finds it in a number of steps that
    /// goes with the log of the tokens, not with the tokens between two
    /// boundaries. Without `search` (tests), the plain scan.
    ///
    /// Two cheap steps come first. A boundary the last token ends at or before
    /// (the text's end, the last boundary of every document: most tweets have no
    /// other) needs no search. A boundary is most often a sentence ahead, a few
    /// dozen tokens: strides of 9 tokens (at most four) most often bound it first,
    /// and the halving then spans 8 tokens, not all the tokens left.
    @inline(__always)
    static func firstTokenEnding(after boundary: Int, in tokens: UnsafeBufferPointer<Token>, from: Int, search: Bool) -> Int {
        var low = from
        if !search {
            while low < tokens.count, Int(tokens[low].end) <= boundary { low += 1 }
            return low
        }
        var high = tokens.count
        if low >= high || Int(tokens[high &- 1].end) <= boundary { return high }
        // The answer stays in `low...high`: tokens before `low` end at or before the boundary.
        var strides = 0
        while strides < 4, low &+ 8 < high {
            if Int(tokens[low &+ 8].end) > boundary {
                high = low &+ 8
                break
            }
            low &+= 9
            strides &+= 1
        }
        while low < high {
            let mid = (low &+ high) &>> 1
            if Int(tokens[mid].end) <= boundary { low = mid &+ 1 } else { high = mid }
        }
        return low
    }

    /// Flags the first token of each sentence: every token that starts where
    /// a sentence starts (sentences are non-empty, disjoint and sorted, tokens
    /// sorted by start). Each sentence start is found by a binary search among the
    /// tokens after the previous one's, so the cost goes with the number of
    /// sentences, not of tokens. `split` flags them as it goes; this is the
    /// reference the tests compare it with.
    static func flagSentenceStarts(_ tokens: UnsafeMutableBufferPointer<Token>, sentences: [Span]) {
        var low = 0
        for sentence in sentences {
            var high = tokens.count
            while low < high {
                let mid = (low &+ high) &>> 1
                if tokens[mid].start < sentence.start { low = mid &+ 1 } else { high = mid }
            }
            while low < tokens.count, tokens[low].start == sentence.start {
                tokens[low].flags.insert(.sentenceStart)
                low &+= 1
            }
        }
    }

    /// The plain form of `flagSentenceStarts`, one pass over the tokens (the
    /// reference the tests compare it with).
    static func flagSentenceStartsByScan(_ tokens: UnsafeMutableBufferPointer<Token>, sentences: [Span]) {
        sentences.withUnsafeBufferPointer { sentences in
            var s = 0
            for i in 0..<tokens.count {
                let start = tokens[i].start
                while s < sentences.count, sentences[s].end <= start { s += 1 }
                if s == sentences.count { return }
                if sentences[s].start == start { tokens[i].flags.insert(.sentenceStart) }
            }
        }
    }

    private func keepsSentenceOpen(_ text: UnsafeBufferPointer<UInt8>, tokens: UnsafeBufferPointer<Token>,
                                   tokenIndex: Int, boundary: Int) -> Bool {
        let token = tokens[tokenIndex]
        // A line break between them is a real boundary (headlines, lists).
        for i in Int(token.end)..<boundary where text[i] == 0x0A { return false }
        guard token.kind == .abbreviation else { return false }
        if let id = resources.abbreviations.lookup(UnsafeBufferPointer(rebasing: text[Int(token.start)..<Int(token.end)])) {
            if resources.abbreviationKinds[id] == .title { return true }
            // "Sept. 12", "U.S. officials": what follows shows the sentence goes on.
            guard tokenIndex + 1 < tokens.count else { return false }
            let next = tokens[tokenIndex + 1]
            return !next.flags.contains(.capitalized) && (next.kind == .number || next.kind == .word)
        }
        // An initial after a capitalized word: "John F. Kennedy".
        if token.end - token.start == 2, tokenIndex > 0 {
            let previous = tokens[tokenIndex - 1]
            return previous.flags.contains(.capitalized) && previous.kind == .word
        }
        return false
    }

    /// Appends the sentence from `start` to `end`, white space trimmed, if any is
    /// left, and flags the tokens that start where it starts (`flagTokens`, from
    /// token `near`).
    private static func appendSentence(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, to sentences: inout [Span],
                                       flagging tokens: UnsafeMutableBufferPointer<Token>, near: Int) {
        var a = start, b = end
        while a < b, Self.isSpaceAt(p, a) { a += Self.scalarLength(p[a]) }
        while b > a, Self.isSpaceBefore(p, b) { b -= p[b - 1] < 0x80 ? 1 : UTF8Repair.decodeBefore(p, b).1 }
        if a < b {
            let sentence = Span(a, b)
            sentences.append(sentence)
            flagTokens(startingAt: sentence.start, in: tokens, near: near)
        }
    }

    private static func scalarLength(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    @inline(__always)
    private static func isSpaceAt(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        if p[i] < 0x80 { return ByteClass.isSpace(p[i]) }
        return isNonASCIIWhitespace(UTF8Repair.decode(p, i).0)
    }

    @inline(__always)
    static func isSpaceBefore(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Bool {
        let last = p[i - 1]
        if last < 0x80 { return ByteClass.isSpace(last) }
        // A document's text is valid UTF-8: `last` (80–BF) ends a character, and
        // most (an emoji ending a tweet) end no white space, told by one bit test
        // before the character is decoded.
        guard whitespaceLastBytes & (1 &<< UInt64(last & 0x3F)) != 0 else { return false }
        return isNonASCIIWhitespace(UTF8Repair.decodeBefore(p, i).0)
    }

    /// Bit `b - 0x80` for each byte `b` that ends the UTF-8 of a non-ASCII
    /// white-space character (`isNonASCIIWhitespace`): 85 (U+0085), A0 (U+00A0),
    /// 80–8A (U+1680, U+2000–U+200A, U+3000), A8, A9, AF (U+2028, U+2029,
    /// U+202F), 9F (U+205F). A test checks it against every scalar.
    static let whitespaceLastBytes: UInt64 = 0x8301_8000_07FF

    /// Whether scalar `value` (not ASCII) is white space, as
    /// `Unicode.Scalar.Properties.isWhitespace` says (Unicode's White_Space
    /// property, a short fixed list), without the property lookup: the last
    /// character of a tweet is often an emoji. A test compares the two on
    /// every scalar.
    @inline(__always)
    static func isNonASCIIWhitespace(_ value: UInt32) -> Bool {
        if value < 0x1680 { return value == 0x85 || value == 0xA0 }
        if value <= 0x200A { return value == 0x1680 || value >= 0x2000 }
        return value == 0x2028 || value == 0x2029 || value == 0x202F || value == 0x205F || value == 0x3000
    }
}

/// The sentence boundaries ICU's sentence break iterator (root locale, the
/// rules of Unicode's UAX #29) finds, for text made only of ASCII, Latin-1
/// letters, the punctuation of English and Spanish news and the emoji and
/// symbols of tweets; for any other
/// character `find` gives up and ICU runs. A test checks both agree on
/// generated text.
enum SimpleSentenceBreaks {
    /// Sentence break classes of UAX #29 (Format, Sep and OLetter never
    /// occur here: text with them goes to ICU; Extend only after a character
    /// that is not a line break).
    enum Class: UInt8 {
        case other, cr, lf, sp, lower, upper, oLetter, numeric, aTerm, sTerm, close, sContinue
        case extend
        case unsupported
    }

    /// The class and length of the character at `i`.
    @inline(__always)
    static func classify(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ ascii: UnsafePointer<Class>) -> (Class, Int) {
        let b = p[i]
        if b < 0x80 { return (ascii[Int(b)], 1) }
        return classifyNonASCII(p, i)
    }

    @inline(never)
    static func classifyNonASCII(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> (Class, Int) {
        let b = p[i]
        let n = p.count
        if b == 0xC3, i + 1 < n {
            let d = p[i + 1]
            if d == 0x97 || d == 0xB7 { return (.other, 2) }  // × ÷
            if d >= 0x80 && d <= 0x9E { return (.upper, 2) }
            if d >= 0x9F && d <= 0xBF { return (.lower, 2) }
            return (.unsupported, 1)
        }
        if b == 0xC2, i + 1 < n {
            switch p[i + 1] {
            case 0xA0: return (.sp, 2)  // no-break space
            case 0xAB, 0xBB: return (.close, 2)  // « »
            case 0xAA, 0xB5, 0xBA: return (.lower, 2)  // ª µ º
            case 0xAD: return (.unsupported, 1)  // soft hyphen: Format
            case 0xA1...0xBF: return (.other, 2)  // ¡ ¿ £ € ° § © ½ and other signs
            default: return (.unsupported, 1)
            }
        }
        if (b == 0xC4 || b == 0xC5), i + 1 < n, p[i + 1] & 0xC0 == 0x80 {
            // Latin Extended-A (U+0100–U+017F): letters, cased as Unicode says.
            let value = UInt32(b & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F)
            let props = Unicode.Scalar(value)!.properties
            if props.isUppercase || props.generalCategory == .titlecaseLetter { return (.upper, 2) }
            return (props.isLowercase ? .lower : .oLetter, 2)
        }
        if b == 0xE2, i + 2 < n {
            switch (p[i + 1], p[i + 2]) {
            case (0x80, 0x98), (0x80, 0x99), (0x80, 0x9C), (0x80, 0x9D), (0x80, 0xB9), (0x80, 0xBA):
                return (.close, 3)  // ‘ ’ “ ” ‹ ›
            case (0x80, 0x93), (0x80, 0x94): return (.sContinue, 3)  // – —
            case (0x80, 0xA2), (0x80, 0xA6), (0x82, 0xAC): return (.other, 3)  // • … €
            default: break
            }
        }
        // Emoji and the symbols tweets are full of; the text is valid UTF-8.
        if b >= 0xE0, b < 0xF0, i + 2 < n {
            return (symbolClass(UInt32(b & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F)), 3)
        }
        if b >= 0xF0, i + 3 < n {
            let value = UInt32(b & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6 | UInt32(p[i + 3] & 0x3F)
            return (symbolClass(value), 4)
        }
        return (.unsupported, 1)
    }

    /// The classes of arrows, shapes, dingbats, emoji, variation selectors
    /// and joiners, as ICU's data gives them (`u_getIntPropertyValue(c,
    /// UCHAR_SENTENCE_BREAK)`: the ranges below have one class each);
    /// `.unsupported` for anything else.
    static func symbolClass(_ value: UInt32) -> Class {
        switch value {
        case 0x2190...0x2307, 0x230C...0x2328, 0x232B...0x24B5, 0x24EA...0x275A, 0x2761...0x2767, 0x2776...0x27BF,
             0x2800...0x28FF, 0x2B00...0x2BFF, 0x30FB,
             0x1F000...0x1F12F, 0x1F14A...0x1F14F, 0x1F16A...0x1F16F, 0x1F18A...0x1F675, 0x1F679...0x1FAFF:
            return .other
        case 0x2308...0x230B, 0x2329...0x232A, 0x275B...0x2760, 0x2768...0x2775, 0x1F676...0x1F678:
            return .close
        case 0x200C...0x200D, 0xFE00...0xFE0F:
            return .extend
        default:
            return .unsupported
        }
    }

    /// `asciiClasses` where the loops read it.
    static let asciiTable: UnsafePointer<Class> = {
        let t = UnsafeMutablePointer<Class>.allocate(capacity: 128)
        for b in 0..<128 { t[b] = asciiClasses[b] }
        return UnsafePointer(t)
    }()

    /// ASCII characters that stop the quick scan of `find`: sentence
    /// terminators, line breaks and controls it does not know.
    @inline(__always)
    static func stopsScan(_ c: Class) -> Bool {
        c == .aTerm || c == .sTerm || c == .cr || c == .lf || c == .unsupported
    }

    static let asciiClasses: [Class] = (0..<128).map { (b: Int) -> Class in
        switch UInt8(b) {
        case 0x0D: .cr
        case 0x0A: .lf
        case 0x09, 0x0B, 0x0C, 0x20: .sp
        case 0x00...0x1F, 0x7F: .unsupported
        case UInt8(ascii: "a")...UInt8(ascii: "z"): .lower
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): .upper
        case UInt8(ascii: "0")...UInt8(ascii: "9"): .numeric
        case UInt8(ascii: "."): .aTerm
        case UInt8(ascii: "!"), UInt8(ascii: "?"): .sTerm
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"),
             UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"): .close
        case UInt8(ascii: ","), UInt8(ascii: "-"), UInt8(ascii: ":"): .sContinue
        default: .other
        }
    }

    /// Appends the boundaries after the start of `p` (its end included) to
    /// `out`; returns false when `p` holds a character this does not know.
    /// `wordScan` skips runs of plain ASCII (and the characters of
    /// `passableLength`) sixteen bytes at a time with `entex_sentence_scan`
    /// (tests turn it off to compare with the byte-by-byte scan).
    static func find(_ p: UnsafeBufferPointer<UInt8>, into out: inout [Int], wordScan: Bool = true) -> Bool {
        var buffer = GrowableBuffer<Int>(capacity: 16)
        defer { buffer.deallocate() }
        let known = find(p, into: &buffer, wordScan: wordScan)
        out.append(contentsOf: UnsafeBufferPointer(start: buffer.base, count: buffer.count))
        return known
    }

    /// `find(_:into:wordScan:)` appending to a buffer, as the splitter calls it (`ascii`:
    /// `asciiTable`, which the splitter keeps).
    static func find(_ p: UnsafeBufferPointer<UInt8>, into out: inout GrowableBuffer<Int>, wordScan: Bool = true,
                     ascii: UnsafePointer<Class>? = nil) -> Bool {
        let n = p.count
        guard n > 0 else { return true }
        // Where the sequence ending at the previous character stands in
        // `SATerm Close* Sp*`: 0 outside it, 1 in `SATerm Close*`, 2 in `Sp*`.
        var phase = 0
        var termIsATerm = false
        var prev = Class.other, beforePrev = Class.other
        // SB8 look-ahead: the first character at or after `lookFrom` that is
        // OLetter, Upper, Lower, ParaSep or SATerm, and its class.
        var lookFrom = -1
        var lookStop = -1
        var lookClass = Class.other
        let ascii = ascii ?? asciiTable
        var i = 0
        while i < n {
            // Outside `SATerm Close* Sp*` and not after a line break, no rule
            // but SB4 can break: skip ASCII (and, in the quick scan, the letters
            // and quotes of `passableLength`) up to the next terminator or line break.
            if phase == 0 && prev != .cr && prev != .lf {
                var j = i
                if wordScan, let base = p.baseAddress {
                    // Sixteen bytes at a time (CSupport); a Latin-1 letter or a
                    // common quote or dash changes nothing here either.
                    j = entex_sentence_scan(base, n, i)
                } else {
                    while j < n, p[j] < 0x80, !stopsScan(ascii[Int(p[j])]) { j += 1 }
                }
                if j > i {
                    // The character at `j` is then read at once (no second scan from
                    // it). Only the class of the last character passed matters: no
                    // rule looks at the one before it (`beforePrev`: SB7 reads it
                    // only after an ATerm, and none was passed), and it becomes
                    // `beforePrev` of the character at `j`.
                    prev = classEnding(at: j, p, ascii).0
                    i = j
                    if i >= n { break }
                }
            }
            var (c, length) = classify(p, i, ascii)
            if c == .unsupported { return false }
            if c == .extend {
                // SB5: an Extend character is part of the one before it, and no
                // rule sees it. At the start of the text or after a line break
                // there is none: it stands alone, and ICU then treats it as
                // Other (one tweet in 66 starts with a stray U+FE0F; a test
                // compares with ICU on generated text).
                if i > 0 && prev != .cr && prev != .lf {
                    i += length
                    continue
                }
                c = .other
            }
            if i > 0 {
                var breaks = false
                if prev == .cr && c == .lf {
                    breaks = false  // SB3
                } else if prev == .cr || prev == .lf {
                    breaks = true  // SB4
                } else if prev == .aTerm && c == .numeric {
                    breaks = false  // SB6
                } else if prev == .aTerm && c == .upper && (beforePrev == .upper || beforePrev == .lower) {
                    breaks = false  // SB7
                } else if phase > 0 {
                    if termIsATerm && nextLetterIsLower(p, i, ascii, &lookFrom, &lookStop, &lookClass) {
                        breaks = false  // SB8
                    } else if c == .sContinue || c == .aTerm || c == .sTerm {
                        breaks = false  // SB8a
                    } else if phase == 1 && (c == .close || c == .sp || c == .cr || c == .lf) {
                        breaks = false  // SB9
                    } else if c == .sp || c == .cr || c == .lf {
                        breaks = false  // SB10
                    } else {
                        breaks = true  // SB11
                    }
                }
                if breaks { out.append(i) }
            }
            switch c {
            case .aTerm, .sTerm:
                phase = 1
                termIsATerm = c == .aTerm
            case .close where phase == 1:
                break
            case .sp where phase >= 1:
                phase = 2
            default:
                phase = 0
            }
            beforePrev = prev
            prev = c
            i += length
        }
        out.append(n)
        return true
    }

    /// The length of the character at `i` when it is one that the quick scan
    /// of `find` (`entex_sentence_scan`, which the tests compare with this) may pass (with no sentence end pending and not after a line
    /// break, no rule breaks before it and it starts no sequence that could):
    /// a Latin-1 letter (C3 80–BF but × ÷, Upper or Lower), ‘ ’ “ ” (Close),
    /// – — (SContinue), • … (Other); else 0. `classEnding` gives back its class.
    @inline(__always)
    static func passableLength(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        let n = p.count
        let b = p[i]
        if b == 0xC3 {
            guard i &+ 1 < n else { return 0 }
            let d = p[i &+ 1]
            return d & 0xC0 == 0x80 && d != 0x97 && d != 0xB7 ? 2 : 0
        }
        guard b == 0xE2, i &+ 2 < n, p[i &+ 1] == 0x80 else { return 0 }
        switch p[i &+ 2] {
        case 0x93, 0x94, 0x98, 0x99, 0x9C, 0x9D, 0xA2, 0xA6: return 3
        default: return 0
        }
    }

    /// The class and length of the character that ends at `k`, one that
    /// the quick scan of `find` passed: ASCII, or a character
    /// `passableLength` lets through.
    @inline(__always)
    static func classEnding(at k: Int, _ p: UnsafeBufferPointer<UInt8>, _ ascii: UnsafePointer<Class>) -> (Class, Int) {
        let b = p[k &- 1]
        if b < 0x80 { return (ascii[Int(b)], 1) }
        // A continuation byte: C3 (never one itself) before it marks a Latin-1 letter, else E2 80 xx.
        if p[k &- 2] == 0xC3 { return (b <= 0x9E ? .upper : .lower, 2) }
        switch b {
        case 0x93, 0x94: return (.sContinue, 3)
        case 0x98, 0x99, 0x9C, 0x9D: return (.close, 3)
        default: return (.other, 3)
        }
    }

    /// SB8: whether, skipping anything but OLetter, Upper, Lower, ParaSep
    /// and SATerm from `i`, a Lower comes next. The answer for a run is
    /// remembered, so a long run of spaces costs one scan.
    private static func nextLetterIsLower(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, _ ascii: UnsafePointer<Class>,
                                          _ lookFrom: inout Int, _ lookStop: inout Int, _ lookClass: inout Class) -> Bool {
        if lookFrom >= 0, lookFrom <= i, i <= lookStop { return lookClass == .lower }
        var j = i
        lookClass = .other
        while j < p.count {
            let (c, length) = classify(p, j, ascii)
            switch c {
            case .lower, .upper, .oLetter, .cr, .lf, .aTerm, .sTerm, .unsupported:
                lookClass = c
                lookFrom = i
                lookStop = j
                return c == .lower
            default:
                j += length
            }
        }
        lookFrom = i
        lookStop = p.count
        return false
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
    /// Bit `KeyHash.hash(word) >> 48` is set for every function word: a
    /// token whose key hash (stored by the tokenizer) has its bit clear is
    /// no function word, and most tokens are ruled out so without a lookup.
    private let hashFilter: [UInt64]
    /// The function words of at most 8 bytes again, in an open-addressed
    /// table indexed by the top bits of their key hash (`shortShift`), with
    /// linear probing (`ShortSlot`). A token whose key is that short (nearly
    /// all) is found or ruled out with its stored hash and one or two
    /// comparisons of words, neither the filter nor a byte-by-byte comparison.
    private let shortSlots: [ShortSlot]
    private static let shortShift: UInt64 = 52
    /// For each slot of the short table, whether a token whose key hash has
    /// that slot as its home may be a function word: bit 0 when the slot holds
    /// a word (a short key is then looked for there), bit 1 when a function
    /// word longer than 8 bytes hashes to it (a long key is then tested with
    /// `hashFilter` and looked up). A token whose byte is 0 (most) is ruled out
    /// by its stored hash alone, its kind and key not read.
    private let homeFlags: [UInt8]
    private static let emptySlot: UInt8 = 0xFF

    /// A function word of the short table, in one place so that a probe
    /// reads one slot, not three arrays.
    private struct ShortSlot {
        /// The word's bytes as a little-endian word, zero past its end.
        var word: UInt64 = 0
        /// The word's length (`emptySlot`: no word).
        var length: UInt8 = LanguageDetector.emptySlot
        /// What a token with this key adds to the English and Spanish counts
        /// (bits 0 and 1 of `languages`).
        var english: UInt8 = 0
        var spanish: UInt8 = 0
        /// What it adds to the Spanish count when it is punctuation: 2 for the
        /// keys of ¿ and ¡, which have slots of their own, so that the loop
        /// tests them only when a key is found rather than at every token.
        var punctSpanish: UInt8 = 0
    }
    /// Whether `hashFilter` and the short table are used (tests turn them off
    /// to compare with looking every token up).
    var usesHashFilter = true
    /// At most this many tokens are looked at: the start of a text decides.
    static let sampleTokens = 400
    /// `keyMasks`, copied where the loop reads it (no first-use check of a static there).
    private let masks: UnsafeMutablePointer<UInt64>
    /// Entry `length` (0...8): the low `length` bytes of a word set, the rest clear.
    /// `packedKey` masks a loaded word with one load from it, where computing the
    /// mask (a shift by a variable count, its checks and the 8-byte case) took
    /// about 8 instructions at each token whose home slot holds a word.
    static let keyMasks: [UInt64] = (0...8).map { $0 == 8 ? ~0 : (1 << UInt64(8 * $0)) - 1 }

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
        var filter = [UInt64](repeating: 0, count: 1024)
        for id in 0..<table.count {
            let bit = Int(KeyHash.hash(table.key(id)) >> 48)
            filter[bit >> 6] |= 1 << UInt64(bit & 63)
        }
        hashFilter = filter
        let size = 1 << (64 - Int(LanguageDetector.shortShift))
        var slots = [ShortSlot](repeating: ShortSlot(), count: size)
        for id in 0..<table.count {
            let key = table.key(id)
            guard key.count <= 8 else { continue }
            var s = Int(KeyHash.hash(key) >> LanguageDetector.shortShift)
            while slots[s].length != LanguageDetector.emptySlot { s = (s + 1) & (size - 1) }
            slots[s] = ShortSlot(word: LanguageDetector.packed(key), length: UInt8(key.count),
                                 english: languages[id] & 1, spanish: languages[id] >> 1)
        }
        // The inverted marks, in their own slots (or a function word's, were one the same key).
        for mark in LanguageDetector.invertedMarks {
            let word = LanguageDetector.packed(mark)
            var s = Int(KeyHash.hash(mark) >> LanguageDetector.shortShift)
            while slots[s].length != LanguageDetector.emptySlot,
                  !(Int(slots[s].length) == mark.count && slots[s].word == word) { s = (s + 1) & (size - 1) }
            slots[s].word = word
            slots[s].length = UInt8(mark.count)
            slots[s].punctSpanish = 2
        }
        shortSlots = slots
        var flags = [UInt8](repeating: 0, count: size)
        for s in 0..<size where slots[s].length != LanguageDetector.emptySlot { flags[s] |= 1 }
        for id in 0..<table.count where table.key(id).count > 8 {
            flags[Int(KeyHash.hash(table.key(id)) >> LanguageDetector.shortShift)] |= 2
        }
        homeFlags = flags
        masks = UnsafeMutablePointer<UInt64>.allocate(capacity: LanguageDetector.keyMasks.count)
        masks.initialize(from: LanguageDetector.keyMasks, count: LanguageDetector.keyMasks.count)
    }

    deinit { masks.deallocate() }

    public func process(_ doc: inout Document) {
        defer { doc.layers.insert(.language) }
        if doc.languageGiven, let given = doc.language, !given.isEmpty, given != "und" {
            // Normalize region-tagged codes: "es-419" → "es". A code already in
            // that form ("en", "es") is kept as it is, without making a new string.
            if !given.utf8.allSatisfy({ $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) {
                doc.language = String(given.prefix { $0 != "-" && $0 != "_" }).lowercased()
            }
            return
        }
        // The layers are read in place: `detect(doc)` took a copy of the
        // document (and the old language was then released through Optional's
        // generic destroy), about 150 instructions a document.
        // The short table's loop is called from here, not through `counts`
        // (a call and its checks a document, a few percent of the stage on tweets).
        let filtered = usesHashFilter
        let (en, es) = doc.tokens.withUnsafeBufferPointer { tokens in
            doc.tokenKeys.withUnsafeBufferPointer { keys in
                doc.keyHashes.withUnsafeBufferPointer { hashes in
                    if filtered, hashes.count == tokens.count, !hashes.isEmpty {
                        return shortCounts(tokens: tokens, keys: keys, hashes: hashes,
                                           count: min(tokens.count, LanguageDetector.sampleTokens))
                    }
                    return counts(tokens: tokens, keys: keys, hashes: hashes.count == tokens.count ? hashes : UnsafeBufferPointer(start: nil, count: 0))
                }
            }
        }
        doc.setDetectedLanguage(LanguageDetector.language(en: en, es: es))
    }

    public func detect(_ doc: Document) -> String {
        let (en, es) = counts(doc)
        return LanguageDetector.language(en: en, es: es).detectedCode
    }

    /// The language the counts of function words say (`.other` for `und`).
    @inline(__always)
    static func language(en: Int, es: Int) -> DocumentLanguage {
        // One count at least 1.5 times the other, in integers (exact, as the
        // counts are small; converting both to Double cost some 15 instructions).
        if en + es < 2 { return .other }
        if 2 &* en >= 3 &* es { return .en }
        if 2 &* es >= 3 &* en { return .es }
        return .other
    }

    /// The evidence `detect` weighs: English and Spanish function words among
    /// the first `sampleTokens` tokens, and 2 for Spanish per ¿ or ¡.
    func counts(_ doc: Document) -> (en: Int, es: Int) {
        // The tokenizer's key hashes, when present for every token (documents built by hand may lack them).
        let hashes = doc.keyHashes.count == doc.tokens.count ? doc.keyHashes : []
        return doc.tokenKeys.withUnsafeBufferPointer { keys in
            hashes.withUnsafeBufferPointer { hashes in
                doc.tokens.withUnsafeBufferPointer { tokens in counts(tokens: tokens, keys: keys, hashes: hashes) }
            }
        }
    }

    /// `counts(doc)` of the document's tokens, token keys and key hashes
    /// (`hashes` empty: none, each key is hashed here).
    func counts(tokens: UnsafeBufferPointer<Token>, keys: UnsafeBufferPointer<UInt8>,
                hashes: UnsafeBufferPointer<UInt64>) -> (en: Int, es: Int) {
        let filtered = usesHashFilter
        let count = min(tokens.count, LanguageDetector.sampleTokens)
        if filtered, !hashes.isEmpty { return shortCounts(tokens: tokens, keys: keys, hashes: hashes, count: count) }
        var en = 0, es = 0
        hashFilter.withUnsafeBufferPointer { filter in
            @inline(__always) func tally(_ i: Int, hash: UInt64) {
                let token = tokens[i]
                let key = UnsafeBufferPointer(rebasing: keys[Int(token.keyStart)..<Int(token.keyEnd)])
                if let id = functionWords.lookup(key, hash: ByteStringTable.hash(folding: hash)) {
                    en += Int(languages[id] & 1)
                    es += Int(languages[id] >> 1)
                }
            }
            @inline(__always) func isInvertedMark(_ i: Int) -> Bool {  // ¿ ¡
                let token = tokens[i]
                guard token.keyEnd - token.keyStart == 2 else { return false }
                let a = keys[Int(token.keyStart)], b = keys[Int(token.keyStart) + 1]
                return a == 0xC2 && (b == 0xBF || b == 0xA1)
            }
            for i in 0..<count {
                let token = tokens[i]
                guard token.kind == .word || token.kind == .punct else { continue }
                let key = UnsafeBufferPointer(rebasing: keys[Int(token.keyStart)..<Int(token.keyEnd)])
                let hash = hashes.isEmpty ? KeyHash.hash(key) : hashes[i]
                let bit = Int(truncatingIfNeeded: hash >> 48)
                if !filtered || filter[bit &>> 6] & (1 &<< UInt64(bit & 63)) != 0 { tally(i, hash: hash) }
                if token.kind == .punct, isInvertedMark(i) { es += 2 }
            }
        }
        return (en, es)
    }

    /// The keys of ¿ and ¡, each of which adds 2 to the Spanish count.
    private static let invertedMarks: [[UInt8]] = [[0xC2, 0xBF], [0xC2, 0xA1]]

    /// A key of at most 8 bytes as a little-endian word, zero past its end.
    private static func packed(_ key: some Collection<UInt8>) -> UInt64 {
        key.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    /// `counts` over the first `count` tokens with their stored key hashes: a
    /// key of at most 8 bytes is looked for in the short table (and read, once,
    /// only when its first slot holds a word), which also holds the inverted
    /// marks; a longer one is looked up only when its filter bit is set. The
    /// tokens and hashes are walked with pointers and the counts kept in
    /// locals that no closure captures, so that the loop keeps them in
    /// registers. Each token's hash is read first: its home slot's
    /// `homeFlags` byte rules out most tokens (about 8 instructions each, from
    /// about 19 when the kind and the key's length were read first).
    private func shortCounts(tokens: UnsafeBufferPointer<Token>, keys: UnsafeBufferPointer<UInt8>,
                             hashes: UnsafeBufferPointer<UInt64>, count: Int) -> (en: Int, es: Int) {
        guard count > 0, let firstToken = tokens.baseAddress, let firstHash = hashes.baseAddress else { return (0, 0) }
        return shortSlots.withUnsafeBufferPointer { slots in
            homeFlags.withUnsafeBufferPointer { homes in
                hashFilter.withUnsafeBufferPointer { filter in
                    let slotBase = slots.baseAddress!, homeBase = homes.baseAddress!
                    let masks = UnsafePointer(self.masks)
                    let mask = slots.count &- 1
                    var english = 0, spanish = 0
                    var i = 0
                    while i < count {
                        let h = firstHash[i]
                        var s = Int(truncatingIfNeeded: h &>> LanguageDetector.shortShift)
                        let home = homeBase[s]
                        if home == 0 {
                            i &+= 1
                            continue
                        }
                        let token = firstToken + i
                        i &+= 1
                        let kind = token.pointee.kind
                        guard kind == .word || kind == .punct else { continue }
                        let start = Int(token.pointee.keyStart), length = Int(token.pointee.keyEnd) &- start
                        // (Unsigned: a negative length, which no tokenizer makes, would index `masks` out of bounds.)
                        if UInt(bitPattern: length) <= 8 {
                            guard home & 1 != 0 else { continue }
                            let word = LanguageDetector.packedKey(keys, start, length, masks: masks)
                            while true {
                                let slot = slotBase[s]
                                if Int(slot.length) == length && slot.word == word {
                                    english &+= Int(slot.english)
                                    spanish &+= Int(slot.spanish)
                                    if slot.punctSpanish != 0 && kind == .punct { spanish &+= Int(slot.punctSpanish) }
                                    break
                                }
                                s = (s &+ 1) & mask
                                if slotBase[s].length == LanguageDetector.emptySlot { break }
                            }
                        } else {
                            guard home & 2 != 0 else { continue }
                            let bit = Int(truncatingIfNeeded: h &>> 48)
                            if filter[bit &>> 6] & (1 &<< UInt64(bit & 63)) != 0,
                               let id = functionWords.lookup(UnsafeBufferPointer(rebasing: keys[start..<(start &+ length)]),
                                                             hash: ByteStringTable.hash(folding: h)) {
                                english &+= Int(languages[id] & 1)
                                spanish &+= Int(languages[id] >> 1)
                            }
                        }
                    }
                    return (english, spanish)
                }
            }
        }
    }

    /// The `length` (at most 8) bytes of `keys` from `start` as a
    /// little-endian word, zero past them: one load when 8 bytes are there
    /// to read, masked with `masks[length]` (`keyMasks`), else (the last keys
    /// of a document) byte by byte, out of line so that the loop that calls
    /// this keeps its registers.
    @inline(__always)
    static func packedKey(_ keys: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int,
                          masks: UnsafePointer<UInt64>) -> UInt64 {
        if start &+ 8 <= keys.count, let base = keys.baseAddress {
            return UInt64(littleEndian: UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self)) & masks[length]
        }
        return packedKeyBytewise(keys, start, length)
    }

    /// `packedKey` for a key that ends fewer than 8 bytes before the end of `keys`.
    @inline(never)
    private static func packedKeyBytewise(_ keys: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> UInt64 {
        var word: UInt64 = 0
        for k in 0..<length { word |= UInt64(keys[start + k]) << UInt64(8 * k) }
        return word
    }
}
