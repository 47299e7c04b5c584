#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSupport

/// One JSON Lines record parsed for the common case: an object whose first
/// `text` member is a string, decoded straight to the document's UTF-8 bytes.
///
/// The first `id` (a string or a number), `lang` and `date` (strings) are
/// held as their text, not as members: a plain record (`{"id":…,"text":…}`)
/// then makes no members array and no boxed `JSONValue`s at all.
struct ParsedRecordLine {
    /// A member held as its scalar's text, and its position among all the
    /// record's members.
    struct Scalar {
        var text: String
        var isNumber: Bool
        var position: Int
        var value: JSONValue { isNumber ? .number(text) : .string(text) }
    }

    /// The record's other members in order (a later `id`, `lang` or `date`,
    /// or a first one of another kind, among them).
    var members: [JSONValue.Member] = []
    var id: Scalar?
    var lang: Scalar?
    var date: Scalar?
    /// Position among all the members of the first member named `text`
    /// when its value was decoded into `text`.
    var textIndex: Int?
    /// The decoded text: valid UTF-8, escapes resolved.
    var text: [UInt8] = []

    /// Every member in order, the decoded text's member holding an empty
    /// string in place of the text (its bytes are in `text`).
    var allMembers: [JSONValue.Member] {
        var held: [(position: Int, member: JSONValue.Member)] = []
        if let id { held.append((id.position, .init("id", id.value))) }
        if let lang { held.append((lang.position, .init("lang", lang.value))) }
        if let date { held.append((date.position, .init("date", date.value))) }
        if let textIndex { held.append((textIndex, .init("text", .string("")))) }
        guard !held.isEmpty else { return members }
        held.sort { $0.position < $1.position }
        var all = members
        for h in held { all.insert(h.member, at: h.position) }
        return all
    }

    /// The record as the full parser would have returned it.
    var value: JSONValue {
        var members = allMembers
        if let textIndex {
            members[textIndex].value = .string(String(decoding: text, as: UTF8.self))
        }
        return .object(members)
    }
}

/// A JSON Lines record that is a plain document and nothing else: an
/// object whose members are `text` (a string), and at most an `id` (a string
/// or a number), a `lang` and a `date` (strings), each once, every string
/// clean (see `JSONParser.parseDocumentLine`).
struct DocumentLine {
    /// The id, as `shortID` or as `idString`.
    var id: String? { shortID.isEmpty ? idString : shortID.string }
    /// The id as a string, when it is not a `ShortID`.
    var idString: String?
    /// The id when it is a string `ShortID` holds (the reader then makes no string of it), else empty.
    var shortID = ShortID()
    /// The decoded text: valid UTF-8, escapes resolved.
    var text: [UInt8]
    var lang: String?
    var date: String?
}

extension JSONParser {
    /// Parses the commonest JSON Lines record straight to the fields of its
    /// document: `{"id":…,"text":…}`, with `lang` and `date` or without,
    /// in any order. No members array, no held scalars to place back among
    /// them and no mapping of members to fields, as the general fast path
    /// (`parseRecordLine`, then `RecordMapper.mapPlainDocument`) has.
    ///
    /// Returns nil, and the caller reads the line the general way, for any
    /// other record: another member (it would go to `meta`, or make the
    /// record a tweet), a member given twice, a value of another kind, a
    /// key or a string the general path would decode differently (a key
    /// written with escapes, invalid UTF-8, a lone surrogate escape, a
    /// control character), or anything that is not one object. What it
    /// returns is what the general path maps the record to, with no
    /// replacements counted: `DocumentLinePathTests` compares the two.
    mutating func parseDocumentLine(_ p: UnsafeBufferPointer<UInt8>) -> DocumentLine? {
        do throws(JSONParseError) {
            return try parseDocumentLineOrThrow(p)
        } catch {
            return nil
        }
    }

