import Foundation

/// A problem in a data file (lexicon, pattern or word list), naming file and line.
public struct DataFileError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var message: String
    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// One data row: its fields and where it came from.
public struct DataRow: Sendable {
    public var fields: [Substring]
    public var line: Int
}

/// Reads the project's tab-separated text data files: UTF-8, `#` starts a
/// comment line, blank lines are skipped, fields are separated by TAB.
public enum DataFile {
    public static func readText(_ path: String) throws(DataFileError) -> String {
        String(decoding: try readBytes(path), as: UTF8.self)
    }

    /// The bytes of a file that must be valid UTF-8; an error names the line of the first bad byte.
    static func readBytes(_ path: String) throws(DataFileError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataFileError(file: path, line: nil, message: "cannot read file")
        }
        let bytes = [UInt8](data)
        if let bad = bytes.withUnsafeBufferPointer({ UTF8Repair.firstInvalid($0) }) {
            let line = bytes[..<bad].reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw DataFileError(file: path, line: line, message: "invalid UTF-8")
        }
        return bytes
    }

    /// Calls `body` with the first field of every row (spaces, tabs and carriage returns
    /// trimmed) and its line number, as borrowed bytes: for word lists of tens of
    /// thousands of rows read at every start-up, where a `DataRow` of `Substring`s per
    /// row costs more than the work done with it. Same rows as `rows(_:)`.
    public static func forEachFirstField(_ path: String,
                                         _ body: (UnsafeBufferPointer<UInt8>, Int) throws(DataFileError) -> Void) throws(DataFileError) {
        let bytes = try readBytes(path)
        var failure: DataFileError?
        bytes.withUnsafeBufferPointer { p in
            var lineStart = 0, number = 0
            while lineStart < p.count {
                var lineEnd = lineStart
                while lineEnd < p.count, p[lineEnd] != 0x0A { lineEnd += 1 }
                number += 1
                defer { lineStart = lineEnd + 1 }
                if p[lineStart] == UInt8(ascii: "#") { continue }
                var fieldEnd = lineStart
                while fieldEnd < lineEnd, p[fieldEnd] != 0x09 { fieldEnd += 1 }
                var a = lineStart, b = fieldEnd
                while a < b, p[a] == 0x20 || p[a] == 0x09 || p[a] == 0x0D { a += 1 }
                while b > a, p[b - 1] == 0x20 || p[b - 1] == 0x09 || p[b - 1] == 0x0D { b -= 1 }
                if a == b {
                    // A blank line is skipped; a row whose first field is empty is still a row.
                    var blank = true
                    for k in lineStart..<lineEnd where p[k] != 0x20 && p[k] != 0x09 && p[k] != 0x0D { blank = false; break }
                    if blank { continue }
                }
                do throws(DataFileError) {
                    try body(UnsafeBufferPointer(rebasing: p[a..<b]), number)
                } catch {
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
    }

    /// Calls `body` with every row of the file (not a comment, blank or empty line), its
    /// fields as borrowed bytes, and throws the first row with fewer than `minimumColumns`
    /// fields: for the short lists read at every start-up, where a `String` per field cost
    /// more than the work done with it. `rows(_:minimumColumns:)` makes the fields strings.
    static func forEachRow(_ path: String, minimumColumns: Int = 1,
                           _ body: (DataByteRow) throws(DataFileError) -> Void) throws(DataFileError) {
        let bytes = try readBytes(path)
        var bounds: [Int] = []
        var failure: DataFileError?
        bytes.withUnsafeBufferPointer { p in
            var lineStart = 0, number = 0
            while lineStart <= p.count {
                var lineEnd = lineStart
                while lineEnd < p.count, p[lineEnd] != 0x0A { lineEnd += 1 }
                number += 1
                defer { lineStart = lineEnd + 1 }
                var end = lineEnd
                if end > lineStart, p[end - 1] == 0x0D { end -= 1 }
                if end == lineStart || p[lineStart] == UInt8(ascii: "#") { continue }
                var blank = true
                for k in lineStart..<end where p[k] != 0x20 && p[k] != 0x09 { blank = false; break }
                if blank { continue }
                bounds.removeAll(keepingCapacity: true)
                var fieldStart = lineStart
                for k in lineStart...end where k == end || p[k] == 0x09 {
                    bounds.append(fieldStart)
                    bounds.append(k)
                    fieldStart = k + 1
                }
                if bounds.count / 2 < minimumColumns {
                    failure = DataFileError(file: path, line: number,
                                            message: "expected at least \(minimumColumns) tab-separated columns, found \(bounds.count / 2)")
                    return
                }
                let error: DataFileError? = bounds.withUnsafeBufferPointer { b in
                    do throws(DataFileError) {
                        try body(DataByteRow(bytes: p, bounds: b, line: number))
                        return nil
                    } catch {
                        return error
                    }
                }
                if let error {
                    failure = error
                    return
                }
            }
        }
        if let failure { throw failure }
    }

    /// Rows of a file; with `columns`, every row must have at least that many fields:
    /// `forEachRow`'s rows, each field made a `String`.
    public static func rows(_ path: String, minimumColumns: Int = 1) throws(DataFileError) -> [DataRow] {
        var rows: [DataRow] = []
        try forEachRow(path, minimumColumns: minimumColumns) { row in
            rows.append(DataRow(fields: (0..<row.count).map { Substring(row.string($0)) }, line: row.line))
        }
        return rows
    }
}

/// One row of a data file as `DataFile.forEachRow` lends it: its fields as byte ranges
/// of the file, valid only during the call.
struct DataByteRow {
    /// The file's bytes.
    let bytes: UnsafeBufferPointer<UInt8>
    /// Start and end offsets of each field, one after the other (untrimmed).
    let bounds: UnsafeBufferPointer<Int>
    /// The row's line number (from 1).
    let line: Int

    /// The number of fields.
    var count: Int { bounds.count / 2 }

    /// Field `k` as it stands in the file (the bytes of `DataRow.fields[k]`).
    func field(_ k: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: bytes[bounds[2 * k]..<bounds[2 * k + 1]])
    }

    /// Field `k` without what `trimmedField` removes: leading spaces and tabs, trailing
    /// spaces, tabs and carriage returns.
    func trimmed(_ k: Int) -> UnsafeBufferPointer<UInt8> {
        var a = bounds[2 * k], b = bounds[2 * k + 1]
        while a < b, bytes[a] == 0x20 || bytes[a] == 0x09 { a += 1 }
        while b > a, bytes[b - 1] == 0x20 || bytes[b - 1] == 0x09 || bytes[b - 1] == 0x0D { b -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[a..<b])
    }

    /// Field `k` as a string, untrimmed (`DataRow.fields[k]`).
    func string(_ k: Int) -> String { String(decoding: field(k), as: UTF8.self) }

    /// Whether `bytes` are those of `word`.
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        return bytes.isEmpty || memcmpEqual(bytes.baseAddress!, word.utf8Start, bytes.count)
    }
}

