/// A proleptic Gregorian calendar date, used to resolve relative dates.
///
/// Arithmetic goes through a day count since 1970-01-01 (negative before),
/// so adding days, months or years never produces an invalid date: adding a
/// month to January 31 gives the last day of February.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    /// A date from its fields; nil when the day does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), (1...CivilDate.daysIn(year: year, month: month)).contains(day),
              (1...9999).contains(year) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01.
    public init(days: Int) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01.
    public var days: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday.
    public var weekday: Int {
        let w = (days + 3) % 7  // 1970-01-01 was a Thursday (3 days after Monday)
        return (w < 0 ? w + 7 : w) + 1
    }

    public static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public func adding(days n: Int) -> CivilDate { CivilDate(days: days + n) }

    /// Adds months, clamping the day to the length of the target month.
    public func adding(months n: Int) -> CivilDate {
        let index = year * 12 + (month - 1) + n
        let y = index >= 0 ? index / 12 : (index - 11) / 12
        let m = index - y * 12 + 1
        var copy = self
        copy.year = y
        copy.month = m
        copy.day = min(day, CivilDate.daysIn(year: y, month: m))
        return copy
    }

    /// ISO 8601 week-numbering year and week.
    public var isoWeek: (year: Int, week: Int) {
        // The week belongs to the year of its Thursday.
        let thursday = adding(days: 4 - weekday)
        let jan1 = CivilDate(year: thursday.year, month: 1, day: 1)!
        return (thursday.year, (thursday.days - jan1.days) / 7 + 1)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        guard (0...9999).contains(year), (0...99).contains(month), (0...99).contains(day) else {
            return "\(CivilDate.pad(year, 4))-\(CivilDate.pad(month, 2))-\(CivilDate.pad(day, 2))"
        }
        // Ten bytes: a small string, written without interpolation.
        return String(unsafeUninitializedCapacity: 10) { out in
            CivilDate.write(year, width: 4, into: out, at: 0)
            out[4] = UInt8(ascii: "-")
            CivilDate.write(month, width: 2, into: out, at: 5)
            out[7] = UInt8(ascii: "-")
            CivilDate.write(day, width: 2, into: out, at: 8)
            return 10
        }
    }

    /// `YYYY-MM` (the same as padding each part with `pad`).
    static func yearMonth(_ year: Int, _ month: Int) -> String {
        guard (0...9999).contains(year), (0...99).contains(month) else { return "\(pad(year, 4))-\(pad(month, 2))" }
        return String(unsafeUninitializedCapacity: 7) { out in
            write(year, width: 4, into: out, at: 0)
            out[4] = UInt8(ascii: "-")
            write(month, width: 2, into: out, at: 5)
            return 7
        }
    }

    /// Writes `n` (0 ≤ n < 10^width) in `width` decimal digits, zero-padded.
    @inline(__always)
    static func write(_ n: Int, width: Int, into out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var n = n
        var i = offset + width - 1
        while i >= offset {
            out[i] = UInt8(truncatingIfNeeded: 0x30 + n % 10)
            n /= 10
            i -= 1
        }
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        if n >= 0 && width <= 4 && n < 10_000 {
            let digits = n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : 4
            let w = max(width, digits)
            return String(unsafeUninitializedCapacity: w) { out in
                write(n, width: w, into: out, at: 0)
                return w
            }
        }
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { a.days < b.days }

    /// Parses a document date: ISO 8601 (`2023-09-12`, `2023-09-12T10:00:00Z`),
    /// Twitter v1 `created_at` (`Tue Sep 12 10:00:00 +0000 2023`), RFC 2822
    /// (`Tue, 12 Sep 2023 10:00:00 GMT`) or a Unix time in milliseconds
    /// (`timestamp_ms`). Returns nil for anything else; never traps.
    public static func parse(_ text: String) -> CivilDate? {
        let s = Array(text.utf8)
        func number(_ r: Range<Int>) -> Int? {
            guard r.lowerBound >= 0, r.upperBound <= s.count, !r.isEmpty else { return nil }
            var v = 0
            for i in r {
                guard s[i] >= 0x30, s[i] <= 0x39 else { return nil }
                v = v * 10 + Int(s[i] - 0x30)
            }
            return v
        }
        if s.count >= 10, s[4] == UInt8(ascii: "-"), s[7] == UInt8(ascii: "-"),
           let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) {
            return CivilDate(year: y, month: m, day: d)
        }
        if s.count >= 10, s.count <= 16, s.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let ms = Int(text) {
            // Unix time: 13 digits are milliseconds, 10 are seconds.
            let seconds = s.count >= 13 ? ms / 1000 : ms
            let d = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
            return CivilDate(days: d)
        }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," })
        guard words.count >= 4 else { return nil }
        let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        func monthNumber(_ w: Substring) -> Int? {
            guard let i = months.firstIndex(of: w.prefix(3).lowercased()) else { return nil }
            return i + 1
        }
        // Twitter: Tue Sep 12 10:00:00 +0000 2023
        if let m = monthNumber(words[1]), let d = Int(words[2]), let y = Int(words[words.count - 1]), y > 999 {
            return CivilDate(year: y, month: m, day: d)
        }
        // RFC 2822: Tue, 12 Sep 2023 10:00:00 GMT
        if let d = Int(words[1]), let m = monthNumber(words[2]), let y = Int(words[3]) {
            return CivilDate(year: y, month: m, day: d)
        }
        return nil
    }
}