    private mutating func parseDocumentLineOrThrow(_ p: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> DocumentLine? {
        var i = 0
        skipSpace(p, &i)
        guard i < p.count, p[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var text: [UInt8]?
        var id: String?, lang: String?, date: String?
        var shortID = ShortID()
        while true {
            skipSpace(p, &i)
            guard i < p.count, p[i] == UInt8(ascii: "\""), let key = JSONParser.documentKey(p, &i) else { return nil }
            skipSpace(p, &i)
            guard i < p.count, p[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipSpace(p, &i)
            guard i < p.count else { return nil }
            let first = p[i]
            switch key {
            case .text:
                guard text == nil, first == UInt8(ascii: "\""),
                      let decoded = JSONParser.decodeCleanString(p, &i, scratch: &textScratch, reusing: recycledText) else { return nil }
                text = decoded
            case .id:
                guard id == nil, shortID.isEmpty else { return nil }
                if first == UInt8(ascii: "\"") {
                    if let short = ShortID(quotedAt: &i, in: p) {
                        shortID = short
                    } else {
                        guard let s = try cleanString(p, &i) else { return nil }
                        id = s
                    }
                } else if first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) {
                    id = try parseNumber(p, &i)
                } else {
                    return nil
                }
            case .lang:
                guard lang == nil, first == UInt8(ascii: "\""), let s = try cleanString(p, &i) else { return nil }
                lang = s
            case .date:
                guard date == nil, first == UInt8(ascii: "\""), let s = try cleanString(p, &i) else { return nil }
                date = s
            }
            skipSpace(p, &i)
            guard i < p.count else { return nil }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "}") { i += 1; break }
            return nil
        }
        skipSpace(p, &i)
        guard i == p.count, let text else { return nil }
        return DocumentLine(idString: id, shortID: shortID, text: text, lang: lang, date: date)
    }

    /// The string at `i` (its opening quote) as `parseString` decodes it,
    /// or nil when decoding it would replace something (counted in
    /// `replacements`), which the caller leaves to the general path.
    @inline(__always)
    private mutating func cleanString(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) throws(JSONParseError) -> String? {
        let before = replacements
        let s = try parseString(p, &i)
        return replacements == before ? s : nil
    }
}

extension JSONParser {
    /// Parses one JSON Lines record the way `parse` does, except that the
    /// first top-level `text` string (nearly all of a news record's bytes)
    /// is decoded straight to bytes instead of into a `String` that would be
    /// copied again, and the first `id`, `lang` and `date` scalars are kept
    /// as text (`ParsedRecordLine`).
    ///
    /// Returns nil, and the caller parses the line with `parse`, whenever
    /// the line is not exactly one object or the text holds anything the
    /// full parser repairs or rejects (invalid UTF-8, a lone surrogate
    /// escape, a control character, a bad escape): those records take the
    /// one slow path that reports them. Otherwise the members, their values
    /// and `replacements` (counted in the other members) are what `parse`
    /// gives.
    mutating func parseRecordLine(_ p: UnsafeBufferPointer<UInt8>) -> ParsedRecordLine? {
        do throws(JSONParseError) {
            return try parseRecordLineOrThrow(p)
        } catch {
            return nil
        }
    }

