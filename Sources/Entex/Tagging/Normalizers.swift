/// Turns a regex match into the `value` of its candidate: ISO 8601 dates and
/// times, `{"amount", "currency"}` for money, numbers, segmented hashtags.
///
/// Normalizers read the named groups of a match (see `Lexicons/patterns/README.md`)
/// through `group`, which returns the text of a group (or of its `…2`
/// stand-in) or nil. They return nil when nothing can be resolved (a relative
/// date without a reference date, a day that does not exist); they never trap.
public enum Normalizers {
    /// The value of one match.
    /// - Parameters:
    ///   - whole: the matched text.
    ///   - language: the pattern's language (`en`, `es`, `*`), for number separators.
    ///   - reference: the date relative dates are resolved against.
    public static func normalize(_ kind: NormalizerKind, whole: String, group: (String) -> String?,
                                 words: WordLists, language: String, reference: CivilDate?) -> JSONValue? {
        switch kind {
        case .none: return nil
        case .date: return date(group: group, words: words, reference: reference).map(JSONValue.string)
        case .time: return time(group: group)
        case .money: return money(whole: whole, group: group, words: words, language: language)
        case .number, .percent:
            guard let n = amount(group("amount") ?? whole, scale: group("scale"), words: words, language: language) else { return nil }
            return .double(n)
        case .ordinal:
            if let digits = group("amount"), let n = Int(digits) { return .int(n) }
            if let word = group("word"), let v = words.value("ordinal", word), let n = Int(v) { return .int(n) }
            return nil
        case .quantity:
            guard let n = amount(group("amount") ?? whole, scale: group("scale"), words: words, language: language) else { return nil }
            let unit = group("unit").flatMap { words.value("unit", $0) }
            return .object([.init("amount", .double(n)), .init("unit", unit.map(JSONValue.string) ?? .null)])
        case .phone:
            var out = whole.hasPrefix("+") ? "+" : ""
            out += whole.filter { $0.isASCII && $0.isNumber }
            return .string(out)
        case .hashtag: return .string(segmentHashtag(whole))
        case .cashtag: return .string(String(whole.drop { $0 == "$" }).uppercased())
        }
    }

    // MARK: - Numbers

    /// A number written in digits or words, times an optional scale word.
    static func amount(_ text: String, scale: String?, words: WordLists, language: String) -> Double? {
        var value: Double
        if let d = digits(text, language: language) {
            value = d
        } else if let w = numberWords(text, words: words) {
            value = w
        } else {
            return nil
        }
        if let scale {
            guard let m = words.value("scale", scale).flatMap(Double.init) ?? words.value("scale-abbr", scale).flatMap(Double.init) else {
                return value
            }
            value *= m
        }
        // Products like 1.1 × 10^6 pick up binary noise; amounts have at most 6 decimals here.
        if abs(value) < 1e15 { value = (value * 1e6).rounded() / 1e6 }
        return value
    }