/// Finds the bundled `Lexicons/` folder.
public enum LexiconLocator {
    /// The folder named by `explicit`, or `$ENTEX_LEXICONS`, or
    /// `<prefix>/share/entex/Lexicons` beside an installed binary, or the first
    /// `Lexicons/` found walking up from the executable, then from the current
    /// directory (a checkout).
    public static func find(explicit: String? = nil) throws(DataFileError) -> String {
        let fm = FileManager.default
        func isLexicons(_ path: String) -> Bool {
            var dir: ObjCBool = false
            return fm.fileExists(atPath: path + "/text", isDirectory: &dir) && dir.boolValue
        }
        if let explicit {
            guard isLexicons(explicit) else {
                throw DataFileError(file: explicit, line: nil, message: "not a lexicon folder (no text/ inside)")
            }
            return explicit
        }
        // getenv, not `ProcessInfo.environment`, which copies the whole environment into a
        // dictionary (0.7 M instructions of a start-up).
        if let value = getenv("ENTEX_LEXICONS"), case let env = String(cString: value), !env.isEmpty {
            guard isLexicons(env) else {
                throw DataFileError(file: env, line: nil, message: "ENTEX_LEXICONS is not a lexicon folder (no text/ inside)")
            }
            return env
        }
        var starts: [URL] = []
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            starts.append(exe.deletingLastPathComponent())
            let share = exe.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("share/entex/Lexicons").path
            if isLexicons(share) { return share }
        }
        starts.append(URL(fileURLWithPath: fm.currentDirectoryPath))
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = dir.appendingPathComponent("Lexicons").path
                if isLexicons(candidate) { return candidate }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw DataFileError(file: "Lexicons", line: nil,
                            message: "lexicon folder not found: pass --lexicons DIR or set ENTEX_LEXICONS")
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and carriage
    /// returns. Data files are read at start-up, where Foundation's
    /// `trimmingCharacters(in:)` costs a noticeable share of the time.
    public var trimmedField: String {
        let u = utf8
        var start = u.startIndex, end = u.endIndex
        while start < end, u[start] == 0x20 || u[start] == 0x09 { start = u.index(after: start) }
        while end > start {
            let previous = u.index(end, offsetBy: -1)
            let b = u[previous]
            guard b == 0x20 || b == 0x09 || b == 0x0D else { break }
            end = previous
        }
        return String(self[start..<end])
    }
}

extension StringProtocol {
    /// The same as Foundation's `trimmingCharacters(in: .whitespaces)` (spaces, tabs and
    /// other Unicode space separators at both ends), without Foundation when the ends
    /// are ASCII: pattern files are read at every start-up, and Foundation's trim
    /// cost more than parsing them. ASCII white space of that set is only space and tab.
    public var trimmedWhitespace: String {
        let u = utf8
        var start = u.startIndex, end = u.endIndex
        while start < end, u[start] == 0x20 || u[start] == 0x09 { start = u.index(after: start) }
        while end > start {
            let previous = u.index(end, offsetBy: -1)
            guard u[previous] == 0x20 || u[previous] == 0x09 else { break }
            end = previous
        }
        // A non-ASCII character at either end may be a Unicode space: Foundation decides.
        if start < end, u[start] >= 0x80 || u[u.index(end, offsetBy: -1)] >= 0x80 {
            return String(self[start..<end]).trimmingCharacters(in: .whitespaces)
        }
        return String(self[start..<end])
    }
}