    private mutating func parseRecordLineOrThrow(_ p: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> ParsedRecordLine? {
        replacements = 0
        var i = 0
        skipSpace(p, &i)
        guard i < p.count, p[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var record = ParsedRecordLine()
        var sawText = false, sawID = false, sawLang = false, sawDate = false
        var position = 0
        skipSpace(p, &i)
        if i < p.count && p[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace(p, &i)
                guard i < p.count, p[i] == UInt8(ascii: "\"") else { return nil }
                let key: String
                let kind: DocumentKey?
                if let known = JSONParser.documentKey(p, &i) {
                    kind = known
                    key = known.name
                } else {
                    key = try parseString(p, &i)
                    kind = DocumentKey(key)
                }
                skipSpace(p, &i)
                guard i < p.count, p[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                skipSpace(p, &i)
                guard i < p.count else { return nil }
                let first = p[i]
                var held = false
                switch kind {
                case .text?:
                    if !sawText {
                        sawText = true
                        if first == UInt8(ascii: "\"") {
                            guard let text = JSONParser.decodeCleanString(p, &i, scratch: &textScratch, reusing: recycledText) else { return nil }
                            record.text = text
                            record.textIndex = position
                            held = true
                        }
                    }
                case .id?:
                    if !sawID {
                        sawID = true
                        if first == UInt8(ascii: "\"") {
                            record.id = .init(text: try parseString(p, &i), isNumber: false, position: position)
                            held = true
                        } else if first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) {
                            record.id = .init(text: try parseNumber(p, &i), isNumber: true, position: position)
                            held = true
                        }
                    }
                case .lang?:
                    if !sawLang {
                        sawLang = true
                        if first == UInt8(ascii: "\"") {
                            record.lang = .init(text: try parseString(p, &i), isNumber: false, position: position)
                            held = true
                        }
                    }
                case .date?:
                    if !sawDate {
                        sawDate = true
                        if first == UInt8(ascii: "\"") {
                            record.date = .init(text: try parseString(p, &i), isNumber: false, position: position)
                            held = true
                        }
                    }
                case nil:
                    break
                }
                if !held {
                    if record.members.isEmpty { record.members.reserveCapacity(8) }
                    record.members.append(.init(key, try parseValue(p, &i, depth: 1)))
                }
                position += 1
                skipSpace(p, &i)
                guard i < p.count else { return nil }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "}") { i += 1; break }
                return nil
            }
        }
        skipSpace(p, &i)
        guard i == p.count else { return nil }
        return record
    }

    /// The top-level keys a JSON Lines document interprets.
    enum DocumentKey {
        case id, text, lang, date

        /// The key `name` is, if any (a key written with escapes, once decoded).
        init?(_ name: String) {
            switch name.utf8.count {
            case 2: if name == "id" { self = .id } else { return nil }
            case 4:
                if name == "text" { self = .text }
                else if name == "lang" { self = .lang }
                else if name == "date" { self = .date }
                else { return nil }
            default: return nil
            }
        }

        var name: String {
            switch self {
            case .id: "id"
            case .text: "text"
            case .lang: "lang"
            case .date: "date"
            }
        }
    }

    /// The key at `i` (its opening quote) when it is one a JSON Lines
    /// document interprets, written plainly, without decoding it. `i` moves
    /// past the closing quote.
    @inline(__always)
    static func documentKey(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int) -> DocumentKey? {
        let rest = p.count - i
        if rest >= 6, p[i + 5] == 0x22 {
            let a = p[i + 1], b = p[i + 2], c = p[i + 3], d = p[i + 4]
            let key: DocumentKey
            if a == UInt8(ascii: "t"), b == UInt8(ascii: "e"), c == UInt8(ascii: "x"), d == UInt8(ascii: "t") { key = .text }
            else if a == UInt8(ascii: "l"), b == UInt8(ascii: "a"), c == UInt8(ascii: "n"), d == UInt8(ascii: "g") { key = .lang }
            else if a == UInt8(ascii: "d"), b == UInt8(ascii: "a"), c == UInt8(ascii: "t"), d == UInt8(ascii: "e") { key = .date }
            else { return nil }
            i += 6
            return key
        }
        if rest >= 4, p[i + 3] == 0x22, p[i + 1] == UInt8(ascii: "i"), p[i + 2] == UInt8(ascii: "d") {
            i += 4
            return .id
        }
        return nil
    }