    /// Parses digits with thousands and decimal separators (see the patterns README for the rule).
    static func digits(_ raw: String, language: String) -> Double? {
        // Fast path: plain ASCII digits, the common case.
        if !raw.isEmpty, raw.utf8.count <= 15, raw.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            var v = 0
            for b in raw.utf8 { v = v * 10 + Int(b - 0x30) }
            return Double(v)
        }
        var text = Substring(raw)
        var negative = false
        if let f = text.first, f == "-" || f == "−" || f == "+" {
            negative = f != "+"
            text = text.dropFirst()
        }
        guard let first = text.first, first.isASCII, first.isNumber else { return nil }
        guard text.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "." || $0 == "," }) else { return nil }
        let separators = text.filter { $0 == "." || $0 == "," }
        var decimalMark: Character?
        if separators.contains(".") && separators.contains(",") {
            decimalMark = separators.last
        } else if let sep = separators.first {
            let count = separators.count
            let lastGroup = text.split(separator: sep, omittingEmptySubsequences: false).last ?? ""
            let thousandsMark: Character = language == "es" ? "." : ","
            if count > 1 {
                decimalMark = nil  // 1,000,000 or 1.000.000
            } else if lastGroup.count == 3 && (sep == thousandsMark || language == "*") {
                decimalMark = nil
            } else {
                decimalMark = sep
            }
        }
        var normalized = ""
        for c in text {
            if c == decimalMark { normalized.append(".") } else if c != "." && c != "," { normalized.append(c) }
        }
        guard let v = Double(normalized) else { return nil }
        return negative ? -v : v
    }

    /// Parses number words (`twenty-five`, `three hundred`, `treinta y cinco`, `doscientos mil`).
    static func numberWords(_ text: String, words: WordLists) -> Double? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "-" || $0.isWhitespace }).map(String.init)
        var total = 0.0, current = 0.0
        var any = false
        var i = 0
        while i < parts.count {
            let w = parts[i]
            // Two-word scales first ("mil millones").
            if i + 1 < parts.count, let v = words.value("scale", w + " " + parts[i + 1]).flatMap(Double.init) {
                total += max(current, 1) * v
                current = 0
                any = true
                i += 2
                continue
            }
            if let v = words.value("number", w).flatMap(Double.init) ?? words.value("one", w).flatMap(Double.init) {
                current += v
                any = true
            } else if let v = words.value("scale", w).flatMap(Double.init) {
                if v >= 1000 {
                    total += max(current, 1) * v
                    current = 0
                } else {
                    current = max(current, 1) * v
                }
                any = true
            } else if ["and", "y", "a"].contains(WordLists.key(w)) {
                // connectors and the article of "a dozen"
            } else {
                return nil
            }
            i += 1
        }
        return any ? total + current : nil
    }

    // MARK: - Money

    static func money(whole: String, group: (String) -> String?, words: WordLists, language: String) -> JSONValue? {
        guard let a = group("amount"),
              let n = amount(a, scale: group("scale"), words: words, language: language) else { return nil }
        var currency: String?
        if let c = group("currency") {
            currency = words.value("currency-symbol", c) ?? words.value("currency", c)
            if currency == "-" || currency == "" { currency = nil }
        }
        return .object([.init("amount", .double(n)), .init("currency", currency.map(JSONValue.string) ?? .null)])
    }

    // MARK: - Time

    static func time(group: (String) -> String?) -> JSONValue? {
        guard let h = group("hour").flatMap({ Int($0) }) else { return nil }
        var hour = h
        let minute = group("minute").flatMap { Int($0) } ?? 0
        if let ampm = group("ampm")?.lowercased() {
            guard (1...12).contains(hour) else { return nil }
            if ampm == "p" && hour < 12 { hour += 12 }
            if ampm == "a" && hour == 12 { hour = 0 }
        } else if let part = group("daypart").map(WordLists.key), part == "tarde" || part == "noche", hour < 12 {
            hour += 12
        }
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        return .string("T\(CivilDate.pad(hour, 2)):\(CivilDate.pad(minute, 2))")
    }

    // MARK: - Dates

    /// An ISO 8601 date, week, month, year, decade, century or duration.
    static func date(group: (String) -> String?, words: WordLists, reference: CivilDate?) -> String? {
        func int(_ s: String?) -> Int? { s.flatMap { Int($0) } }
        func count(_ s: String) -> Int? {
            if let n = Int(s) { return n }
            return numberWords(s, words: words).map { Int($0) }
        }
        if let d = group("deictic"), let offset = int(words.value("deictic", d)) {
            return reference.map { $0.adding(days: offset).description }
        }
        if let text = group("decade") ?? group("decadeword").flatMap({ words.value("decade-word", $0) }) {
            guard var year = Int(text) else { return nil }
            if year < 100 { year += 1900 }
            return String(year / 10)
        }
        if let text = group("century") ?? group("centuryword").flatMap({ words.value("ordinal", $0) }) ?? group("roman").flatMap(roman) {
            guard let n = Int(text), n >= 1 else { return nil }
            return CivilDate.pad(n - 1, 2)
        }
        if let unitText = group("unit"), let unit = words.value("unit-time", unitText) {
            let ago = group("ago") != nil
            if let countText = group("count") {
                guard let n = count(countText) else { return nil }
                if ago {
                    guard let reference else { return nil }
                    return shifted(reference, by: -n, unit: unit)
                }
                return duration(n, unit: unit)
            }
            if let s = group("shift"), let shift = int(words.value("shift", s)) {
                guard let reference else { return nil }
                return shifted(reference, by: shift, unit: unit)
            }
            return nil
        }
        let year: Int? = int(group("year")).map { y in
            guard y < 100 else { return y }
            let pivot = ((reference?.year ?? 2000) % 100) + 10
            return y <= pivot ? 2000 + y : 1900 + y
        }
        var month: Int? = nil
        if let m = group("month") {
            month = Int(m) ?? int(words.value("month", m))
            guard month != nil else { return nil }
        }
        var day = int(group("day"))
        if var m = month {
            if let d = day, m > 12, d <= 12 { (m, day) = (d, m) }  // day first after all (31/12/2023)
            month = m
            guard (1...12).contains(m) else { return nil }
            guard let y = year ?? reference?.year else {
                if let d = day { return "--\(CivilDate.pad(m, 2))-\(CivilDate.pad(d, 2))" }
                return nil
            }
            if let d = day {
                return CivilDate(year: y, month: m, day: d)?.description
            }
            return "\(CivilDate.pad(y, 4))-\(CivilDate.pad(m, 2))"
        }
        if let y = year { return CivilDate.pad(y, 4) }
        if let w = group("weekday"), let weekday = int(words.value("weekday", w)) {
            guard let reference else { return nil }
            let shift = group("shift").flatMap { int(words.value("shift", $0)) }
            return weekdayDate(weekday, shift: shift, reference: reference)
        }
        return nil
    }

    /// The day named by a weekday (1 = Monday … 7) and a shift word's value (-1 last, 1 next,
    /// 0 this week, nil none), as ISO 8601, relative to `reference`.
    static func weekdayDate(_ weekday: Int, shift: Int?, reference: CivilDate) -> String {
        var delta = weekday - reference.weekday  // -6 … 6
        switch shift {
        case -1: if delta >= 0 { delta -= 7 }
        case 1: if delta <= 0 { delta += 7 }
        case 0: break  // the same ISO week
        default: if delta > 0 { delta -= 7 }  // news: the closest such day on or before the reference
        }
        return reference.adding(days: delta).description
    }

    /// The reference date moved by `n` units, written at the unit's precision.
    static func shifted(_ reference: CivilDate, by n: Int, unit: String) -> String? {
        switch unit {
        case "D": return reference.adding(days: n).description
        case "W":
            let w = reference.adding(days: 7 * n).isoWeek
            return "\(CivilDate.pad(w.year, 4))-W\(CivilDate.pad(w.week, 2))"
        case "M":
            let d = reference.adding(months: n)
            return "\(CivilDate.pad(d.year, 4))-\(CivilDate.pad(d.month, 2))"
        case "Y": return CivilDate.pad(reference.year + n, 4)
        case "10Y": return String((reference.year + 10 * n) / 10)
        case "100Y": return CivilDate.pad((reference.year + 100 * n) / 100, 2)
        default: return nil
        }
    }

    /// An ISO 8601 duration (`P20Y`, `P3M`, `P2W`, `P10D`).
    static func duration(_ n: Int, unit: String) -> String? {
        switch unit {
        case "D", "W", "M", "Y": return "P\(n)\(unit)"
        case "10Y": return "P\(n * 10)Y"
        case "100Y": return "P\(n * 100)Y"
        default: return nil
        }
    }

    /// The value of a Roman numeral (`XXI` → "21"), or nil.
    static func roman(_ s: String) -> String? {
        var total = 0, previous = 0
        for c in s.uppercased().reversed() {
            let v: Int
            switch c {
            case "I": v = 1
            case "V": v = 5
            case "X": v = 10
            case "L": v = 50
            case "C": v = 100
            default: return nil
            }
            total += v < previous ? -v : v
            previous = max(previous, v)
        }
        return total > 0 ? String(total) : nil
    }

    // MARK: - Hashtags

    /// `segmentHashtag` for ASCII tags, on bytes (most tags; no Unicode property look-ups).
    static func segmentASCIIHashtag(_ tag: String) -> String {
        var tag = tag
        return tag.withUTF8 { segmentASCIIHashtag($0) }
    }

    /// `segmentHashtag` of an ASCII tag given as bytes (the regex stage passes
    /// the token's text, with no `String` in between): one pass, one buffer.
    static func segmentASCIIHashtag(_ tag: UnsafeBufferPointer<UInt8>) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * tag.count + 1) { out in
            let length = writeSegmentedASCIIHashtag(tag, into: out.baseAddress!)
            return String(decoding: UnsafeBufferPointer(rebasing: out[..<length]), as: UTF8.self)
        }
    }

    /// Writes the words of an ASCII tag (`segmentASCIIHashtag`'s text) to `out`, which
    /// has room for `2 * tag.count + 1` bytes, and returns their length: the regex
    /// stage writes them as a JSON string without making a `String`.
    static func writeSegmentedASCIIHashtag(_ tag: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int {
        var first = 0
        while first < tag.count, tag[first] == UInt8(ascii: "#") { first += 1 }
        let bytes = UnsafeBufferPointer(rebasing: tag[first...])
        let n = bytes.count
        // Lowercase letters only (many tags): no rule splits them, the words are the tag.
        if !bytes.contains(where: { !ByteClass.isLower($0) }) {
            if let source = bytes.baseAddress { out.initialize(from: source, count: n) }
            return n
        }
        return writeASCIIWords(tag, from: first, into: out, rejectingEscapes: false)!
    }

    /// The JSON string of an ASCII tag's words (`writeSegmentedASCIIHashtag`'s text in
    /// quotes) written straight to the end of `out` in one pass over the tag; false,
    /// having written nothing, for a tag with a byte above U+007F or one JSON escapes
    /// (a control character, '"', '\\'), which the caller writes another way. The
    /// words are bytes of the tag and spaces, so the words of any other tag need no
    /// escape: the regex stage writes most tags so, with no scratch buffer and no
    /// escape loop.
    static func writeASCIIHashtagString(_ tag: UnsafeBufferPointer<UInt8>, into out: inout JSONBuffer) -> Bool {
        let n = tag.count
        var first = 0
        while first < n, tag[first] == UInt8(ascii: "#") { first += 1 }
        // The quotes and the words: at most two bytes a byte of the tag (a space before each).
        let p = out.room(2 * n + 2)
        p[0] = UInt8(ascii: "\"")
        guard let length = writeASCIIWords(tag, from: first, into: p + 1, rejectingEscapes: true) else { return false }
        p[length + 1] = UInt8(ascii: "\"")
        out.advance(to: p + length + 2)
        return true
    }

    /// The words of an ASCII tag from `tag[first...]` (past its leading '#'s), written to
    /// `out` (room for `2 * (tag.count - first)` bytes); returns their length, or nil when
    /// `rejectingEscapes` and a byte is above U+007F or one JSON escapes. The two callers
    /// get their own copy (`rejectingEscapes` is a constant in each).
    @inline(__always)
    private static func writeASCIIWords(
        _ tag: UnsafeBufferPointer<UInt8>, from first: Int, into out: UnsafeMutablePointer<UInt8>, rejectingEscapes: Bool
    ) -> Int? {
        let n = tag.count
        // Byte classes: 0 other, 1 lowercase, 2 capital, 3 digit, 4 '_'.
        @inline(__always) func classOf(_ b: UInt8) -> Int {
            b &- 0x61 < 26 ? 1 : b &- 0x41 < 26 ? 2 : b &- 0x30 < 10 ? 3 : b == UInt8(ascii: "_") ? 4 : 0
        }
        // Bit 4 * previous class + class: a word starts here whatever follows (lowercase →
        // capital, digit ↔ letter).
        let splits = 1 << (4 * 1 + 2) | 1 << (4 * 3 + 1) | 1 << (4 * 3 + 2) | 1 << (4 * 1 + 3) | 1 << (4 * 2 + 3)
        var length = 0
        var runStart = first  // start of the current word in `tag`
        var capsOnly = true  // every byte of tag[runStart..<i] is a capital
        var previous = 0  // class of tag[i - 1]
        var i = first
        while i < n {
            let b = tag[i]
            if b &- 0x61 < 26 {
                // A lowercase letter starts a word only after a digit; the lowercase letters
                // after it start none, so a run of them is copied without class tests.
                if previous == 3 && i > runStart {
                    out[length] = 0x20
                    length += 1
                    runStart = i
                }
                out[length] = b
                length += 1
                i += 1
                while i < n, tag[i] &- 0x61 < 26 {
                    out[length] = tag[i]
                    length += 1
                    i += 1
                }
                capsOnly = false
                previous = 1
                continue
            }
            let c = classOf(b)
            if rejectingEscapes && c == 0 && (b >= 0x80 || b < 0x20 || b == 0x22 || b == 0x5C) { return nil }
            if c == 4 {
                if length > 0 && out[length - 1] != 0x20 {
                    out[length] = 0x20
                    length += 1
                }
                i += 1
                runStart = i
                capsOnly = true
                previous = 4
                continue
            }
            // (tag[i - 1] is no '_' here: a '_' moves `runStart` past itself.)
            if i > runStart {
                let pair = 4 &* previous &+ c
                // A capital run's last capital before lowercase starts a word (`COVIDVaccine`).
                if splits &>> pair & 1 != 0
                    || (pair == 4 * 2 + 2 && capsOnly && i - runStart > 1 && i + 1 < n && classOf(tag[i + 1]) == 1) {
                    out[length] = 0x20
                    length += 1
                    runStart = i
                    capsOnly = true
                }
            }
            out[length] = b
            length += 1
            capsOnly = capsOnly && c == 2
            previous = c
            i += 1
        }
        while length > 0 && out[length - 1] == 0x20 { length -= 1 }
        return length
    }

    /// Splits a hashtag into words at `_`, lower→upper changes, the last
    /// capital of a capital run followed by lowercase (`COVIDVaccine`), and
    /// letter↔digit changes: `#ÚltimoMinuto` → `Último Minuto`.
    public static func segmentHashtag(_ tag: String) -> String {
        if tag.utf8.allSatisfy({ $0 < 0x80 }) { return segmentASCIIHashtag(tag) }
        return segmentLatin1Hashtag(tag) ?? segmentUnicodeHashtag(tag)
    }

    /// `segmentHashtag` with Unicode properties, for any tag.
    static func segmentUnicodeHashtag(_ tag: String) -> String {
        let scalars = Array(tag.unicodeScalars.drop { $0 == "#" })
        let cls = hashtagClass
        var words: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            if !current.isEmpty { words.append(String(current)) }
            current = String.UnicodeScalarView()
        }
        for (i, s) in scalars.enumerated() {
            if s == "_" { flush(); continue }
            let c = cls(s)
            if let last = current.last {
                let prev = cls(last)
                let nextIsLower = i + 1 < scalars.count && cls(scalars[i + 1]) == .lower
                if (prev == .lower && c == .upper) || (prev == .digit) != (c == .digit) && c != .other && prev != .other
                    || (prev == .upper && c == .upper && nextIsLower && current.count > 1 && current.allSatisfy({ cls($0) == .upper })) {
                    flush()
                }
            }
            current.append(s)
        }
        flush()
        return words.joined(separator: " ")
    }
}

