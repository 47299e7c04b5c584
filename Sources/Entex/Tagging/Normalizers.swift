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
            var delta = weekday - reference.weekday  // -6 … 6
            switch shift {
            case -1: if delta >= 0 { delta -= 7 }
            case 1: if delta <= 0 { delta += 7 }
            case 0: break  // the same ISO week
            default: if delta > 0 { delta -= 7 }  // news: the closest such day on or before the reference
            }
            return reference.adding(days: delta).description
        }
        return nil
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
        let values: [Character: Int] = ["I": 1, "V": 5, "X": 10, "L": 50, "C": 100]
        var total = 0, previous = 0
        for c in s.uppercased().reversed() {
            guard let v = values[c] else { return nil }
            total += v < previous ? -v : v
            previous = max(previous, v)
        }
        return total > 0 ? String(total) : nil
    }

    // MARK: - Hashtags

    /// `segmentHashtag` for ASCII tags, on bytes (most tags; no Unicode property look-ups).
    static func segmentASCIIHashtag(_ tag: String) -> String {
        let bytes = Array(tag.utf8.drop { $0 == UInt8(ascii: "#") })
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 4)
        var runStart = 0  // start of the current word in `bytes`
        for (i, b) in bytes.enumerated() {
            if b == UInt8(ascii: "_") {
                if !out.isEmpty && out.last != 0x20 { out.append(0x20) }
                runStart = i + 1
                continue
            }
            if i > runStart {
                let prev = bytes[i - 1]
                let nextIsLower = i + 1 < bytes.count && ByteClass.isLower(bytes[i + 1])
                let wordIsCaps = i - runStart > 1 && bytes[runStart..<i].allSatisfy(ByteClass.isUpper)
                if (ByteClass.isLower(prev) && ByteClass.isUpper(b))
                    || (ByteClass.isDigit(prev) != ByteClass.isDigit(b) && ByteClass.isAlnum(prev) && ByteClass.isAlnum(b))
                    || (ByteClass.isUpper(prev) && ByteClass.isUpper(b) && nextIsLower && wordIsCaps) {
                    out.append(0x20)
                    runStart = i
                }
            }
            out.append(b)
        }
        while out.last == 0x20 { out.removeLast() }
        return String(decoding: out, as: UTF8.self)
    }

    /// Splits a hashtag into words at `_`, lower→upper changes, the last
    /// capital of a capital run followed by lowercase (`COVIDVaccine`), and
    /// letter↔digit changes: `#ÚltimoMinuto` → `Último Minuto`.
    public static func segmentHashtag(_ tag: String) -> String {
        if tag.utf8.allSatisfy({ $0 < 0x80 }) { return segmentASCIIHashtag(tag) }
        enum Class { case upper, lower, digit, other }
        let scalars = Array(tag.unicodeScalars.drop { $0 == "#" })
        func cls(_ s: Unicode.Scalar) -> Class {
            let p = s.properties
            if p.numericType != nil { return .digit }
            if p.isUppercase || p.generalCategory == .titlecaseLetter { return .upper }
            if p.isAlphabetic { return .lower }
            return .other
        }
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