    /// Decodes the JSON string whose opening quote is at `i` into UTF-8
    /// bytes and moves `i` past its closing quote; nil when the string is
    /// unterminated, holds a control character, a bad or lone-surrogate
    /// escape, or invalid UTF-8 (the full parser handles those).
    ///
    /// A string without escapes (most texts) is one plain run (`plainRun`):
    /// its bytes are copied from `p` straight into the result. Otherwise,
    /// as escapes never lengthen the text and invalid input is refused, the
    /// bytes from the quote to the end of `p` bound the result: it is
    /// decoded into `scratch` (grown to that bound when short, and kept by
    /// the caller from string to string), runs between escapes copied
    /// whole, then copied into an array of its exact length. Making that
    /// array from the bytes costs a few hundred instructions less than
    /// `Array(unsafeUninitializedCapacity:)` does, more than the copy of a
    /// tweet or an article. With `recycler`, the bytes are copied into the
    /// array it keeps when that has room: no allocation, and no freeing later.
    static func decodeCleanString(_ p: UnsafeBufferPointer<UInt8>, _ i: inout Int,
                                  scratch: inout [UInt8], reusing recycler: RecycledText? = nil) -> [UInt8]? {
        let n = p.count
        let from = i + 1
        guard from < n else { return nil }
        let base = p.baseAddress!
        guard let stop = plainRun(base, from: from, count: n) else { return nil }
        if stop < n, base[stop] == 0x22 {
            i = stop + 1
            if let recycler { return recycler.text(copying: base + from, count: stop &- from) }
            return Array(UnsafeBufferPointer(start: base + from, count: stop &- from))
        }
        if scratch.count < n - from {
            scratch = [UInt8](repeating: 0, count: max(n - from, 2 * scratch.count))
        }
        let decoded = scratch.withUnsafeMutableBufferPointer { buffer -> [UInt8]? in
            guard let done = decodeClean(base, from: from, firstStop: stop, count: n, into: buffer.baseAddress!) else { return nil }
            i = done.closingQuote + 1
            if let recycler { return recycler.text(copying: buffer.baseAddress!, count: done.written) }
            return Array(UnsafeBufferPointer(start: buffer.baseAddress!, count: done.written))
        }
        return decoded
    }

    /// The loop of `decodeCleanString` on plain pointers and local
    /// positions (nothing captured, so they stay in registers): the number
    /// of bytes written and where the closing quote is, or nil.
    @inline(__always)
    static func decodeClean(_ base: UnsafePointer<UInt8>, from: Int, count n: Int,
                            into dst: UnsafeMutablePointer<UInt8>) -> (written: Int, closingQuote: Int)? {
        guard let stop = plainRun(base, from: from, count: n) else { return nil }
        return decodeClean(base, from: from, firstStop: stop, count: n, into: dst)
    }

    /// `decodeClean` where the plain run from `from` is known to end at
    /// `firstStop` (`plainRun`), which is not scanned again.
    @inline(__always)
    static func decodeClean(_ base: UnsafePointer<UInt8>, from: Int, firstStop: Int, count n: Int,
                            into dst: UnsafeMutablePointer<UInt8>) -> (written: Int, closingQuote: Int)? {
        var start = from
        var r = firstStop
        var w = 0
        while true {
            if r > start {
                (dst + w).update(from: base + start, count: r &- start)
                w &+= r &- start
            }
            guard r < n else { return nil }
            if base[r] == 0x22 { return (w, r) }
            guard base[r] == 0x5C, r &+ 1 < n else { return nil }
            if base[r &+ 1] == UInt8(ascii: "u") {
                guard var scalar = hexQuad(base, r &+ 2, n) else { return nil }
                r &+= 6
                if scalar >= 0xD800 && scalar <= 0xDFFF {
                    // Only a high surrogate with an escaped low one after it is clean.
                    guard scalar <= 0xDBFF, r &+ 6 <= n, base[r] == 0x5C, base[r &+ 1] == UInt8(ascii: "u"),
                          let low = hexQuad(base, r &+ 2, n), low >= 0xDC00, low <= 0xDFFF else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    r &+= 6
                }
                w &+= encodeUTF8(scalar, into: dst + w)
            } else {
                let escaped: UInt8
                switch base[r &+ 1] {
                case UInt8(ascii: "\""): escaped = 0x22
                case UInt8(ascii: "\\"): escaped = 0x5C
                case UInt8(ascii: "/"): escaped = 0x2F
                case UInt8(ascii: "b"): escaped = 0x08
                case UInt8(ascii: "f"): escaped = 0x0C
                case UInt8(ascii: "n"): escaped = 0x0A
                case UInt8(ascii: "r"): escaped = 0x0D
                case UInt8(ascii: "t"): escaped = 0x09
                default: return nil
                }
                dst[w] = escaped
                w &+= 1
                r &+= 2
            }
            // The next run.
            start = r
            guard let stop = plainRun(base, from: r, count: n) else { return nil }
            r = stop
        }
    }