extension Normalizers {
    enum HashtagClass: UInt8 { case upper, lower, digit, other }

    /// The class of a character for splitting hashtags.
    static func hashtagClass(_ s: Unicode.Scalar) -> HashtagClass {
        let p = s.properties
        if p.numericType != nil { return .digit }
        if p.isUppercase || p.generalCategory == .titlecaseLetter { return .upper }
        if p.isAlphabetic { return .lower }
        return .other
    }

    /// `hashtagClass` of U+0000…U+00FF, worked out once.
    static let latin1Classes: [HashtagClass] = (0..<256).map { hashtagClass(Unicode.Scalar(UInt8($0))) }

    /// `segmentHashtag` on bytes for tags whose characters are all in
    /// U+0000…U+00FF (Spanish tags: `#ÚltimoMinuto`), with the same rules and
    /// classes as the general code; nil for any other tag.
    static func segmentLatin1Hashtag(_ tag: String) -> String? {
        var tag = tag
        return tag.withUTF8 { bytes -> String? in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * bytes.count + 1) { out -> String? in
                guard let length = writeSegmentedLatin1Hashtag(bytes, into: out.baseAddress!) else { return nil }
                return String(decoding: UnsafeBufferPointer(rebasing: out[..<length]), as: UTF8.self)
            }
        }
    }

    /// Writes the words of a tag given as UTF-8 (`segmentLatin1Hashtag`'s text) to
    /// `out`, which has room for `2 * bytes.count + 1` bytes, and returns their
    /// length; nil (having written nothing useful) for a tag with a character above
    /// U+00FF or invalid UTF-8. The regex stage writes them as a JSON string
    /// without making a `String`.
    static func writeSegmentedLatin1Hashtag(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int? {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count + 1) { scalars -> Int? in
            // Decode to Latin-1 code points; give up on anything above U+00FF.
            var count = 0
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b < 0x80 {
                    scalars[count] = b
                    i += 1
                } else if (b == 0xC2 || b == 0xC3), i + 1 < bytes.count, bytes[i + 1] & 0xC0 == 0x80 {
                    scalars[count] = (b & 0x03) << 6 | (bytes[i + 1] & 0x3F)
                    i += 2
                } else {
                    return nil
                }
                count += 1
            }
            var first = 0
            while first < count && scalars[first] == UInt8(ascii: "#") { first += 1 }
            return latin1Classes.withUnsafeBufferPointer { classes -> Int in
                var length = 0
                // The current word: its length in characters, whether they are all
                // upper case, and its last character. Words are never empty, so a
                // word's first character follows a space whenever `out` has text.
                var wordCount = 0
                var allUpper = true
                var last: UInt8 = 0
                var k = first
                while k < count {
                    let sc = scalars[k]
                    defer { k += 1 }
                    if sc == UInt8(ascii: "_") {
                        wordCount = 0
                        allUpper = true
                        continue
                    }
                    let c = classes[Int(sc)]
                    if wordCount > 0 {
                        let prev = classes[Int(last)]
                        let nextIsLower = k + 1 < count && classes[Int(scalars[k + 1])] == .lower
                        if (prev == .lower && c == .upper) || (prev == .digit) != (c == .digit) && c != .other && prev != .other
                            || (prev == .upper && c == .upper && nextIsLower && wordCount > 1 && allUpper) {
                            wordCount = 0
                            allUpper = true
                        }
                    }
                    if wordCount == 0 && length > 0 {
                        out[length] = 0x20
                        length += 1
                    }
                    if sc < 0x80 {
                        out[length] = sc
                        length += 1
                    } else {
                        out[length] = 0xC0 | sc >> 6
                        out[length + 1] = 0x80 | sc & 0x3F
                        length += 2
                    }
                    wordCount += 1
                    allUpper = allUpper && c == .upper
                    last = sc
                }
                return length
            }
        }
    }
}

// MARK: - Normalizing on bytes

/// The named groups the normalizers read (`Lexicons/patterns/README.md`), in
/// the order of `RegexPatterns.groupNames`.
enum NormalizerGroup: Int, CaseIterable {
    case year, month, day, weekday, shift, unit, count, ago, deictic, decade, decadeword, century, centuryword
    case roman, hour, minute, ampm, daypart, amount, scale, currency, word, approx
}

/// The word lists the normalizers look values up in.
enum ValueList: Int, CaseIterable {
    case month, weekday, number, one, scale, scaleAbbr, ordinal, unit, unitTime, shift, deictic, decadeWord
    case currency, currencySymbol

    var name: String {
        switch self {
        case .month: "month"
        case .weekday: "weekday"
        case .number: "number"
        case .one: "one"
        case .scale: "scale"
        case .scaleAbbr: "scale-abbr"
        case .ordinal: "ordinal"
        case .unit: "unit"
        case .unitTime: "unit-time"
        case .shift: "shift"
        case .deictic: "deictic"
        case .decadeWord: "decade-word"
        case .currency: "currency"
        case .currencySymbol: "currency-symbol"
        }
    }
}

/// The values of one language's word lists keyed by match-key bytes, so the
/// normalizers look words up without making `String`s. Same answers as
/// `WordLists.value`: the first entry of a key wins, "" for an entry without
/// a value, a final `.` of the looked-up text ignored when the whole is absent.
final class WordValues: @unchecked Sendable {
    // Safe to share: never changed after init.
    let words: WordLists
    /// Keys of every list in one table: the list's `ValueList.rawValue` as
    /// one byte, then the entry's match key.
    private let table: ByteStringTable
    /// Entries whose written form differs from their key (`años`, key `anos`): the
    /// list byte and the written form → the entry id of its key in `table`. Text
    /// that is such a form once ASCII-lowercased has that key (`WordLists.key`
    /// folds case and accents), so it is found without ICU.
    private let written: ByteStringTable
    private let writtenIDs: [Int32]
    private let values: [String]
    private let doubles: [Double?]
    private let ints: [Int?]
    /// Whether a scale has two words ("mil millones"), which `numberWords` tries first.
    let hasTwoWordScales: Bool