    /// Where the plain run of a JSON string that begins at `from` (of the `n`
    /// bytes at `base`) ends: the position of its first '"', '\\' or control
    /// character, or `n`; nil when a byte from 0x80 on in the run does not
    /// begin a valid UTF-8 sequence. The scan (`entex_json_plain_run`,
    /// sixteen bytes at a time) stops at each non-ASCII byte, which is
    /// checked there and stepped over with its sequence: only those bytes
    /// are ever checked, once. A sequence cut short by a stop or the end is
    /// invalid (continuation bytes are from 0x80 on), so a text is checked
    /// exactly as a check of the whole would; an escape writes a complete
    /// scalar, which neither ends a sequence begun before it nor is
    /// continued by the bytes after it, so runs between escapes are checked
    /// on their own.
    @inline(__always)
    static func plainRun(_ base: UnsafePointer<UInt8>, from: Int, count n: Int) -> Int? {
        var r = from
        while true {
            r = entex_json_plain_run(base, r, n)
            guard r < n, base[r] >= 0x80 else { return r }
            let length = validSequenceLength(base, r, n)
            if length == 0 { return nil }
            r &+= length
        }
    }

    /// The bytes of `w` that are a control character, '"' or '\\', each
    /// marked by its high bit. The lowest mark is exact; marks above it may
    /// be false (a borrow), which is why only the lowest is used.
    @inline(__always)
    static func plainRunEnds(_ w: UInt64) -> UInt64 {
        let quote = w ^ 0x2222_2222_2222_2222
        let backslash = w ^ 0x5C5C_5C5C_5C5C_5C5C
        let flagged = ((w &- 0x2020_2020_2020_2020) & ~w)
            | ((quote &- 0x0101_0101_0101_0101) & ~quote)
            | ((backslash &- 0x0101_0101_0101_0101) & ~backslash)
        return flagged & 0x8080_8080_8080_8080
    }

    /// Length of the valid UTF-8 sequence that begins with the byte >= 0x80
    /// at `at` (of `n` bytes), or 0 when it is invalid. Two-byte sequences
    /// (Latin letters with accents) are tried first.
    @inline(__always)
    static func validSequenceLength(_ base: UnsafePointer<UInt8>, _ at: Int, _ n: Int) -> Int {
        let b0 = base[at]
        if b0 >= 0xC2, b0 <= 0xDF, at &+ 1 < n, base[at &+ 1] & 0xC0 == 0x80 { return 2 }
        var subpart = 0
        return UTF8Repair.sequenceLength(UnsafeBufferPointer(start: base, count: n), at, subpart: &subpart)
    }

    /// The value of the four hex digits at `at` (of `n` bytes), or nil.
    @inline(__always)
    private static func hexQuad(_ base: UnsafePointer<UInt8>, _ at: Int, _ n: Int) -> UInt32? {
        guard at + 4 <= n else { return nil }
        var value: UInt32 = 0
        for k in 0..<4 {
            let c = base[at + k]
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }

    /// Writes the UTF-8 form of a scalar value (not a surrogate) and returns its length.
    @inline(__always)
    private static func encodeUTF8(_ v: UInt32, into out: UnsafeMutablePointer<UInt8>) -> Int {
        if v < 0x80 {
            out[0] = UInt8(v)
            return 1
        }
        if v < 0x800 {
            out[0] = UInt8(0xC0 | v >> 6)
            out[1] = UInt8(0x80 | v & 0x3F)
            return 2
        }
        if v < 0x10000 {
            out[0] = UInt8(0xE0 | v >> 12)
            out[1] = UInt8(0x80 | (v >> 6) & 0x3F)
            out[2] = UInt8(0x80 | v & 0x3F)
            return 3
        }
        out[0] = UInt8(0xF0 | v >> 18)
        out[1] = UInt8(0x80 | (v >> 12) & 0x3F)
        out[2] = UInt8(0x80 | (v >> 6) & 0x3F)
        out[3] = UInt8(0x80 | v & 0x3F)
        return 4
    }
}