    init(_ words: WordLists) {
        self.words = words
        var table = ByteStringTable()
        var written = ByteStringTable()
        var writtenIDs: [Int32] = []
        var values: [String] = [], doubles: [Double?] = [], ints: [Int?] = []
        var twoWord = false
        // The list byte and then the key (or written form), in one buffer for every entry:
        // not three arrays made per entry.
        var prefixed: [UInt8] = []
        prefixed.reserveCapacity(64)
        for list in ValueList.allCases {
            for e in words.lists[list.name] ?? [] {
                prefixed.removeAll(keepingCapacity: true)
                prefixed.append(UInt8(list.rawValue))
                prefixed.append(contentsOf: e.key.utf8)
                let id = prefixed.withUnsafeBufferPointer { table.insert($0) }
                if e.text != e.key {
                    prefixed.removeSubrange(1...)
                    prefixed.append(contentsOf: e.text.utf8)
                    if prefixed.withUnsafeBufferPointer({ written.insert($0) }) == writtenIDs.count {
                        writtenIDs.append(Int32(id))
                    }
                }
                guard id == values.count else { continue }  // the first entry of a key wins
                let v = e.value ?? ""
                values.append(v)
                doubles.append(Double(v))
                ints.append(Int(v))
                if list == .scale && e.key.utf8.contains(0x20) { twoWord = true }
            }
        }
        self.table = table
        self.written = written
        self.writtenIDs = writtenIDs
        self.values = values
        self.doubles = doubles
        self.ints = ints
        hasTwoWordScales = twoWord
    }

    /// The entry id of `text` in `list`, or nil.
    func id(_ list: ValueList, _ text: UnsafeBufferPointer<UInt8>) -> Int? {
        if text.count <= 64 {
            var simple = true
            let found = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: text.count + 1) { buffer -> Int? in
                buffer[0] = UInt8(list.rawValue)
                for i in 0..<text.count {
                    let b = text[i]
                    if b >= 0x80 || b <= 0x20 { simple = false }
                    buffer[i + 1] = b &- 0x41 < 26 ? b | 0x20 : b
                }
                let prefixed = UnsafeBufferPointer(rebasing: buffer[0...text.count])
                if let id = lookup(prefixed) { return id }
                // A written form with accents (`años`, `miércoles`): the id of its key.
                // (Not retried without a final '.': "años." has key "anos.", which `lookup` tries first.)
                if !simple, let w = written.lookup(prefixed) { return Int(writtenIDs[w]) }
                return nil
            }
            // ASCII without white space: the key is the text lowercased. Other text
            // (`£`, `more than`) found as it is, ASCII lowercased, is a stored key, which
            // `WordLists.key` leaves as it is: its key is that key (no ICU call needed);
            // and text that is an entry's written form, ASCII lowercased, has that entry's key.
            if simple || found != nil { return found }
        }
        return idByKey(list, String(decoding: text, as: UTF8.self))
    }

    /// `id` through `WordLists.key` (ICU folding) always: the slow path, and what tests compare the fast one with.
    func idByKey(_ list: ValueList, _ text: String) -> Int? {
        let key = [UInt8(list.rawValue)] + Array(WordLists.key(text).utf8)
        return key.withUnsafeBufferPointer { lookup($0) }
    }

    /// Looks up a prefixed key, then (like `WordLists.value`) without its final '.'.
    private func lookup(_ key: UnsafeBufferPointer<UInt8>) -> Int? {
        if let id = table.lookup(key) { return id }
        if key.count > 1 && key[key.count - 1] == UInt8(ascii: ".") {
            return table.lookup(UnsafeBufferPointer(rebasing: key.dropLast()))
        }
        return nil
    }

    func value(_ list: ValueList, _ text: UnsafeBufferPointer<UInt8>) -> String? {
        id(list, text).map { values[$0] }
    }
    func double(_ list: ValueList, _ text: UnsafeBufferPointer<UInt8>) -> Double? {
        id(list, text).flatMap { doubles[$0] }
    }
    func int(_ list: ValueList, _ text: UnsafeBufferPointer<UInt8>) -> Int? {
        id(list, text).flatMap { ints[$0] }
    }
    func double(_ list: ValueList, _ text: String) -> Double? {
        var text = text
        return text.withUTF8 { double(list, $0) }
    }
}

/// One regex match seen through its capture groups, as byte ranges of the text.
struct MatchGroups {
    let text: UnsafeBufferPointer<UInt8>
    let whole: Range<Int>
    /// PCRE2 offsets of this match: start and end of group 0, 1, …; unset groups are -1.
    let offsets: UnsafeBufferPointer<Int>
    /// Group numbers of the pattern: those of `NormalizerGroup` g (the name's
    /// groups, then its `…2` stand-ins) are `numbers[bounds[g]..<bounds[g + 1]]`.
    let numbers: UnsafeBufferPointer<Int32>
    let bounds: UnsafeBufferPointer<Int32>

    @inline(__always)
    func range(_ g: NormalizerGroup) -> Range<Int>? {
        var i = Int(bounds[g.rawValue])
        let end = Int(bounds[g.rawValue + 1])
        while i < end {
            let number = Int(numbers[i])
            i += 1
            guard 2 * number + 1 < offsets.count else { continue }
            let a = offsets[2 * number], b = offsets[2 * number + 1]
            if a >= 0, b >= a { return a..<b }
        }
        return nil
    }
    @inline(__always)
    func bytes(_ g: NormalizerGroup) -> UnsafeBufferPointer<UInt8>? {
        range(g).map { UnsafeBufferPointer(rebasing: text[$0]) }
    }
    @inline(__always)
    func has(_ g: NormalizerGroup) -> Bool { range(g) != nil }
    var wholeBytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: text[whole]) }
    func string(_ g: NormalizerGroup) -> String? { bytes(g).map { String(decoding: $0, as: UTF8.self) } }
}

extension Normalizers {
    /// The value of one match, read on bytes; the same as `normalize(_:whole:group:…)`
    /// given the same groups.
    static func normalize(_ kind: NormalizerKind, _ m: MatchGroups, values: WordValues, language: String,
                          reference: CivilDate?) -> JSONValue? {
        switch kind {
        case .none: return nil
        case .date: return date(m, values: values, reference: reference).map(JSONValue.string)
        case .time: return time(m, values: values)
        case .money:
            guard let a = m.bytes(.amount),
                  let n = amount(a, scale: m.bytes(.scale), values: values, language: language) else { return nil }
            var currency: String?
            if let c = m.bytes(.currency) {
                currency = values.value(.currencySymbol, c) ?? values.value(.currency, c)
                if currency == "-" || currency == "" { currency = nil }
            }
            return .object([.init("amount", .double(n)), .init("currency", currency.map(JSONValue.string) ?? .null)])
        case .number, .percent:
            guard let n = amount(m.bytes(.amount) ?? m.wholeBytes, scale: m.bytes(.scale), values: values,
                                 language: language) else { return nil }
            return .double(n)
        case .ordinal:
            if let digits = m.bytes(.amount), let n = integer(digits) { return .int(n) }
            if let word = m.bytes(.word), let n = values.int(.ordinal, word) { return .int(n) }
            return nil
        case .quantity:
            guard let n = amount(m.bytes(.amount) ?? m.wholeBytes, scale: m.bytes(.scale), values: values,
                                 language: language) else { return nil }
            let unit = m.bytes(.unit).flatMap { values.value(.unit, $0) }
            return .object([.init("amount", .double(n)), .init("unit", unit.map(JSONValue.string) ?? .null)])
        case .phone, .hashtag, .cashtag:
            return normalize(kind, whole: String(decoding: m.wholeBytes, as: UTF8.self), group: { _ in nil },
                             words: values.words, language: language, reference: nil)
        }
    }

    /// `normalize(_:_:values:language:reference:)` written as JSON text to `out`: the
    /// bytes `JSONBuffer.value` writes for its value, with no `JSONValue` made (no
    /// enum boxes, member arrays or number strings). Returns false, having written
    /// nothing, where `normalize` gives nil.
    static func writeValue(_ kind: NormalizerKind, _ m: MatchGroups, values: WordValues, language: String,
                           reference: CivilDate?, into out: inout JSONBuffer) -> Bool {
        switch kind {
        case .none: return false
        case .date:
            guard let text = date(m, values: values, reference: reference) else { return false }
            out.string(text)
        case .time:
            guard let text = timeText(m, values: values) else { return false }
            out.string(text)
        case .money:
            guard let a = m.bytes(.amount),
                  let n = amount(a, scale: m.bytes(.scale), values: values, language: language) else { return false }
            var currency: String?
            if let c = m.bytes(.currency) {
                currency = values.value(.currencySymbol, c) ?? values.value(.currency, c)
                if currency == "-" || currency == "" { currency = nil }
            }
            out.literal(#"{"amount":"#)
            out.number(n)
            out.literal(#","currency":"#)
            out.optionalString(currency)
            out.byte(UInt8(ascii: "}"))
        case .number, .percent:
            guard let n = amount(m.bytes(.amount) ?? m.wholeBytes, scale: m.bytes(.scale), values: values,
                                 language: language) else { return false }
            out.number(n)
        case .ordinal:
            if let digits = m.bytes(.amount), let n = integer(digits) {
                out.integer(n)
            } else if let word = m.bytes(.word), let n = values.int(.ordinal, word) {
                out.integer(n)
            } else {
                return false
            }
        case .quantity:
            guard let n = amount(m.bytes(.amount) ?? m.wholeBytes, scale: m.bytes(.scale), values: values,
                                 language: language) else { return false }
            let unit = m.bytes(.unit).flatMap { values.value(.unit, $0) }
            out.literal(#"{"amount":"#)
            out.number(n)
            out.literal(#","unit":"#)
            out.optionalString(unit)
            out.byte(UInt8(ascii: "}"))
        case .phone, .hashtag, .cashtag:
            guard let value = normalize(kind, m, values: values, language: language, reference: reference) else { return false }
            out.value(value)
        }
        return true
    }

    /// `Int(String)` on bytes: an optional sign, then ASCII digits only.
    static func integer(_ s: UnsafeBufferPointer<UInt8>) -> Int? {
        var i = 0
        var negative = false
        if let f = s.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
            negative = f == UInt8(ascii: "-")
            i = 1
        }
        guard i < s.count, s.count - i <= 18 else {
            return s.count > 18 ? Int(String(decoding: s, as: UTF8.self)) : nil
        }
        var v = 0
        while i < s.count {
            let d = s[i] &- 0x30
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
            i += 1
        }
        return negative ? -v : v
    }

    /// `amount(_:scale:words:language:)` on bytes.
    static func amount(_ text: UnsafeBufferPointer<UInt8>, scale: UnsafeBufferPointer<UInt8>?, values: WordValues,
                       language: String) -> Double? {
        var value: Double
        if let d = digits(text, language: language) {
            value = d
        } else if let w = numberWords(text, values: values) {
            value = w
        } else {
            return nil
        }
        if let scale {
            guard let m = values.double(.scale, scale) ?? values.double(.scaleAbbr, scale) else { return value }
            value *= m
        }
        if abs(value) < 1e15 { value = (value * 1e6).rounded() / 1e6 }
        return value
    }

    /// `digits(_:language:)` on bytes.
    static func digits(_ raw: UnsafeBufferPointer<UInt8>, language: String) -> Double? {
        if !raw.isEmpty, raw.count <= 15 {
            var v = 0
            var plain = true
            for b in raw {
                let d = b &- 0x30
                if d >= 10 { plain = false; break }
                v = v * 10 + Int(d)
            }
            if plain { return Double(v) }
        }
        var start = 0
        var negative = false
        if raw.count >= 1 && (raw[0] == UInt8(ascii: "-") || raw[0] == UInt8(ascii: "+")) {
            negative = raw[0] == UInt8(ascii: "-")
            start = 1
        } else if raw.count >= 3 && raw[0] == 0xE2 && raw[1] == 0x88 && raw[2] == 0x92 {  // − U+2212
            negative = true
            start = 3
        }
        // Digits, '.' and ',' only (any other byte, a combining mark too, fails as
        // it does on Characters), starting with a digit.
        guard start < raw.count, raw[start] &- 0x30 < 10 else { return nil }
        var dots = 0, commas = 0
        var lastSeparator: UInt8 = 0, lastSeparatorAt = -1
        for i in start..<raw.count {
            let b = raw[i]
            if b == UInt8(ascii: ".") { dots += 1 } else if b == UInt8(ascii: ",") { commas += 1 } else if b &- 0x30 >= 10 { return nil } else { continue }
            lastSeparator = b
            lastSeparatorAt = i
        }
        var decimalMark: UInt8 = 0  // none
        if dots > 0 && commas > 0 {
            decimalMark = lastSeparator
        } else if dots + commas > 0 {
            let thousandsMark = language == "es" ? UInt8(ascii: ".") : UInt8(ascii: ",")
            let lastGroup = raw.count - lastSeparatorAt - 1
            if dots + commas > 1 {
                decimalMark = 0
            } else if lastGroup == 3 && (lastSeparator == thousandsMark || language == "*") {
                decimalMark = 0
            } else {
                decimalMark = lastSeparator
            }
        }
        if let v = exactDigits(raw, from: start, decimalMark: decimalMark) { return negative ? -v : v }
        let count = raw.count - start
        let normalized = String(unsafeUninitializedCapacity: count) { out in
            var n = 0
            for i in start..<raw.count {
                let b = raw[i]
                if b == decimalMark {
                    out[n] = UInt8(ascii: ".")
                    n += 1
                } else if b != UInt8(ascii: ".") && b != UInt8(ascii: ",") {
                    out[n] = b
                    n += 1
                }
            }
            return n
        }
        guard let v = Double(normalized) else { return nil }
        return negative ? -v : v
    }

    /// The value `Double` parses from the digits of `raw` from `start` (digits, '.' and ','
    /// only, a digit first) with the separators other than `decimalMark` left out and
    /// `decimalMark` read as the decimal point, without making that text: at most 15 digits
    /// and one decimal mark followed by a digit (nil otherwise: the caller parses the text).
    /// The digits make an integer m below 2^53 and the mark k places from the end makes the
    /// value m / 10^k; both are exact doubles, and one division rounds correctly, as the
    /// parse of the text does.
    private static func exactDigits(_ raw: UnsafeBufferPointer<UInt8>, from start: Int, decimalMark: UInt8) -> Double? {
        var m = 0, digits = 0, fraction = -1
        for i in start..<raw.count {
            let b = raw[i]
            let d = b &- 0x30
            if d < 10 {
                m = m &* 10 &+ Int(d)
                digits += 1
                if fraction >= 0 { fraction += 1 }
            } else if b == decimalMark {
                guard fraction < 0 else { return nil }
                fraction = 0
            }
        }
        guard digits <= 15, fraction != 0 else { return nil }
        guard fraction > 0 else { return Double(m) }
        var scale = 1.0
        for _ in 0..<fraction { scale *= 10 }
        return Double(m) / scale
    }

    /// `numberWords(_:words:)` on bytes; text with non-ASCII bytes takes the `String` path.
    static func numberWords(_ text: UnsafeBufferPointer<UInt8>, values: WordValues) -> Double? {
        for b in text where b >= 0x80 {
            return numberWords(String(decoding: text, as: UTF8.self), words: values.words)
        }
        // Words: runs of bytes other than white space and '-' (at most one per two bytes,
        // plus one), in a stack buffer rather than an array.
        return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: text.count / 2 + 1) { parts in
            var partCount = 0
            var i = 0
            while i < text.count {
                while i < text.count && isSeparator(text[i]) { i += 1 }
                let s = i
                while i < text.count && !isSeparator(text[i]) { i += 1 }
                if i > s {
                    parts[partCount] = s..<i
                    partCount += 1
                }
            }
            return numberWords(text, parts: UnsafeBufferPointer(rebasing: parts[..<partCount]), values: values)
        }
    }

    /// `numberWords(_:values:)` of ASCII `text` split into the words `parts`.
    private static func numberWords(_ text: UnsafeBufferPointer<UInt8>, parts: UnsafeBufferPointer<Range<Int>>,
                                    values: WordValues) -> Double? {
        func word(_ r: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: text[r]) }
        var total = 0.0, current = 0.0
        var any = false
        var k = 0
        while k < parts.count {
            let w = word(parts[k])
            if values.hasTwoWordScales, k + 1 < parts.count {
                // The two words joined by one space, in a stack buffer (no `String`s).
                let next = word(parts[k + 1])
                let pairValue = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: w.count + 1 + next.count) { pair in
                    let base = pair.baseAddress!
                    base.initialize(from: w.baseAddress!, count: w.count)
                    base[w.count] = 0x20
                    (base + w.count + 1).initialize(from: next.baseAddress!, count: next.count)
                    return values.double(.scale, UnsafeBufferPointer(pair))
                }
                if let v = pairValue {
                    total += max(current, 1) * v
                    current = 0
                    any = true
                    k += 2
                    continue
                }
            }
            if let v = values.double(.number, w) ?? values.double(.one, w) {
                current += v
                any = true
            } else if let v = values.double(.scale, w) {
                if v >= 1000 {
                    total += max(current, 1) * v
                    current = 0
                } else {
                    current = max(current, 1) * v
                }
                any = true
            } else if isConnector(w) {
                // connectors and the article of "a dozen"
            } else {
                return nil
            }
            k += 1
        }
        return any ? total + current : nil
    }

    /// ASCII white space (what `Character.isWhitespace` says for ASCII) or '-'.
    @inline(__always)
    private static func isSeparator(_ b: UInt8) -> Bool {
        b == 0x20 || b == UInt8(ascii: "-") || (b >= 0x09 && b <= 0x0D)
    }

    /// "and", "y" or "a" in any case (ASCII words, a final '.' allowed as `WordLists.key` keeps it).
    private static func isConnector(_ w: UnsafeBufferPointer<UInt8>) -> Bool {
        func lower(_ b: UInt8) -> UInt8 { b &- 0x41 < 26 ? b | 0x20 : b }
        switch w.count {
        case 1: return lower(w[0]) == UInt8(ascii: "y") || lower(w[0]) == UInt8(ascii: "a")
        case 3: return lower(w[0]) == UInt8(ascii: "a") && lower(w[1]) == UInt8(ascii: "n") && lower(w[2]) == UInt8(ascii: "d")
        default: return false
        }
    }

    /// `time(group:)` on bytes.
    static func time(_ m: MatchGroups, values: WordValues) -> JSONValue? {
        timeText(m, values: values).map(JSONValue.string)
    }

    /// The text of `time(_:values:)`'s value (`T14:30`).
    static func timeText(_ m: MatchGroups, values: WordValues) -> String? {
        guard let h = m.bytes(.hour).flatMap(integer) else { return nil }
        var hour = h
        let minute = m.bytes(.minute).flatMap(integer) ?? 0
        if let ampm = m.bytes(.ampm) {
            guard (1...12).contains(hour) else { return nil }
            let letter: UInt8 = ampm.count == 1 ? (ampm[0] &- 0x41 < 26 ? ampm[0] | 0x20 : ampm[0]) : 0
            if letter == UInt8(ascii: "p") && hour < 12 { hour += 12 }
            if letter == UInt8(ascii: "a") && hour == 12 { hour = 0 }
        } else if let part = m.string(.daypart).map(WordLists.key), part == "tarde" || part == "noche", hour < 12 {
            hour += 12
        }
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        return String(unsafeUninitializedCapacity: 6) { out in
            out[0] = UInt8(ascii: "T")
            CivilDate.write(hour, width: 2, into: out, at: 1)
            out[3] = UInt8(ascii: ":")
            CivilDate.write(minute, width: 2, into: out, at: 4)
            return 6
        }
    }

    /// `date(group:words:reference:)` on bytes.
    static func date(_ m: MatchGroups, values: WordValues, reference: CivilDate?) -> String? {
        func count(_ s: UnsafeBufferPointer<UInt8>) -> Int? {
            if let n = integer(s) { return n }
            return numberWords(s, values: values).map { Int($0) }
        }
        if let d = m.bytes(.deictic), let offset = values.int(.deictic, d) {
            return reference.map { $0.adding(days: offset).description }
        }
        var decadeYear: Int??
        if let text = m.bytes(.decade) {
            decadeYear = .some(integer(text))
        } else if let word = m.bytes(.decadeword), let v = values.value(.decadeWord, word) {
            decadeYear = .some(Int(v))
        }
        if let found = decadeYear {
            guard var year = found else { return nil }
            if year < 100 { year += 1900 }
            return String(year / 10)
        }
        var centuryText: String?
        if let c = m.string(.century) {
            centuryText = c
        } else if let word = m.bytes(.centuryword), let v = values.value(.ordinal, word) {
            centuryText = v
        } else if let r = m.string(.roman) {
            centuryText = roman(r)
        }
        if let text = centuryText {
            guard let n = Int(text), n >= 1 else { return nil }
            return CivilDate.pad(n - 1, 2)
        }
        if let unitText = m.bytes(.unit), let unit = values.value(.unitTime, unitText) {
            let ago = m.has(.ago)
            if let countText = m.bytes(.count) {
                guard let n = count(countText) else { return nil }
                if ago {
                    guard let reference else { return nil }
                    return shifted(reference, by: -n, unit: unit)
                }
                return duration(n, unit: unit)
            }
            if let s = m.bytes(.shift), let shift = values.int(.shift, s) {
                guard let reference else { return nil }
                return shifted(reference, by: shift, unit: unit)
            }
            return nil
        }
        let year: Int? = m.bytes(.year).flatMap(integer).map { y in
            guard y < 100 else { return y }
            let pivot = ((reference?.year ?? 2000) % 100) + 10
            return y <= pivot ? 2000 + y : 1900 + y
        }
        var month: Int? = nil
        if let mb = m.bytes(.month) {
            month = integer(mb) ?? values.int(.month, mb)
            guard month != nil else { return nil }
        }
        var day = m.bytes(.day).flatMap(integer)
        if var mo = month {
            if let d = day, mo > 12, d <= 12 { (mo, day) = (d, mo) }  // day first after all (31/12/2023)
            guard (1...12).contains(mo) else { return nil }
            guard let y = year ?? reference?.year else {
                if let d = day { return "--\(CivilDate.pad(mo, 2))-\(CivilDate.pad(d, 2))" }
                return nil
            }
            if let d = day {
                return CivilDate(year: y, month: mo, day: d)?.description
            }
            return CivilDate.yearMonth(y, mo)
        }
        if let y = year { return CivilDate.pad(y, 4) }
        if let w = m.bytes(.weekday), let weekday = values.int(.weekday, w) {
            guard let reference else { return nil }
            let shift = m.bytes(.shift).flatMap { values.int(.shift, $0) }
            return weekdayDate(weekday, shift: shift, reference: reference)
        }
        return nil
    }

}
